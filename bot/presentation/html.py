"""Statements as Telegram HTML. Every string from users or the record is escaped here, and
nothing longer than Telegram's limit leaves as one message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from telegram.helpers import create_deep_linked_url

from bot.i18n import N_, _, format_date, format_number
from bot.input.statement_keys import REF_WORD
from bot.presentation.labels import label, place_name, side_name, speaker_name
from bot.presentation.roles import role_name
from storage.models import DatePrecision, Statement, Status
from storage.statements import LinkedStatement

MESSAGE_LIMIT = 4096


def h(value: object) -> str:
    return escape(str(value), quote=False)


def quoted(text: str) -> str:
    """What a reader typed, quoted as their language quotes: “ceasefire”, «перемир'я»."""
    # Translators: the quotation marks of your language around what the reader typed.
    return _("“{text}”").format(text=h(text))


def count(total: int, capped: bool = False) -> str:
    """A number of statements as readers see it, in their locale: "27,918" ("27 918" in
    Ukrainian); "1,000+" when a search stopped counting there (storage.search.capped_count)."""
    shown = format_number(total)
    return f"{shown}+" if capped else shown


def said_on(day: date, precision: DatePrecision) -> str:
    """As precise as the record is: "16 Aug 2025", "Aug 2025" or "2025", in the reader's
    language."""
    if precision is DatePrecision.year:
        return f"{day.year}"
    if precision is DatePrecision.month:
        return format_date(day, "LLL y")
    return format_date(day, "d MMM y")


def _start_precision(day: date) -> DatePrecision:
    if (day.month, day.day) == (1, 1):
        return DatePrecision.year
    return DatePrecision.month if day.day == 1 else DatePrecision.day


def _end_precision(day: date) -> DatePrecision:
    if (day.month, day.day) == (12, 31):
        return DatePrecision.year
    return DatePrecision.month if (day + timedelta(days=1)).day == 1 else DatePrecision.day


_FINER = (DatePrecision.day, DatePrecision.month, DatePrecision.year)


def span(since: date | None, until: date | None) -> str:
    """A span of dates as every reply shows it, in the reader's language, each end as
    `said_on` shows a date and as precise as the span needs: "2025", "Aug 2025",
    "Mar 2025 – May 2025", "2 Mar 2025 – 15 Apr 2025"; an open one from or to a day:
    "since 1 Aug 2025", "until 31 May 2025"."""
    if since and until:
        precision = min(_start_precision(since), _end_precision(until), key=_FINER.index)
        first, last = said_on(since, precision), said_on(until, precision)
        return first if first == last else f"{first} – {last}"
    # An open end is a day: "until May 2025" could be read as before May, and Russian
    # would need the month in another case ("до мая").
    if since:
        return _("since {date}").format(date=said_on(since, DatePrecision.day))
    return _("until {date}").format(date=said_on(until, DatePrecision.day)) if until else ""


def _who(statement: Statement) -> str:
    parts = [f"<b>{h(speaker_name(statement.speaker))}</b>"]
    if statement.speaker_role:
        parts.append(h(role_name(statement.speaker_role)))
    parts.append(h(side_name(statement.side)))
    return " · ".join(parts)


def _text(statement: Statement) -> str:
    return f"«{h(statement.text)}»" if statement.is_quote else h(statement.text)


def _status(statement: Statement) -> str:
    if statement.status is Status.retracted:
        return f"<b>{label(Status.retracted)}</b>: {h(statement.retraction_reason or '')}"
    return f"<i>{h(label(statement.status))}</i>"


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
    label = _("Share")
    return f' · <a href="{escape(share_url(bot_username, statement.id), quote=True)}">🔗 {label}</a>'


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
    ("contradicts", True): N_("Contradicts"),
    ("contradicts", False): N_("Contradicted by"),
    ("responds_to", True): N_("Responds to"),
    ("responds_to", False): N_("Answered by"),
}


def statement_full(statement: Statement, links: Sequence[LinkedStatement] = (), bot_username: str | None = None) -> str:
    """The whole record of one statement, with what it answers or contradicts beside it,
    and its share link in full (to copy) when the bot's username is known."""
    title = _("Statement #{id}").format(id=statement.id)
    lines = [f"<b>{title}</b> ({_(REF_WORD)} {h(statement.ref)})", _record_body(statement)]
    if bot_username:
        url, label = share_url(bot_username, statement.id), _("Share")
        lines.append(f'🔗 {label}: <a href="{escape(url, quote=True)}">{h(url)}</a>')
    for link in links:
        heading = _(_LINK_HEADINGS[(link.kind.value, link.outgoing)])
        lines += ["", f"<b>{heading}</b>:", statement_compact(link.statement, bot_username)]
    return "\n".join(lines)


def statement_preview(statement: Statement) -> str:
    """A statement not stored yet (the guided /add's preview): no id, no links."""
    return _record_body(statement)


def _record_body(statement: Statement) -> str:
    speaker = f"<b>{h(speaker_name(statement.speaker))}</b>" + (
        f", {h(role_name(statement.speaker_role))}" if statement.speaker_role else ""
    )
    stance = h(label(statement.stance)) + (" " + _("(direct quote)") if statement.is_quote else "")
    lines = [
        _("Speaker: {speaker}").format(speaker=speaker),
        _("Side: {side}").format(side=h(side_name(statement.side))),
        _("Date: {date}").format(date=said_on(statement.said_on, statement.date_precision)),
        _("Topics: {topics}").format(topics=h(", ".join(label(topic) for topic in statement.topics))),
    ]
    if statement.places:
        lines.append(_("Places: {places}").format(places=h(", ".join(place_name(place) for place in statement.places))))
    lines += [
        _("Stance: {stance}").format(stance=stance),
        _("Status: {status}").format(status=_status(statement)),
        "",
        _text(statement),
        "",
        _("Source: {source}").format(source=_source(statement)),
        # When, never by whom: readers do not learn who recorded a statement (that stays
        # in the audit log).
        _("Recorded {date}").format(date=format_date(statement.added_at.date(), "d MMM y")),
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
