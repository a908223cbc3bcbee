"""Channels: an admin of a channel links it from a private chat with the bot, and the
channel gets the digest at its chosen time and its own alerts.

    /channel @name [HH:MM] [ZONE]         link it: the daily digest, at that time
    /channel @name alert WORDS [filters]  an alert posted in the channel
    /channel @name alerts                 its alerts, a button to remove each
    /channel @name alert off N            remove one
    /channel @name off                    unlink it (asked first): no digest, no alerts

Only an admin of the channel may, asked of Telegram each time (getChatMember on the
channel for the user), and the bot must be an admin there that may post. The channel is
a subscriber like any chat (its chat id, type `channel`), so the digest tick and the
alert tick send to it as to any other."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html import escape

from telegram import CallbackQuery, ChatMember, ChatMemberAdministrator, Update
from telegram.constants import ChatType as TelegramChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.alerts.manage import alerts_of, create, is_off_word, off_request, remove
from bot.context import BotContext
from bot.i18n import N_, _, current, language_named, said, use_language
from bot.input.option_words import options_of
from bot.presentation.alerts import alert_made, alert_removed, alerts_list
from bot.presentation.callbacks import ChannelAlertOffButton, ChannelUnlinkButton
from bot.presentation.channels import not_linked, not_unlinked, unlink_keyboard, unlink_question, unlinked
from bot.presentation.settings import digest_when, fixed_offset_note, next_digest
from handlers.alerts import remove_and_relist
from handlers.common import answers_errors, command_argument, reply
from handlers.subscribers import parse_subscribe_argument
from storage.alerts import unlink_chat
from storage.errors import InvalidInput
from storage.models import ChatType
from storage.subscriptions import get_subscriber, set_language, subscribe

log = logging.getLogger(__name__)

USAGE = N_("""<b>Channels</b>: link a channel you administer, and it gets the daily digest and its own alerts.
First add me to the channel as an admin who may post messages; then, here:
<code>/channel @name [HH:MM] [ZONE]</code> — the digest, e.g. <code>/channel @mychannel 08:00 Kyiv</code> (ZONE as in /subscribe: a city, Europe/Kyiv or UTC+2)
<code>/channel @name alert WORDS</code> — an alert, e.g. <code>/channel @mychannel alert ceasefire speaker:putin</code>
<code>/channel @name alerts</code> — its alerts; <code>/channel @name alert off N</code> removes one
<code>/channel @name language en|uk|ru</code> — the language of its digest and alerts
<code>/channel @name off</code> — unlink it""")
NOT_AN_OPTION = N_(
    "Nor is <b>{argument}</b> one of <code>alert</code>, <code>alerts</code>, <code>language</code> or "
    "<code>off</code>; /channel lists them."
)
PRIVATE_ONLY = N_("Link a channel from your private chat with me: <code>/channel @name</code>")


@dataclass(frozen=True)
class Channel:
    chat_id: int
    name: str
    """@username, or the title of a channel without one."""


#: A channel's link as Telegram shares it ("https://t.me/name"): the name is what follows.
_LINK = re.compile(r"^(?:https?://)?(?:t|telegram)\.me/(?P<name>[^/?#]+)/?$", re.IGNORECASE)


def _reference(word: str) -> str | int:
    """`@name`, the channel's link (`https://t.me/name`, as Telegram shares it) or its
    numeric id (-100…), as getChat takes it."""
    if word.lstrip("-").isdigit() and len(word) <= 20:
        return int(word)
    link = _LINK.match(word)
    if link:
        word = link.group("name")
    name = word if word.startswith("@") else f"@{word}"
    if not 2 <= len(name) <= 33 or not name[1:].replace("_", "").isalnum():
        raise InvalidInput(_("channel"), _("{name} is not a channel's @name").format(name=repr(word[:40])))
    return name


async def administered_channel(context: BotContext, reference: str | int, user_id: int) -> Channel:
    """The channel, when the bot may post there and `user_id` is one of its admins;
    otherwise what is missing, as the user's answer."""
    shown = escape(str(reference), quote=False)
    try:
        chat = await context.bot.get_chat(reference)
    except TelegramError:
        raise InvalidInput(
            _("channel"), _("I cannot see {channel}: add me to it as an admin first").format(channel=shown)
        ) from None
    if chat.type != TelegramChatType.CHANNEL:
        raise InvalidInput(_("channel"), _("{channel} is not a channel").format(channel=shown))
    name = f"@{chat.username}" if chat.username else (chat.title or str(chat.id))
    try:
        mine = await context.bot.get_chat_member(chat.id, context.bot.id)
        theirs = await context.bot.get_chat_member(chat.id, user_id)
    except TelegramError as error:
        log.warning("could not check the admins of channel %s: %r", chat.id, error)
        raise InvalidInput(
            _("channel"), _("I cannot check who administers {channel}; make me an admin there").format(channel=name)
        ) from None
    if not (isinstance(mine, ChatMemberAdministrator) and mine.can_post_messages):
        raise InvalidInput(
            _("channel"), _("make me an admin of {channel} who may post messages first").format(channel=name)
        )
    if theirs.status not in (ChatMember.OWNER, ChatMember.ADMINISTRATOR):
        raise InvalidInput(
            _("channel"), _("only the admins of {channel} can link it or change what it gets").format(channel=name)
        )
    return Channel(chat.id, name)


