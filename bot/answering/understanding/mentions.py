"""Who and what a question names: phrases of the record's vocabulary found among its
tokens, and for each whether it is the question's subject, the one who speaks ("What did
Moscow demand ...", "Did the Kremlin ...", "Putin's conditions ...").

Only the subject's side, named for certain, may become a filter; everything else named
(the side of an adjective, a speaker named by role, a topic, a place) only ranks higher,
because readers name places and topics that the statements answering them do not list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering.understanding.tokens import Token
from bot.answering.understanding.vocabulary import Ref, Vocabulary, role_words
from bot.answering.understanding.words import GRAMMAR, SIDES, STANCES
from storage.actors import normalize_name
from storage.models import Topic

#: A phrase found in the question: token positions [start, end) and what it may refer to.
Matched = tuple[int, int, list[Ref]]


@dataclass(frozen=True)
class Mention:
    """One recognised reference in the question."""

    kind: str  # "speaker", "side", "place", "topic", "role"
    text: str
    start: int  # token positions [start, end)
    end: int
    #: The parties a filter on this mention admits ("the EU": the Union and its members)...
    sides: tuple[str, ...] = ()
    #: ... and the party it names first, for boosts and display.
    primary: tuple[str, ...] = ()
    actor_ids: tuple[int, ...] = ()
    places: tuple[str, ...] = ()
    topic: Topic | None = None
    certain: bool = True
    #: The one the question asks about ("What did Moscow ..."), or inside that phrase.
    subject: bool = False
    in_subject: bool = False


@dataclass(frozen=True)
class Subject:
    """Where the question's subject stands and how it is asked about."""

    #: The token where the subject starts (None: no subject found) ...
    start: int | None
    #: ... and where its noun phrase ends (the first verb or preposition after it).
    end: int
    #: Whether the subject speaks: asked with a verb of saying or of taking a position
    #: ("What did Moscow demand"), or as a bare phrase ("Kremlin conditions for ...");
    #: not when asked what it did ("Did Washington stop ...") nor in the passive ("Has
    #: China been proposed ...").
    speaks: bool
    #: The question is only a noun phrase ("Lavrov on guarantees").
    bare_phrase: bool
    #: "Who said ...", "Which side ...": the speaker is what is asked for.
    asks_who: bool


def match_mentions(tokens: list[Token], vocab: Vocabulary, skip: set[int]) -> list[Matched]:
    """The longest phrases of the vocabulary, left to right, outside the `skip` tokens."""
    found = []
    i = 0
    while i < len(tokens):
        if i in skip:
            i += 1
            continue
        hit = None
        for length in range(min(vocab.longest, len(tokens) - i), 0, -1):
            if any(j in skip for j in range(i, i + length)):
                continue
            key = tuple(token.norm for token in tokens[i : i + length])
            refs = vocab.phrases.get(key)
            if not refs:
                continue
            original = tokens[i].text
            refs = [ref for ref in refs if not ref.upper_only or (length > 1 or original.isupper())]
            # "Dmitry" alone may be the record's Dmitry Peskov; "Dmitry Medvedev" is not.
            neighbours = [tokens[j] for j in (i - 1, i + length) if 0 < j < len(tokens)]
            if any(token.text[:1].isupper() and token.text.isalpha() for token in neighbours):
                refs = [ref for ref in refs if not ref.partial]
            if refs:
                hit = (i, i + length, refs)
                break
        if hit:
            found.append(hit)
            i = hit[1]
        else:
            i += 1
    return found


def _subject_positions(words: list[str]) -> tuple[int | None, int, bool]:
    """Where the question's subject starts (a token index, or None), where its noun phrase
    ends (the first verb or preposition after it), and whether it is passive ("Has China
    been proposed ..."), where the subject is not the one who speaks."""
    verbs = STANCES.verbs
    i = 0
    while i < len(words) and (words[i] in GRAMMAR.leading_words or words[i] in GRAMMAR.slavic_leading):
        i += 1
    # "Which bank did Russia ...", "What weapons deal did Zelensky ...": a few nouns may
    # stand between the question word and the auxiliary.
    j = i
    while j < min(len(words), i + 3) and words[j] not in GRAMMAR.auxiliaries and words[j] not in verbs:
        j += 1
    start: int | None
    if i < len(words) and (words[i] in GRAMMAR.auxiliaries or (i > 0 and words[i] in GRAMMAR.slavic_speech_verbs)):
        start = i + 1
    elif i > 0 and j < len(words) and words[j] in GRAMMAR.auxiliaries and words[0] in {"which", "what", "how", "whose"}:
        start = j + 1
    elif i == 0:
        start = 0  # a bare noun phrase: "Kremlin conditions for ..."
    else:
        start = None
    if start is None:
        return None, 0, False
    while start < len(words) and words[start] in GRAMMAR.determiners:
        start += 1
    end = start
    while end < len(words) and words[end] not in verbs and words[end] not in GRAMMAR.phrase_breaks:
        end += 1
    passive = any(word in GRAMMAR.passive_markers for word in words[start:end]) or (
        start > 0
        and words[start - 1] in {"is", "are", "was", "were"}
        and end < len(words)
        and (words[end].endswith("ed") or words[end] in GRAMMAR.irregular_participles)
    )
    return start, end, passive


