"""Opening the record for any entry point: the database at the schema head, its speakers
under every name the bot knows for them, the embedding model if installed, and on first
run the sample corpus."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.answering.embedder import Embedder
from bot.config import Settings
from bot.known_speakers import known_speakers
from storage.embeddings import embed_missing
from storage.engine import Database, sqlite_file
from storage.known_names import complete_known_names
from storage.migrate import NewerSchema, upgrade
from storage.sample import load_sample_if_empty

log = logging.getLogger(__name__)

#: PostgreSQL advisory lock key held while an instance brings the record up to date ("start").
STARTUP_LOCK_KEY = 0x7374617274


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or opened (server down, no such database,
    refused login, a file that cannot be created): one line for the operator, naming the
    variable, never the password."""


async def reachable_database(url: str, embedder: Embedder | None = None) -> Database:
    """The database of `url`, after one round trip, so that a database that cannot be
    opened is told apart from a failure of the work done in it."""
    try:
        database = Database(url, embedder=embedder)
    except OSError as error:  # the folder of a SQLite file cannot be made
        raise DatabaseUnavailable(_unavailable(url, error)) from None
    try:
        async with database.read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - whatever fails here, the database is not there
        await database.close()
        if sqlite_file(url) is not None:
            await _sqlite_workers_finished()
        raise DatabaseUnavailable(_unavailable(url, error)) from None
    return database


#: How Python names the worker thread of an aiosqlite connection.
_SQLITE_WORKER = "(_connection_worker_thread)"


async def _sqlite_workers_finished() -> None:
    """aiosqlite stops a connection that failed to open in its worker thread, which then
    hands its result to the event loop; were the loop closed by then (the command ending
    with its one line), the thread would print a traceback (aiosqlite issue 241). Waits,
    the loop running, for those threads to end."""
    for worker in [thread for thread in threading.enumerate() if thread.name.endswith(_SQLITE_WORKER)]:
        await asyncio.to_thread(worker.join, 1.0)


#: What SQLite says of a file or folder this user may not write (a root-owned bind mount).
_SQLITE_NOT_WRITABLE = ("unable to open database file", "readonly database")


def _unavailable(url: str, error: Exception) -> str:
    reason = failure_reason(url, error)
    file = sqlite_file(url)
    if file is not None and reason.startswith(_SQLITE_NOT_WRITABLE):
        folder = file.expanduser().absolute().parent
        reason += f": the file and its folder {folder} must be writable by this user (uid {os.getuid()})"
    return f"DIPLOBOT_DATABASE_URL: cannot open the database ({reason})"


def failure_reason(url: str, error: Exception) -> str:
    """The first line of what the driver said, never the database's password."""
    cause = getattr(error, "orig", None) or error
    reason = (str(cause).strip().splitlines() or [""])[0] or type(cause).__name__
    password = make_url(url).password
    if password:
        reason = reason.replace(str(password), "***")
    return reason


async def open_database(settings: Settings, *, with_sample: bool = False, semantic: bool = True) -> Database:
    with_model = semantic and settings.semantic
    database = await reachable_database(settings.database_url, Embedder.shared() if with_model else None)
    try:
        async with database.exclusively(STARTUP_LOCK_KEY):
            try:
                await upgrade(database)
            except NewerSchema as error:
                raise DatabaseUnavailable(f"DIPLOBOT_DATABASE_URL: {error}") from None
            named = await complete_known_names(database, known_speakers())
            if named:
                log.info("speakers given the names the bot knows for them: %s", ", ".join(named))
            if with_sample and settings.load_sample:
                report = await load_sample_if_empty(database)
                if report is not None:
                    log.info("empty database: loaded the sample corpus (%s)", report.summary())
        filled = await embed_missing(database)
        if filled:
            log.info("embedded %d statement%s recorded without the model", filled, "" if filled == 1 else "s")
    except BaseException:
        await database.close()
        raise
    return database
