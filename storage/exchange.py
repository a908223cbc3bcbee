"""Import and export in the exchange format (JSON lines or CSV, the same columns; see
docs/exchange-format.md). Imports are all or nothing, and idempotent by `ref`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select

from storage.actors import ActorResolver, KnownNames
from storage.embeddings import embed_statements
from storage.engine import Database
from storage.errors import N_, Wording, wording_of
from storage.exchange_files import (
    COLUMNS,
    ExchangeFormat,
    LineProblem,
    csv_cell,
    neutralise_formula,
    parse_exchange,
)
from storage.exchange_links import LineLinks, import_links, outgoing_links, split_links, unknown_targets
from storage.models import AuditAction, Statement, Status
from storage.statements import create_statements, exchange_record, update_statement
from storage.statistics import refresh_statistics
from storage.validation import NUL, StatementData, problems

_CHUNK = 500

#: Reads a side, topic, stance or status an imported line gives (field "side", "topics",
#: "stance" or "status"; one topic at a time), perhaps in Ukrainian or Russian, into the
#: record's own ("Росія" -> Russia, "перемир'я" -> ceasefire); raises a `BadValue`, which
#: names the choices, for one it does not know. The bot's is bot.input.labels.record_label;
#: without one, the exchange format's own values are taken.
LabelReader = Callable[[str, str], str]
_LABEL_FIELDS = ("side", "stance", "status")


KEPT_RETRACTED = "retracted in the record, and kept retracted"
UNRETRACT_OPTION = "--allow-unretract"
LISTED_SKIPS = 10


@dataclass(frozen=True)
class Skipped:
    """A line the import left alone on purpose (not a problem: the rest is imported)."""

    line: int
    ref: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.ref}: skipped: {self.reason}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Links between statements the file gave that the record lacked.
    links: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dry_run: bool = False
    #: The file holds no statement at all (nothing, blank lines, a header alone): most
    #: likely the wrong file, so it is said, not counted as "0 added".
    empty: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.empty

    def summary(self) -> str:
        if self.empty:
            return "the file holds no statements; nothing was imported"
        if not self.ok:
            found = len(self.problems)
            return f"{found} problem{'' if found == 1 else 's'} found; nothing was imported"
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.links:
            counts += f", {self.links} link{'' if self.links == 1 else 's'} added"
        if self.skipped:
            refs = ", ".join(skip.ref for skip in self.skipped[:LISTED_SKIPS])
            more = f" and {len(self.skipped) - LISTED_SKIPS} more" if len(self.skipped) > LISTED_SKIPS else ""
            counts += (
                f", {len(self.skipped)} skipped ({refs}{more}: {KEPT_RETRACTED}; "
                f"`diplobot import {UNRETRACT_OPTION}` restores them)"
            )
        return f"dry run: {counts}; nothing was written" if self.dry_run else counts


def _read_labels(record: Mapping[str, Any], labels: LabelReader) -> tuple[dict[str, Any], list[tuple[str, Wording]]]:
    """`record` with its side, topics, stance and status as `labels` reads them, and what
    it could not read. Values that are not text (or hold a NUL) are left to validation."""
    read = dict(record)
    found: list[tuple[str, Wording]] = []
    for name in _LABEL_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip() and NUL not in value:
            try:
                read[name] = labels(name, value)
            except ValueError as error:
                found.append((name, wording_of(error)))
    topics = record.get("topics")
    parts = topics.replace(";", ",").split(",") if isinstance(topics, str) else topics
    if isinstance(parts, list) and all(isinstance(part, str) and NUL not in part for part in parts):
        read_topics: list[str] = []
        for part in parts:
            if not part.strip():
                continue
            try:
                read_topics.append(labels("topics", part))
            except ValueError as error:
                found.append(("topics", wording_of(error)))
        read["topics"] = read_topics
    return read, found


@dataclass
class _ReadLine:
    """One line's statement (None when it is not one) and everything wrong with it."""

    data: StatementData | None
    found: list[tuple[str, Wording]]


def _line_problems(record: dict[str, Any], labels: LabelReader | None) -> _ReadLine:
    """Every problem of one line, not only the first: an admin fixes a file in one go.
    A field whose label could not be read is not reported a second time by validation."""
    found: list[tuple[str, Wording]] = []
    if labels is not None:
        record, found = _read_labels(record, labels)
    unread = {name for name, _ in found}
    try:
        data = StatementData.model_validate(record)
    except ValidationError as error:
        found.extend((name, message) for name, message in problems(error) if name not in unread)
        return _ReadLine(None, found)
    if not data.ref:
        found.append(("ref", Wording(N_("missing (every imported statement needs its ref)"))))
    if not data.side:
        found.append(("side", Wording(N_("missing"))))
    return _ReadLine(data, found)


