"""Import and export in the exchange format (JSON lines or CSV, the same columns; see
docs/exchange-format.md). Imports are all or nothing, and idempotent by `ref`."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select

from storage.actors import ActorResolver, KnownNames
from storage.embeddings import embed_statements
from storage.engine import Database
from storage.errors import N_, Wording, wording, wording_of
from storage.exchange_links import LINK_FIELDS, LineLinks, import_links, outgoing_links, split_links
from storage.models import AuditAction, Statement, Status
from storage.statements import EXCHANGE_FIELDS, create_statements, exchange_record, update_statement
from storage.statistics import refresh_statistics
from storage.validation import NUL, StatementData, problems

LIST_SEPARATOR = ";"
_CHUNK = 500
#: The columns of the exchange format: the statement's fields, then its links.
COLUMNS = (*EXCHANGE_FIELDS, *LINK_FIELDS)

#: Reads a side, topic, stance or status an imported line gives (field "side", "topics",
#: "stance" or "status"; one topic at a time), perhaps in Ukrainian or Russian, into the
#: record's own ("Росія" -> Russia, "перемир'я" -> ceasefire); raises a `BadValue`, which
#: names the choices, for one it does not know. The bot's is bot.input.labels.record_label;
#: without one, the exchange format's own values are taken.
LabelReader = Callable[[str, str], str]
_LABEL_FIELDS = ("side", "stance", "status")


class ExchangeFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


#: What a line problem may be about besides a column: the file itself, the CSV header.
_NOT_COLUMNS = (N_("file"), N_("header"))


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    problem: str | Wording

    @property
    def message(self) -> str:
        return str(self.problem)

    @property
    def wording(self) -> Wording:
        # A column is named as the file writes it; what is no column ("file"), in words.
        field = Wording(self.field) if self.field in _NOT_COLUMNS else self.field
        return Wording(
            N_("line {line}: {field}: {problem}"), line=self.line, field=field, problem=wording(self.problem)
        )

    def __str__(self) -> str:
        return str(self.wording)


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


def detect_format(name: str, content: bytes) -> ExchangeFormat:
    """By the file name's ending; failing that, by whether the text starts with `{`."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return ExchangeFormat.csv
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return ExchangeFormat.jsonl
    return ExchangeFormat.jsonl if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else ExchangeFormat.csv


#: What Python's JSON parser says is wrong (its messages are English and fixed), in words
#: the admin's language has.
_JSON_PROBLEMS = {
    "Expecting value": N_("a value is expected"),
    "Expecting ',' delimiter": N_("a comma or a closing bracket is missing"),
    "Expecting ':' delimiter": N_("a colon is missing"),
    "Expecting property name enclosed in double quotes": N_("a field name in double quotes is missing"),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character at": N_("a line break or control character inside a string"),
    "Invalid \\escape": N_("a backslash escape that JSON does not have"),
    "Invalid \\uXXXX escape": N_("a backslash escape that JSON does not have"),
    "Extra data": N_("something follows the object on the same line"),
    "Illegal trailing comma before end of object": N_("a comma before the closing bracket"),
    "Illegal trailing comma before end of array": N_("a comma before the closing bracket"),
}


def _json_problem(error: json.JSONDecodeError) -> Wording:
    problem = _JSON_PROBLEMS.get(error.msg)
    if problem is None:
        return Wording(N_("not valid JSON (at column {column})"), column=error.colno)
    return Wording(N_("not valid JSON: {problem} at column {column}"), problem=Wording(problem), column=error.colno)


def parse_jsonl(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem]]:
    rows, found = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(LineProblem(number, "json", _json_problem(error)))
            continue
        if not isinstance(value, dict):
            found.append(LineProblem(number, "json", Wording(N_("each line must be one JSON object"))))
            continue
        rows.append((number, value))
    return rows, found


# A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return before
# one) as a formula: an exported CSV opened in one could run what a statement's text says.
# Such a cell is exported with an apostrophe before it (the spreadsheets' own "this is
# text" mark), and so is one that already begins with apostrophes before such a character;
# import takes exactly one apostrophe off those, so a CSV export imports back exactly.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise_formula(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def restore_formula(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell[1:]) else cell


def _formula_problem(line: int, name: str, cell: str) -> LineProblem | None:
    """A hand-written cell a spreadsheet would run (`=HYPERLINK(…)`, `+cmd|…`) is refused
    rather than kept: the file most likely came out of, or is meant for, one. Written as
    text, with the apostrophe an export puts before it, it is taken."""
    if cell.startswith("'") or not _FORMULA.match(cell):
        return None
    return LineProblem(
        line,
        name,
        Wording(
            N_(
                "{value} begins as a spreadsheet formula does; if it is text, write an apostrophe before it ('{start}…)"
            ),
            value=repr(cell[:40]),
            start=cell[:1].strip() or repr(cell[:1]),
        ),
    )


def _csv_value(name: str, cell: str) -> Any:
    cell = restore_formula(cell)
    if name in ("topics", "places", *LINK_FIELDS):
        return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if name == "is_quote":
        flag = cell.strip().lower()
        return {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "": False}.get(
            flag, cell
        )
    if name in ("source_url", "retraction_reason", "date_precision", "status", "stance") and not cell.strip():
        return None
    return cell


#: The columns every imported statement needs (the others have defaults).
REQUIRED_COLUMNS = ("ref", "said_on", "speaker", "side", "topics", "text", "source")

OPEN_QUOTE = N_(
    'a quoted field starts on this line and its closing quote (") is missing, or a quote inside it is not doubled ("")'
)


