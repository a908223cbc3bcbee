"""`diplobot alerts ...`: the operators' view of the instant alerts.

`send-due` runs the very tick the bot's job runs every few seconds
(`bot.alerts.tick.send_alerts`), once: what was recorded since the last tick goes to the
alerts it matches. An operator runs it when no bot process is running; the tests run it
to send without waiting for the job."""

from __future__ import annotations

import typer

from bot.cli.common import settings_or_exit, with_telegram
from storage.engine import Database

alerts_app = typer.Typer(
    help="Instant alerts: send what the record's latest changes match.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

NO_TOKEN = "send-due sends through Telegram and needs the bot's token: set TELEGRAM_BOT_TOKEN (environment or .env)."


@alerts_app.command("send-due")
def send_due_command() -> None:
    """Send what the record's latest changes match, to every alert: one tick of the bot's alert job."""
    from bot.alerts.tick import send_alerts
    from bot.digests.sender import digest_bot

    settings = settings_or_exit()
    if settings.telegram_bot_token is None:
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(2)
    token = settings.telegram_bot_token.get_secret_value()

    async def work(database: Database):
        async with digest_bot(token, settings.telegram_api_url) as bot:
            # Waits for a running bot's tick on SQLite instead of skipping.
            return await send_alerts(bot, database, settings=settings, wait_for_lock=60)

    report = with_telegram(settings, work)
    typer.echo(report.summary())
    for error in report.errors:
        typer.echo(f"  {error}", err=True)
    if report.locked_out:
        raise typer.Exit(1)
