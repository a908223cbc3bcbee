"""`diplobot`, the operators' command line, run as the installed console script in a
process of its own, as operators and scripts run it."""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.testing

from bot.config import parse_timezone
from storage.engine import Database
from storage.exchange import COLUMNS
from storage.migrate import head_revision
from storage.sample import sample_corpus
from storage.statements import EXCHANGE_FIELDS
from storage.subscriptions import subscribe, unsubscribe

DIPLOBOT = Path(sys.executable).with_name("diplobot")
RESULT_KEYS = {"ref", "id", "speaker", "side", "said_on", "text", "source", "status", "score"}
# A safety net against a hung process, not a measure of speed.
PROCESS_TIMEOUT = 300

pytestmark = pytest.mark.skipif(
    not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}"
)


def cli_environment(database_url: str, **variables: str) -> dict[str, str]:
    """The caller's environment without any bot setting of its own, plus ours."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DIPLOBOT_") and name != "TELEGRAM_BOT_TOKEN"
    }
    environment.update({"DIPLOBOT_DATABASE_URL": database_url, "DIPLOBOT_LOAD_SAMPLE": "false"})
    environment.update(variables)
    return environment


class Cli:
    """`diplobot` against one database, run from a directory with no `.env`."""

    def __init__(self, database_url: str, directory: Path) -> None:
        self.database_url = database_url
        self.directory = directory

    def run(self, *arguments: str, stdin: str | None = None, **variables: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DIPLOBOT), *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=self.directory,
            env=cli_environment(self.database_url, **variables),
            timeout=PROCESS_TIMEOUT,
            check=False,
        )

    def ok(self, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = self.run(*arguments, stdin=stdin)
        assert result.returncode == 0, f"diplobot {' '.join(arguments)} failed:\n{result.stderr}"
        return result

    def export(self, fmt: str = "jsonl") -> str:
        return self.ok("export", "--format", fmt).stdout


def sqlite_cli(directory: Path) -> Cli:
    return Cli(f"sqlite+aiosqlite:///{directory / 'record.db'}", directory)


def write_sample(directory: Path) -> Path:
    path = directory / "statements.jsonl"
    path.write_bytes(sample_corpus())
    return path


def ask_json(cli: Cli, question: str) -> dict[str, Any]:
    result = cli.ok("ask", question, "--json")
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def assert_answers_donetsk(answer: dict[str, Any], sample_records: list[dict[str, Any]]) -> None:
    assert answer["question"] == "Donetsk"
    results = answer["results"]
    by_ref = {result["ref"]: result for result in results}
    assert {"s23", "s43"} <= set(by_ref)
    for result in results:
        assert set(result) == RESULT_KEYS
        assert isinstance(result["id"], int) and isinstance(result["score"], int | float)
    records = {record["ref"]: record for record in sample_records}
    for ref in ("s23", "s43"):
        record = records[ref]
        assert by_ref[ref]["speaker"] == record["speaker"] == "Vladimir Putin"
        for key in ("side", "said_on", "text", "source", "status"):
            assert by_ref[ref][key] == record[key]
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)


# -- one imported record shared by the tests that leave it unchanged -------------------------


class Imported:
    """The sample imported once through the CLI, with what `import` and `export` printed."""

    def __init__(self, cli: Cli, result: subprocess.CompletedProcess[str], export: str) -> None:
        self.cli = cli
        self.result = result
        self.export = export


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    directory = tmp_path_factory.mktemp("cli")
    cli = sqlite_cli(directory)
    result = cli.run("import", str(write_sample(directory)))
    assert result.returncode == 0, result.stderr
    return Imported(cli, result, cli.export())


@pytest.fixture
def cli(imported: Imported) -> Cli:
    return imported.cli


def test_import_reports_what_it_added(imported: Imported) -> None:
    assert "48 added, 0 updated, 0 unchanged" in imported.result.stdout


def test_export_jsonl_to_stdout_gives_back_the_imported_lines(
    imported: Imported, sample_records: list[dict[str, Any]]
) -> None:
    exported = [json.loads(line) for line in imported.export.splitlines()]

    assert [line["ref"] for line in exported] == [record["ref"] for record in sample_records]
    assert [line["text"] for line in exported] == [record["text"] for record in sample_records]


def test_ask_json_prints_one_object_with_the_contract_keys(cli: Cli, sample_records: list[dict[str, Any]]) -> None:
    assert_answers_donetsk(ask_json(cli, "Donetsk"), sample_records)


def test_ask_from_stdin_prints_one_json_line_per_question(cli: Cli) -> None:
    result = cli.ok("ask", "-", stdin="Donetsk\nqwertyuiop zxcvbnm\n\n  Crimea  \n")

    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer["question"] for answer in answers] == ["Donetsk", "qwertyuiop zxcvbnm", "Crimea"]
    assert {"s23", "s43"} <= {item["ref"] for item in answers[0]["results"]}
    assert answers[1]["results"] == []
    assert answers[2]["results"]
    for answer in answers:
        for item in answer["results"]:
            assert set(item) == RESULT_KEYS


def test_ask_as_text_lists_as_many_statements_as_asked_citing_each(cli: Cli) -> None:
    out = cli.ok("ask", "Donetsk", "--limit", "2").stdout

    assert out.startswith("On “Donetsk” (1–2 of ")
    assert out.count("/statement_") == 2
    assert "<b>" not in out, "the terminal gets text, not HTML"


# -- import: files that hold no statement, quotes left open ---------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_diplobot_import_of_an_empty_file_says_so_and_exits_non_zero(imported: Imported, tmp_path: Path) -> None:
    before = imported.cli.export()
    result = imported.cli.run("import", str(write(tmp_path / "header.csv", ",".join(EXCHANGE_FIELDS) + "\n")))
    assert result.returncode == 1
    assert "header.csv holds no statements; nothing was imported" in result.stderr
    assert imported.cli.export() == before


def test_diplobot_import_names_the_line_where_a_quote_left_open_starts(imported: Imported, tmp_path: Path) -> None:
    before = imported.cli.export()

    def row(ref: str, text: str) -> str:
        values = {"ref": ref, "said_on": "2025-09-01", "speaker": "Emmanuel Macron", "side": "France"}
        values |= {"topics": "talks", "text": text, "source": "Elysee"}
        return ",".join(values.get(name, "") for name in EXCHANGE_FIELDS)

    # Line 2's text is not closed; the reader takes line 3's opening quote for its end.
    lines = [",".join(EXCHANGE_FIELDS), row("o1", '"Not closed.'), row("o2", '"Quoted, and closed."')]
    result = imported.cli.run("import", str(write(tmp_path / "open.csv", "\n".join(lines) + "\n")))
    assert result.returncode == 1
    assert "open.csv: line 2: csv: a quoted field starts on this line" in result.stderr
    assert imported.cli.export() == before


def test_a_broken_import_file_exits_non_zero_names_its_lines_and_changes_nothing(
    imported: Imported, tmp_path: Path
) -> None:
    cli = imported.cli
    good = json.loads(sample_corpus().decode().splitlines()[0])
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        "\n".join(
            [
                json.dumps({**good, "text": "This update must not be applied."}),
                '{"ref": "x2", "said_on":',
                json.dumps({**good, "ref": "x3", "topics": ["weather"]}),
                json.dumps({**good, "ref": "x4", "said_on": "2025-02-30"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    result = cli.run("import", str(broken))

    assert result.returncode != 0
    assert "broken.jsonl: line 2: json:" in result.stderr
    assert "broken.jsonl: line 3: topics:" in result.stderr
    assert "broken.jsonl: line 4: said_on:" in result.stderr
    assert "line 1:" not in result.stderr
    assert "nothing was imported" in result.stderr
    assert cli.export() == imported.export


def test_export_csv_to_a_file(cli: Cli, tmp_path: Path, sample_records: list[dict[str, Any]]) -> None:
    output = tmp_path / "out" / "statements.csv"
    output.parent.mkdir()

    result = cli.ok("export", "--format", "csv", "-o", str(output))

    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"), newline="")))
    assert [row["ref"] for row in rows] == [record["ref"] for record in sample_records]
    assert [row["topics"] for row in rows] == [";".join(record["topics"]) for record in sample_records]
    assert list(rows[0]) == list(COLUMNS)
    assert str(output) in result.stderr
    assert result.stdout == ""


# -- each with a database of its own -------------------------------------------------------------


def test_db_upgrade_of_a_new_database(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)

    result = cli.ok("db", "upgrade")

    assert result.stdout.strip() == f"database at revision {head_revision()}"
    assert (tmp_path / "record.db").exists()


def test_dry_run_counts_and_writes_nothing(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)

    result = cli.ok("import", "--dry-run", str(write_sample(tmp_path)))

    assert "dry run: 48 added, 0 updated, 0 unchanged; nothing was written" in result.stdout
    assert cli.export() == ""


def test_digest_preview_and_status_say_what_subscribers_chose_and_did(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)
    cli.ok("db", "upgrade")

    async def subscribers() -> None:
        database = Database(cli.database_url)
        try:
            for chat_id, zone in ((22, "UTC+3"), (23, "Kyiv")):
                await subscribe(
                    database,
                    chat_id,
                    "private",
                    digest_time=time(8, 0),
                    zone=parse_timezone(zone),
                    default_time=time(8, 0),
                    default_zone="UTC",
                )
            await unsubscribe(database, 23)
        finally:
            await database.close()

    asyncio.run(subscribers())
    preview = cli.ok("digest", "preview", "22")
    assert "# chat 22: active; daily at 08:00 UTC+3, next " in preview.stderr and "Etc/GMT" not in preview.stderr
    assert "# chat 23: unsubscribed; daily at 08:00 Europe/Kyiv" in cli.ok("digest", "preview", "23").stderr
    status = cli.ok("digest", "status").stdout
    assert "unsubscribed:      1 (" in status and "unreachable:       0 (" in status and "deactivated" not in status


def test_health_of_an_upgraded_database_is_ok(cli: Cli) -> None:
    result = cli.run("health")

    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_health_reports_a_missing_sqlite_file_without_making_it(tmp_path: Path) -> None:
    cli = Cli(f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'record.db'}", tmp_path)

    result = cli.run("health")

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"unhealthy: DIPLOBOT_DATABASE_URL: no database file at {tmp_path / 'nowhere' / 'record.db'} "
        "(`diplobot db upgrade` creates it)\n"
    )
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("database_url", "said"),
    [
        ("sqlite+aiosqlite:///{directory}/empty.db", "unhealthy: the database has no schema (`diplobot db upgrade`"),
        ("sqlite+aiosqlite:///{directory}/text.db", "cannot open the database (file is not a database)"),
        ("postgresql+asyncpg://bot:s3cret-pw@127.0.0.1:1/diplobot", "cannot open the database ("),
    ],
)
def test_an_unhealthy_database_is_one_line_and_exit_1(tmp_path: Path, database_url: str, said: str) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    (tmp_path / "text.db").write_text("not a database " * 100)

    result = Cli(database_url.format(directory=tmp_path), tmp_path).run("health")

    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("unhealthy: ") and said in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr


def test_ask_finding_nothing_tells_the_operator_so_without_the_bots_commands(tmp_path: Path) -> None:
    result = sqlite_cli(tmp_path).ok("ask", "Putin")

    assert "Nothing in the record matches the question." in result.stdout
    assert "Nothing in the record answers this." not in result.stdout  # one reason, not two
    assert "/search" not in result.stdout and "/topic" not in result.stdout


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_of_an_empty_question_exits_2_with_a_short_message(tmp_path: Path, question: str) -> None:
    result = sqlite_cli(tmp_path).run("ask", question)

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == 'diplobot ask: the question is empty; e.g. diplobot ask "Who wants a ceasefire?"\n'
    assert not (tmp_path / "record.db").exists()


@pytest.mark.parametrize(
    "command", [("ask", "Donetsk"), ("positions", "--json"), ("export",), ("digest", "status")], ids=" ".join
)
def test_commands_that_print_an_answer_keep_the_bots_info_log_off_stderr(cli: Cli, command: tuple[str, ...]) -> None:
    assert cli.ok(*command).stderr == ""


def test_the_console_keeps_the_info_log_out_of_its_prompt(cli: Cli) -> None:
    result = cli.ok("console", stdin="/latest 1\n")

    assert result.stderr == "" and "bot> " in result.stdout


def test_the_info_log_is_there_at_debug_level(cli: Cli) -> None:
    result = cli.run("ask", "Donetsk", DIPLOBOT_LOG_LEVEL="DEBUG")

    assert result.returncode == 0 and "record index loaded" in result.stderr


def _commands(command: Any, prefix: str = "diplobot") -> list[tuple[str, Any]]:
    """The command and, for a group, every command under it, by their full names."""
    found: list[tuple[str, Any]] = [(prefix, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_command_has_a_one_line_summary_and_its_details_flow() -> None:
    """The summary is what `diplobot --help` lists; details come after a blank line and
    are shown as paragraphs, not with the source's line breaks."""
    from bot.cli.main import app

    for name, command in _commands(typer.main.get_command(app)):
        summary = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert summary and "\n" not in summary and len(summary) <= 110, f"{name}: {summary!r}"
    runner = typer.testing.CliRunner()
    shown = runner.invoke(app, ["import", "--help"], terminal_width=200, env={"COLUMNS": "200"}).output
    assert "Importing the same file again changes nothing. A statement retracted in the record stays retracted" in shown


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIPLOBOT_TIMEZONE", "Mars/Olympus_Mons"),
        ("DIPLOBOT_DATABASE_URL", "mysql://bot@db/diplobot"),
        ("DIPLOBOT_ADMIN_IDS", "12,abc"),
    ],
)
def test_a_bad_configuration_variable_exits_2_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = sqlite_cli(tmp_path).run("db", "upgrade", **{variable: value})

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert result.stdout == ""
    assert not (tmp_path / "record.db").exists()


