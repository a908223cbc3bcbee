"""Answering with the multilingual sentence model first: the question's similarity to each
statement's whole record (speaker, role, side, date, source, text, places, topics) ranks;
what the question names adds a small bonus; and the decision that nothing answers rests on
what generalises to questions nobody has seen.

Ranking. The cosine similarity is the score. A statement by a speaker the question names,
of a side or about a place it names, of the kind it asks for ("Who rejected ...": a
rejection), or said within the months it asks about, gets a bonus
of a few hundredths: enough to order near-equals, never enough to lift an unrelated
statement over a relevant one. So does a statement holding the question's rare words
(bot.answering.lexical), in proportion to the share it holds. Measured on development and calibration questions in three
languages (bot.answering.evaluation), each bonus adds recall and MRR; the ablation shows it.

Nothing found, when any of:
* the question uses a proper name the record never mentions (a person, body or place:
  "Erdogan", "Эрдоган", "Gaza"), checked against the full-text index;
* the best similarity falls below the threshold of the question's script (unless the
  question asks only who, where or when and some statement is by them, there or then: so
  bare a question sits far from every statement, "Що сталося в Стамбулі?") (the model's
  cosines sit ~0.03 lower for Cyrillic questions against English statements), lowered by
  `absent_penalty` times the share of the question's content words the record holds
  nowhere ("reparations", "elections"; a word of how something was said, "promised",
  counts as held: the record keeps it as the stance, not in its words); a Ukrainian or
  Russian word is looked up by the English words a bilingual lexicon gives for it
  (bot/data/vocabulary/crosslingual.json: "виборах" -> election, vote, ballot ...), and
  words it does not know are not counted,
  unless the question holds no word the record or the vocabulary knows (no name, word
  for a topic, time or word of the lexicon: "Розкажи анекдот"), when all count as absent.
  When the question names a speaker (the Kremlin or the United States also speaking for
  its side), a place or months, its subject words are looked for among the statements it
  points at rather than in the whole record: "What did Lavrov say about prisoner
  exchanges?" holds words only Umerov used, a near miss like a word held nowhere; words
  of how something was said ("threatened") are the stance's, not looked for there;
* the question names who, where or when, and no statement is by them, about it and then
  ("What did Zelensky say about Crimea in September?"); or it also names a topic by a word
  that names nothing else (vocabulary/topics.json "naming": "prisoners", "санкції") and
  none of those statements is tagged with it nor uses its words ("What did Lavrov say
  about prisoners?"). The tags are in memory; the words are looked for only when no tag
  is there, in the same round trip, as a statement on talks may speak of a ceasefire;
* the question names who, where or when, and none of its subject's words, words for a
  topic ("guarantees", "summit": any topic they may stand for, by tag, or the word or
  the topic's words in the text) or proper names is held in those statements, and one of
  them is a topic word, a name or a word the record holds nowhere ("What did Rubio say
  about security guarantees?", "What did Zelensky say about Lukoil?"). A plain word held
  elsewhere is no such evidence: it may paraphrase what is said there.
When, on the contrary, the question names who, where or when and everything it asks about
is held there, the threshold is eased by `supported_relief`: refusing is for clear evidence.
The thresholds were fitted on calibration questions only (benchmarks/data/calibration_*),
never on the hold-out sets the evaluation reports."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.keywords import COMMON_MIN, COMMON_SHARE, Scope, TermStats, term_stats
from bot.answering.lexical import WordGroups, held_shares
from bot.answering.near_names import nearest_speaker
from bot.answering.numbers import numbers_in
from bot.answering.query import Ranked
from bot.answering.reading import (
    Reading,
    english_words,
    fold,
    is_cyrillic,
    read,
    tells_manner,
    topic_words,
    topics_of,
)
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import Selection
from bot.answering.record_index.exact import contenders, make_exact
from bot.answering.spellings import record_spellings
from bot.answering.understanding.terms import without
from bot.i18n import _
from storage.actors import normalize_name
from storage.engine import Database

#: Answers listed for one question at most (pages included) ...
MAX_ANSWERS = 50
#: A question of at most this many words may be a speaker's name misspelt, to suggest.
_FEW_WORDS = 2
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class SemanticWeights:
    speaker: float = 0.02
    side: float = 0.01
    place: float = 0.014
    #: A statement of the kind the question asks for ("Who rejected ...": a rejection).
    stance: float = 0.02
    time: float = 0.03
    #: Times the weighted share of the question's words a statement holds (bot.answering.lexical).
    lexical: float = 0.04
    threshold_latin: float = 0.79
    threshold_cyrillic: float = 0.77
    absent_penalty: float = 0.05
    #: Taken off the threshold when the question names who, where or when and everything
    #: it asks about is held there (`Evidence.supported`).
    supported_relief: float = 0.01
    #: Past the first page, statements within this much of the best score (similarity and
    #: bonuses) are listed. On the similarity alone (0.04), dev and calibration questions
    #: listed a median 20 of the sample's 48 statements in Ukrainian and Russian, 9 in
    #: English; on the score at 0.06, 11 and 6, with 381 of their 384 relevant statements
    #: listed against 380 (the first pages unchanged).
    listed_within: float = 0.06
    first_page: int = 5


@dataclass(frozen=True)
class SemanticOptions:
    """Switches for the ablation (bot.answering.evaluation)."""

    names: bool = True
    time: bool = True
    unknown_names: bool = True
    absent_words: bool = True
    #: Look for the words among the statements the question points at (see the module's doc).
    scoped_words: bool = True
    lexical: bool = True
    thresholds: bool = True
    weights: SemanticWeights = SemanticWeights()


DEFAULT_SEMANTIC = SemanticOptions()


async def rank(
    database: Database,
    session: AsyncSession,
    index: RecordArrays,
    question: str,
    options: SemanticOptions = DEFAULT_SEMANTIC,
) -> Ranked:
    assert database.embedder is not None
    reading = read(question, index.facts)
    # The model reads what is asked: greetings, thanks and please cut out, as for the words.
    asked = without(question, list(reading.courtesy)) or question
    embedding = asyncio.ensure_future(asyncio.to_thread(database.embedder.embed_query, asked))
    try:
        latin = await _latin_names(database, session, index, reading)
        words = _word_groups(reading, asked, latin) if options.lexical else WordGroups()
        evidence, stats = await _unheld(database, session, index, reading, options, words, latin)
        vector = await embedding
    finally:
        if not embedding.done():
            embedding.cancel()
    if evidence.missing:
        return Ranked(reason=_missing(evidence.missing, index, question))
    if evidence.pointless:
        return Ranked(reason=_nothing_close(question, reading, index))
    if options.absent_words and reading.cyrillic and not _knows_a_word(reading):
        evidence = replace(evidence, absent=1.0)
    columns = index.columns
    cosines, bounds = await asyncio.to_thread(index.approximate, vector)
    if index.columns is not columns:
        cosines, bounds = index.approximate(vector)
    live = index.mask(Selection())
    if not live.any():
        return Ranked(reason=_("the record is empty"))
    weights = options.weights
    threshold = weights.threshold_cyrillic if reading.cyrillic else weights.threshold_latin
    if evidence.supported:
        threshold -= weights.supported_relief
    # Only who, where or when is asked ("What did Trump say in July?", "Що сталося в
    # Стамбулі?"): the statements it points at are the answer, closest first (a rank, not
    # a score), however far the model puts so bare a question from each of them.
    pointed = _scope_rows(index, reading) if options.names and options.time and not _asks_what(reading) else None
    if pointed is not None and not pointed.any():
        pointed = None
    closeness_decides = options.thresholds and pointed is None
    # Below the threshold even at the top of every row's bound: the exact similarities
    # could only confirm it, and need not be read.
    best_possible = float((cosines[live].astype(np.float64) + bounds[live]).max())
    if closeness_decides and best_possible - weights.absent_penalty * evidence.absent < threshold:
        return Ranked(reason=_nothing_close(question, reading, index))
    bonus = _bonus(index, reading, options)
    rows = np.flatnonzero(live)
    first = np.zeros(index.size, dtype=np.float64)
    if pointed is not None:
        first[pointed] = 1.0
    if words:
        closest = rows[np.argsort(-(cosines[rows] + bonus[rows]), kind="stable")]
        shares = await held_shares(database, session, index, words, stats, closest)
        if reading.speakers:
            shares *= index.of_actors(reading.speakers) | index.of_sides(reading.voiced)
        bonus += weights.lexical * shares
    # Exact where it decides: the rows that may be among the answers, or the closest.
    approximate = cosines.astype(np.float64) + bonus + first
    contending = [contenders(approximate, bounds, rows, MAX_ANSWERS), contenders(cosines, bounds, rows, 1)]
    await make_exact(database, index, vector, cosines, np.concatenate(contending))
    scores = cosines.astype(np.float64)
    scores += bonus
    scores[~live] = -np.inf
    best = float(cosines[live].max())
    if closeness_decides and best - weights.absent_penalty * evidence.absent < threshold:
        return Ranked(reason=_nothing_close(question, reading, index))
    ranking = scores + first
    order = np.argsort(-ranking, kind="stable")[:MAX_ANSWERS]
    order = order[np.isfinite(ranking[order])]
    keep = np.arange(len(order)) < weights.first_page
    keep |= ranking[order] >= float(ranking[order[0]]) - weights.listed_within
    order = order[keep]
    ids = index.columns.ids[order].tolist()
    return Ranked(ids=[int(i) for i in ids], scores=[float(scores[row]) for row in order])


def _missing(names: list[str], index: RecordArrays, question: str) -> str:
    """Why nothing answers a question naming what the record never mentions, with the
    speaker a misspelt name most likely means ("Zelenksy": Volodymyr Zelensky)."""
    shown = ", ".join(names)
    near = next((found for found in (nearest_speaker(name, index.facts, question) for name in names) if found), None)
    if near is None:
        return _("the record does not mention {names}").format(names=shown)
    return _("the record does not mention {names}; did you mean {suggestion}?").format(names=shown, suggestion=near)


def _asks_what(reading: Reading) -> bool:
    """Whether the question asks about something besides who, where and when: a word of
    its own, a word for a topic or a name the record must hold."""
    return bool(reading.content_words or reading.translated_words or reading.topic_groups or reading.names)


def _nothing_close(question: str, reading: Reading, index: RecordArrays) -> str:
    """Why nothing answers; for a word or two that is a speaker's name misspelt ("Путн",
    "Zelenksy?"), with the speaker it most likely means."""
    words = _WORDS.findall(question)
    if not reading.speakers and 0 < len(words) <= _FEW_WORDS:
        near = next(
            (found for found in (nearest_speaker(word, index.facts, question) for word in words) if found), None
        )
        if near is not None:
            return _("nothing in the record is close enough to the question; did you mean {suggestion}?").format(
                suggestion=near
            )
    return _("nothing in the record is close enough to the question")


def _knows_a_word(reading: Reading) -> bool:
    """Whether any word of the question is one the record or the vocabulary knows: a name,
    a word for a topic, a time, a word the lexicon translates. A Ukrainian or Russian
    question with none ("Розкажи анекдот") is most likely about nothing the record is
    about (the lexicon holds the words of war, peace, diplomacy, politics and the economy),
    and the model's similarities alone, compressed as they are, would answer it."""
    return bool(
        reading.speakers
        or reading.sides
        or reading.places
        or reading.span
        or reading.names
        or reading.content_words
        or reading.translated_words
        or reading.topic_groups
    )