def read_subject(tokens: list[Token]) -> Subject:
    words = [token.norm for token in tokens]
    start, end, passive = _subject_positions(words)
    main_verb = words[end] if start is not None and end < len(words) else None
    asked_with_auxiliary = (
        start is not None and start > 0 and any(word in GRAMMAR.auxiliaries for word in words[:start])
    )
    bare_phrase = start == 0 and not asked_with_auxiliary and main_verb not in STANCES.verbs
    speaks = not passive and (
        main_verb in STANCES.stance_verbs
        or bool(start and words[start - 1] in GRAMMAR.slavic_speech_verbs)
        or (main_verb not in STANCES.verbs and not asked_with_auxiliary)
    )
    asks_who = bool(words) and words[0] in {"who", "which", "whose"} and start is None
    return Subject(start, end, speaks, bare_phrase, asks_who)


def mentions_of(
    question: str, tokens: list[Token], matched: list[Matched], subject: Subject, record_places: tuple[str, ...]
) -> list[Mention]:
    """The matched phrases as mentions, each marked as the subject or not."""
    mentions: list[Mention] = []
    words = [token.norm for token in tokens]
    place_prepositions = GRAMMAR.place_prepositions
    according_to = {
        start for start, _, _ in matched if start > 1 and words[start - 1] == "to" and words[start - 2] == "according"
    }
    previous_subject_end: int | None = None
    for start, end, refs in matched:
        before = words[start - 1] if start > 0 else ""
        after = words[end] if end < len(words) else ""
        if after == "s" and end + 1 < len(words):  # possessive: "Putin's"
            after = words[end + 1]
        if any(ref.capital for ref in refs) and (before not in place_prepositions or start in according_to):
            refs = [ref for ref in refs if ref.kind != "place"]  # "with Kyiv": the government
        kinds = {ref.kind for ref in refs}
        if subject.asks_who:
            is_subject = False
        else:
            head = subject.start is not None and start == subject.start and subject.speaks
            if head and subject.bare_phrase:
                # A question that is only a noun phrase names its speaker for certain when
                # it starts with a speaker, a possessive or "X on ..." ("Lavrov on
                # guarantees", "Moscow's demands"); "European countries as the first line
                # of defence" is about them, not by them.
                following = words[end] if end < len(words) else ""
                head = "speaker" in kinds or following in {"s", "on", "about"}
            coordinated = (
                previous_subject_end is not None
                and before in {"and", "or", "nor"}
                and start == previous_subject_end + 1
            )
            according = start in according_to
            if according_to and not according:
                # "Moscow's aim according to Kyiv": Kyiv speaks; Moscow is what it speaks of.
                head = coordinated = False
            by = before == "by" or (before == "from" and "speaker" in kinds)
            speaking = (
                after in STANCES.stance_verbs
                and before not in place_prepositions
                and (subject.start is None or start <= subject.end)
            )
            is_subject = head or coordinated or according or by or speaking
        in_subject_phrase = (
            not subject.asks_who
            and not (according_to and start not in according_to)
            and subject.start is not None
            and subject.start <= start < subject.end
        )
        text = question[tokens[start].start : tokens[end - 1].end]
        for ref in refs:
            if ref.kind == "side":
                if ref.capital and before in place_prepositions and start not in according_to:
                    # "in Kyiv": the city, not the government.
                    places = tuple(p for p in record_places if normalize_name(p) == words[start])
                    if places:
                        mentions.append(Mention("place", text, start, end, places=places, certain=False))
                    continue
                certain = ref.certain or after in SIDES.party_nouns
                mentions.append(
                    Mention(
                        "side",
                        text,
                        start,
                        end,
                        sides=ref.sides if certain else ref.primary,
                        primary=ref.primary,
                        certain=certain,
                        subject=is_subject,
                        in_subject=in_subject_phrase,
                    )
                )
            elif ref.kind == "speaker":
                mentions.append(
                    Mention(
                        "speaker",
                        text,
                        start,
                        end,
                        sides=ref.sides,
                        primary=ref.sides,
                        actor_ids=() if ref.institution else ref.actor_ids,
                        subject=is_subject,
                        in_subject=in_subject_phrase,
                    )
                )
            elif ref.kind == "place":
                mentions.append(Mention("place", text, start, end, places=ref.places, certain=False))
            elif ref.kind == "topic":
                mentions.append(Mention("topic", text, start, end, topic=ref.topic, certain=False))
        if is_subject and kinds & {"side", "speaker"}:
            previous_subject_end = end - 1
    return mentions


def role_mentions(question: str, vocab: Vocabulary) -> list[Mention]:
    """Speakers named by a role they held in the record ("the Russian foreign minister")."""
    question_bag = set(role_words(question, vocab))
    role_ids = tuple(dict.fromkeys(actor_id for bag, actor_id in vocab.role_bags if bag <= question_bag))
    mentions = []
    for actor_id in role_ids:
        actor = vocab.actors[actor_id]
        side = (actor.side,) if actor.side else ()
        mentions.append(
            Mention("role", actor.name, -1, -1, sides=side, primary=side, actor_ids=(actor_id,), certain=False)
        )
    return mentions
