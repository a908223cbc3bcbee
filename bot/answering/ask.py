"""Answering a reader's question from the record, for every surface, and the JSON shape
`diplobot ask --json` promises.

`answer()` reads the question (bot.answering.understanding), ranks the record with the full-text index
and the stored sentence embeddings (bot.answering.retrieval), and returns a page of statements
with, for each contested claim or denial among them, the statements on the other side of
it. When nothing in the record answers, the page is empty and `reason` says why."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering import semantic
from bot.answering.query import DEFAULT_OPTIONS, Options, RetrievalQuery
from bot.answering.reading import Reading, read
from bot.answering.record_index import RecordFacts
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import Selection
from bot.answering.record_index.loading import record_index
from bot.answering.retrieval import retrieve
from bot.answering.semantic import DEFAULT_SEMANTIC, SemanticOptions
from bot.answering.understanding import Understanding, understand
from bot.i18n import N_, _
from bot.input.apostrophes import plain_apostrophes
from storage.engine import Database
from storage.models import Stance, Statement, Status
from storage.page_rows import load_statements
from storage.search import MAX_PAGE, PageOfHits, SearchHit
from storage.statements import contradicting_links

#: Two statements are about the same event when their dates are at most this far apart.
SAME_EVENT_DAYS = 7
#: What every surface says when `Answer.nothing_found` (with `Answer.reason` if it helps),
#: and what the bot's readers may try then (not the command line's operators).
NOTHING_FOUND = N_("Nothing in the record answers this.")


@dataclass
class Answer(PageOfHits):
    question: str
    hits: list[SearchHit]
    total: int
    offset: int
    limit: int
    understood: Understanding | None = None
    keyword_only: bool = False
    #: For each contested claim or denial on the page (by statement id): the statements
    #: that contradict it, to be shown beside it.
    counterparts: dict[int, list[Statement]] = field(default_factory=dict)
    #: Why nothing answers, when nothing does.
    reason: str | None = None

    @property
    def nothing_found(self) -> bool:
        return self.total == 0

    @property
    def understood_label(self) -> str:
        """What the question was read as, e.g. "Russia · since Aug 2025" (may be empty)."""
        return self.understood.label if self.understood else ""


def retrieval_query(understanding: Understanding) -> RetrievalQuery:
    """What retrieval needs of an understood question."""
    return RetrievalQuery(
        text=understanding.query,
        semantic_text=understanding.semantic_query,
        concepts=understanding.concepts,
        framing=understanding.framing,
        stances=tuple(stance.value for stance in understanding.stances),
        selection=Selection(sides=understanding.sides, since=understanding.since, until=understanding.until),
        speakers=understanding.speakers,
        sides=understanding.boost_sides,
        topics=tuple(topic.value for topic in understanding.topics),
        places=understanding.places,
        anchor=understanding.anchor,
        anchor_after=understanding.anchor_after,
        recent=understanding.recent,
        names=understanding.names,
        impossible=(
            _("the record holds nothing said by “{name}”").format(name=understanding.unknown_speaker)
            if understanding.unknown_speaker
            else None
        ),
    )


async def answer(
    database: Database,
    question: str,
    *,
    limit: int = 5,
    offset: int = 0,
    today: date | None = None,
    options: Options = DEFAULT_OPTIONS,
    semantic_options: SemanticOptions | None = DEFAULT_SEMANTIC,
) -> Answer:
    """One page of the statements that answer `question`, best first. `today` (default:
    the date today) anchors relative dates ("last week"); `options` switch parts of the
    method off, for measuring them (bot.answering.evaluation). With the sentence model and
    stored vectors, the multilingual ranking of bot.answering.semantic answers (unless
    `semantic_options` is None); without them, full-text retrieval with the English
    question understanding (bot.answering.retrieval)."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    # Spaces tidied, line breaks kept: a line break ends a sentence, and the capital of
    # the word after it is no sign of a name ("Thanks\nWhat did ...").
    question = "\n".join(" ".join(plain_apostrophes(line).split()) for line in question.splitlines() if line.strip())
    if not has_words(question):
        # Emoji or punctuation alone would be "answered" with whatever ranks first.
        return Answer(question, [], 0, offset, limit, reason=_("the question has no words to look for"))
    # One read session for the full-text checks and links; the record index, the stored
    # vectors and the page's rows are read alone, each as it is now (`Database.fetch`):
    # every step takes ids as they come and leaves out any that went away.
    async with database.read() as session:
        index = await record_index(database)
        understanding = understand(question, index.facts, today=today)
        if semantic_options is not None and options.semantic and database.embedder is not None and index.has_vectors:
            ranked = await semantic.rank(database, session, index, question, semantic_options)
            understanding = _as_read(understanding, read(question, index.facts), index.facts)
        else:
            ranked = await retrieve(database, retrieval_query(understanding), options, session)
            understanding = _as_read(understanding, None, index.facts)
        page = list(zip(ranked.ids, ranked.scores, strict=True))[offset : offset + limit]
        top = ranked.scores[0] if ranked.scores else 1.0
        scored = [(statement_id, _display_score(score, top, ranked.keyword_only)) for statement_id, score in page]
        loaded = await load_statements(database, [statement_id for statement_id, _ in scored])
        hits = [SearchHit(loaded[statement_id], score) for statement_id, score in scored if statement_id in loaded]
        counterparts = await _counterparts(database, session, index, [hit.statement for hit in hits])
    return Answer(
        question=question,
        hits=hits,
        total=len(ranked.ids),
        offset=offset,
        limit=limit,
        understood=understanding,
        keyword_only=ranked.keyword_only,
        counterparts=counterparts,
        reason=ranked.reason,
    )


