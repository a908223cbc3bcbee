"""Measuring answers: recall@5 and MRR over questions with known answers, and the share of
questions the record cannot answer that are answered "nothing found"; for the whole
method and with each of its parts switched off, so the figures say what each part adds.

* recall@5: the share of a question's relevant statements among the first five answers,
  averaged over questions;
* MRR: 1 / rank of the first relevant answer (0 when none is given), averaged;
* answered: the share of answerable questions that got any answer at all;
* nothing found: the share of unanswerable questions answered with nothing.

Questions files are JSON lines: `{"q": ..., "relevant": [refs]}` for answerable ones,
`{"q": ...}` for unanswerable ones."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.answering.ask import answer as answer_question
from bot.answering.query import DEFAULT_OPTIONS, Options
from bot.answering.record_index.loading import record_index
from bot.answering.semantic import DEFAULT_SEMANTIC, SemanticOptions
from storage.engine import Database
from storage.models import Statement
from storage.search import search

K = 5


@dataclass(frozen=True)
class Variant:
    """One way of answering, for the ablation."""

    name: str
    options: Options = DEFAULT_OPTIONS
    #: The multilingual ranking with these switches; None: the full-text pipeline with
    #: the English question understanding (bot.answering.retrieval), as before it.
    semantic: SemanticOptions | None = DEFAULT_SEMANTIC
    #: The search the bot had before: storage.search (the engine's BM25 over an OR of
    #: the question's words), nothing else.
    plain_search: bool = False
    description: str = ""


VARIANTS: tuple[Variant, ...] = (
    Variant("full", description="whole-record embeddings + name, place, time and word bonuses + nothing-found rules"),
    Variant(
        "no-lexical",
        semantic=SemanticOptions(lexical=False),
        description="without the bonus for holding the question's rare words",
    ),
    Variant(
        "no-names",
        semantic=SemanticOptions(names=False),
        description="without the bonus for named speakers, sides, places",
    ),
    Variant(
        "no-time", semantic=SemanticOptions(time=False), description="without the bonus for the months asked about"
    ),
    Variant(
        "no-unknown-names",
        semantic=SemanticOptions(unknown_names=False),
        description="without refusing names the record never mentions",
    ),
    Variant(
        "no-absent-words",
        semantic=SemanticOptions(absent_words=False),
        description="threshold without the penalty for words the record holds nowhere",
    ),
    Variant(
        "no-thresholds", semantic=SemanticOptions(thresholds=False), description="always answer with the best matches"
    ),
    Variant(
        "bare-embeddings",
        semantic=SemanticOptions(names=False, time=False, lexical=False, thresholds=False),
        description="embedding similarity alone, always answering",
    ),
    Variant(
        "previous-method",
        semantic=None,
        description="English understanding + keyword + embeddings fused (the method before)",
    ),
    Variant(
        "keyword-only",
        Options(semantic=False),
        semantic=None,
        description="full-text index with the English understanding (no model)",
    ),
    Variant("plain-search", plain_search=True, description="storage.search: the engine's full-text ranking alone"),
)


@dataclass
class QuestionResult:
    question: str
    relevant: list[str]
    answers: list[str]
    reason: str | None = None

    @property
    def recall(self) -> float:
        return len(set(self.relevant) & set(self.answers[:K])) / len(self.relevant) if self.relevant else 0.0

    @property
    def reciprocal_rank(self) -> float:
        for rank, ref in enumerate(self.answers, start=1):
            if ref in self.relevant:
                return 1.0 / rank
        return 0.0


@dataclass
class Figures:
    variant: str
    recall_at_5: float | None = None
    mrr: float | None = None
    answered: float | None = None
    nothing_found: float | None = None
    answerable: list[QuestionResult] = field(default_factory=list)
    unanswerable: list[QuestionResult] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "figures", "variant": self.variant}
        if self.recall_at_5 is not None:
            out.update(
                {
                    "questions": len(self.answerable),
                    "recall@5": round(self.recall_at_5, 3),
                    "mrr": round(self.mrr or 0.0, 3),
                    "answered": round(self.answered or 0.0, 3),
                }
            )
        if self.nothing_found is not None:
            out.update({"unanswerable": len(self.unanswerable), "nothing_found": round(self.nothing_found, 3)})
        return out


@dataclass
class Report:
    questions_path: str | None
    unanswerable_path: str | None
    statements: int
    keyword_only: bool
    figures: list[Figures]

    @property
    def main(self) -> Figures:
        return self.figures[0]


def read_questions(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


async def _refs(database: Database) -> dict[int, str]:
    async with database.read() as session:
        rows = (await session.exec(select(Statement.id, Statement.ref))).all()
        return {statement_id: ref for statement_id, ref in rows if statement_id is not None}


async def ranked_refs(
    database: Database, question: str, variant: Variant, refs: dict[int, str], today: date | None = None
) -> tuple[list[str], str | None]:
    if variant.plain_search:
        page = await search(database, question, limit=50)
        return [hit.statement.ref for hit in page.hits], None
    reply = await answer_question(
        database, question, limit=50, today=today, options=variant.options, semantic_options=variant.semantic
    )
    return [hit.statement.ref for hit in reply.hits], reply.reason


async def evaluate(
    database: Database,
    questions_path: str | Path | None,
    unanswerable_path: str | Path | None = None,
    *,
    variants: Sequence[Variant] | None = None,
    today: date | None = None,
) -> Report:
    """Figures for each variant (the first is the method as shipped)."""
    answerable = read_questions(questions_path) if questions_path else []
    unanswerable = read_questions(unanswerable_path) if unanswerable_path else []
    refs = await _refs(database)
    known = set(refs.values())
    missing = sorted({ref for item in answerable for ref in item.get("relevant", [])} - known)
    if missing:
        raise ValueError(f"the questions name statements the record does not hold: {', '.join(missing[:10])}")
    chosen = list(variants) if variants is not None else list(VARIANTS)
    if database.embedder is None:
        # Without the model every variant is keyword only: keep those that still differ.
        chosen = [variant for variant in chosen if variant.name in {"full", "plain-search"}]
    figures = []
    for variant in chosen:
        result = Figures(variant.name)
        for item in answerable:
            answers, reason = await ranked_refs(database, item["q"], variant, refs, today)
            result.answerable.append(QuestionResult(item["q"], list(item["relevant"]), answers, reason))
        for item in unanswerable:
            answers, reason = await ranked_refs(database, item["q"], variant, refs, today)
            result.unanswerable.append(QuestionResult(item["q"], [], answers, reason))
        if result.answerable:
            result.recall_at_5 = statistics.fmean(q.recall for q in result.answerable)
            result.mrr = statistics.fmean(q.reciprocal_rank for q in result.answerable)
            result.answered = statistics.fmean(1.0 if q.answers else 0.0 for q in result.answerable)
        if result.unanswerable:
            result.nothing_found = statistics.fmean(0.0 if q.answers else 1.0 for q in result.unanswerable)
        figures.append(result)
    index = await record_index(database)
    return Report(
        questions_path=str(questions_path) if questions_path else None,
        unanswerable_path=str(unanswerable_path) if unanswerable_path else None,
        statements=index.size,
        keyword_only=database.embedder is None,
        figures=figures,
    )


def report_lines(report: Report, *, per_question: bool = False) -> list[str]:
    """One JSON object per figure set (and per question if asked), then a table."""
    lines = [
        json.dumps(
            {
                "kind": "data",
                "statements": report.statements,
                "questions": report.questions_path,
                "unanswerable": report.unanswerable_path,
                "model": not report.keyword_only,
            }
        )
    ]
    lines += [json.dumps(figures.as_json()) for figures in report.figures]
    if per_question:
        main = report.main
        for result in main.answerable:
            first = next((rank for rank, ref in enumerate(result.answers, 1) if ref in result.relevant), None)
            lines.append(
                json.dumps(
                    {
                        "kind": "question",
                        "q": result.question,
                        "relevant": result.relevant,
                        "answers": result.answers[:K],
                        "first_relevant_rank": first,
                        "reason": result.reason,
                    },
                    ensure_ascii=False,
                )
            )
        for result in main.unanswerable:
            lines.append(
                json.dumps(
                    {
                        "kind": "unanswerable",
                        "q": result.question,
                        "answers": result.answers[:K],
                        "nothing_found": not result.answers,
                        "reason": result.reason,
                    },
                    ensure_ascii=False,
                )
            )
    lines.append("")
    width = max(len("variant"), *(len(figures.variant) for figures in report.figures)) + 2
    lines.append("variant".ljust(width) + "recall@5     MRR  answered  nothing found")
    for figures in report.figures:
        cells = [
            f"{figures.recall_at_5:8.2f}" if figures.recall_at_5 is not None else "       -",
            f"{figures.mrr:7.2f}" if figures.mrr is not None else "      -",
            f"{figures.answered:9.2f}" if figures.answered is not None else "        -",
            f"{figures.nothing_found:14.2f}" if figures.nothing_found is not None else "             -",
        ]
        lines.append(figures.variant.ljust(width) + " ".join(cells))
    descriptions = {variant.name: variant.description for variant in VARIANTS}
    lines.append("")
    for figures in report.figures:
        if descriptions.get(figures.variant):
            lines.append(f"{figures.variant}: {descriptions[figures.variant]}")
    return lines


__all__ = ["VARIANTS", "Figures", "Report", "Variant", "evaluate", "read_questions", "report_lines"]
