"""`diplobot`, the operators' command line: run, console, migrations, import/export, ask."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.alerts import alerts_app
from bot.cli.common import settings_or_exit, with_database
from bot.cli.digest import digest_app
from bot.config import ConfigError, load_settings
from bot.logs import configure_logging
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements

app = typer.Typer(
    help="diplobot: the record of what the parties to a war say about ending it.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(digest_app, name="digest")
app.add_typer(alerts_app, name="alerts")


@app.command("run")
def run(
    webhook_url: Annotated[str | None, typer.Option(help="Public HTTPS URL Telegram posts updates to (webhook mode)")] = None,
    listen: Annotated[str, typer.Option(help="Address the webhook server binds")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port the webhook server binds")] = 8443,
    secret_token: Annotated[str | None, typer.Option(envvar="DIPLOBOT_WEBHOOK_SECRET", help="Secret Telegram sends with each webhook call")] = None,
    url_path: Annotated[str, typer.Option(help="Path of the webhook endpoint")] = "telegram",
) -> None:
    """Run the bot: long polling, or a webhook with --webhook-url. Without a token, the console."""
    settings = settings_or_exit()
    if settings.telegram_bot_token is None:
        typer.echo(
            "No TELEGRAM_BOT_TOKEN configured, so this is the terminal console on the same handlers; "
            "set TELEGRAM_BOT_TOKEN (environment or .env) to connect to Telegram.",
            err=True,
        )
        from bot.local.console import run_console

        asyncio.run(run_console(settings, admin=True))
        return
    from bot.app import ALLOWED_UPDATES, build_application

    application = build_application(settings)
    if webhook_url is None:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
        return
    application.run_webhook(
        listen=listen,
        port=port,
        url_path=url_path,
        webhook_url=f"{webhook_url.rstrip('/')}/{url_path}",
        secret_token=secret_token,
        allowed_updates=ALLOWED_UPDATES,
    )


@app.command("console")
def console(
    user_id: Annotated[int, typer.Option(help="The Telegram user id you play")] = 1,
    admin: Annotated[bool, typer.Option("--admin", help="Play an admin")] = False,
) -> None:
    """Talk to the bot's handlers in the terminal, without Telegram."""
    from bot.local.console import run_console

    asyncio.run(run_console(settings_or_exit(), user_id=user_id, admin=admin))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest migration."""
    from storage.migrate import current_revision

    revision = with_database(current_revision, semantic=False)
    typer.echo(f"database at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base")]) -> None:
    """Undo migrations down to REVISION."""
    from storage.migrate import current_revision, downgrade

    async def work(database: Database) -> str | None:
        await downgrade(database, revision)
        return await current_revision(database)

    typer.echo(f"database at revision {with_database(work, semantic=False)}")


@app.command("health")
def health() -> None:
    """Exit 0 when the configured database answers at the newest schema (for health checks)."""
    from storage.migrate import current_revision, head_revision

    settings = settings_or_exit()

    async def check() -> str | None:
        database = Database(settings.database_url)
        try:
            return await current_revision(database)
        finally:
            await database.close()

    try:
        revision = asyncio.run(check())
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        typer.echo(f"unhealthy: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    if revision != head_revision():
        typer.echo(f"unhealthy: database at {revision}, code expects {head_revision()}", err=True)
        raise typer.Exit(1)
    typer.echo("ok")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A JSON-lines or CSV file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write nothing")] = False,
) -> None:
    """Import statements (all or nothing; idempotent by ref)."""
    content = file.read_bytes()

    async def work(database: Database):  # type: ignore[no-untyped-def]
        return await import_statements(database, file.name, content, f"cli:{file.name}", dry_run=dry_run)

    report = with_database(work)
    for problem in report.problems:
        typer.echo(f"{file.name}: {problem}", err=True)
    typer.echo(report.summary(), err=not report.ok)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export(
    fmt: Annotated[ExchangeFormat, typer.Option("--format", "-f", help="jsonl or csv")] = ExchangeFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
) -> None:
    """Export every statement in the exchange format."""
    content = with_database(lambda database: export_statements(database, fmt), semantic=False)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        output.write_bytes(content)
        typer.echo(f"wrote {output}", err=True)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line from stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many statements")] = 5,
) -> None:
    """Answer questions from the record."""
    from bot.answering.ask import answer, answer_json
    from bot.local.console import terminal_text
    from bot.presentation.listings import answer_html

    questions = [line.strip() for line in sys.stdin] if question == "-" else [question]
    questions = [text for text in questions if text]
    as_json = as_json or question == "-"

    async def work(database: Database) -> None:
        for text in questions:
            page = await answer(database, text, limit=limit)
            if as_json:
                typer.echo(json.dumps(answer_json(text, page), ensure_ascii=False))
            else:
                typer.echo(terminal_text(answer_html(page)) + "\n")

    with_database(work)


@app.command("eval")
def evaluate_answers(
    questions: Annotated[
        Path | None,
        typer.Argument(
            exists=True, dir_okay=False, readable=True,
            help='Answerable questions: JSON lines {"q", "relevant": [refs]}. Without it: the whole suite of --suite on the sample',
        ),
    ] = None,
    unanswerable: Annotated[
        Path | None,
        typer.Option("--unanswerable", "-u", exists=True, dir_okay=False, readable=True, help='Questions the record cannot answer: JSON lines {"q"}'),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Use a fresh temporary SQLite database holding the bundled sample, not the configured one")
    ] = False,
    ablation: Annotated[bool, typer.Option("--ablation/--no-ablation", help="Also measure with each part of the method switched off")] = True,
    model: Annotated[bool, typer.Option("--model/--no-model", help="Use the sentence-embedding model if installed")] = True,
    per_question: Annotated[bool, typer.Option("--per-question", help="Also one JSON line per question")] = False,
    suite: Annotated[
        Path, typer.Option("--suite", file_okay=False, help="Folder of the question sets (dev, calibration, holdout; en, uk, ru)")
    ] = Path("benchmarks/data"),
) -> None:
    """Measure answers: recall@5 and MRR over QUESTIONS, the share of --unanswerable ones answered
    "nothing found"; without QUESTIONS, every set of --suite per language, on the bundled sample."""
    from bot.answering.eval_suite import evaluate_suite, suite_lines
    from bot.answering.evaluation import VARIANTS, evaluate, report_lines
    from storage.sample import temporary_sample_database
    from bot.answering.embedder import Embedder

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