def validate_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], labels: LabelReader | None = None
) -> tuple[list[tuple[int, StatementData]], list[LineProblem], list[LineLinks]]:
    """The lines' statements, every problem, and the links the lines give."""
    valid: list[tuple[int, StatementData]] = []
    found: list[LineProblem] = []
    links: list[LineLinks] = []
    first_line_of_ref: dict[str, int] = {}
    for number, with_links in rows:
        record, line_links, link_problems = split_links(with_links)
        line_problems = _line_problems(record, labels)
        line_problems.found.extend(link_problems)
        data = line_problems.data
        if data is not None and data.ref and data.ref in first_line_of_ref:
            line_problems.found.append(
                (
                    "ref",
                    Wording(N_("{ref} already on line {line}"), ref=repr(data.ref), line=first_line_of_ref[data.ref]),
                )
            )
        if line_problems.found or data is None or not data.ref:
            found.extend(LineProblem(number, name, message) for name, message in line_problems.found)
            continue
        first_line_of_ref[data.ref] = number
        valid.append((number, data))
        if line_links:
            links.append(LineLinks(number, data.ref, tuple(line_links)))
    return valid, found, links


class _DryRun(Exception):
    """Raised inside the transaction so that a dry run rolls back everything it did."""


async def import_statements(
    database: Database,
    name: str,
    content: bytes,
    who: str,
    *,
    dry_run: bool = False,
    allow_unretract: bool = False,
    labels: LabelReader | None = None,
    known: KnownNames | None = None,
) -> ImportReport:
    """A statement retracted in the record stays retracted when the file has it live (an
    older export, say): that line is skipped and reported, unless `allow_unretract`.
    `labels` reads sides, topics, stances and statuses written in other words; `known`
    gives a speaker new to the record the other names it is known by."""
    rows, found = parse_exchange(name, content)
    if not rows and not found:
        return ImportReport(dry_run=dry_run, empty=True)
    valid, invalid, links = validate_rows(rows, labels)
    unlinked = await unknown_targets(database, links, {str(row.get("ref")) for _, row in rows})
    invalid += [LineProblem(line, name, problem) for line, name, problem in unlinked]
    report = ImportReport(problems=sorted(found + invalid, key=lambda problem: problem.line), dry_run=dry_run)
    if not report.ok:
        return report
    try:
        async with database.write() as session:
            actors = ActorResolver(session, known)
            touched: list[Statement] = []
            for chunk_start in range(0, len(valid), _CHUNK):
                numbered = valid[chunk_start : chunk_start + _CHUNK]
                chunk = [data for _, data in numbered]
                refs = [data.ref for data in chunk]
                # Locked (PostgreSQL: FOR UPDATE, in id order) like any edit: an update is
                # decided on, and audited from, the statement as it is now.
                existing = {
                    statement.ref: statement
                    for statement in (
                        await session.exec(
                            select(Statement)
                            .where(col(Statement.ref).in_(refs))
                            .order_by(col(Statement.id))
                            .with_for_update()
                            .execution_options(populate_existing=True)
                        )
                    ).all()
                }
                new = [data for data in chunk if data.ref not in existing]
                touched += await create_statements(session, new, who, AuditAction.import_add, actors)
                report.added += len(new)
                for number, data in numbered:
                    current = existing.get(data.ref or "")
                    if current is None:
                        continue
                    if current.is_retracted and data.status is not Status.retracted and not allow_unretract:
                        report.skipped.append(Skipped(number, current.ref, KEPT_RETRACTED))
                        continue
                    if await update_statement(session, current, data, who, AuditAction.import_update, actors):
                        touched.append(current)
                        report.updated += 1
                    else:
                        report.unchanged += 1
            report.links = await import_links(session, links, who)
            if dry_run:
                raise _DryRun
            await embed_statements(database, touched)
    except _DryRun:
        return report
    await refresh_statistics(database, report.added + report.updated)
    return report


def _export_record(statement: Statement, links: dict[str, list[str]]) -> dict[str, Any]:
    return {key: value for key, value in {**exchange_record(statement), **links}.items() if value is not None}


async def export_statements(database: Database, fmt: ExchangeFormat) -> bytes:
    """Everything, retracted statements included, in recording order, in the same bytes
    every time: export, import into an empty database, export again gives this file."""
    content, _ = await exported_statements(database, fmt)
    return content


async def exported_statements(database: Database, fmt: ExchangeFormat) -> tuple[bytes, int]:
    """The export and how many statements it holds (a CSV cell may span lines, so its
    lines are no count of them)."""
    async with database.read() as session:
        statements = (await session.exec(select(Statement).order_by(col(Statement.id)))).all()
        links = await outgoing_links(session)
        records = [_export_record(statement, links.get(statement.id or 0, {})) for statement in statements]
    if fmt is ExchangeFormat.jsonl:
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode(), len(records)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([neutralise_formula(csv_cell(record.get(name))) for name in COLUMNS])
    return buffer.getvalue().encode(), len(records)
