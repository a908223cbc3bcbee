"""The evaluation suite: every question set of benchmarks/data, per language, in one run.

Sets: `dev` (what the method was developed on), `calibration` (what its thresholds were
fitted on) and `holdout` (written apart from both and never tuned on: the figures that
say how the bot does on questions nobody has seen). Each set has `en`, `uk` and `ru`
answerable questions and, where written, `<language>_unanswerable` ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answering.evaluation import Figures, Variant, evaluate
from storage.engine import Database

SETS = ("dev", "calibration", "holdout")
LANGUAGES = ("en", "uk", "ru")


@dataclass(frozen=True)
class SuiteRow:
    set_name: str
    language: str
    figures: Figures


async def evaluate_suite(database: Database, root: Path, variants: Sequence[Variant]) -> list[SuiteRow]:
    rows: list[SuiteRow] = []
    for set_name in SETS:
        for language in LANGUAGES:
            answerable = root / set_name / f"{language}.jsonl"
            unanswerable = root / set_name / f"{language}_unanswerable.jsonl"
            if not answerable.exists() and not unanswerable.exists():
                continue
            report = await evaluate(
                database,
                answerable if answerable.exists() else None,
                unanswerable if unanswerable.exists() else None,
                variants=variants,
            )
            rows += [SuiteRow(set_name, language, figures) for figures in report.figures]
    return rows


def _cell(value: float | None, width: int) -> str:
    return f"{value:{width}.2f}" if value is not None else "-".rjust(width)


def suite_lines(rows: Sequence[SuiteRow]) -> list[str]:
    """A table per variant: one line per set and language."""
    lines: list[str] = []
    for variant in dict.fromkeys(row.figures.variant for row in rows):
        lines.append(f"{variant}")
        lines.append("  set          lang  questions  recall@5    MRR  answered  unanswerable  nothing found")
        for row in rows:
            if row.figures.variant != variant:
                continue
            figures = row.figures
            lines.append(
                f"  {row.set_name:<12} {row.language:<4} {len(figures.answerable):>10} {_cell(figures.recall_at_5, 9)}"
                f" {_cell(figures.mrr, 6)} {_cell(figures.answered, 9)} {len(figures.unanswerable):>13}"
                f" {_cell(figures.nothing_found, 14)}"
            )
        lines.append("")
    return lines
