"""Fixtures for end-to-end tests against the Bot API emulator (see emulator.py)."""

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.e2e.emulator import BotApiEmulator, EmulatorClient, missing_requirement, new_bot_token


@pytest.fixture(scope="session")
def bot_api_emulator() -> Iterator[BotApiEmulator]:
    """One emulator for the whole session; tests stay apart by using their own bot token."""
    reason = missing_requirement()
    if reason is not None:
        pytest.skip(reason)
    with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot_token() -> str:
    """A token no other test uses, so this test sees only its own updates and messages."""
    return new_bot_token()


@pytest_asyncio.fixture
async def emulator_client(bot_api_emulator: BotApiEmulator, bot_token: str) -> AsyncIterator[EmulatorClient]:
    """The users' side of the bot with token ``bot_token``."""
    async with EmulatorClient(bot_api_emulator, bot_token) as client:
        yield client
