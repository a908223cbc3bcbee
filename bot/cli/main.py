"""`diplobot`, the operators' command line: run, console, migrations, import/export, ask."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bot.cli.alerts import alerts_app
from bot.cli.common import (
    configuration_error,
    database_unavailable,
    made_folder,
    quiet_level,
    run_or_exit,
    secrets,
    settings_or_exit,
    with_database,
    write_output,
)
from bot.cli.digest import digest_app
from bot.cli.positions import register as register_positions
from bot.config import GENERATE_SECRET, ConfigError, Settings, load_settings, parse_webhook_secret
from bot.input.labels import record_label
from bot.known_speakers import known_speakers
from bot.logs import Redactor, configure_logging
from storage.engine import Database
from storage.errors import RecordError
from storage.exchange import UNRETRACT_OPTION, ExchangeFormat, export_statements, import_statements

app = typer.Typer(
    help="Operate diplobot, the record of what the parties to a war say about ending it.",
    no_args_is_help=True,
    # Paragraphs of the commands' docstrings flow as one: the source's line breaks are not kept.
    rich_markup_mode="markdown",
    add_completion=False,
    # Local variables can hold the bot token.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(
    help="Database schema: create or upgrade it, or undo migrations.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(db_app, name="db")
app.add_typer(digest_app, name="digest")
app.add_typer(alerts_app, name="alerts")


@app.command("run")
def run(
    webhook_url: Annotated[
        str | None, typer.Option(help="Public HTTPS URL Telegram posts updates to (webhook mode)")
    ] = None,
    listen: Annotated[str, typer.Option(help="Address the webhook server binds")] = "0.0.0.0",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port the webhook server binds")] = 8443,
    secret_token: Annotated[
        str | None, typer.Option(help="Secret Telegram sends with each webhook call (default: DIPLOBOT_WEBHOOK_SECRET)")
    ] = None,
    url_path: Annotated[
        str, typer.Option(help="Path of the webhook endpoint, the last part of the URL Telegram posts to")
    ] = "telegram",
) -> None:
    """Run the bot on Telegram: long polling, or a webhook with --webhook-url (no token: the console).

    The database is brought to the newest schema first; an empty one gets the sample corpus
    unless DIPLOBOT_LOAD_SAMPLE=false."""
    settings = settings_or_exit()
    secret = webhook_secret(settings, secret_token) if webhook_url is not None else None
    if webhook_url is not None and settings.telegram_bot_token is None:
        # The console is for trying the bot at a terminal; a webhook serves Telegram only.
        raise configuration_error(
            "TELEGRAM_BOT_TOKEN: webhook mode needs the bot's token; set it in the environment or .env"
        )
    if settings.telegram_bot_token is None:
        typer.echo(
            "No TELEGRAM_BOT_TOKEN configured, so this is the terminal console on the same handlers; "
            "set TELEGRAM_BOT_TOKEN (environment or .env) to connect to Telegram.",
            err=True,
        )
        from bot.local.console import run_console

        configure_logging(quiet_level(settings.log_level), *secrets(settings))
        run_or_exit(run_console(settings, admin=True))
        return
    from telegram.error import TelegramError

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.cli.startup import TokenWatch, listen_failure, quiet_bootstrap_failures, telegram_failure
    from bot.runtime import DatabaseUnavailable

    hidden = [*secrets(settings), secret]
    if secret is not None:
        configure_logging(settings.log_level, *hidden)
    quiet_bootstrap_failures()
    application = build_application(settings)
    try:
        if webhook_url is None:
            watch = TokenWatch(application)
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
            if watch.rejection is not None:
                raise watch.rejection
            return
        application.run_webhook(
            listen=listen,
            port=port,
            url_path=url_path.strip("/"),
            webhook_url=webhook_address(webhook_url, url_path),
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except TelegramError as error:
        typer.echo(Redactor(*hidden)(telegram_failure(error, settings)), err=True)
        raise typer.Exit(1) from None
    except DatabaseUnavailable as error:
        raise database_unavailable(error) from None
    except OSError as error:
        if webhook_url is None:
            raise
        typer.echo(listen_failure(error, listen, port), err=True)
        raise typer.Exit(1) from None


def webhook_address(webhook_url: str, url_path: str) -> str:
    """Where Telegram posts: the public URL and the path the server listens on, one slash
    between them however either is written (`--url-path /telegram`, a URL ending in /)."""
    return f"{webhook_url.rstrip('/')}/{url_path.strip('/')}"


def webhook_secret(settings: Settings, option: str | None) -> str:
    """Without a secret anyone who learns the webhook's URL could post forged updates, as
    any user, admins included: webhook mode does not start without one."""
    if option is not None:
        try:
            return parse_webhook_secret(option.strip())
        except ValueError as error:
            raise configuration_error(f"--secret-token: {error}") from None
    if settings.webhook_secret is None:
        raise configuration_error(
            "DIPLOBOT_WEBHOOK_SECRET: webhook mode needs a secret, so that only Telegram can post "
            f"updates; generate one with `{GENERATE_SECRET}` and set it in the environment or .env"
        )
    return settings.webhook_secret.get_secret_value()


@app.command("console")
def console(
    user_id: Annotated[int, typer.Option(help="The Telegram user id you play")] = 1,
    admin: Annotated[bool, typer.Option("--admin", help="Play an admin")] = False,
    files: Annotated[
        Path | None,
        typer.Option(
            "--files",
            file_okay=False,
            help="Folder for the pictures and files the bot sends (default: a new temporary one)",
        ),
    ] = None,
) -> None:
    """Try the bot in the terminal: the same handlers and database, no Telegram.

    Type a question or a command; a button by its number; @diplobot_bot WORDS for inline
    mode; :doc PATH [caption] sends a file; :quit leaves. Pictures and files the bot sends
    are saved in --files (default: a new temporary folder), each line naming its path."""
    from bot.local.console import run_console

    folder = made_folder(files, "--files") if files is not None else None
    run_or_exit(run_console(settings_or_exit(quiet=True), user_id=user_id, admin=admin, files=folder))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or bring its schema to the newest migration."""
    from storage.migrate import current_revision

    revision = with_database(current_revision, semantic=False)
    typer.echo(f"database at revision {revision}")


