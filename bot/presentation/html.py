"""Statements as Telegram HTML. Every string from users or the record is escaped here, and
nothing longer than Telegram's limit leaves as one message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from storage.models import DatePrecision, Statement, Status
from storage.statements import LinkedStatement

MESSAGE_LIMIT = 4096


def h(value: object) -> str:
    return escape(str(value), quote=False)


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


def statement_compact(statement: Statement) -> str:
    """One result in a list: who, when, status unless confirmed, what, where from."""
    when = said_on(statement.said_on, statement.date_precision)
    if statement.status is not Status.confirmed:
        when += f" · {_status(statement)}"
    return "\n".join(
        [
            f"{_who(statement)}",
            f"{when}",
            _text(statement),
            f"— {_source(statement)} · /statement_{statement.id}",
        ]
    )


_LINK_HEADINGS = {
    ("contradicts", True): "Contradicts",
    ("contradicts", False): "Contradicted by",
    ("responds_to", True): "Responds to",
    ("responds_to", False): "Answered by",
}


def statement_full(statement: Statement, links: Sequence[LinkedStatement] = ()) -> str:
    """The whole record of one statement, with what it answers or contradicts beside it."""
    lines = [f"<b>Statement #{statement.id}</b> (ref {h(statement.ref)})", _record_body(statement)]
    for link in links:
        heading = _LINK_HEADINGS[(link.kind.value, link.outgoing)]
        lines += ["", f"<b>{heading}</b>:", statement_compact(link.statement)]
    return "\n".join(lines)


def statement_preview(statement: Statement) -> str:
    """A statement not stored yet (the guided /add's preview): no id, no links."""
    return _record_body(statement)


def _record_body(statement: Statement) -> str:
    lines = [
        f"Speaker: <b>{h(statement.speaker)}</b>" + (f", {h(statement.speaker_role)}" if statement.speaker_role else ""),
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


def statement_list(heading: str, statements: Sequence[Statement]) -> str:
    return "\n\n".join([heading, *(statement_compact(statement) for statement in statements)])


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