def _bonus(index: RecordArrays, reading: Reading, options: SemanticOptions) -> np.ndarray:
    weights = options.weights
    bonus = np.zeros(index.size, dtype=np.float64)
    if options.names:
        if reading.speakers:
            bonus = np.maximum(bonus, weights.speaker * index.of_actors(reading.speakers))
        if reading.sides:
            bonus = np.maximum(bonus, weights.side * index.of_sides(reading.sides))
        if reading.places:
            bonus = np.maximum(bonus, weights.place * index.about_places(reading.places))
        if reading.stances:
            bonus += weights.stance * index.of_stances(reading.stances)
    if options.time and reading.span is not None:
        inside = index.mask(Selection(since=reading.span[0], until=reading.span[1], include_retracted=True))
        if inside.any():
            bonus += weights.time * inside
    return bonus


@dataclass(frozen=True)
class Evidence:
    """What the full-text index says of a question's words (see `_unheld`)."""

    #: Its proper names the record never mentions.
    missing: list[str] = field(default_factory=list)
    #: The share of its content words the record holds nowhere (or, when it names who,
    #: where or when, nowhere among the statements it points at).
    absent: float = 0.0
    #: It points at no statement, or at none that holds its subject.
    pointless: bool = False
    #: It names who, where or when, and everything it asks about is held there.
    supported: bool = False


