"""`diplobot db downgrade` to base drops every table, and past 0005 or 0006 the readers'
alerts and chats' settings: it says what would be lost and needs consent (--yes), and --yes
--force when there are statements, subscriptions or alerts to lose. A downgrade that drops
no table needs none."""

from __future__ import annotations

import asyncio
from pathlib import Path
from subprocess import CompletedProcess

import pytest
import typer
from alembic.script import ScriptDirectory

from bot.cli.main import consent_to_drop
from storage.alerts import add_alert
from storage.engine import Database
from storage.migrate import alembic_config, head_revision
from storage.sample import sample_corpus
from tests.test_cli import DIPLOBOT, Cli, sqlite_cli

pytestmark = pytest.mark.skipif(
    not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}"
)

QUICK = {"DIPLOBOT_SEMANTIC": "false"}


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    if request.param == "sqlite":
        return sqlite_cli(tmp_path)
    return Cli(request.getfixturevalue("postgres_database_url"), tmp_path)


def run(cli: Cli, *arguments: str) -> CompletedProcess[str]:
    return cli.run(*arguments, **QUICK)


def statements_held(cli: Cli) -> int:
    result = run(cli, "export")
    assert result.returncode == 0, result.stderr
    return len(result.stdout.splitlines())


@pytest.fixture
def filled(cli: Cli, tmp_path: Path) -> Cli:
    sample = tmp_path / "sample.jsonl"
    sample.write_bytes(sample_corpus())
    assert run(cli, "import", str(sample)).returncode == 0
    return cli


def test_downgrade_to_base_says_what_would_be_lost_and_changes_nothing_without_consent(filled: Cli) -> None:
    result = run(filled, "db", "downgrade", "base")

    assert result.returncode == 1
    assert "drops every table" in result.stderr
    assert "48 statements" in result.stderr and "0 subscriptions" in result.stderr
    assert "audit entries" in result.stderr
    assert "Nothing was changed" in result.stderr and "--yes --force" in result.stderr
    assert "diplobot export" in result.stderr
    assert result.stdout == ""
    assert statements_held(filled) == 48


def test_what_would_be_lost_is_counted_in_the_singular_for_one(capsys: pytest.CaptureFixture[str]) -> None:
    held = {"statements": 1, "speakers": 2, "links": 0, "subscriptions": 1, "digest deliveries": 1, "audit entries": 1}

    with pytest.raises(typer.Exit):
        consent_to_drop(held, yes=False, force=False)

    assert (
        "with all they hold: 1 statement, 2 speakers, 0 links, 1 subscription, 1 digest delivery, 1 audit entry."
        in capsys.readouterr().err
    )


def test_yes_alone_does_not_drop_a_record_that_holds_statements(filled: Cli) -> None:
    result = run(filled, "db", "downgrade", "base", "--yes")

    assert result.returncode == 1
    assert "Refused" in result.stderr and "--force" in result.stderr
    assert statements_held(filled) == 48


def test_yes_and_force_drop_it(filled: Cli) -> None:
    result = run(filled, "db", "downgrade", "base", "--yes", "--force")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database at revision None"


def test_yes_drops_an_empty_record(cli: Cli) -> None:
    assert run(cli, "db", "upgrade").returncode == 0

    result = run(cli, "db", "downgrade", "base", "--yes")

    assert result.returncode == 0, result.stderr
    assert "0 statements" in result.stderr
    assert result.stdout.strip() == "database at revision None"


@pytest.mark.parametrize("separator", [(), ("--",)], ids=["as written", "after --"])
def test_a_relative_target_that_reaches_base_is_caught_too(filled: Cli, separator: tuple[str, ...]) -> None:
    revisions = len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
    result = run(filled, "db", "downgrade", *separator, f"-{revisions}")

    assert result.returncode == 1
    assert "48 statements" in result.stderr
    assert statements_held(filled) == 48


@pytest.mark.parametrize("separator", [(), ("--",)], ids=["as written", "after --"])
def test_a_downgrade_that_drops_no_table_needs_no_consent(filled: Cli, separator: tuple[str, ...]) -> None:
    result = run(filled, "db", "downgrade", *separator, "-1")

    assert result.returncode == 0, result.stderr
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert result.stdout.strip() == f"database at revision {previous}"
    assert statements_held(filled) == 48


def test_an_unknown_revision_is_one_line(cli: Cli) -> None:
    assert run(cli, "db", "upgrade").returncode == 0

    result = run(cli, "db", "downgrade", "nope")

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "nope" in result.stderr


def test_a_mistyped_option_is_refused_and_changes_nothing(filled: Cli) -> None:
    result = run(filled, "db", "downgrade", "base", "--yess", "--force")

    assert result.returncode == 2
    assert "--yess" in result.stderr
    assert statements_held(filled) == 48


def test_a_downgrade_past_the_alerts_says_it_drops_them_and_asks(filled: Cli) -> None:
    async def alert() -> None:
        database = Database(filled.database_url)
        try:
            await add_alert(database, 42, "ceasefire", limit=10)
        finally:
            await database.close()

    asyncio.run(alert())

    asked = run(filled, "db", "downgrade", "0004")
    refused = run(filled, "db", "downgrade", "0004", "--yes")
    forced = run(filled, "db", "downgrade", "0004", "--yes", "--force")

    assert asked.returncode == 1 and "1 alert, 0 alert deliveries, 0 chat states" in asked.stderr, asked.stderr
    assert "drops tables, with all they hold" in asked.stderr and "every table" not in asked.stderr
    assert refused.returncode == 1 and "Refused" in refused.stderr
    assert forced.returncode == 0 and forced.stdout.strip() == "database at revision 0004", forced.stderr
    assert statements_held(filled) == 48