@answers_errors
async def channel_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    # The usage says "then, here": in a group it would send the reader nowhere useful.
    if chat.type != TelegramChatType.PRIVATE:
        await reply(update, _(PRIVATE_ONLY))
        return
    words = command_argument(update).split(maxsplit=1)
    if not words:
        await reply(update, _(USAGE))
        return
    reference = _reference(words[0])
    rest = words[1].strip() if len(words) > 1 else ""
    written, _space, argument = rest.partition(" ")
    action = channel_action(written, argument.strip())
    channel = await administered_channel(context, reference, user.id)
    if action == "off":
        await _ask_unlink(update, context, channel)
    elif action == "alerts":
        text, keyboard = alerts_list(
            await alerts_of(context.database, channel.chat_id), (channel.name, channel.chat_id)
        )
        await reply(update, text, keyboard)
    elif action == "language":
        await _language(update, context, channel, argument.strip().lower())
    elif action == "alert":
        await _alert(update, context, channel, argument.strip())
    else:
        await _link(update, context, channel, rest)


def channel_action(written: str, argument: str) -> str:
    """What the word after `/channel @name` asks for, in the reader's words
    (bot/data/vocabulary/option_words.json): "off", "alerts", "alert", "language", or ""
    for a digest time (or nothing), which links the channel. A word that is both "alert"
    and "alerts" (Ukrainian "сповіщення") lists the alerts unless words follow it."""
    options = options_of("channel", written)
    if is_off_word(written):
        options.add("off")
    if {"alert", "alerts"} <= options:
        options -= {"alerts"} if argument else {"alert"}
    return next(iter(options), "") if len(options) == 1 else ""


async def _link(update: Update, context: BotContext, channel: Channel, argument: str) -> None:
    try:
        digest_time, zone = parse_subscribe_argument(argument)
    except InvalidInput as error:
        # Not a time or zone; perhaps an option mistyped ("/channel @name alrets"): say both.
        await reply(
            update,
            f"⚠️ {escape(said(error), quote=False)}\n"
            + _(NOT_AN_OPTION).format(argument=escape(argument[:40], quote=False)),
        )
        return
    settings = context.settings
    result = await subscribe(
        context.database,
        channel.chat_id,
        ChatType.channel,
        digest_time=digest_time,
        zone=zone,
        default_time=settings.default_digest_time,
        default_zone=settings.default_zone,
        language=current(),
    )
    subscriber = result.subscriber
    name = escape(channel.name, quote=False)
    when = digest_when(subscriber)
    if result.created:
        done = _("{channel} is linked: it gets the digest daily at {when}, the next on {next}.")
    else:
        done = _("{channel} is updated: it gets the digest daily at {when}, the next on {next}.")
    more = _(
        "<code>/channel {channel} alert WORDS</code> gives it alerts; <code>/channel {channel} off</code> unlinks it."
    )
    note = fixed_offset_note(subscriber.timezone) if zone is not None else None
    await reply(
        update,
        "✅ "
        + done.format(channel=name, when=when, next=next_digest(subscriber))
        + (f"\n{note}" if note else "")
        + "\n"
        + more.format(channel=name),
    )