def _as_read(understanding: Understanding, reading: Reading | None, facts: RecordFacts) -> Understanding:
    """What the reader is shown the question was read as: the speakers it names rather
    than their sides ("Volodymyr Zelensky", not "Ukraine"), as the ranking read them
    (`reading`, with the model) or the English understanding did; the places named; the
    sides and months the ranking read where the English understanding found none ("у
    липні", "з серпня")."""
    actors = {actor.id: actor for actor in facts.actors}
    speakers = sorted(reading.speakers if reading is not None else understanding.speakers)
    named = [actors[speaker] for speaker in speakers if speaker in actors]
    voiced = {actor.side for actor in named}
    sides = understanding.side_labels or (tuple(sorted(reading.sides)) if reading is not None else ())
    since, until, time_label = understanding.since, understanding.until, understanding.time_label
    if time_label is None and reading is not None and reading.months_named and reading.span is not None:
        since, until = reading.span
        if until == facts.last_date:
            # "з серпня": up to the record's last date, which is to say from August on.
            until = None
    return replace(
        understanding,
        speaker_labels=tuple(actor.name for actor in named),
        side_labels=tuple(side for side in sides if side not in voiced),
        place_labels=reading.named_places if reading is not None else understanding.places,
        since=since,
        until=until,
    )


def has_words(question: str) -> bool:
    """Whether the question holds a letter or a digit: something to look for."""
    return any(char.isalnum() for char in question)


def _display_score(score: float, top: float, keyword_only: bool) -> float:
    """A relevance in [0, 1] for display and the JSON contract."""
    if keyword_only:
        value = score / top if top > 0 else 0.0
    else:
        value = score
    return max(0.0, min(1.0, value))


# -- both sides of a contested claim --------------------------------------------------------


def _disputed(statement: Statement) -> bool:
    return statement.status in (Status.contested, Status.denied) or statement.stance in (Stance.claim, Stance.denial)


async def _counterparts(
    database: Database, session: AsyncSession, index: RecordArrays, statements: list[Statement]
) -> dict[int, list[Statement]]:
    """For each disputed statement: what the record links to it as contradicting it, and
    what the other side said about the same event (same topic and place, dates within a
    week) when one of the two is a denial or the claim is contested."""
    disputed = [statement for statement in statements if statement.id is not None and _disputed(statement)]
    if not disputed:
        return {}
    wanted: dict[int, list[int]] = {}
    ids = [statement.id for statement in disputed]
    for link in await contradicting_links(session, ids):  # type: ignore[arg-type]
        for mine, linked in ((link.from_id, link.to_id), (link.to_id, link.from_id)):
            if mine in ids:
                wanted.setdefault(mine, []).append(linked)
    for statement in disputed:
        row = index.row(statement.id)  # type: ignore[arg-type]
        if row is None:
            continue
        week = (row.start - SAME_EVENT_DAYS, row.end + SAME_EVENT_DAYS)
        nearby = {other.id: other for place in row.places for other in index.at_place(place, between=week)}
        for other in nearby.values():
            if other.id == row.id or other.retracted or other.side.casefold() == row.side.casefold():
                continue
            if not other.topics & row.topics:
                continue
            if _opposes(row.stance, row.status, other.stance, other.status):
                wanted.setdefault(row.id, []).append(other.id)
    if not wanted:
        return {}
    loaded = await load_statements(database, sorted({other for others in wanted.values() for other in others}))
    return {
        mine: [loaded[other] for other in dict.fromkeys(others) if other in loaded]
        for mine, others in wanted.items()
        if any(other in loaded for other in others)
    }


def _opposes(stance: str, status: str, other_stance: str, other_status: str) -> bool:
    """A denial and what it denies (a claim, or a statement marked contested or denied),
    either way round."""
    claimish = {Stance.claim.value}
    disputed = {Status.contested.value, Status.denied.value}
    if other_stance == Stance.denial.value and (stance in claimish or status in disputed):
        return True
    if stance == Stance.denial.value and (other_stance in claimish or other_status in disputed):
        return True
    return False


# -- the JSON contract --------------------------------------------------------------------


def result_json(hit: SearchHit) -> dict[str, Any]:
    statement = hit.statement
    return {
        "ref": statement.ref,
        "id": statement.id,
        "speaker": statement.speaker,
        "side": statement.side,
        "said_on": statement.said_on.isoformat(),
        "text": statement.text,
        "source": statement.source,
        "status": statement.status.value,
        "score": round(float(hit.score), 4),
    }


def answer_json(question: str, answer: Any) -> dict[str, Any]:
    return {"question": question, "results": [result_json(hit) for hit in answer.hits]}