async def _latin_names(
    database: Database, session: AsyncSession, index: RecordArrays, reading: Reading
) -> dict[str, tuple[str, ...]]:
    """For each Cyrillic name of the question, the English words the lexicon gives for it
    ("Китаю" -> china), else the record's Latin names it may be ("Джидді" -> jeddah,
    bot.answering.spellings); the record's names are gathered once per change of the record."""
    latin = {name: english_words(fold(name)) for name in reading.names if is_cyrillic(name)}
    unknown = [name for name, words in latin.items() if not words]
    if unknown:
        spellings = await record_spellings(database, index, session)
        latin.update({name: spellings.latin_for(name) for name in unknown})
    return latin


def _word_groups(reading: Reading, question: str, latin: dict[str, tuple[str, ...]]) -> WordGroups:
    """Every word of the question a statement may hold: content words, words for a topic,
    proper names and numbers (bot.answering.lexical)."""
    names = [_name_group(name, latin.get(name, ())) for name in reading.names]
    return WordGroups(
        tuple(
            dict.fromkeys(
                [
                    *((word,) for word in reading.content_words),
                    *reading.translated_words,
                    *reading.topic_groups,
                    *names,
                ]
            )
        ),
        numbers=tuple(numbers_in(question)),
    )


async def _unheld(
    database: Database,
    session: AsyncSession,
    index: RecordArrays,
    reading: Reading,
    options: SemanticOptions,
    words_asked: WordGroups,
    latin_names: dict[str, tuple[str, ...]],
) -> tuple[Evidence, TermStats]:
    """The question's words against the full-text index, in one round trip for all; with
    the counts of `words_asked`, for their weights. A Cyrillic name is held when the record
    holds one of its `latin_names`."""
    names = list(reading.names) if options.unknown_names and options.thresholds else []
    latin = [name for name in names if not is_cyrillic(name)]
    # A Cyrillic name is looked up by the stem of its transliteration, so its case ending
    # does not hide it: "Владивостоці" -> "vladivosto", found in "Vladivostok".
    stems = {name: _stem(normalize_name(name)) for name in names if is_cyrillic(name)}
    # A Cyrillic content word is held when the record holds any of the English words the
    # lexicon gives for it; a Cyrillic name too, when its transliteration is not found.
    words = list(reading.content_words) if options.absent_words and options.thresholds else []
    translated = list(reading.translated_words) if options.absent_words and options.thresholds else []
    english = {name: latin_names.get(name, ()) for name in stems}
    scoping = options.scoped_words and options.absent_words and options.thresholds
    rows = _scope_rows(index, reading) if scoping else None
    scope = _scope(index, reading, rows)
    if scope is not None and not scope.ids:
        return Evidence(pointless=True), TermStats()
    # A topic none of the statements pointed at is tagged with may still be in their
    # words ("ceasefire" in a statement on talks): looked for there, in the same round trip.
    off_topic = _off_topic(index, reading, rows) if scope is not None else []
    # The question's words for a topic, and its proper names, are its subject too: held
    # where it points when a statement there is on the topic or uses the words or name.
    tagged, untagged = _topic_groups(index, reading, rows) if scope is not None else (0, [])
    named = [_name_group(name, english.get(name, ())) for name in names] if scope is not None else []
    cap = max(COMMON_MIN, int(max(index.size, 1) * COMMON_SHARE))
    groups = [*translated, *(group for group in english.values() if group)]
    checked_groups = [*((word,) for word in words), *translated]
    # How something was said is the statement's stance, seldom its words: checked in the
    # whole record only.
    subject = [group for group in checked_groups if not tells_manner(group)]
    stats = (
        await term_stats(
            database,
            [*words, *stems.values(), *words_asked.terms],
            latin,
            cap,
            session,
            index.term_cache,
            alternatives=groups,
            scoped=[*subject, *off_topic, *untagged, *named] if scope is not None else (),
            within=scope,
        )
        if names or words or translated or off_topic or untagged or words_asked.groups
        else TermStats()
    )
    missing = [
        name
        for name in names
        if name in stats.missing_names
        or (stats.counts.get(stems.get(name, ""), 1) == 0 and not stats.held.get(english.get(name, ()), False))
    ]
    if any(not stats.held_within.get(group, True) for group in off_topic):
        return Evidence(missing, pointless=True), stats
    anywhere = dict(
        zip(
            checked_groups,
            [stats.counts.get(word) != 0 for word in words] + [stats.held[group] for group in translated],
            strict=True,
        )
    )
    # A word of how something was said ("promised", "welcome") is held whatever the
    # statements' words: the record keeps it as the stance ("committed to deploy").
    held = [
        tells_manner(group) or (anywhere[group] and (scope is None or stats.held_within.get(group, True)))
        for group in checked_groups
    ]
    absent = held.count(False) / len(held) if held else 0.0
    if scope is None:
        return Evidence(missing, absent), stats
    within = [stats.held_within.get(group, True) for group in (*subject, *untagged, *named)]
    if (
        not tagged
        and within
        and not any(within)
        and (untagged or named or not all(anywhere[group] for group in subject))
    ):
        # Asked of a speaker, place or months, none of its subject words, topic words or
        # names is held there, and the evidence is clear: one of them is a topic word or
        # a name (looked for there generously: a tag, any of the topic's words), or a word
        # the record holds nowhere. A plain word held elsewhere may be a paraphrase of what
        # the statements there say ("losing" a village they say is "controlled").
        return Evidence(missing, absent, pointless=True), stats
    return Evidence(missing, absent, supported=bool(tagged or within or reading.topics) and all(within)), stats