async def _language(update: Update, context: BotContext, channel: Channel, language: str) -> None:
    """The channel's digest and alerts in `language`; until then, in the language of the
    admin who linked it."""
    name = escape(channel.name, quote=False)
    named = language_named(language)
    if named is None:
        usage = _("Which language? e.g. <code>/channel {channel} language uk</code> (en, uk or ru)")
        await reply(update, usage.format(channel=name))
        return
    if not await set_language(context.database, channel.chat_id, named):
        await reply(
            update, _("{channel} is not linked yet: <code>/channel {channel}</code> links it.").format(channel=name)
        )
        return
    with use_language(named):
        await reply(update, "✅ " + _("{channel} gets its digest and alerts in English.").format(channel=name))


async def _alert(update: Update, context: BotContext, channel: Channel, argument: str) -> None:
    name = escape(channel.name, quote=False)
    if not argument:
        usage = _("Say what to watch for, e.g. <code>/channel {channel} alert ceasefire speaker:putin</code>")
        await reply(update, usage.format(channel=name))
        return
    off = off_request(argument)
    if off is not None and off.number is None:
        listed = await alerts_of(context.database, channel.chat_id)
        await reply(update, *alerts_list(listed, (channel.name, channel.chat_id), asking=True))
        return
    if off is not None and off.number is not None:
        await reply(update, alert_removed(await remove(context.database, channel.chat_id, off.number, channel.name)))
        return
    await reply(update, alert_made(await create(context.database, channel.chat_id, argument), channel.name))


async def _ask_unlink(update: Update, context: BotContext, channel: Channel) -> None:
    """Asks first (Unlink or Cancel): the channel's readers lose its digest and alerts."""
    subscriber = await get_subscriber(context.database, channel.chat_id)
    digest = subscriber is not None and subscriber.active
    alerts = len(await alerts_of(context.database, channel.chat_id))
    if not digest and not alerts:
        await reply(update, not_linked(channel.name))
        return
    await reply(update, unlink_question(channel.name, digest, alerts), unlink_keyboard(channel.chat_id))


async def _pressed_by_admin(update: Update, context: BotContext, query: CallbackQuery, chat_id: int) -> Channel | None:
    """The channel a button under it acts on, when the user who pressed it still
    administers it (asked of Telegram again); otherwise None, the user told why."""
    user = update.effective_user
    if user is None:
        return None
    try:
        return await administered_channel(context, chat_id, user.id)
    except InvalidInput as error:
        await query.answer(said(error.problem), show_alert=True)
        return None


@answers_errors
async def unlink_button(update: Update, context: BotContext) -> None:
    """Unlink or Cancel: the admin's rights over the channel are asked of Telegram again."""
    query = update.callback_query
    pressed = ChannelUnlinkButton.parse(query.data or "") if query else None
    if query is None or pressed is None:
        return
    channel = await _pressed_by_admin(update, context, query, pressed.chat_id)
    if channel is None:
        return
    await query.answer()
    if not pressed.confirmed:
        await query.edit_message_text(not_unlinked(channel.name))
        return
    stopped = await unlink_chat(context.database, channel.chat_id)
    await query.edit_message_text(
        unlinked(channel.name, stopped.alerts) if stopped.digest or stopped.alerts else not_linked(channel.name)
    )


async def off_button(update: Update, context: BotContext) -> None:
    """🔕 under a channel's alerts: its admin's rights are asked of Telegram again."""
    query = update.callback_query
    pressed = ChannelAlertOffButton.parse(query.data or "") if query else None
    if query is None or pressed is None:
        return
    channel = await _pressed_by_admin(update, context, query, pressed.chat_id)
    if channel is None:
        return
    await remove_and_relist(query, context, channel.chat_id, pressed.number, (channel.name, channel.chat_id))


COMMANDS = [("channel", N_("Digest and alerts for a channel you administer"))]


def register(application: Application) -> None:
    application.add_handler(CommandHandler("channel", channel_command))
    application.add_handler(CallbackQueryHandler(off_button, pattern=ChannelAlertOffButton.PATTERN))
    application.add_handler(CallbackQueryHandler(unlink_button, pattern=ChannelUnlinkButton.PATTERN))
