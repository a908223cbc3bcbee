"""Statements as Telegram HTML. Every string from users or the record is escaped here, and
nothing longer than Telegram's limit leaves as one message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from telegram.helpers import create_deep_linked_url

from storage.models import DatePrecision, Statement, Status
from storage.statements import LinkedStatement

MESSAGE_LIMIT = 4096


def h(value: object) -> str:
    return escape(str(value), quote=False)


def count(total: int, capped: bool = False) -> str:
    """A number of statements as readers see it: "27,918"; "1,000+" when a search stopped
    counting there (storage.search.capped_count)."""
    return f"{total:,}+" if capped else f"{total:,}"


def said_on(day: date, precision: DatePrecision) -> str:
    """As precise as the record is: "16 Aug 2025", "Aug 2025" or "2025"."""
    if precision is DatePrecision.year:
        return f"{day.year}"
    if precision is DatePrecision.month:
        return day.strftime("%b %Y")
    return f"{day.day} {day.strftime('%b %Y')}"


def _who(statement: Statement) -> str:
    parts = [f"<b>{h(statement.speaker)}</b>"]
    if statement.speaker_role:
        parts.append(h(statement.speaker_role))
    parts.append(h(statement.side))
    return " · ".join(parts)


def _text(statement: Statement) -> str:
    return f"«{h(statement.text)}»" if statement.is_quote else h(statement.text)


def _status(statement: Statement) -> str:
    if statement.status is Status.retracted:
        return f"<b>retracted</b>: {h(statement.retraction_reason or '')}"
    return f"<i>{h(statement.status.value)}</i>"


def _source(statement: Statement) -> str:
    if statement.source_url:
        return f'<a href="{escape(statement.source_url, quote=True)}">{h(statement.source)}</a>'
    return h(statement.source)


def share_url(bot_username: str, statement_id: int | None) -> str:
    """The statement's deep link: it opens the statement in a private chat with the bot
    (`/start s23`), for anyone it is passed on to."""
    return create_deep_linked_url(bot_username, f"s{statement_id}")


def _share(statement: Statement, bot_username: str | None) -> str:
    if not bot_username:
        return ""
    return f' · <a href="{escape(share_url(bot_username, statement.id), quote=True)}">🔗 Share</a>'


def _compact_lines(statement: Statement) -> list[str]:
    when = said_on(statement.said_on, statement.date_precision)
    if statement.status is not Status.confirmed:
        when += f" · {_status(statement)}"
    return [_who(statement), when, _text(statement)]


def statement_compact(statement: Statement, bot_username: str | None = None) -> str:
    """One result in a list: who, when, status unless confirmed, what, where from; with
    its share link when the bot's username is known."""
    lines = _compact_lines(statement)
    lines.append(f"— {_source(statement)} · /statement_{statement.id}{_share(statement, bot_username)}")
    return "\n".join(lines)


def statement_shared(statement: Statement, bot_username: str) -> str:
    """A statement posted into another chat (inline mode): no command of this bot, which
    means nothing there, but the link that opens the statement in the bot."""
    url = share_url(bot_username, statement.id)
    lines = _compact_lines(statement)
    lines += [
        f"— {_source(statement)}",
        f'🔗 <a href="{escape(url, quote=True)}">{h(url.removeprefix("https://"))}</a>',
    ]
    return "\n".join(lines)


_LINK_HEADINGS = {
    ("contradicts", True): "Contradicts",
    ("contradicts", False): "Contradicted by",
    ("responds_to", True): "Responds to",
    ("responds_to", False): "Answered by",
}


def statement_full(statement: Statement, links: Sequence[LinkedStatement] = (), bot_username: str | None = None) -> str:
    """The whole record of one statement, with what it answers or contradicts beside it,
    and its share link in full (to copy) when the bot's username is known."""
    lines = [f"<b>Statement #{statement.id}</b> (ref {h(statement.ref)})", _record_body(statement)]
    if bot_username:
        url = share_url(bot_username, statement.id)
        lines.append(f'🔗 Share: <a href="{escape(url, quote=True)}">{h(url)}</a>')
    for link in links:
        heading = _LINK_HEADINGS[(link.kind.value, link.outgoing)]
        lines += ["", f"<b>{heading}</b>:", statement_compact(link.statement, bot_username)]
    return "\n".join(lines)


def statement_preview(statement: Statement) -> str:
    """A statement not stored yet (the guided /add's preview): no id, no links."""
    return _record_body(statement)


def _record_body(statement: Statement) -> str:
    lines = [
        f"Speaker: <b>{h(statement.speaker)}</b>"
        + (f", {h(statement.speaker_role)}" if statement.speaker_role else ""),
        f"Side: {h(statement.side)}",
        f"Date: {said_on(statement.said_on, statement.date_precision)}",
        f"Topics: {h(', '.join(topic.replace('_', ' ') for topic in statement.topics))}",
    ]
    if statement.places:
        lines.append(f"Places: {h(', '.join(statement.places))}")
    lines += [
        f"Stance: {h(statement.stance.value)}" + (" (direct quote)" if statement.is_quote else ""),
        f"Status: {_status(statement)}",
        "",
        _text(statement),
        "",
        f"Source: {_source(statement)}",
        # When, never by whom: readers do not learn who recorded a statement (that stays
        # in the audit log).
        f"Recorded {statement.added_at:%Y-%m-%d}",
    ]
    return "\n".join(lines)


def statement_list(heading: str, statements: Sequence[Statement], bot_username: str | None = None) -> str:
    return "\n\n".join([heading, *(statement_compact(statement, bot_username) for statement in statements)])


def _cut_point(line: str, limit: int) -> int:
    """Where to cut an over-long line: at a space, never inside an HTML entity or tag."""
    cut = line.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit
    for opener, closer in (("&", ";"), ("<", ">")):
        start = line.rfind(opener, 0, cut)
        if start != -1 and line.find(closer, start) >= cut:
            cut = start if start > 0 else cut
    return cut


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible; never an
    empty piece."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _cut_point(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or ["(empty)"]
