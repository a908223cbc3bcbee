"""One `Database` per process: the async engine, sessions for reading and for writing,
and the per-engine settings that make SQLite safe for concurrent writers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
from sqlalchemy import ColumnElement, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Idle connections `Database.fetch` keeps on SQLite (more are opened while more run at once).
LIGHT_IDLE_MAX = 4
#: Rows as the driver gives them (see `Database.fetch`).
Rows = list[tuple[Any, ...]]


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for an in-memory database or another engine."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


class TextEmbedder(Protocol):
    """What a `Database` needs of the sentence model it may carry (bot.answering.embedder
    provides one): storage stays free of the model itself."""

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> Any: ...

    def embed_query(self, text: str) -> Any: ...


def _tune_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level, so that we, not pysqlite, say how a
        # transaction begins (see the "begin" listener).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer that starts deferred and upgrades later fails at once with
        # SQLITE_BUSY when another writer got there first (the busy timeout does not
        # apply to that upgrade); taking the write lock up front makes it wait instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class _SqliteConnections:
    """Connections of the database's own to the SQLite file, beside SQLAlchemy's pool, for
    `Database.fetch`: a statement sent on one costs one hand-over to its driver thread,
    where through a session it costs about ten (checkout, BEGIN, cursor, execute, fetch,
    close, ROLLBACK): ~0.2 against ~2.5 ms of CPU (BENCHMARKS.md §4). Autocommit: each
    statement runs alone and sees the record as it is when it runs."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._idle: list[aiosqlite.Connection] = []

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(self._path, isolation_level=None)
        for pragma in (f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON", "synchronous=NORMAL"):
            await connection.execute(f"PRAGMA {pragma}")
        return connection

    async def run(self, sql: str, params: Mapping[str, Any]) -> Rows:
        connection = self._idle.pop() if self._idle else await self._open()
        try:
            rows = await connection.execute_fetchall(sql, params)
        finally:
            if len(self._idle) < LIGHT_IDLE_MAX:
                self._idle.append(connection)
            else:
                await connection.close()
        return [tuple(row) for row in rows]

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


class Database:
    """Readers and writers get separate engines on SQLite: readers never queue behind the
    write lock (WAL), writers take it when they begin. PostgreSQL needs no such split."""

    def __init__(
        self,
        url: str,
        *,
        embedder: TextEmbedder | None = None,
        connect_args: dict[str, Any] | None = None,
        echo: bool = False,
    ) -> None:
        self.url = url
        # The model that embeds statements when they are written and questions when they
        # are asked; None means keyword search only.
        self.embedder = embedder
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.read_engine = create_async_engine(url, echo=echo)
            self.write_engine = create_async_engine(url, echo=echo)
            _tune_sqlite(self.read_engine, immediate=False)
            _tune_sqlite(self.write_engine, immediate=True)
            # An in-memory database is one connection's own: no other can share it.
            self._light: _SqliteConnections | None = (
                _SqliteConnections(database) if database and database != ":memory:" else None
            )
        else:
            self.read_engine = create_async_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args or {})
            self.write_engine = self.read_engine
            self._light = None
        self._readers = async_sessionmaker(self.read_engine, class_=AsyncSession, expire_on_commit=False)
        self._writers = async_sessionmaker(self.write_engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._readers() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits together or not at all."""
        async with self._writers() as session, session.begin():
            yield session

    @asynccontextmanager
    async def exclusively(self, key: int) -> AsyncIterator[None]:
        """One process at a time in the block, on PostgreSQL (a session advisory lock on a
        connection of its own): instances started together must not both migrate the
        schema or both load the sample. SQLite needs none: its instances share one host,
        and its write lock already queues them."""
        if not self.is_postgresql:
            yield
            return
        async with self.write_engine.connect() as connection:
            await connection.exec_driver_sql(f"SELECT pg_advisory_lock({int(key)})")
            await connection.commit()
            try:
                yield
            finally:
                await connection.exec_driver_sql(f"SELECT pg_advisory_unlock({int(key)})")
                await connection.commit()

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> Rows:
        """The rows of one statement (`:name` parameters), run alone, as the driver gives
        them (no type conversion): for the small reads every update makes, where a session
        costs far more than the query (see `_SqliteConnections`). Writes too: a single
        statement commits on its own."""
        if self._light is not None:
            return await self._light.run(sql, params)
        async with self.write_engine.begin() as connection:
            result = await connection.execute(text(sql), dict(params))
            return [tuple(row) for row in result.all()] if result.returns_rows else []

    def stored(self, column: ColumnElement[Any], value: Any) -> Any:
        """`value` as the driver takes it for `column`, for `fetch` (which converts nothing):
        what SQLAlchemy would send."""
        dialect = self.write_engine.dialect
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        return process(value) if process is not None else value

    async def close(self) -> None:
        if self._light is not None:
            await self._light.close()
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()


@asynccontextmanager
async def reading(database: Database, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    """The caller's session, so that several reads see one snapshot of the record, or a
    read session of our own."""
    if session is not None:
        yield session
        return
    async with database.read() as own:
        yield own
