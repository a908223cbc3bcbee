"""What a reader's question says about who, where, what and when, and what is left for the
text search.

Mentions the question is certain about become filters: a time expression, and the side
of the one the question asks about ("What did Moscow demand ...", "Did the Kremlin ...",
"Putin's conditions ..."). Everything else - the side of an adjective ("American
soldiers"), a speaker named by role, a topic, a place - becomes a boost, because readers
name places and topics that the statements answering them do not list. What remains of
the question is the query for the text index; the model reads the question with its
references spelled out ("Washington" -> "United States")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.answering.record_index import RecordFacts
from bot.answering.understanding.mentions import Mention, match_mentions, mentions_of, read_subject, role_mentions
from bot.answering.understanding.names import unknown_names, unknown_speaker
from bot.answering.understanding.terms import concepts, spelled_out, without
from bot.answering.understanding.time_spans import combine, event_spans, parse_time
from bot.answering.understanding.tokens import courtesy
from bot.answering.understanding.tokens import tokens as read_tokens
from bot.answering.understanding.vocabulary import Vocabulary, vocabulary
from bot.answering.understanding.words import STANCES
from storage.models import Stance, Topic
from storage.search import query_terms


@dataclass(frozen=True)
class Understanding:
    question: str
    #: What is left for the full-text index (time expressions taken out).
    query: str
    #: What is asked apart from who and when ("What did Putin say last week?": nothing).
    content: str
    #: The question as the model reads it: time taken out, names of parties spelled out.
    semantic_query: str
    #: The content as search terms, each with the words that stand for the same thing in
    #: the record ("soldiers" -> also "troops", "truce" -> also "ceasefire").
    concepts: tuple[tuple[str, ...], ...] = ()
    #: Words that say what kind of statement is asked for ("promise"): searched for, but
    #: not expected; and the stances they name, which rank higher.
    framing: tuple[str, ...] = ()
    stances: tuple[Stance, ...] = ()
    #: Filters: the statement's side is one of these; its date overlaps since..until.
    sides: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None
    #: Boosts.
    speakers: tuple[int, ...] = ()
    boost_sides: tuple[str, ...] = ()
    topics: tuple[Topic, ...] = ()
    places: tuple[str, ...] = ()
    anchor: date | None = None
    anchor_after: bool = True
    recent: bool = False
    #: A person the question asks about whom the record has never heard speak.
    unknown_speaker: str | None = None
    #: Proper names in the question that name nothing the record knows as a speaker,
    #: party or place ("Navalny", "Kakhovka", "Belarus"): if the record never mentions
    #: them either, it cannot answer.
    names: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    #: For display: what was taken as certain, the speakers and sides as the record
    #: spells them ("Vladimir Putin", "Russia") and the time in the question's English
    #: words ("since Jul 2025") ...
    speaker_labels: tuple[str, ...] = ()
    side_labels: tuple[str, ...] = ()
    place_labels: tuple[str, ...] = ()
    time_label: str | None = None
    #: ... and what only ranks higher ("Vladimir Putin", "ceasefire", "Donetsk").
    hints: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (
            *self.speaker_labels,
            *self.side_labels,
            *self.place_labels,
            *([self.time_label] if self.time_label else []),
        )

    @property
    def label(self) -> str:
        """What was understood, for display: "Russia · since Aug 2025"."""
        return " · ".join(self.labels)

    @property
    def has_filters(self) -> bool:
        return self.sides is not None or self.since is not None or self.until is not None


def understand(
    question: str,
    facts: RecordFacts,
    *,
    today: date | None = None,
    vocab: Vocabulary | None = None,
) -> Understanding:
    """What the question asks about; see the module's docstring."""
    today = today or date.today()
    vocab = vocab or vocabulary(facts)
    # A month without a year is the latest such month the record can speak of: asked in
    # 2026 of a record that ends in 2025, "in July" is July 2025.
    month_anchor = min(today, facts.last_date) if facts.last_date else today

    time_spans, covered, recent = parse_time(question, today, month_anchor)
    # Greetings, thanks and please address the bot: cut out as time expressions are, so
    # they are neither the subject, nor a name, nor words the record must hold.
    aside = courtesy(question)
    covered += aside
    event_time, event_places = event_spans(question, vocab, covered)
    time_spans += event_time

    tokens = read_tokens(question, aside)
    skip = {index for index, token in enumerate(tokens) if any(a <= token.start < b for a, b in covered)}
    matched = match_mentions(tokens, vocab, skip)
    subject = read_subject(tokens)
    mentions = [
        *event_places,
        *mentions_of(question, tokens, matched, subject, facts.places),
        *role_mentions(question, vocab),
    ]
    unknown = None if subject.asks_who else unknown_speaker(tokens, subject.start, matched, skip)
    names = unknown_names(tokens, matched, skip, facts)

    # Filters: the parties of the question's subject, when named for certain.
    deciding = [m for m in mentions if m.subject and m.certain and m.kind in {"side", "speaker"} and m.sides]
    sides = tuple(dict.fromkeys(side for mention in deciding for side in mention.sides)) or None
    span = combine(time_spans)

    # Boosts: who the subject names less certainly, speakers by name or role, topics, places.
    speakers = tuple(
        dict.fromkeys(
            actor_id
            for mention in mentions
            if mention.kind == "role" or (mention.kind == "speaker" and (mention.subject or mention.in_subject))
            for actor_id in mention.actor_ids
        )
    )
    boost_sides = tuple(
        dict.fromkeys(
            side
            for mention in mentions
            if mention.kind == "role"
            or (mention.kind in {"side", "speaker"} and (mention.subject or mention.in_subject))
            for side in mention.primary
        )
    )
    topics = tuple(dict.fromkeys(mention.topic for mention in mentions if mention.topic is not None))
    places = tuple(dict.fromkeys(place for mention in mentions if mention.kind == "place" for place in mention.places))

    remaining = without(question, covered)
    named = [
        (tokens[m.start].start, tokens[m.end - 1].end)
        for m in mentions
        if m.start >= 0 and m.kind in {"speaker", "side"} and (m.subject or m.in_subject)
    ]
    content = without(question, covered + named)
    framing = tuple(term for term in query_terms(content) if term in STANCES.stance_of)
    stances = tuple(dict.fromkeys(STANCES.stance_of[term] for term in framing))
    side_labels = tuple(dict.fromkeys(mention.primary[0] for mention in deciding if mention.primary))
    time_label = span.label if span and (span.since or span.until) else None
    hints = [vocab.actors[actor_id].name for actor_id in speakers]
    hints += [topic.value.replace("_", " ") for topic in topics]
    hints += [stance.value for stance in stances]
    hints += list(places)
    if recent:
        hints.append("most recent first")

    return Understanding(
        question=question,
        query=remaining,
        content=content,
        concepts=concepts(question, content, tokens, mentions, covered + named),
        framing=framing,
        stances=stances,
        semantic_query=spelled_out(question, tokens, matched, covered),
        sides=sides,
        since=span.since if span else None,
        until=span.until if span else None,
        speakers=speakers,
        boost_sides=boost_sides,
        topics=topics,
        places=places,
        anchor=span.anchor if span else None,
        anchor_after=span.anchor_after if span else True,
        recent=recent,
        unknown_speaker=unknown,
        names=names,
        mentions=tuple(mentions),
        side_labels=side_labels,
        time_label=time_label,
        hints=tuple(dict.fromkeys(hints)),
    )
