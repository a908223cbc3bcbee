"""The paged lists readers see (latest, search, ask, an actor's or a topic's statements),
rendered as HTML pages. Shared by the Telegram handlers and the console."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from bot.answering.ask import Answer, answer
from bot.answering.search_words import alternatives, read_search_words, translations, with_speakers
from bot.answering.speakers import SideNamed
from bot.answering.understanding import Understanding
from bot.i18n import ENGLISH, N_, _, current
from bot.input.search_syntax import parse_search
from bot.presentation.html import count, quoted, span, statement_compact, statement_list
from bot.presentation.labels import label, place_name, side_name, speaker_name
from bot.presentation.nothing_found import answer_nothing_found, search_nothing_found
from bot.presentation.paging import PAGE_SIZE, Listing
from bot.record_names import checked_query
from storage.engine import Database
from storage.errors import InvalidInput, as_sentence
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
    return _("{first}–{last} of {total}").format(
        first=count(offset + 1), last=count(offset + shown), total=count(total, capped)
    )


def _page(
    heading: str,
    statements: list[Statement],
    offset: int,
    total: int,
    empty: str,
    bot_username: str | None,
    capped: bool = False,
    note: str = "",
) -> ListingPage:
    """`note`: a line said under the heading, or under `empty` when nothing is listed."""
    if not statements:
        shown = f"{empty}\n{note}" if note else empty
        return ListingPage(escape(shown, quote=False), offset, 0, total)
    title = f"{heading} ({_range(offset, len(statements), total, capped)})"
    if note:
        title += f"\n<i>{escape(note, quote=False)}</i>"
    return ListingPage(statement_list(title, statements, bot_username), offset, len(statements), total)


async def _latest(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    statements, total = await latest(database, limit=PAGE_SIZE, offset=offset)
    heading = "<b>{}</b>".format(_("Latest statements"))
    return _page(heading, statements, offset, total, _("The record is empty."), bot_username)


async def _search(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    # A misspelt name ("speaker:putn", "side:narnia") is refused: it would find nothing for
    # want of the speaker or side, not of the words.
    parsed = await checked_query(database, lambda sides: parse_search(argument, sides))
    words = await read_search_words(database, parsed.text)
    filters = await with_speakers(database, parsed.filters)
    page = await search(database, alternatives(words), filters, limit=PAGE_SIZE, offset=offset)
    heading = "<b>{}</b> {}".format(_("Search"), quoted(argument))
    # What the Ukrainian or Russian words were looked for as, with or without a match.
    translated = translations(words)
    note = _("Looked for in English: {words}").format(words=translated) if translated else ""
    if not page.statements:
        why = await search_nothing_found(database, parsed.text, words, filters)
        looked_for = f"\n<i>{escape(note, quote=False)}</i>" if note else ""
        return ListingPage(f"{heading}{looked_for}\n{why}", offset, 0, page.total)
    return _page(heading, page.statements, offset, page.total, "", bot_username, page.capped, note)


#: Why nothing answers, as the full-text ranking (bot.answering.fusion) says it in English;
#: marked here so that the catalogs translate it (the other reasons come translated).
FULL_TEXT_REASONS = (
    N_("nothing in the record matches those filters"),
    N_("nothing in the record matches the question"),
)


def reason_sentence(reason: str) -> str:
    """Why nothing answers, as a sentence in the reader's language."""
    return as_sentence(_(reason))


def answer_html(result: Answer, bot_username: str | None = None, *, commands: bool = True) -> str:
    """An answer as the reader sees it: what the question was understood as, each statement
    cited (speaker, date, source), and contested claims beside their denials. Without
    `commands` (the command line), nothing found says nothing of the bot's commands."""
    on = _("<b>On</b> “{question}”").format(question=escape(result.question, quote=False))
    meaning = understood(result.understood) if result.understood else ""
    understood_as = _("Understood as: {meaning}").format(meaning=escape(meaning, quote=False)) if meaning else ""
    read_as = f"\n<i>{understood_as}</i>" if understood_as else ""
    if not result.hits:
        # The question and how it was read are named: a follow-up ("And in July?") is read
        # as a whole question, and the reader sees which.
        return f"{on}{read_as}\n{answer_nothing_found(result, commands=commands)}"
    blocks = [f"{on} ({_range(result.offset, len(result.hits), result.total)}){read_as}"]
    on_page = {hit.statement.id for hit in result.hits}
    for hit in result.hits:
        block = statement_compact(hit.statement, bot_username)
        for other in result.counterparts.get(hit.statement.id or 0, []):
            if other.id in on_page:
                block += "\n  ↔ " + _("<b>Disputed by</b> {command} on this page").format(
                    command=f"/statement_{other.id}"
                )
            else:
                block += "\n  ↔ <b>{}</b>:\n".format(_("Disputed by")) + statement_compact(other, bot_username)
        blocks.append(block)
    return "\n\n".join(blocks)


