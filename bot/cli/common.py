"""What the commands of `diplobot` share (bot.cli.main and its sub-commands): the settings,
or a clear exit, and a database open for the length of one command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer

from bot.config import ConfigError, Settings, load_settings
from bot.logs import Redactor, configure_logging
from bot.runtime import DatabaseUnavailable, open_database
from storage.engine import Database

T = TypeVar("T")


def configuration_error(message: str) -> typer.Exit:
    """One line for the operator; the caller raises what this returns (exit status 2)."""
    typer.echo(f"configuration error: {message}", err=True)
    return typer.Exit(2)


def settings_or_exit(*, quiet: bool = False) -> Settings:
    """The settings, logging configured. `quiet` is for the commands whose output is the
    answer (ask, positions, export…): their stderr keeps warnings and errors, not the
    INFO lines of the bot's own log (the record index loaded, and the like), unless the
    configured level is DEBUG."""
    try:
        settings = load_settings()
    except ConfigError as error:
        raise configuration_error(str(error)) from None
    level = settings.log_level
    if quiet and logging.getLevelName(level) > logging.DEBUG:
        level = logging.getLevelName(max(logging.WARNING, logging.getLevelName(level)))
    configure_logging(level, *secrets(settings))
    return settings


def secrets(settings: Settings) -> list[str]:
    """What no log line and no error message may show."""
    return [secret.get_secret_value() for secret in (settings.telegram_bot_token, settings.webhook_secret) if secret]


def database_unavailable(error: DatabaseUnavailable) -> typer.Exit:
    """One line for the operator, not a traceback; the caller raises what this returns
    (exit status 1)."""
    typer.echo(f"diplobot: {error}", err=True)
    return typer.Exit(1)


def run_or_exit(main: Coroutine[Any, Any, T]) -> T:
    """Runs a command's work, ending it with one line when the database cannot be opened."""
    try:
        return asyncio.run(main)
    except DatabaseUnavailable as error:
        raise database_unavailable(error) from None


def with_database(work: Callable[[Database], Awaitable[T]], *, semantic: bool = True, quiet: bool = False) -> T:
    settings = settings_or_exit(quiet=quiet)

    async def main() -> T:
        database = await open_database(settings, semantic=semantic)
        try:
            return await work(database)
        finally:
            await database.close()

    return run_or_exit(main())


def with_telegram(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """`with_database` for the commands that send through Telegram: a token Telegram
    rejects or a Bot API out of reach ends them with one line, not a traceback."""
    from telegram.error import TelegramError

    from bot.cli.startup import telegram_failure

    try:
        return with_database(work, semantic=False)
    except TelegramError as error:
        typer.echo(Redactor(*secrets(settings))(telegram_failure(error, settings)), err=True)
        raise typer.Exit(1) from None


def write_output(path: Path, content: bytes) -> None:
    """Writes what a command made (an export, a picture); a path that cannot be written
    (no such folder, a folder, no permission) is one line and exit status 1."""
    try:
        path.write_bytes(content)
    except OSError as error:
        typer.echo(f"diplobot: cannot write {path} ({error.strerror or error})", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {path}", err=True)


def made_folder(path: Path, option: str) -> Path:
    """The folder, made if need be, or the option refused in one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise typer.BadParameter(
            f"cannot make the folder {path} ({error.strerror or error})", param_hint=option
        ) from None
    return path
