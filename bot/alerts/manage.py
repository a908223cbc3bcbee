"""Making, listing and removing a chat's alerts, for every surface: `/alert WORDS
[speaker:… side:… topic:…]`, `/alerts`, `/alert off N`, and the same for a channel."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.answering.search_words import search_words
from bot.i18n import N_
from bot.input.search_syntax import ParsedQuery, parse_search
from bot.record_names import checked_query
from storage.alerts import add_alert, chat_alerts, delete_alert, delete_chat_alerts
from storage.engine import Database
from storage.errors import InvalidInput, NotFound
from storage.models import Alert

MAX_ALERTS = 20
MAX_ALERT_QUERY = 300
_OFF = re.compile(r"(?i)^(?:off|delete|remove)\s+#?(\S+)$")


def parse_alert(query: str, sides: Iterable[str] = (), *, open_sides: bool = False) -> ParsedQuery:
    """An alert is a search: words, all of which must occur, and `/search`'s filters. It
    needs a word or a filter, or it would match the whole record. `sides` and
    `open_sides` as for `parse_search`."""
    query = " ".join(query.split())
    if len(query) > MAX_ALERT_QUERY:
        raise InvalidInput(
            N_("alert"), N_("{length} characters; at most {limit}, please"), length=len(query), limit=MAX_ALERT_QUERY
        )
    parsed = parse_search(query, sides, open_sides=open_sides)
    if not search_words(parsed.text) and parsed.filters.is_empty:
        raise InvalidInput(N_("alert"), N_("give words to look for, or a filter, e.g. /alert ceasefire speaker:putin"))
    return parsed


def off_number(argument: str) -> int | None:
    """N of `off N`; None when the argument is not an `off`; a bad N is named."""
    match = _OFF.match(argument.strip())
    if match is None:
        return None
    if not match.group(1).isdigit() or len(match.group(1)) > 9:
        raise InvalidInput("N", N_("give the alert's number from /alerts, e.g. /alert off 2"))
    return int(match.group(1))


async def create(database: Database, chat_id: int, query: str) -> Alert:
    """The alert, once its filters name what the record knows (an unknown side or speaker
    is refused, and no alert is made)."""
    await checked_query(database, lambda sides: parse_alert(query, sides), alert=True)
    return await add_alert(database, chat_id, " ".join(query.split()), limit=MAX_ALERTS)


async def alerts_of(database: Database, chat_id: int) -> list[Alert]:
    return await chat_alerts(database, chat_id)


async def remove(database: Database, chat_id: int, number: int) -> Alert:
    removed = await delete_alert(database, chat_id, number)
    if removed is None:
        raise NotFound(N_("this chat has no alert {number}; /alerts lists them"), number=number)
    return removed


async def remove_all(database: Database, chat_id: int) -> int:
    """Every alert of the chat; how many there were."""
    async with database.write() as session:
        return await delete_chat_alerts(session, chat_id)
