"""What `/channel @name off` says: unlinking stops a channel's digest and removes its
alerts, which its readers notice and the bot cannot undo, so the admin is asked first."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, ngettext
from bot.presentation.callbacks import ChannelUnlinkButton


def unlink_question(channel: str, digest: bool, alerts: int) -> str:
    """What unlinking `channel` would stop: its digest (when it gets one) and its alerts."""
    name = escape(channel, quote=False)
    if digest and alerts:
        lost = ngettext(
            "Unlink {channel}? Its daily digest stops and its {count} alert is removed.",
            "Unlink {channel}? Its daily digest stops and its {count} alerts are removed.",
            alerts,
        )
    elif alerts:
        lost = ngettext(
            "Unlink {channel}? Its {count} alert is removed.",
            "Unlink {channel}? Its {count} alerts are removed.",
            alerts,
        )
    else:
        lost = _("Unlink {channel}? Its daily digest stops.")
    return lost.format(channel=name, count=alerts) + "\n" + _("Tap Unlink to confirm, or Cancel.")


def unlink_keyboard(chat_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🔕 " + _("Unlink"), callback_data=ChannelUnlinkButton(chat_id, "yes").encode()),
                InlineKeyboardButton("✖️ " + _("Cancel"), callback_data=ChannelUnlinkButton(chat_id, "no").encode()),
            ]
        ]
    )


def not_unlinked(channel: str) -> str:
    return _("Cancelled; {channel} stays linked.").format(channel=escape(channel, quote=False))


def not_linked(channel: str) -> str:
    return _("{channel} was not linked: it gets no digest and no alerts.").format(channel=escape(channel, quote=False))


def unlinked(channel: str, alerts: int) -> str:
    removed = ngettext("{count} alert removed", "{count} alerts removed", alerts).format(count=alerts)
    return _("Unlinked {channel}: no more digests, {removed}.").format(
        channel=escape(channel, quote=False), removed=removed
    )