def understood(understanding: Understanding) -> str:
    """What the question was read as, in the reader's language: "Росія · з серп. 2025".
    Its time is the span of dates it stands for, shown as every reply shows a span
    (`span`); an English reader also sees the event it was read from ("after the Alaska
    summit (since 16 Aug 2025)")."""
    parts = [speaker_name(name) for name in understanding.speaker_labels]
    parts += [side_name(side) for side in understanding.side_labels]
    parts += [place_name(place) for place in understanding.place_labels]
    dates = span(understanding.since, understanding.until)
    if dates and understanding.anchor and understanding.time_label and current() == ENGLISH:
        parts.append(f"{understanding.time_label} ({dates})")
    elif dates:
        parts.append(dates)
    return " · ".join(parts)


async def _ask(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    result = await answer(database, argument, limit=PAGE_SIZE, offset=offset)
    return ListingPage(answer_html(result, bot_username), offset, len(result.hits), result.total)


async def _actor(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    filters = SearchFilters(actor_ids=(int(argument),))
    page = await search(database, "", filters, limit=PAGE_SIZE, offset=offset)
    if not page.statements:
        return _page("", [], offset, page.total, _("This speaker has no statements in the record."), bot_username)
    speaker = f"<b>{escape(speaker_name(page.statements[0].speaker), quote=False)}</b>"
    heading = _("{speaker}, newest first").format(speaker=speaker)
    return _page(heading, page.statements, offset, page.total, "", bot_username, page.capped)


async def _topic(database: Database, argument: str, offset: int, bot_username: str | None) -> ListingPage:
    topic = Topic(argument)
    page = await search(database, "", SearchFilters(topic=topic), limit=PAGE_SIZE, offset=offset)
    heading = _("<b>Topic: {topic}</b>, newest first").format(topic=label(topic))
    empty = _("No statements on this topic yet.")
    return _page(heading, page.statements, offset, page.total, empty, bot_username, page.capped)


def side_not_speaker(typed: str, found: SideNamed) -> str:
    """`/actor США`: a side, not a speaker; where its statements are, in commands written in
    the reader's language, and who speaks for it."""
    side = side_name(found.side)
    written = f'"{side}"' if " " in side else side
    timeline = f"<code>/timeline {escape(side, quote=False)}</code>"
    # The filter by its name in the reader's language ("сторона:"), which /search takes.
    side_filter = _("side")
    search = f"<code>/search {escape(side_filter, quote=False)}:{escape(written, quote=False)}</code>"
    text = _(
        "“{name}” is a side, not a speaker. Its statements over time: {timeline}; to search them: {search}."
    ).format(name=escape(typed, quote=False), timeline=timeline, search=search)
    if found.speakers:
        speakers = ", ".join(
            f"<code>/actor {escape(speaker_name(speaker), quote=False)}</code>" for speaker in found.speakers
        )
        text += "\n" + _("Its speakers: {speakers}").format(speakers=speakers)
    return text


def topics_html(counts: Mapping[str, int]) -> str:
    """`/topic` alone: every topic, with how many statements are on it, as the command to
    type for it; in Ukrainian and Russian by its label, which /topic takes back."""
    english = current() == ENGLISH
    lines = []
    for topic in Topic:
        written = topic.value if english else label(topic)
        lines.append(f"• <code>/topic {escape(written, quote=False)}</code> ({count(counts.get(topic.value, 0))})")
    return "<b>{}</b>\n".format(_("Topics")) + "\n".join(lines)


_LOADERS = {"latest": _latest, "search": _search, "ask": _ask, "actor": _actor, "topic": _topic}


async def load_listing(
    database: Database, listing: Listing, offset: int = 0, bot_username: str | None = None
) -> ListingPage:
    """A page of the listing; each statement with its share link when `bot_username` is known."""
    loader = _LOADERS.get(listing.kind)
    if loader is None:
        raise InvalidInput("listing", _("unknown listing {kind}").format(kind=repr(listing.kind)))
    return await loader(database, listing.argument, max(0, offset), bot_username)
