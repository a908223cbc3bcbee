"""Making, listing and removing a chat's alerts, for every surface: `/alert WORDS
[speaker:… side:… topic:…]`, `/alerts`, `/alert off N`, and the same for a channel.

"off" may be written in the reader's words (`/alert видалити 2`, `/alert выкл 2`; the
words are data, bot/data/vocabulary/option_words.json), so that such a line removes alert 2
rather than make an alert of the words "выкл 2" and leave alert 2 on. An alert of a bare
number ("/alert 2") is refused for the same reason: it is a slip for "off 2"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.answering.search_words import search_words
from bot.i18n import N_
from bot.input.option_words import is_option
from bot.input.search_syntax import ParsedQuery, parse_search
from bot.record_names import checked_query
from storage.alerts import add_alert, chat_alerts, delete_alert
from storage.engine import Database
from storage.errors import Conflict, InvalidInput, NotFound
from storage.models import Alert
from storage.search import SearchFilters

MAX_ALERTS = 20
MAX_ALERT_QUERY = 300
#: An alert's number as typed after "off": "2", "#2", "2." or "2,".
_NUMBER = re.compile(r"^#?(\d+)[.,]?$")
#: Words that are numbers and nothing else: "2", "#2", "600 000", "1,5".
_ONLY_NUMBERS = re.compile(r"^(?:#?\d[\d.,]*\s*)+$")


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


def is_off_word(word: str) -> bool:
    """Whether `word` asks to remove an alert ("off", "видалити", "выкл")."""
    return len(word.split()) == 1 and is_option("alert", "off", word)


@dataclass(frozen=True)
class Off:
    """`/alert off N`: the alert to remove; `number` is None when no number was given
    (the reader is then asked which)."""

    number: int | None


def off_request(argument: str) -> Off | None:
    """What `argument` asks to remove; None when it is an alert to make. An off word with
    one more word asks to remove that alert, which must be a number; with several words
    ("remove sanctions on oil") it is an alert, unless they are all numbers."""
    words = argument.split()
    if not words or not is_off_word(words[0]):
        return None
    rest = words[1:]
    if not rest:
        return Off(None)
    numbers = [_NUMBER.match(word) for word in rest]
    if len(rest) > 1 and not all(numbers):
        return None
    if len(rest) > 1:
        raise InvalidInput("N", N_("one alert at a time, please, e.g. /alert off 2"))
    found = numbers[0]
    if found is None or len(found.group(1)) > 9:
        raise InvalidInput("N", N_("give the alert's number from /alerts, e.g. /alert off 2"))
    return Off(int(found.group(1)))


def off_number(argument: str) -> int | None:
    """N of `off N`; None when the argument is not an `off` with a number."""
    request = off_request(argument)
    return request.number if request is not None else None


def refuse_bare_number(query: str) -> None:
    """An alert of a number alone ("/alert 2") is a slip for `/alert off 2`: it would
    match any statement holding that number."""
    query = " ".join(query.split())
    if _ONLY_NUMBERS.match(query):
        raise InvalidInput(
            N_("alert"),
            N_(
                "{value} is only a number. To remove alert N: /alert off N (/alerts lists them); "
                "to hear of a number, give a word with it, e.g. /alert {query} troops"
            ),
            value=repr(query),
            query=query,
        )


def _meaning(parsed: ParsedQuery) -> tuple[str, SearchFilters]:
    """What an alert listens for, whatever the case and the order of its words."""
    speaker = parsed.filters.speaker.casefold() if parsed.filters.speaker else None
    return " ".join(sorted(parsed.text.casefold().split())), replace(parsed.filters, speaker=speaker)


def _kept(alert: Alert) -> ParsedQuery:
    """A saved alert read again; one the vocabulary no longer reads is compared as words."""
    try:
        return parse_alert(alert.query, open_sides=True)
    except InvalidInput:
        return ParsedQuery(alert.query, SearchFilters())


async def create(database: Database, chat_id: int, query: str) -> Alert:
    """The alert, once its filters name what the record knows (an unknown side or speaker
    is refused, and no alert is made). A bare number is refused (`refuse_bare_number`);
    so is an alert the chat has already, which would tell of each statement twice."""
    refuse_bare_number(query)
    parsed = await checked_query(database, lambda sides: parse_alert(query, sides), alert=True)
    for alert in await chat_alerts(database, chat_id):
        if _meaning(_kept(alert)) == _meaning(parsed):
            raise Conflict(
                N_("alert {number} listens for that already: “{query}”"), number=alert.number, query=alert.query
            )
    return await add_alert(database, chat_id, " ".join(query.split()), limit=MAX_ALERTS)


async def alerts_of(database: Database, chat_id: int) -> list[Alert]:
    return await chat_alerts(database, chat_id)


async def remove(database: Database, chat_id: int, number: int, channel: str | None = None) -> Alert:
    """Alert `number` of the chat, or of the channel named `channel` (its admin is told
    how that channel's alerts are listed, not their own chat's)."""
    removed = await delete_alert(database, chat_id, number)
    if removed is None and channel is not None:
        raise NotFound(
            N_("{channel} has no alert {number}; /channel {channel} alerts lists them"), channel=channel, number=number
        )
    if removed is None:
        raise NotFound(N_("this chat has no alert {number}; /alerts lists them"), number=number)
    return removed
