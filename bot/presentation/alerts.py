"""Alerts as Telegram HTML: the message that tells a chat what its alerts matched (one
per chat and tick, however many statements, paged with buttons), and the list of a
chat's alerts with a button to remove each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answering.search_words import search_words, translations
from bot.i18n import N_, _, ngettext
from bot.input.search_syntax import parse_search
from bot.presentation.callbacks import AlertOffButton, AlertPageButton, ChannelAlertOffButton
from bot.presentation.html import h, quoted, statement_compact
from bot.presentation.paging import PAGE_SIZE, paging_keyboard
from storage.alerts import DeliveredPage, delivered_page
from storage.engine import Database
from storage.models import Alert, Status
from storage.page_rows import load_statements

EXAMPLE = N_("<code>/alert ceasefire speaker:putin</code>")
NO_ALERTS = N_(
    "No alerts here. <code>/alert WORDS [speaker:… side:… topic:…]</code> tells you at once when a "
    "statement matching them is recorded, e.g. {example}"
)
NO_CHANNEL_ALERTS = N_(
    "{channel} has no alerts. <code>/channel {channel} alert WORDS [speaker:… side:… topic:…]</code> posts "
    "there at once each statement matching them that is recorded, e.g. <code>/channel {channel} alert ceasefire</code>"
)


@dataclass(frozen=True)
class AlertPage:
    """A page of a delivery, rendered; `chat_id` is the chat it was sent to."""

    chat_id: int
    html: str
    keyboard: InlineKeyboardMarkup | None


def alert_heading(page: DeliveredPage) -> str:
    """What the delivery holds: new statements, retracted ones, or both (then how many are retracted)."""
    count = page.total
    if len(page.alerts) == 1:
        alerts = _("your alert {query}").format(query=quoted(page.alerts[0][0]))
    else:
        listed = " · ".join(f"{quoted(query)} ({matched})" for query, matched in page.alerts)
        alerts = _("your alerts {queries}").format(queries=listed)
    # What an alert on `status:retracted` tells of is a retraction, not a new statement.
    retracted = page.retracted == count
    if count == 1:
        one = (
            _("<b>A retracted statement matches</b> {alerts}")
            if retracted
            else _("<b>A new statement matches</b> {alerts}")
        )
        return "🔔 " + one.format(alerts=alerts)
    shown = _("{first}–{last} of {total}").format(
        first=page.offset + 1, last=page.offset + len(page.statement_ids), total=count
    )
    if retracted:
        heading = ngettext(
            "<b>{count} retracted statement matches</b> {alerts}",
            "<b>{count} retracted statements match</b> {alerts}",
            count,
        )
    elif page.retracted:
        # New statements and retractions in one message (two alerts, or a burst): neither
        # "new" nor "retracted" holds for all of them, so the heading says how many are which.
        heading = ngettext(
            "<b>{count} statement matches</b> {alerts}", "<b>{count} statements match</b> {alerts}", count
        ) + ngettext(", {retracted} of them retracted", ", {retracted} of them retracted", page.retracted)
    else:
        heading = ngettext(
            "<b>{count} new statement matches</b> {alerts}", "<b>{count} new statements match</b> {alerts}", count
        )
    return "🔔 " + heading.format(count=count, alerts=alerts, retracted=page.retracted) + f" ({shown})"


async def load_alert_page(
    database: Database, delivery_id: int, offset: int = 0, bot_username: str | None = None
) -> AlertPage | None:
    """The page at `offset` of what delivery `delivery_id` tells of; None when there is no
    such delivery or nothing of it is left to show (its alerts removed, its statements
    retracted)."""
    async with database.read() as session:
        page = await delivered_page(session, delivery_id, max(0, offset), PAGE_SIZE)
        if page is None or page.total == 0:
            return None
        if not page.statement_ids:  # past the end: the last page
            last = (page.total - 1) // PAGE_SIZE * PAGE_SIZE
            page = await delivered_page(session, delivery_id, last, PAGE_SIZE)
            assert page is not None
    loaded = await load_statements(database, page.statement_ids)
    blocks = [alert_heading(page)]
    blocks += [statement_compact(loaded[i], bot_username) for i in page.statement_ids if i in loaded]
    keyboard = paging_keyboard(
        lambda to: AlertPageButton(delivery_id, to).encode(), page.offset, len(page.statement_ids), page.total
    )
    return AlertPage(page.delivery.chat_id, "\n\n".join(blocks), keyboard)


def alert_made(alert: Alert, channel: str | None = None) -> str:
    parsed = parse_search(alert.query)
    # An alert on `status:retracted` hears of retractions: a statement is never recorded retracted.
    if parsed.filters.status is Status.retracted and channel:
        hears = _("{channel} hears at once when a statement matching it is retracted (every word, and each filter).")
    elif parsed.filters.status is Status.retracted:
        hears = _("You hear at once when a statement matching it is retracted (every word, and each filter).")
    elif channel:
        hears = _("{channel} hears at once when a statement matching it is recorded (every word, and each filter).")
    else:
        hears = _("You hear at once when a statement matching it is recorded (every word, and each filter).")
    made = _("Alert {number} set: {query}.").format(number=alert.number, query=quoted(alert.query))
    shown = f"🔔 {made}\n" + hears.format(channel=h(channel or ""))
    translated = translations(search_words(parsed.text))
    if translated:
        # The record is in English: what its Ukrainian or Russian words are looked for as.
        shown += "\n<i>{}</i>".format(h(_("Looked for in English: {words}").format(words=translated)))
    return shown


def alert_removed(alert: Alert) -> str:
    return "🔕 " + _("Alert {number} removed: {query}.").format(number=alert.number, query=quoted(alert.query))


def alerts_list(
    alerts: Sequence[Alert], channel: tuple[str, int] | None = None, *, asking: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The chat's alerts (or the channel's: its name and chat id), a button to remove each;
    `asking`: the answer to "off" without a number, which asks which one to remove."""
    if not alerts and channel:
        name = h(channel[0])
        return _(NO_CHANNEL_ALERTS).format(channel=name), None
    if not alerts:
        return _(NO_ALERTS).format(example=_(EXAMPLE)), None
    if asking:
        title = "<b>{}</b>".format(_("Which alert should I remove?"))
    elif channel:
        title = "<b>{}</b>".format(_("Alerts of {channel}").format(channel=h(channel[0])))
    else:
        title = "<b>{}</b>".format(_("Your alerts"))
    lines = [title, *(f"{alert.number}. {quoted(alert.query)}" for alert in alerts)]
    off = f"<code>/channel {h(channel[0])} alert off N</code>" if channel else "<code>/alert off N</code>"
    lines.append("\n" + _("Remove one with its button or {command}.").format(command=off))
    buttons = [
        [
            InlineKeyboardButton(
                "🔕 " + _("Remove {number}").format(number=alert.number),
                callback_data=(
                    ChannelAlertOffButton(channel[1], alert.number) if channel else AlertOffButton(alert.number)
                ).encode(),
            )
        ]
        for alert in alerts
    ]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)
