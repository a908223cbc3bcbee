"""Files as admins send them to /import (and operators to `diplobot import`), written to
disk first: a file holding no statement is said to hold none and imports nothing, and a
CSV quote left open is reported on the line where the quoted field starts, whatever line
the CSV reader noticed it on. Through the real handlers and database, `LocalBotApi` as
Telegram."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.statements import EXCHANGE_FIELDS
from tests.bot_harness import ADMIN_ID, BotHarness, running_bot

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)

HEADER = ",".join(EXCHANGE_FIELDS)


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


def csv_line(ref: str, text: str, *, said_on: str = "2025-09-01") -> str:
    """One statement in the exchange format's CSV, `text` written as it is (quotes and all)."""
    values = {
        "ref": ref,
        "said_on": said_on,
        "speaker": "Emmanuel Macron",
        "side": "France",
        "topics": "security_guarantees",
        "stance": "commitment",
        "text": text,
        "source": "Élysée",
    }
    return ",".join(values.get(name, "") for name in EXCHANGE_FIELDS)


def written(tmp_path: Path, name: str, lines: list[str], ending: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(ending.join(lines).encode())
    return path


async def import_through_the_bot(bot: BotHarness, path: Path) -> str:
    await bot.admin().send_document(path.name, path.read_bytes(), caption="/import")
    return bot.last_text(ADMIN_ID)


EMPTY_FILES = [
    ("empty.csv", [""]),
    ("empty.jsonl", [""]),
    ("header.csv", [HEADER, ""]),
    ("header-and-blank-lines.csv", [HEADER, "", ",,,", "  ", ""]),
    ("blank.jsonl", ["", "   ", "\t", ""]),
    ("bom.csv", ["\ufeff"]),
]


@pytest.mark.parametrize(("name", "lines"), EMPTY_FILES)
async def test_a_file_holding_no_statement_says_so_and_imports_nothing(
    bot: BotHarness, sample_database: Database, tmp_path: Path, name: str, lines: list[str]
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    answer = await import_through_the_bot(bot, written(tmp_path, name, lines))
    assert answer.startswith(f"❌ {name} holds no statements; nothing was imported."), answer
    assert "0 added" not in answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


@pytest.mark.parametrize("caption", ["/import dry"])
async def test_a_dry_run_of_an_empty_file_says_so_too(bot: BotHarness, tmp_path: Path, caption: str) -> None:
    path = written(tmp_path, "header.csv", [HEADER, ""])
    await bot.admin().send_document(path.name, path.read_bytes(), caption=caption)
    assert bot.last_text(ADMIN_ID).startswith("❌ header.csv holds no statements; nothing was imported.")


async def test_an_empty_file_is_said_to_hold_no_statements_in_the_admins_language(
    bot: BotHarness, tmp_path: Path
) -> None:
    path = written(tmp_path, "header.csv", [HEADER, ""])
    await bot.admin(language_code="uk").send_document(path.name, path.read_bytes(), caption="/import")
    assert bot.last_text(ADMIN_ID).startswith("❌ У header.csv немає жодної заяви; нічого не імпортовано.")


# -- a quote left open ------------------------------------------------------------------


def open_quote_files() -> list[tuple[str, list[str], int]]:
    """(name, lines, the line where the quoted field that is not closed starts)."""
    fine = [csv_line("q1", '"Fine, and quoted."'), csv_line("q2", "Fine too.")]
    return [
        # The quote runs on to the next quoted text, where the CSV reader finds a letter
        # after what it takes for the closing quote: two lines further down.
        ("runs-on.csv", [HEADER, *fine, csv_line("q3", '"Not closed.'), csv_line("q4", '"Next, quoted."'), ""], 4),
        # The quote runs to the end of the file.
        ("to-the-end.csv", [HEADER, csv_line("q3", '"Not closed.'), *fine, ""], 2),
        # The last line, the file ending inside the quote (it used to import the rest of
        # the line as the text).
        ("last-line.csv", [HEADER, *fine, csv_line("q3", '"Not closed.')], 4),
        ("last-line-ended.csv", [HEADER, *fine, csv_line("q3", '"Not closed.'), ""], 4),
    ]


@pytest.mark.parametrize(("name", "lines", "line"), open_quote_files())
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
async def test_a_quote_left_open_is_reported_where_the_quoted_field_starts(
    bot: BotHarness, sample_database: Database, tmp_path: Path, name: str, lines: list[str], line: int, ending: str
) -> None:
    path = written(tmp_path, name, lines, ending)
    assert not _reads_cleanly(path), "the file is broken as meant"
    before = await export_statements(sample_database, ExchangeFormat.jsonl)

    answer = await import_through_the_bot(bot, path)

    assert answer.startswith(f"❌ {name}: 1 problem found; nothing was imported."), answer
    assert f'• line {line}: csv: a quoted field starts on this line and its closing quote (") is missing' in answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


def _reads_cleanly(path: Path) -> bool:
    try:
        list(csv.reader(path.read_text(encoding="utf-8").splitlines(keepends=True), strict=True))
    except csv.Error:
        return False
    return True


async def test_quoted_fields_over_several_lines_still_import(database: Database) -> None:
    content = "\n".join(
        [HEADER, csv_line("m1", '"Two lines,\nof text."'), csv_line("m2", '"With ""quotes"" inside."'), ""]
    ).encode()
    report = await import_statements(database, "multi.csv", content, "test")
    assert report.ok and report.added == 2, report.problems


async def test_a_quote_left_open_is_named_in_the_admins_language(bot: BotHarness, tmp_path: Path) -> None:
    path = written(tmp_path, "open.csv", [HEADER, csv_line("q3", '"Not closed.'), ""])
    await bot.admin(language_code="ru").send_document(path.name, path.read_bytes(), caption="/import")
    assert '• строка 2: csv: в этой строке начинается поле в кавычках, и его закрывающая кавычка (") отсутствует' in (
        bot.last_text(ADMIN_ID)
    )


# -- every problem of a line ------------------------------------------------------------


def broken_statement(ref: str) -> dict[str, str]:
    """A statement with four things wrong: a topic, a stance and a status no one knows,
    and a date no calendar has. The labels are read first, the date afterwards: each must
    be reported, not only the first kind found."""
    return {
        "ref": ref,
        "said_on": "2025-13-45",
        "speaker": "Emmanuel Macron",
        "side": "France",
        "topics": "nonsense_topic",
        "stance": "badstance",
        "text": "Text.",
        "source": "Élysée",
        "status": "weird",
    }


def broken_files() -> list[tuple[str, list[str]]]:
    """Two broken lines: one with four things wrong, one without its ref and its side."""
    first, second = broken_statement("b1"), {**broken_statement("b2"), "ref": "", "side": ""}
    second.update(said_on="2025-09-01", topics="ceasefire", stance="demand", status="reported")
    return [
        (
            "broken.csv",
            [HEADER, *(",".join(row.get(name, "") for name in EXCHANGE_FIELDS) for row in (first, second)), ""],
        ),
        ("broken.jsonl", [json.dumps(first), json.dumps(second), ""]),
    ]


@pytest.mark.parametrize(("name", "lines"), broken_files())
async def test_every_problem_of_every_line_is_reported_with_its_line(
    bot: BotHarness, sample_database: Database, tmp_path: Path, name: str, lines: list[str]
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    first = 2 if name.endswith(".csv") else 1

    answer = await import_through_the_bot(bot, written(tmp_path, name, lines))

    assert answer.startswith(f"❌ {name}: 6 problems found; nothing was imported."), answer
    for problem in (
        "topics: unknown topic 'nonsense_topic'",
        "stance: 'badstance' is not a stance",
        "status: 'weird' is not a status",
        "said_on: '2025-13-45' is not a real calendar date",
    ):
        assert f"• line {first}: {problem}" in answer, answer
    assert f"• line {first + 1}: ref: missing (every imported statement needs its ref)" in answer, answer
    assert f"• line {first + 1}: side: missing" in answer, answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_missing_columns_are_named_once_for_the_file(
    bot: BotHarness, sample_database: Database, tmp_path: Path
) -> None:
    lines = ["ref,said_on,speaker,colour", *(f"m{number},2025-01-01,Emmanuel Macron,red" for number in range(30)), ""]
    before = await export_statements(sample_database, ExchangeFormat.jsonl)

    answer = await import_through_the_bot(bot, written(tmp_path, "columns.csv", lines))

    assert answer.startswith("❌ columns.csv: 2 problems found; nothing was imported."), answer
    assert "• line 1: header: unknown column(s): colour" in answer
    assert "• line 1: header: missing column(s): side, topics, text, source" in answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_missing_columns_are_named_in_the_admins_language(bot: BotHarness, tmp_path: Path) -> None:
    path = written(tmp_path, "columns.csv", ["ref,said_on,speaker", "m1,2025-01-01,Emmanuel Macron", ""])
    await bot.admin(language_code="uk").send_document(path.name, path.read_bytes(), caption="/import")
    assert "бракує стовпців: side, topics, text, source" in bot.last_text(ADMIN_ID)


async def test_markup_in_a_statement_is_refused_on_its_line(
    bot: BotHarness, sample_database: Database, tmp_path: Path
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    lines = [HEADER, csv_line("m1", "Plain words."), csv_line("m2", "<script>alert(1)</script>"), ""]

    answer = await import_through_the_bot(bot, written(tmp_path, "markup.csv", lines))

    assert answer.startswith("❌ markup.csv: 1 problem found; nothing was imported."), answer
    assert "• line 3: text: holds HTML markup (&lt;script&gt;)" in answer, answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_a_binary_file_is_one_problem_and_imports_nothing(
    bot: BotHarness, sample_database: Database, tmp_path: Path
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    workbook = tmp_path / "statements.xlsx"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 40)

    answer = await import_through_the_bot(bot, workbook)

    assert answer.startswith("❌ statements.xlsx: 1 problem found; nothing was imported."), answer
    assert "• line 1: file: not a text file but binary data" in answer, answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_a_file_in_another_encoding_is_said_once_with_the_other_problems(
    bot: BotHarness, sample_database: Database, tmp_path: Path
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    lines = [HEADER, *(csv_line(f"e{number}", "Заява про гарантії.") for number in range(5)), csv_line("e9", "")]
    path = tmp_path / "windows.csv"
    path.write_bytes("\n".join(lines).replace("Élysée", "Elysee").encode("cp1251"))

    answer = await import_through_the_bot(bot, path)

    assert answer.startswith("❌ windows.csv: 2 problems found; nothing was imported."), answer
    assert "• line 2: file: not UTF-8 text (5 such lines in all, the first here)" in answer, answer
    assert "• line 7: text: the text is empty" in answer, answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolons", "tabs"])
async def test_a_spreadsheets_csv_with_semicolons_or_tabs_imports_as_with_commas(
    database: Database, delimiter: str
) -> None:
    rows = [
        ["ref", "said_on", "speaker", "side", "topics", "text", "source"],
        ["d1", "2025-09-01", "Emmanuel Macron", "France", "talks;ceasefire", 'A "coalition"; and, commas.', "Élysée"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)

    report = await import_statements(database, "excel.csv", buffer.getvalue().encode(), "admin")

    assert (report.ok, report.added) == (True, 1), report.problems
    [line] = (await export_statements(database, ExchangeFormat.jsonl)).decode().splitlines()
    assert json.loads(line)["topics"] == ["talks", "ceasefire"]
    assert json.loads(line)["text"] == 'A "coalition"; and, commas.'


async def test_a_quote_left_open_in_a_file_of_semicolons_is_reported_where_it_starts(database: Database) -> None:
    content = 'ref;said_on;speaker;side;topics;text;source\nd1;2025-09-01;A;France;talks;"open;src\nd2;x;y;z;w;v;u\n'

    report = await import_statements(database, "excel.csv", content.encode(), "admin")

    assert [(problem.line, problem.field) for problem in report.problems] == [(2, "csv")]
    assert await export_statements(database, ExchangeFormat.jsonl) == b""


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([{"ref": "a1"}, {"ref": "a2"}], indent=2),
        json.dumps([{"ref": "a1"}, {"ref": "a2"}]),
        json.dumps({"ref": "a1", "speaker": "Emmanuel Macron"}, indent=2),
    ],
    ids=["array", "array-on-one-line", "pretty-object"],
)
async def test_one_json_document_instead_of_json_lines_is_one_problem(
    bot: BotHarness, sample_database: Database, tmp_path: Path, text: str
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)

    answer = await import_through_the_bot(bot, written(tmp_path, "statements.json", [text, ""]))

    assert answer.startswith("❌ statements.json: 1 problem found; nothing was imported."), answer
    assert "• line 1: json: the file is one JSON document, not JSON lines" in answer, answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before
