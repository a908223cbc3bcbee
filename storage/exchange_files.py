"""Exchange files as they come and go: which format a file is in, its bytes as text, its
JSON lines or CSV rows with the line each starts on (and what is wrong with each line), and
the cells a CSV export writes. Spreadsheets' habits are met here: their separators,
encodings and formulas. Nothing here touches the record."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.errors import N_, Wording, wording
from storage.exchange_links import LINK_FIELDS
from storage.statements import EXCHANGE_FIELDS

LIST_SEPARATOR = ";"

#: The columns of the exchange format: the statement's fields, then its links.
COLUMNS = (*EXCHANGE_FIELDS, *LINK_FIELDS)


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


ONE_DOCUMENT = N_(
    "the file is one JSON document, not JSON lines: write each statement as one object on a line of its own "
    "(jq -c '.[]' turns an array into lines)"
)


def _one_document(text: str) -> bool:
    """A JSON array, or an object spread over several lines, as other tools write JSON: a
    problem on every line to JSON lines' reader, and one to say."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(value, list) or len(text.strip().splitlines()) > 1


def parse_jsonl(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem]]:
    if _one_document(text):
        return [], [LineProblem(1, "json", Wording(ONE_DOCUMENT))]
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


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)
