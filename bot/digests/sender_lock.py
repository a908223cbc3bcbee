"""One sender at a time on SQLite: each tick holds an exclusive `flock` on
`<database file>.digest-lock` (alerts: `.alert-lock`), released by the OS when the
process dies. PostgreSQL needs none: there several digest senders share the due
subscribers, each claiming those no live sender has in hand (bot/digests/owner.py), and
the alert tick takes an advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time as time_module
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.engine import Database


def _lock_path(database: Database, name: str) -> Path | None:
    if not database.is_sqlite:
        return None
    file = make_url(database.url).database
    if not file or file == ":memory:":
        return None
    return Path(file).expanduser().resolve().with_name(f"{Path(file).name}.{name}-lock")


@contextlib.asynccontextmanager
async def sender_lock(database: Database, wait: float, name: str = "digest") -> AsyncIterator[bool]:
    """The one-sender lock of `name` (each kind of tick has its own); True when held,
    False when another process held it for `wait` seconds (0: one try)."""
    path = _lock_path(database, name)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        fcntl = None  # type: ignore[assignment]
    if path is None or fcntl is None:
        yield True
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time_module.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time_module.monotonic() >= deadline:
                    yield False
                    return
                await asyncio.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