def _open_quote_line(text: str, start: int, delimiter: str) -> int | None:
    """The line on which the quoted field starts that the CSV reader choked on, reading the
    record that starts on line `start`: a quote never closed, or one taken for closed
    (the next quote of the file) with more than a comma or a line end after it. The reader
    only notices where it ends up, lines or the whole file further on. None when no
    quoted field is at fault. Lines are counted as the reader counts them."""
    lines = list(io.StringIO(text, newline=""))
    quoted, field_start, opened = False, True, None
    for number, line in enumerate(lines[start - 1 :], start=start):
        position = 0
        while position < len(line):
            character, following = line[position], line[position + 1 : position + 2]
            if quoted and character == '"':
                if following == '"':
                    position += 2
                    continue
                if following not in (delimiter, "\r", "\n", ""):
                    return opened
                quoted, field_start = False, False
            elif not quoted:
                if character == '"' and field_start:
                    quoted, opened = True, number
                field_start = character in (delimiter, "\r", "\n")
            position += 1
    return opened if quoted else None


def _csv_problem(text: str, start: int, delimiter: str, error: csv.Error) -> LineProblem:
    opened = _open_quote_line(text, start, delimiter)
    if opened is None:
        return LineProblem(start, "csv", str(error))
    return LineProblem(opened, "csv", Wording(OPEN_QUOTE))


#: What may separate a CSV's cells: spreadsheets in languages whose decimal mark is a comma
#: (Ukrainian, Russian, German, ...) save "CSV" with semicolons, and some save tabs.
_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str) -> str:
    """The one that splits the header into names of the format's columns (a comma when
    none does, so that the header is reported as the format reads it)."""
    header = text.split("\n", 1)[0]
    for delimiter in _DELIMITERS:
        names = [name.strip().strip('"') for name in header.split(delimiter)]
        if sum(name in COLUMNS for name in names) >= 2:
            return delimiter
    return ","


def parse_csv(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem]]:
    """Rows with the line each starts on. Strict: a quote left open, or a stray quote in a
    quoted field, is a problem on the line where that field starts, never a guess that
    takes the rest of the file for one cell."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, Any]]] = []
    found: list[LineProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        return rows, found
    except csv.Error as error:
        return rows, [_csv_problem(text, 1, delimiter, error)]
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    # Missing columns are said once for the file, not once on every line (a file of no
    # statements says that instead).
    missing_problem = LineProblem(1, "header", Wording(N_("missing column(s): {columns}"), columns=", ".join(missing)))
    if unknown:
        found.append(LineProblem(1, "header", Wording(N_("unknown column(s): {columns}"), columns=", ".join(unknown))))
        return rows, [*found, missing_problem] if missing else found
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            found.append(_csv_problem(text, start, delimiter, error))
            break
        if any(cell.strip() for cell in cells):
            if len(cells) != len(header):
                found.append(
                    LineProblem(
                        start,
                        "csv",
                        Wording(
                            N_("cells: {cells} here, {header} in the header"), cells=len(cells), header=len(header)
                        ),
                    )
                )
            else:
                formulas = [_formula_problem(start, name, cell) for name, cell in zip(header, cells, strict=True)]
                found.extend(problem for problem in formulas if problem is not None)
                record = {name: _csv_value(name, cell) for name, cell in zip(header, cells, strict=True)}
                rows.append((start, {key: value for key, value in record.items() if value is not None}))
        start = reader.line_num + 1
    if missing and (rows or found):
        return [], [missing_problem, *found]
    return rows, found


def _undecodable_lines(content: bytes) -> list[int]:
    found = []
    for number, line in enumerate(content.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            found.append(number)
    return found


BINARY = N_(
    "not a text file but binary data (a spreadsheet workbook, a picture or an archive?); "
    "send the statements as a JSONL or CSV file"
)
NOT_UTF8 = N_(
    "not UTF-8 text ({count} such lines in all, the first here); save the file as UTF-8 (a spreadsheet's CSV UTF-8)"
)


def parse_exchange(name: str, content: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem]]:
    """Rows with their line numbers, and every problem found, so one bad line never hides
    the others. Lines that are not UTF-8 are one problem, said once: text saved in another
    encoding (a spreadsheet's Windows-1251 CSV) would otherwise be a problem on every line;
    and a file of them that holds NUL bytes is binary (a workbook, a picture, an archive
    sent instead of the file), which is all there is to say about it."""
    content = content.removeprefix(b"\xef\xbb\xbf")
    undecodable = _undecodable_lines(content)
    if undecodable and b"\x00" in content:
        return [], [LineProblem(1, "file", Wording(BINARY))]
    parse = parse_csv if detect_format(name, content) is ExchangeFormat.csv else parse_jsonl
    rows, found = parse(content.decode("utf-8", errors="replace"))
    if not undecodable:
        return rows, found
    bad_lines = set(undecodable)
    rows = [(number, row) for number, row in rows if number not in bad_lines]
    found = [problem for problem in found if problem.line not in bad_lines]
    encoding = LineProblem(undecodable[0], "file", Wording(NOT_UTF8, count=len(undecodable)))
    return rows, sorted([encoding, *found], key=lambda problem: problem.line)


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


class _Refused(Exception):
    """Raised inside the transaction when what the file says is wrong only in the light of
    the record (a link to a ref neither holds): everything written is rolled back."""


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
            report.links, unknown = await import_links(session, links, who)
            if unknown:
                report.problems = [LineProblem(line, name, problem) for line, name, problem in unknown]
                raise _Refused
            if dry_run:
                raise _DryRun
            await embed_statements(database, touched)
    except _Refused:
        return ImportReport(problems=report.problems, dry_run=dry_run)
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
        writer.writerow([neutralise_formula(_csv_cell(record.get(name))) for name in COLUMNS])
    return buffer.getvalue().encode(), len(records)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)
