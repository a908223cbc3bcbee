"""Exactly once across processes: the CLI `diplobot digest send-due --at ...` as a real
process against the Bot API emulator, killed between claim and completion and restarted,
and run twice at once; the messages the emulator received are counted.

The crashes use the test hook DIPLOBOT_DIGEST_CRASH_AT (see bot/digests/crash_hook.py):
the process ends with `os._exit` at the chosen point, without cleanup, as a kill would
leave it. One test also kills with SIGKILL at an arbitrary moment."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time as time_module
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import time
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from bot.digests.compose import DigestKey, compose
from bot.digests.crash_hook import CRASH_EXIT_CODE, CRASH_HOOK
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Topic
from storage.subscriptions import get_subscriber, subscribe
from tests.conftest import asyncpg_dsn, configured_postgres_url
from tests.e2e.emulator import (
    BOT_USERNAME,
    BotApiEmulator,
    EmulatorClient,
    missing_requirement,
    new_bot_token,
)
from tests.support.digests import FIRST_DUE, SUBSCRIBED_AT, record

CHAT = 5001
AT = FIRST_DUE.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def emulator() -> Iterator[BotApiEmulator]:
    reason = missing_requirement()
    if reason is not None:
        pytest.skip(reason)
    with BotApiEmulator() as running:
        yield running


@pytest_asyncio.fixture
async def shared_url(db_engine: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL other processes can open: a SQLite file, or a PostgreSQL database of
    its own on the test server (dropped afterwards)."""
    if db_engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'digests.db'}"
        return
    server = configured_postgres_url()
    assert server is not None
    name = f"digest_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(server))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(asyncpg_dsn(server))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def diplobot() -> list[str]:
    script = Path(sys.executable).with_name("diplobot")
    if script.exists():
        return [str(script)]
    found = shutil.which("diplobot")
    return [found] if found else [sys.executable, "-c", "from bot.cli.main import app; app()"]