# "-1" (one migration back) would otherwise be read as an unknown option.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision: -1 (one back), -2, a number such as 0007, or base")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Consent to dropping tables (a downgrade to base, or past 0005 or 0006)")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --yes: drop them even though they hold statements, subscriptions or alerts"),
    ] = False,
) -> None:
    """Undo migrations down to REVISION (one that drops tables asks first: --yes).

    Undoing the first one (base) drops every table, undoing 0005 the alerts and 0006 the
    chats' settings: it shows what would be lost and needs --yes, and --yes --force when
    statements, subscriptions or alerts would go."""
    from bot.runtime import reachable_database
    from storage.migrate import DROPPED_ROWS, FIRST, current_revision, downgrade, revisions_undone
    from storage.stats import rows_held

    settings = settings_or_exit()

    async def work() -> str | None:
        # Not `open_database`: it would first upgrade what is to be downgraded.
        database = await reachable_database(settings.database_url)
        try:
            undone = await revisions_undone(database, revision)
            dropped = [name for undoing in undone for name in DROPPED_ROWS.get(undoing, ())]
            if dropped:
                consent_to_drop(await rows_held(database, dropped), yes=yes, force=force, every_table=FIRST in undone)
            await downgrade(database, revision)
            return await current_revision(database)
        finally:
            await database.close()

    try:
        reached = run_or_exit(work())
    except RecordError as error:
        typer.echo(f"diplobot db downgrade: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"database at revision {reached}")


def consent_to_drop(held: dict[str, int], *, yes: bool, force: bool, every_table: bool = True) -> None:
    """Says what dropping the tables would lose; returns only when the operator consented
    (--yes, and --force as well when there are statements, subscriptions or alerts to lose)."""
    from storage.stats import ROW_NAME

    lost = ", ".join(f"{count} {ROW_NAME[name] if count == 1 else name}" for name, count in held.items())
    tables = "every table of the record" if every_table else "tables"
    typer.echo(f"This downgrade drops {tables}, with all they hold: {lost}.", err=True)
    holds_data = any(held.get(name) for name in ("statements", "subscriptions", "alerts"))
    backup = "Export the record first (diplobot export -o record.jsonl)"
    if not yes:
        flags = "--yes --force" if holds_data else "--yes"
        typer.echo(f"Nothing was changed. {backup}, then run it again with {flags}.", err=True)
        raise typer.Exit(1)
    if holds_data and not force:
        typer.echo(
            f"Refused: the record holds statements, subscriptions or alerts, and nothing was changed. {backup}; "
            "add --force to drop them anyway.",
            err=True,
        )
        raise typer.Exit(1)


@app.command("health")
def health() -> None:
    """Health probe: "ok" (exit 0) when the database answers at the newest schema, else one line (exit 1).

    It changes nothing: a SQLite file that is not there is reported missing, not made."""
    from bot.runtime import DatabaseUnavailable, failure_reason, reachable_database
    from storage.engine import sqlite_file
    from storage.migrate import NewerSchema, current_revision, head_revision, is_known_revision

    settings = settings_or_exit()
    url = settings.database_url
    file = sqlite_file(url)
    if file is not None and not file.expanduser().exists():
        # Opening it would create an empty file, and a probe must change nothing.
        unhealthy(f"DIPLOBOT_DATABASE_URL: no database file at {file} (`diplobot db upgrade` creates it)")

    async def check() -> str | None:
        database = await reachable_database(url)
        try:
            return await current_revision(database)
        finally:
            await database.close()

    try:
        revision = asyncio.run(check())
    except DatabaseUnavailable as error:
        unhealthy(str(error))
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy, said in one line
        unhealthy(f"cannot read the schema revision ({failure_reason(url, error)})")
    head = head_revision()
    if revision is None:
        unhealthy(f"the database has no schema (`diplobot db upgrade` brings it to {head})")
    if not is_known_revision(revision):
        unhealthy(str(NewerSchema(revision)))
    if revision != head:
        unhealthy(f"the database is at schema {revision}, this diplobot expects {head} (`diplobot db upgrade`)")
    typer.echo("ok")


def unhealthy(reason: str) -> NoReturn:
    typer.echo(f"unhealthy: {reason}", err=True)
    raise typer.Exit(1)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A JSON-lines or CSV file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write nothing")] = False,
    allow_unretract: Annotated[
        bool, typer.Option(UNRETRACT_OPTION, help="Let the file restore statements retracted in the record")
    ] = False,
) -> None:
    """Add or update statements from a JSON-lines or CSV file: all or nothing, matched by ref.

    Importing the same file again changes nothing. A statement retracted in the record
    stays retracted, and its line is reported as skipped, unless --allow-unretract. A file
    holding no statement is said to hold none, and exits 1."""
    content = file.read_bytes()

    async def work(database: Database):
        return await import_statements(
            database,
            file.name,
            content,
            f"cli:{file.name}",
            dry_run=dry_run,
            allow_unretract=allow_unretract,
            labels=record_label,
            known=known_speakers(),
        )

    report = with_database(work, quiet=True)
    if report.empty:
        typer.echo(f"{file.name} holds no statements; nothing was imported", err=True)
        raise typer.Exit(1)
    for problem in report.problems:
        typer.echo(f"{file.name}: {problem}", err=True)
    for skipped in report.skipped:
        typer.echo(f"{file.name}: {skipped}", err=True)
    typer.echo(report.summary(), err=not report.ok)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export(
    fmt: Annotated[ExchangeFormat, typer.Option("--format", "-f", help="jsonl or csv")] = ExchangeFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
) -> None:
    """Write every statement, retracted ones included, as JSON lines or CSV (the exchange format)."""
    content = with_database(lambda database: export_statements(database, fmt), semantic=False, quiet=True)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        write_output(output, content)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line from stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many statements")] = 5,
) -> None:
    """Answer a question from the record, as the bot would (--json for scripts, - for stdin).

    With -, one question per line is read from stdin and one JSON line printed for each."""
    from bot.answering.ask import answer, answer_json
    from bot.local.console import terminal_text
    from bot.presentation.listings import answer_html

    if question == "-":
        questions = [text for text in (line.strip() for line in sys.stdin) if text]
    elif question.strip():
        questions = [question.strip()]
    else:
        typer.echo('diplobot ask: the question is empty; e.g. diplobot ask "Who wants a ceasefire?"', err=True)
        raise typer.Exit(2)
    as_json = as_json or question == "-"

    async def work(database: Database) -> None:
        for text in questions:
            page = await answer(database, text, limit=limit)
            if as_json:
                typer.echo(json.dumps(answer_json(text, page), ensure_ascii=False))
            else:
                typer.echo(terminal_text(answer_html(page, commands=False)) + "\n")

    with_database(work, quiet=True)


