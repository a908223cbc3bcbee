"""Subscribers: the daily digest at their own local time.

/subscribe [TIME] [ZONE], /unsubscribe, /digest (a preview that moves nothing);
/settings is `handlers.settings`. Groups subscribe too; there only the group's admins
change the subscription. The digests themselves go out from `bot.digests.tick`, whose job
`bot.digests.schedule` registers."""

from __future__ import annotations

import logging
from datetime import time

from telegram import ChatMember, Update
from telegram.constants import ChatType as TelegramChatType
from telegram.ext import Application, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.config import parse_timezone
from bot.context import BotContext
from bot.digests.compose import NOTHING_NEW, preview
from bot.i18n import N_, _, current
from bot.presentation.settings import NOT_SUBSCRIBED, digest_when, fixed_offset_note, next_digest
from bot.time_of_day import split_time
from handlers.common import answers_errors, command_argument, reply
from storage.errors import InvalidInput, wording_of
from storage.models import ChatType
from storage.subscriptions import deactivate, migrate_chat, subscribe, unsubscribe
from storage.zones import Zone

log = logging.getLogger(__name__)

ADMINS_ONLY = N_("Only the group's admins can change its digest.")


# -- reading what was typed ----------------------------------------------------


def parse_subscribe_argument(argument: str) -> tuple[time | None, Zone | None]:
    """`[TIME] [ZONE]`, in either order: "20:00 Kyiv", "8 pm Kyiv", "Київ 9 ранку",
    "UTC+5:30". The zone may take several words, as readers write "New York" or "UTC +3";
    an unknown zone or a bad time is named, and nothing is changed."""
    try:
        digest_time, zone_words = split_time(argument)
    except ValueError as error:
        raise InvalidInput(_("time"), wording_of(error)) from None
    if not zone_words:
        return digest_time, None
    try:
        return digest_time, parse_timezone(zone_words)
    except ValueError as error:
        raise InvalidInput(_("time zone"), wording_of(error)) from None


# -- who may change a chat's subscription --------------------------------------


async def may_manage(update: Update, context: BotContext) -> bool:
    """Anyone in a private chat; in a group, its admins (and anonymous admins, who write
    as the group itself)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return False
    if chat.type == TelegramChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except Exception as error:  # noqa: BLE001 - a failed check refuses, whatever the cause
        log.warning("could not check the admins of chat %s: %r", chat.id, error)
        return False
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


async def managed_chat_id(update: Update, context: BotContext) -> int | None:
    """The chat whose subscription a command changes, or None when there is no chat or the
    sender may not change it (and is told so)."""
    chat = update.effective_chat
    if chat is None:
        return None
    if not await may_manage(update, context):
        await reply(update, _(ADMINS_ONLY))
        return None
    return chat.id


def _chat_type(update: Update) -> ChatType:
    chat = update.effective_chat
    try:
        return ChatType(chat.type) if chat else ChatType.private
    except ValueError:
        return ChatType.private


# -- commands ------------------------------------------------------------------


@answers_errors
async def subscribe_command(update: Update, context: BotContext) -> None:
    chat_id = await managed_chat_id(update, context)
    if chat_id is None:
        return
    digest_time, zone = parse_subscribe_argument(command_argument(update))
    settings = context.settings
    result = await subscribe(
        context.database,
        chat_id,
        _chat_type(update),
        digest_time=digest_time,
        zone=zone,
        default_time=settings.default_digest_time,
        default_zone=settings.default_zone,
        language=current(),
    )
    subscriber = result.subscriber
    when = digest_when(subscriber)
    if result.created:
        text = "✅ " + _(
            "Subscribed. Your digest comes daily at {when}; the first on {next}.\n"
            "It holds what is recorded from now on (not the archive: /latest shows that), "
            "grouped by topic. Nothing new, no message.\n"
            "/settings chooses topics and speakers; /digest previews it now; /unsubscribe stops it."
        ).format(when=when, next=next_digest(subscriber))
    else:
        text = "✅ " + _("Updated. Your digest comes daily at {when}; the next on {next}.").format(
            when=when, next=next_digest(subscriber)
        )
        if subscriber.paused:
            text += "\n" + _("It is paused: /settings resumes it.")
    note = fixed_offset_note(subscriber.timezone) if zone is not None else None
    if note:
        text += "\n" + note
    await reply(update, text)


@answers_errors
async def unsubscribe_command(update: Update, context: BotContext) -> None:
    chat_id = await managed_chat_id(update, context)
    if chat_id is None:
        return
    if await unsubscribe(context.database, chat_id):
        await reply(update, _("Unsubscribed: no more digests. <code>/subscribe</code> starts them again."))
    else:
        await reply(update, _("This chat has no digest subscription."))


@answers_errors
async def digest_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    found = await preview(context.database, chat.id, bot_username=context.bot.username)
    if found is None or not found[0].active:
        await reply(update, _(NOT_SUBSCRIBED))
        return
    subscriber, digest = found
    if subscriber.paused:
        note = _("Your digest is paused (/settings resumes it).")
    else:
        note = _("Next digest: {when}.").format(when=next_digest(subscriber))
    if digest.is_empty:
        await reply(update, f"{_(NOTHING_NEW)}\n{note}")
        return
    intro = "👀 <i>{}</i>".format(
        _("Preview: your next digest as it stands now. {note} Nothing is marked as delivered.").format(note=note)
    )
    await reply(update, "\n\n".join([intro, *digest.parts]))


# -- what Telegram tells us about the chat -------------------------------------


async def membership_changed(update: Update, context: BotContext) -> None:
    """Blocked by the user, or removed from the group: digests stop at once."""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        private = change.chat.type == TelegramChatType.PRIVATE
        reason = "the user blocked the bot" if private else "the bot was removed from the group"
        if await deactivate(context.database, change.chat.id, reason):
            log.info("chat %s: digests stopped (%s)", change.chat.id, reason)


async def chat_migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: the subscription follows it to the new chat id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    if await migrate_chat(context.database, message.chat.id, message.migrate_to_chat_id):
        log.info("subscription moved from chat %s to %s", message.chat.id, message.migrate_to_chat_id)


# -- wiring --------------------------------------------------------------------

COMMANDS = [
    ("subscribe", N_("Daily digest at your time: /subscribe 08:00 Kyiv (or Europe/Kyiv, UTC+2)")),
    ("settings", N_("Digest time, time zone, topics, speakers, pause")),
    ("digest", N_("Preview my next digest now")),
    ("unsubscribe", N_("Stop the daily digest")),
]


def register(application: Application) -> None:
    application.add_handler(CommandHandler("subscribe", subscribe_command))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe_command))
    application.add_handler(CommandHandler("digest", digest_command))
    application.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated))