def _scope_rows(index: RecordArrays, reading: Reading) -> np.ndarray | None:
    """The statements the question points at: said by a speaker it names, about a place
    it names, within the months or seasons it names. None when it names none of these or
    they hold the whole record (the whole-record check is then the same). A side is left
    out: named beside a speaker or alone, it is as often what is spoken about as who
    speaks ("What did Washington threaten Moscow with?")."""
    months = reading.span if reading.months_named else None
    if not (reading.speakers or reading.places or months):
        return None
    live = index.mask(Selection())
    rows = live.copy()
    if reading.speakers:
        rows &= index.of_actors(reading.speakers) | index.of_sides(reading.voiced)
    if reading.places:
        rows &= index.about_places(reading.places)
    if months is not None:
        rows &= index.mask(Selection(since=months[0], until=months[1]))
    if rows.sum() == live.sum():
        return None
    return rows


def _scope(index: RecordArrays, reading: Reading, rows: np.ndarray | None) -> Scope | None:
    if rows is None:
        return None
    months = reading.span if reading.months_named else None
    return Scope(
        key=(reading.speakers, reading.voiced, reading.places, months), ids=tuple(index.columns.ids[rows].tolist())
    )


def _off_topic(index: RecordArrays, reading: Reading, rows: np.ndarray | None) -> list[tuple[str, ...]]:
    """For each topic the question names that no statement it points at is tagged with,
    the English words naming it, to look for in those statements' words: "What did Lavrov
    say about prisoner exchanges?" when only Umerov spoke on prisoners."""
    if rows is None:
        return []
    return [
        topic_words(topic)
        for topic in sorted(reading.topics)
        if not index.on_topics((topic,), np.flatnonzero(rows)).any()
    ]