@app.command("eval")
def evaluate_answers(
    questions: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help='Answerable questions: JSON lines {"q", "relevant": [refs]}. Without it: the whole suite of --suite on the sample',
        ),
    ] = None,
    unanswerable: Annotated[
        Path | None,
        typer.Option(
            "--unanswerable",
            "-u",
            exists=True,
            dir_okay=False,
            readable=True,
            help='Questions the record cannot answer: JSON lines {"q"}',
        ),
    ] = None,
    sample: Annotated[
        bool,
        typer.Option(
            "--sample", help="Use a fresh temporary SQLite database holding the bundled sample, not the configured one"
        ),
    ] = False,
    ablation: Annotated[
        bool, typer.Option("--ablation/--no-ablation", help="Also measure with each part of the method switched off")
    ] = True,
    model: Annotated[
        bool, typer.Option("--model/--no-model", help="Use the sentence-embedding model if installed")
    ] = True,
    per_question: Annotated[bool, typer.Option("--per-question", help="Also one JSON line per question")] = False,
    suite: Annotated[
        Path,
        typer.Option(
            "--suite", file_okay=False, help="Folder of the question sets (dev, calibration, holdout; en, uk, ru)"
        ),
    ] = Path("benchmarks/data"),
) -> None:
    """Measure the answers: recall@5 and MRR, and how often unanswerable questions get "nothing found".

    Over QUESTIONS (and --unanswerable); without QUESTIONS, every set of --suite per
    language, on the bundled sample."""
    from bot.answering.embedder import Embedder
    from bot.answering.eval_suite import evaluate_suite, suite_lines
    from bot.answering.evaluation import VARIANTS, evaluate, report_lines
    from storage.sample import temporary_sample_database

    variants = VARIANTS if ablation else VARIANTS[:1]

    async def work(database: Database) -> list[str]:
        if questions is None:
            if not suite.is_dir():
                raise typer.BadParameter(f"{suite} is not a folder of question sets", param_hint="--suite")
            return suite_lines(await evaluate_suite(database, suite, variants))
        report = await evaluate(database, questions, unanswerable, variants=variants)
        return report_lines(report, per_question=per_question)

    if not sample and questions is not None:
        lines = with_database(work, semantic=model)
    else:
        try:
            configure_logging(load_settings().log_level)
        except ConfigError:
            configure_logging("WARNING")

        async def on_sample() -> list[str]:
            async with temporary_sample_database(Embedder.shared() if model else None) as database:
                return await work(database)

        lines = asyncio.run(on_sample())
    for line in lines:
        typer.echo(line)


register_positions(app)