@pytest.mark.parametrize(
    ("database_url", "reason"),
    [
        # Nothing listens on port 1.
        ("postgresql+asyncpg://bot:s3cret-pw@127.0.0.1:1/diplobot", "Connect call failed"),
        # The folder of the file would have to be made inside a file.
        ("sqlite+aiosqlite:///{directory}/a-file/record.db", "a-file"),
        # No file can be made there, whoever asks (as with a bind mount the user may not write).
        (
            "sqlite+aiosqlite:////proc/record.db",
            f"unable to open database file: the file and its folder /proc must be writable by this user (uid {os.getuid()})",
        ),
    ],
)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("ask", "Donetsk"), ("export",), ("console",)])
def test_a_database_that_cannot_be_opened_exits_1_with_one_line_naming_it(
    tmp_path: Path, database_url: str, reason: str, command: tuple[str, ...]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    cli = Cli(database_url.format(directory=tmp_path), tmp_path)

    result = cli.run(*command, stdin="")

    assert result.returncode == 1
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("No TELEGRAM_BOT_TOKEN")]
    assert len(lines) == 1, result.stderr
    assert "DIPLOBOT_DATABASE_URL: cannot open the database" in lines[0]
    assert reason in lines[0]
    assert "s3cret-pw" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "command",
    [("export", "-o"), ("positions", "--png"), ("timeline", "territory", "--png")],
    ids=["export", "positions", "timeline"],
)
def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_1(tmp_path: Path, command: tuple[str, ...]) -> None:
    cli = sqlite_cli(tmp_path)
    cli.ok("import", str(write_sample(tmp_path)))
    (tmp_path / "a-file").write_text("not a folder")

    target = tmp_path / "a-file" / "out"

    result = cli.run(*command, str(target), DIPLOBOT_SEMANTIC="false")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"diplobot: cannot write {target} (Not a directory)"]