def _topic_groups(index: RecordArrays, reading: Reading, rows: np.ndarray | None) -> tuple[int, list[tuple[str, ...]]]:
    """How many of the question's topic words stand for a topic some statement it points
    at is tagged with; and for each of the others, the word and the English words of the
    topics it may stand for, to look for in those statements' words."""
    if rows is None:
        return 0, []
    scoped = np.flatnonzero(rows)
    tagged = 0
    untagged: list[tuple[str, ...]] = []
    for words in reading.topic_groups:
        if tells_manner(words[:1]):
            # "demands", "вимагав": how something was said, as for other words; told by
            # the first word, as a Cyrillic word's English words may list "talks" after
            # "summit".
            continue
        topics = topics_of(words)
        if index.on_topics(topics, scoped).any():
            tagged += 1
        else:
            untagged.append(
                tuple(dict.fromkeys((*words, *(word for topic in sorted(topics) for word in topic_words(topic)))))
            )
    return tagged, untagged


def _name_group(name: str, english: tuple[str, ...]) -> tuple[str, ...]:
    """What a proper name is looked for by among statements: itself, or for a Cyrillic
    name the English words the lexicon gives for it ("Китаю" -> china), else the stem
    of its transliteration."""
    if not is_cyrillic(name):
        return (fold(name),)
    return english or (_stem(normalize_name(name)),)


def _stem(key: str) -> str:
    return key[: max(4, len(key) - 3)]