class Cli:
    """`diplobot` processes on one database and one emulated bot."""

    def __init__(self, url: str, emulator: BotApiEmulator, token: str, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DIPLOBOT_DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": token,
            "DIPLOBOT_TELEGRAM_API_URL": emulator.base_url,
            "DIPLOBOT_LOAD_SAMPLE": "false",
            "DIPLOBOT_LOG_LEVEL": "INFO",
            # Parts of one digest 20 ms apart instead of a second: the limit is configurable.
            "DIPLOBOT_DIGEST_CHAT_RATE": "50",
        }
        self.env.pop(CRASH_HOOK, None)

    def start(self, *args: str, crash_at: str | None = None) -> subprocess.Popen[str]:
        env = dict(self.env)
        if crash_at is not None:
            env[CRASH_HOOK] = crash_at
        return subprocess.Popen(
            [*diplobot(), *args],
            cwd=self.workdir,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def run(self, *args: str, crash_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        process = self.start(*args, crash_at=crash_at)
        stdout, stderr = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def send_due(self, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("digest", "send-due", "--at", AT, crash_at=crash_at)


async def prepare(url: str, chats: list[int], *, long: bool, bot_username: str | None = BOT_USERNAME) -> list[str]:
    """Subscribes `chats` (08:00 Kyiv, due at FIRST_DUE), records what their digest will
    hold, and returns that digest's parts as they will be sent (by the emulated bot, whose
    username the share links carry; `diplobot digest preview` knows no username)."""
    database = Database(url)
    try:
        await upgrade(database)
        for chat_id in chats:
            await subscribe(
                database,
                chat_id,
                "private",
                digest_time=time(8, 0),
                zone="Europe/Kyiv",
                default_time=time(8, 0),
                default_zone="UTC",
                now=SUBSCRIBED_AT,
            )
        last = None
        topics = list(Topic) if long else [Topic.ceasefire]
        for topic in topics:
            for number in range(4 if long else 1):
                text = f"{topic.value} {number}. " + ("A long statement about the talks. " * (20 if long else 1))
                last = await record(database, topics=topic.value, text=text)
        assert last is not None
        subscriber = await get_subscriber(database, chats[0])
        assert subscriber is not None
        key = DigestKey.of(subscriber, subscriber.cursor, last.id or 0)
        digest = await compose(database, key, bot_username=bot_username)
        return digest.parts
    finally:
        await database.close()


@pytest_asyncio.fixture
async def telegram(emulator: BotApiEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator, new_bot_token()) as client:
        yield client


@pytest.fixture
def cli(shared_url: str, emulator: BotApiEmulator, telegram: EmulatorClient, tmp_path: Path) -> Cli:
    return Cli(shared_url, emulator, telegram.token, tmp_path)


async def texts(telegram: EmulatorClient, chat_id: int = CHAT) -> list[str]:
    return [message.text or "" for message in await telegram.bot_messages(chat_id)]


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


# -- a crash between claim and completion ---------------------------------------


async def test_crash_after_the_claim_then_restart_delivers_the_digest_once(
    cli: Cli, telegram: EmulatorClient, shared_url: str
) -> None:
    parts = await prepare(shared_url, [CHAT], long=True)
    assert len(parts) >= 3
    crashed = cli.send_due(crash_at="claimed")
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    assert await texts(telegram) == []
    assert "resumed=1" in succeeded(cli.send_due())
    assert await texts(telegram) == parts
    assert "due=0" in succeeded(cli.send_due())
    assert await texts(telegram) == parts


async def test_crash_mid_digest_resumes_after_the_confirmed_parts(
    cli: Cli, telegram: EmulatorClient, shared_url: str
) -> None:
    parts = await prepare(shared_url, [CHAT], long=True)
    crashed = cli.send_due(crash_at="recorded:2")
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    assert await texts(telegram) == parts[:2]
    output = succeeded(cli.send_due())
    assert "resumed=1" in output and f"messages={len(parts) - 2}" in output
    assert await texts(telegram) == parts  # every part once, in order
    succeeded(cli.send_due())
    assert await texts(telegram) == parts


async def test_a_crash_with_many_digests_in_progress_resumes_each_after_its_recorded_parts(
    cli: Cli, telegram: EmulatorClient, shared_url: str
) -> None:
    """Many chats' digests in progress in one process when it dies: the next run resumes
    each after the parts recorded. Parts Telegram accepted whose record had not committed
    go again: at most one per digest in progress (the window of bot/digests/tick.py)."""
    chats = list(range(7000, 7012))
    parts = await prepare(shared_url, chats, long=True)
    cli.env["DIPLOBOT_DIGEST_RATE"] = "1000"  # every chat in progress at once
    crashed = cli.send_due(crash_at="recorded:2")
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    before = {chat: await texts(telegram, chat) for chat in chats}
    assert all(received == parts[: len(received)] for received in before.values())
    assert 0 < sum(map(len, before.values())) < len(chats) * len(parts)
    succeeded(cli.send_due())
    again = 0
    for chat in chats:
        received = await texts(telegram, chat)
        sent_before = len(before[chat])
        if received != parts:  # the part accepted just before the crash, sent again
            assert sent_before > 0 and received == [*parts[:sent_before], *parts[sent_before - 1 :]], chat
            again += 1
    assert again < len(chats)


async def test_the_remaining_window_is_one_message(cli: Cli, telegram: EmulatorClient, shared_url: str) -> None:
    """Killed after Telegram accepted part 2 but before it was recorded: part 2 is sent
    again on restart (documented in bot/digests/tick.py), and nothing else is doubled or
    lost."""
    parts = await prepare(shared_url, [CHAT], long=True)
    crashed = cli.send_due(crash_at="sent:2")
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    assert await texts(telegram) == parts[:2]
    succeeded(cli.send_due())
    assert await texts(telegram) == [*parts[:2], *parts[1:]]


async def test_sigkill_at_any_moment_loses_nothing_and_doubles_at_most_one_message(
    cli: Cli, telegram: EmulatorClient, shared_url: str
) -> None:
    parts = await prepare(shared_url, [CHAT], long=True)
    cli.env["DIPLOBOT_DIGEST_CHAT_RATE"] = "4"  # 250 ms between parts: time to kill mid-digest
    process = cli.start("digest", "send-due", "--at", AT)
    try:
        deadline = time_module.monotonic() + 60
        while len(await texts(telegram)) < 2:
            assert process.poll() is None, process.communicate()
            assert time_module.monotonic() < deadline, "the digest did not start"
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate(timeout=30)
    received_before = len(await texts(telegram))
    assert received_before < len(parts), "killed too late to test anything"
    cli.env["DIPLOBOT_DIGEST_CHAT_RATE"] = "50"
    succeeded(cli.send_due())
    received = await texts(telegram)
    assert received in (parts, [*parts[:received_before], *parts[received_before - 1 :]])


# -- two processes at once -------------------------------------------------------


async def test_two_processes_at_once_send_each_digest_once(
    cli: Cli, telegram: EmulatorClient, shared_url: str, db_engine: str
) -> None:
    """On PostgreSQL both send, each skipping the subscribers the other has locked; on
    SQLite the second waits for the first (one process sends)."""
    chats = list(range(6000, 6040))
    await prepare(shared_url, chats, long=False)
    cli.env["DIPLOBOT_DIGEST_RATE"] = "200"
    first = cli.start("digest", "send-due", "--at", AT)
    second = cli.start("digest", "send-due", "--at", AT)
    outputs = []
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
        outputs.append(stdout)
    messages = await telegram.bot_messages()
    assert sorted(message.chat_id for message in messages) == chats
    sent = [int(output.split(" sent=")[1].split()[0]) for output in outputs]
    assert sum(sent) == len(chats)
    if db_engine == "sqlite":
        assert sorted(sent) == [0, len(chats)]


async def test_send_due_refuses_without_a_token(emulator: BotApiEmulator, tmp_path: Path) -> None:
    cli = Cli(f"sqlite+aiosqlite:///{tmp_path / 'digests.db'}", emulator, "", tmp_path)
    result = cli.send_due()
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


async def test_status_and_preview_from_the_cli(cli: Cli, telegram: EmulatorClient, shared_url: str) -> None:
    parts = await prepare(shared_url, [CHAT], long=False)
    preview = succeeded(cli.run("digest", "preview", str(CHAT), "--html"))
    assert preview.strip() == parts[0].strip().replace(
        f' · <a href="https://t.me/{BOT_USERNAME}?start=s1">🔗 Share</a>', ""
    )
    status = succeeded(cli.run("digest", "status", "--at", AT))
    assert "subscribers:       1 (1 active, 0 paused)" in status and "due now:           1" in status
    succeeded(cli.send_due())
    assert await texts(telegram) == parts
    status = succeeded(cli.run("digest", "status", "--at", AT))
    assert "due now:           0" in status and "sent today (UTC):  1" in status
