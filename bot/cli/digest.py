"""`diplobot digest ...`: the operators' view of the daily digests.

`send-due` runs the very tick the bot's job runs (`bot.digests.tick.send_due`), once, now or as
if the clock read `--at`; it is how an operator catches up by hand and how the tests move
the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.common import settings_or_exit, with_database, with_telegram
from storage.engine import Database

digest_app = typer.Typer(
    help="Daily digests: preview a chat's next one, send those due, count them.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

NO_TOKEN = (
    "send-due sends through Telegram and needs the bot's token: set TELEGRAM_BOT_TOKEN "
    "(environment or .env). `diplobot digest preview CHAT_ID` shows a digest without sending."
)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is read as UTC."""
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date-time, e.g. 2025-09-02T05:00:00Z") from None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


@digest_app.command("preview")
def preview_command(
    chat_id: Annotated[int, typer.Argument(help="The subscriber's chat id")],
    html: Annotated[bool, typer.Option("--html", help="Print the messages as the HTML sent to Telegram")] = False,
) -> None:
    """Print a chat's next digest as it stands now; nothing is marked delivered."""
    from bot.digests.compose import NOTHING_NEW, plain_text, preview
    from bot.digests.status import subscriber_heading

    async def work(database: Database):
        return await preview(database, chat_id)

    found = with_database(work, semantic=False, quiet=True)
    if found is None:
        typer.echo(f"chat {chat_id} has no digest subscription", err=True)
        raise typer.Exit(1)
    subscriber, digest = found
    typer.echo(subscriber_heading(subscriber, digest.count), err=True)
    if digest.is_empty:
        typer.echo(NOTHING_NEW if html else plain_text(NOTHING_NEW))
        return
    for index, part in enumerate(digest.parts, start=1):
        if len(digest.parts) > 1:
            typer.echo(f"----- message {index}/{len(digest.parts)} -----")
        typer.echo(part if html else plain_text(part))


@digest_app.command("send-due")
def send_due_command(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Run as if the clock read this ISO date-time (UTC unless an offset is given)"),
    ] = None,
) -> None:
    """Send every digest that is due now (or --at a time): one tick of the bot's digest job."""
    from bot.digests.sender import digest_bot
    from bot.digests.tick import send_due

    now = parse_instant(at) if at else None
    settings = settings_or_exit()
    if settings.telegram_bot_token is None:
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(2)
    token = settings.telegram_bot_token.get_secret_value()

    async def work(database: Database):
        async with digest_bot(token, settings.telegram_api_url) as bot:
            # Waits for a running bot's tick on SQLite instead of skipping.
            return await send_due(bot, database, now, settings=settings, wait_for_lock=120)

    report = with_telegram(settings, work)
    typer.echo(report.summary())
    for error in report.errors:
        typer.echo(f"  {error}", err=True)
    if report.locked_out:
        raise typer.Exit(1)


@digest_app.command("status")
def status_command(
    at: Annotated[str | None, typer.Option("--at", help="Count as if the clock read this ISO date-time")] = None,
) -> None:
    """Count the subscriptions: due now, sent today, failed today, unsubscribed, unreachable."""
    from bot.digests.status import digest_status

    now = parse_instant(at) if at else None

    async def work(database: Database):
        return await digest_status(database, now)

    status = with_database(work, semantic=False, quiet=True)
    for line in status.lines():
        typer.echo(line)
    if status.failures:
        typer.echo("failed today:")
        for subscriber_id, chat_id, error in status.failures:
            typer.echo(f"  subscriber {subscriber_id} (chat {chat_id}): {error}")