def test_a_console_files_folder_that_cannot_be_made_is_refused_before_the_console_starts(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")

    result = sqlite_cli(tmp_path).run("console", "--files", str(tmp_path / "a-file" / "files"), stdin="")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot make the folder" in result.stderr and "--files" in result.stderr
    assert not (tmp_path / "record.db").exists(), "nothing started"


def test_a_schema_newer_than_this_diplobot_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    """After a rollback to an older diplobot, the database is at a migration it has not got."""
    cli = sqlite_cli(tmp_path)
    cli.ok("db", "upgrade")
    with sqlite3.connect(tmp_path / "record.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    said = (
        f"the database is at schema 9999, newer than this diplobot knows (it knows up to {head_revision()}): "
        f"run the diplobot that upgraded it, or with that one `diplobot db downgrade {head_revision()}`"
    )

    for command, line in [
        (("health",), f"unhealthy: {said}"),
        (("db", "upgrade"), f"diplobot: DIPLOBOT_DATABASE_URL: {said}"),
        (("ask", "Donetsk"), f"diplobot: DIPLOBOT_DATABASE_URL: {said}"),
    ]:
        result = cli.run(*command, DIPLOBOT_SEMANTIC="false")

        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [line], command


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_import_and_ask_on_postgresql(
    postgres_database_url: str, tmp_path: Path, sample_records: list[dict[str, Any]]
) -> None:
    cli = Cli(postgres_database_url, tmp_path)

    imported = cli.ok("import", str(write_sample(tmp_path)))

    assert "48 added, 0 updated, 0 unchanged" in imported.stdout
    assert_answers_donetsk(ask_json(cli, "Donetsk"), sample_records)
