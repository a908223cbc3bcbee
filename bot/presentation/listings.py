"""The paged lists readers see (latest, search, ask, an actor's or a topic's statements),
rendered as HTML pages. Shared by the Telegram handlers and the console."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.answering.ask import NOTHING_FOUND_HINT, Answer, answer
from bot.input.search_syntax import parse_search
from bot.presentation.html import count, statement_compact, statement_list
from bot.presentation.paging import PAGE_SIZE, Listing
from storage.engine import Database
from storage.errors import InvalidInput
from storage.models import Statement, Topic
from storage.search import SearchFilters, search
from storage.statements import latest


@dataclass(frozen=True)
class ListingPage:
    html: str
    offset: int
    shown: int
    total: int


def _range(offset: int, shown: int, total: int, capped: bool = False) -> str:
    return f"{offset + 1:,}–{offset + shown:,} of {count(total, capped)}"


def _page(
    heading: str,
    statements: list[Statement],
    offset: int,
    total: int,
    empty: str,
    bot_username: str | None,
    capped: bool = False,
) -> ListingPage:
    if not statements:
        return ListingPage(escape(empty, quote=False), offset, 0, total)
    title = f"{heading} ({_range(offset, len(statements), total, capped)})"
    return ListingPage(statement_list(title, statements, bot_username), offset, len(statements), total)


async def _latest(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    statements, total = await latest(database, limit=PAGE_SIZE, offset=offset)
    return _page("<b>Latest statements</b>", statements, offset, total, "The record is empty.", bot_username)


async def _search(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    parsed = parse_search(argument)
    page = await search(database, parsed.text, parsed.filters, limit=PAGE_SIZE, offset=offset)
    heading = f"<b>Search</b> “{escape(argument, quote=False)}”"
    empty = "No statement matches that search."
    return _page(heading, page.statements, offset, page.total, empty, bot_username, page.capped)


def answer_html(result: Answer, bot_username: str | None = None) -> str:
    """An answer as the reader sees it: what the question was understood as, each statement
    cited (speaker, date, source), and contested claims beside their denials."""
    if not result.hits:
        hint = escape(NOTHING_FOUND_HINT, quote=False)
        return f"{hint}\n<i>{escape(result.reason, quote=False)}</i>" if result.reason else hint
    heading = (
        f"<b>On</b> “{escape(result.question, quote=False)}” ({_range(result.offset, len(result.hits), result.total)})"
    )
    if result.understood_label:
        heading += f"\n<i>Understood as: {escape(result.understood_label, quote=False)}</i>"
    blocks = [heading]
    on_page = {hit.statement.id for hit in result.hits}
    for hit in result.hits:
        block = statement_compact(hit.statement, bot_username)
        for other in result.counterparts.get(hit.statement.id or 0, []):
            if other.id in on_page:
                block += f"\n  ↔ <b>Disputed by</b> /statement_{other.id} on this page"
            else:
                block += "\n  ↔ <b>Disputed by</b>:\n" + statement_compact(other, bot_username)
        blocks.append(block)
    return "\n\n".join(blocks)


async def _ask(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    result = await answer(database, argument, limit=PAGE_SIZE, offset=offset)
    return ListingPage(answer_html(result, bot_username), offset, len(result.hits), result.total)


async def _actor(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    filters = SearchFilters(actor_ids=(int(argument),))
    page = await search(database, "", filters, limit=PAGE_SIZE, offset=offset)
    speaker = page.statements[0].speaker if page.statements else "This speaker"
    return _page(
        f"<b>{escape(speaker, quote=False)}</b>, newest first",
        page.statements,
        offset,
        page.total,
        f"{speaker} has no statements in the record.",
        bot_username,
        page.capped,
    )


async def _topic(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    topic = Topic(argument)
    page = await search(database, "", SearchFilters(topic=topic), limit=PAGE_SIZE, offset=offset)
    heading = f"<b>Topic: {topic.value.replace('_', ' ')}</b>, newest first"
    empty = "No statements on this topic yet."
    return _page(heading, page.statements, offset, page.total, empty, bot_username, page.capped)


_LOADERS = {"latest": _latest, "search": _search, "ask": _ask, "actor": _actor, "topic": _topic}


async def load_listing(
    database: Database, listing: Listing, offset: int = 0, bot_username: str | None = None
) -> ListingPage:
    """A page of the listing; each statement with its share link when `bot_username` is known."""
    loader = _LOADERS.get(listing.kind)
    if loader is None:
        raise InvalidInput("listing", f"unknown listing {listing.kind!r}")
    return await loader(database, listing.argument, max(0, offset), bot_username)
