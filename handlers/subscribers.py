"""Subscribers: the daily digest at their own local time.

/subscribe [HH:MM] [Area/City], /unsubscribe, /settings (one message, edited in place by
its buttons), /digest (a preview that moves nothing). Groups subscribe too; there only the
group's admins change the subscription. The digests themselves go out from
`bot.digests.tick`, whose job `bot.digests.schedule` registers."""

from __future__ import annotations

import logging
import time as time_module
from datetime import time
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType as TelegramChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import parse_time_of_day, parse_timezone
from bot.context import BotContext
from bot.digests.compose import NOTHING_NEW, preview
from bot.presentation.html import split_message
from handlers.common import answers_errors, command_argument, reply
from storage.actors import find_actors
from storage.errors import InvalidInput, NotFound, RecordError
from storage.models import ChatType, Subscriber, Topic
from storage.subscriptions import (
    actor_names,
    add_actor_id,
    clear_topics,
    deactivate,
    get_subscriber,
    migrate_chat,
    remove_actor,
    set_digest_time,
    set_notify_empty,
    set_paused,
    set_timezone,
    subscribe,
    toggle_topic,
    unsubscribe,
)

log = logging.getLogger(__name__)

PREFIX = "ds"
INPUT_KEY = "digest_input"
INPUT_SECONDS = 300
QUICK_TIMES = ("06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "22:00")
QUICK_ZONES = (
    "Europe/Kyiv", "Europe/London", "Europe/Berlin", "Europe/Warsaw",
    "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC",
)
ADMINS_ONLY = "Only the group's admins can change its digest."
NOT_SUBSCRIBED = (
    "This chat has no digest subscription. "
    "<code>/subscribe [HH:MM] [Area/City]</code> starts one, e.g. <code>/subscribe 08:00 Europe/Kyiv</code>"
)


# -- reading what was typed ----------------------------------------------------


def parse_subscribe_argument(argument: str) -> tuple[time | None, ZoneInfo | None]:
    """`[HH:MM] [Area/City]`, in either order; an unknown zone or a bad time is named."""
    digest_time: time | None = None
    zone: ZoneInfo | None = None
    words = argument.split()
    if len(words) > 2:
        raise InvalidInput("subscribe", "give at most a time and a time zone, e.g. /subscribe 08:00 Europe/Kyiv")
    for word in words:
        looks_like_time = word[:1].isdigit()
        if looks_like_time:
            if digest_time is not None:
                raise InvalidInput("time", "give one time of day")
            try:
                digest_time = parse_time_of_day(word)
            except ValueError as error:
                raise InvalidInput("time", f"{error} (e.g. 08:00)") from None
        else:
            if zone is not None:
                raise InvalidInput("time zone", "give one time zone")
            try:
                zone = parse_timezone(word)
            except ValueError as error:
                raise InvalidInput("time zone", str(error)) from None
    return digest_time, zone


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


def _chat_type(update: Update) -> ChatType:
    chat = update.effective_chat
    try:
        return ChatType(chat.type) if chat else ChatType.private
    except ValueError:
        return ChatType.private


# -- rendering the settings ----------------------------------------------------


def _when(subscriber: Subscriber) -> str:
    due = subscriber.next_due_at.astimezone(ZoneInfo(subscriber.timezone))
    return f"{due:%a} {due.day} {due:%b %Y}, {due:%H:%M}"


def _topics_line(subscriber: Subscriber) -> str:
    if not subscriber.topics:
        return "all"
    return ", ".join(topic.replace("_", " ") for topic in subscriber.topics)


def _speakers_line(subscriber: Subscriber, names: dict[int, str]) -> str:
    if not subscriber.actor_ids:
        return "all"
    return ", ".join(escape(names.get(actor_id, f"#{actor_id}"), quote=False) for actor_id in subscriber.actor_ids)


def settings_text(subscriber: Subscriber, names: dict[int, str], view: str = "main") -> str:
    state = "⏸ paused" if subscriber.paused else "active"
    lines = [
        f"<b>Daily digest</b> · {state}",
        f"🕗 Time: <b>{subscriber.digest_time:%H:%M}</b> {escape(subscriber.timezone, quote=False)}",
    ]
    if not subscriber.paused:
        lines.append(f"   next: {_when(subscriber)}")
    lines += [
        f"📚 Topics: {_topics_line(subscriber)}",
        f"🗣 Speakers: {_speakers_line(subscriber, names)}",
        f"📭 “Nothing new” notes: {'on' if subscriber.notify_empty else 'off'}",
    ]
    prompt = {
        "topics": "Tap a topic to follow it or stop following it. Following none means every topic.",
        "speakers": "<b>Type a speaker's name</b> to follow them (e.g. Putin, Зеленський); tap one to stop. "
        "Following none means every speaker. Topics and speakers both narrow the digest.",
        "time": "Tap a time, or <b>type one</b> as HH:MM (24-hour clock).",
        "zone": "Tap a time zone, or <b>type one</b> as Area/City (e.g. Europe/Kyiv).",
    }.get(view)
    if prompt:
        lines += ["", prompt]
    return "\n".join(lines)


def _button(label: str, *data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=":".join((PREFIX, *data)))


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[index : index + width] for index in range(0, len(buttons), width)]


def settings_keyboard(subscriber: Subscriber, names: dict[int, str], view: str = "main") -> InlineKeyboardMarkup:
    back = _button("« Back", "main")
    if view == "topics":
        followed = set(subscriber.topics)
        toggles = [
            _button(f"{'✅' if topic.value in followed else '▫️'} {topic.value.replace('_', ' ')}", "t", topic.value)
            for topic in Topic
        ]
        return InlineKeyboardMarkup([*_rows(toggles, 2), [_button("All topics", "tall"), back]])
    if view == "speakers":
        removals = [
            _button(f"✖ {names.get(actor_id, f'#{actor_id}')}", "sr", str(actor_id)) for actor_id in subscriber.actor_ids
        ]
        return InlineKeyboardMarkup([*_rows(removals, 2), [back]])
    if view == "time":
        times = [_button(label, "ti", label.replace(":", "")) for label in QUICK_TIMES]
        return InlineKeyboardMarkup([*_rows(times, 4), [back]])
    if view == "zone":
        zones = [_button(zone, "z", zone) for zone in QUICK_ZONES]
        return InlineKeyboardMarkup([*_rows(zones, 2), [back]])
    pause = _button("▶️ Resume", "resume") if subscriber.paused else _button("⏸ Pause", "pause")
    notes = _button("📭 Notes: turn off", "empty", "off") if subscriber.notify_empty else _button("📭 Notes: turn on", "empty", "on")
    return InlineKeyboardMarkup(
        [
            [_button("🕗 Time", "time"), _button("🌍 Time zone", "zone")],
            [_button("📚 Topics", "topics"), _button("🗣 Speakers", "speakers")],
            [pause, notes],
        ]
    )


async def _settings_view(context: BotContext, subscriber: Subscriber, view: str) -> tuple[str, InlineKeyboardMarkup]:
    names = await actor_names(context.database, list(subscriber.actor_ids))
    return settings_text(subscriber, names, view), settings_keyboard(subscriber, names, view)


# -- awaiting typed input ------------------------------------------------------


def _await_input(context: BotContext, field: str, user_id: int | None, message_id: int) -> None:
    context.chat_data[INPUT_KEY] = {
        "field": field,
        "user_id": user_id,
        "message_id": message_id,
        "until": time_module.monotonic() + INPUT_SECONDS,
    }


def _awaited(update: Update, context: BotContext) -> dict[str, Any] | None:
    state = context.chat_data.get(INPUT_KEY) if context.chat_data is not None else None
    if not state:
        return None
    if time_module.monotonic() > state["until"]:
        context.chat_data.pop(INPUT_KEY, None)
        return None
    user = update.effective_user
    if state["user_id"] is not None and (user is None or user.id != state["user_id"]):
        return None
    return state


# -- commands ------------------------------------------------------------------


@answers_errors
async def subscribe_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if not await may_manage(update, context):
        await reply(update, ADMINS_ONLY)
        return
    digest_time, zone = parse_subscribe_argument(command_argument(update))
    settings = context.settings
    user = update.effective_user
    result = await subscribe(
        context.database,
        chat.id,
        _chat_type(update),
        digest_time=digest_time,
        zone=zone,
        default_time=settings.default_digest_time,
        default_zone=settings.default_zone,
        language=user.language_code if user else None,
    )
    subscriber = result.subscriber
    when = f"<b>{subscriber.digest_time:%H:%M}</b> {escape(subscriber.timezone, quote=False)}"
    if result.created:
        text = (
            f"✅ Subscribed. Your digest comes daily at {when}; the first on {_when(subscriber)}.\n"
            "It holds what is recorded from now on (not the archive: /latest shows that), "
            "grouped by topic. Nothing new, no message.\n"
            "/settings chooses topics and speakers; /digest previews it now; /unsubscribe stops it."
        )
    else:
        text = f"✅ Updated. Your digest comes daily at {when}; the next on {_when(subscriber)}."
        if subscriber.paused:
            text += "\nIt is paused: /settings resumes it."
    await reply(update, text)


@answers_errors
async def unsubscribe_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if not await may_manage(update, context):
        await reply(update, ADMINS_ONLY)
        return
    if await unsubscribe(context.database, chat.id):
        await reply(update, "Unsubscribed: no more digests. <code>/subscribe</code> starts them again.")
    else:
        await reply(update, "This chat has no digest subscription.")


@answers_errors
async def settings_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if not await may_manage(update, context):
        await reply(update, ADMINS_ONLY)
        return
    subscriber = await get_subscriber(context.database, chat.id)
    if subscriber is None or not subscriber.active:
        await reply(update, NOT_SUBSCRIBED)
        return
    text, keyboard = await _settings_view(context, subscriber, "main")
    await reply(update, text, keyboard)


@answers_errors
async def digest_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    found = await preview(context.database, chat.id)
    if found is None or not found[0].active:
        await reply(update, NOT_SUBSCRIBED)
        return
    subscriber, digest = found
    if subscriber.paused:
        note = "Your digest is paused (/settings resumes it). "
    else:
        note = f"Next digest: {_when(subscriber)}. "
    if digest.is_empty:
        await reply(update, f"{NOTHING_NEW}\n{note}")
        return
    intro = f"👀 <i>Preview: your next digest as it stands now. {note}Nothing is marked as delivered.</i>"
    await reply(update, "\n\n".join([intro, *digest.parts]))


# -- the settings buttons ------------------------------------------------------


async def _edit(query: Any, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(split_message(text)[0], reply_markup=keyboard, disable_web_page_preview=True)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def settings_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    if not await may_manage(update, context):
        await query.answer(ADMINS_ONLY, show_alert=True)
        return
    parts = query.data.split(":", 2)
    action = parts[1] if len(parts) > 1 else ""
    argument = parts[2] if len(parts) > 2 else ""
    database = context.database
    user = update.effective_user
    message_id = query.message.message_id if query.message else 0
    view = "main"
    toast = None
    try:
        if action in ("main", "topics"):
            view = action
            context.chat_data.pop(INPUT_KEY, None)
        elif action in ("speakers", "time", "zone"):
            view = action
            _await_input(context, {"speakers": "speaker"}.get(action, action), user.id if user else None, message_id)
        elif action == "t":
            await toggle_topic(database, chat.id, argument)
            view = "topics"
        elif action == "tall":
            await clear_topics(database, chat.id)
            view, toast = "topics", "Every topic"
        elif action == "sr":
            await remove_actor(database, chat.id, int(argument))
            view = "speakers"
        elif action == "sp":
            await add_actor_id(database, chat.id, int(argument))
            context.chat_data.pop(INPUT_KEY, None)
            toast = "Following"
        elif action == "ti":
            await set_digest_time(database, chat.id, parse_time_of_day(f"{argument[:2]}:{argument[2:]}"))
            context.chat_data.pop(INPUT_KEY, None)
            toast = f"Time: {argument[:2]}:{argument[2:]}"
        elif action == "z":
            await set_timezone(database, chat.id, parse_timezone(argument))
            context.chat_data.pop(INPUT_KEY, None)
            toast = f"Time zone: {argument}"
        elif action in ("pause", "resume"):
            await set_paused(database, chat.id, action == "pause")
            toast = "Paused" if action == "pause" else "Resumed"
        elif action == "empty":
            await set_notify_empty(database, chat.id, argument == "on")
            toast = f"“Nothing new” notes {argument}"
        else:
            await query.answer()
            return
    except (RecordError, ValueError) as error:
        await query.answer(str(error)[:200], show_alert=True)
        return
    subscriber = await get_subscriber(database, chat.id)
    if subscriber is None or not subscriber.active:
        await query.answer("This chat has no digest subscription any more.", show_alert=True)
        await _edit(query, NOT_SUBSCRIBED, None)
        return
    await query.answer(toast)
    text, keyboard = await _settings_view(context, subscriber, view)
    await _edit(query, text, keyboard)


async def typed_setting(update: Update, context: BotContext) -> None:
    """Text typed after tapping Speakers, Time or Time zone in /settings. Runs before every
    other handler (group -1) and stops them when it took the text."""
    state = _awaited(update, context)
    message = update.effective_message
    chat = update.effective_chat
    if state is None or message is None or chat is None or not message.text:
        return
    value = message.text.strip()
    field = state["field"]
    confirmation = ""
    try:
        if field == "speaker":
            async with context.database.read() as session:
                actors = await find_actors(session, value) if len(value) <= 200 else []
            if not actors:
                raise NotFound(f"no speaker called {value[:60]!r} in the record; type another name, or /cancel")
            if len(actors) > 1:
                choices = [_button(actor.name, "sp", str(actor.id)) for actor in actors[:8]]
                await reply(update, f"“{escape(value[:60], quote=False)}” could mean:", InlineKeyboardMarkup(_rows(choices, 1)))
                raise ApplicationHandlerStop
            await add_actor_id(context.database, chat.id, actors[0].id or 0)
            confirmation = f"✅ Following {escape(actors[0].name, quote=False)}. Tap Speakers to add another."
        elif field == "time":
            try:
                digest_time = parse_time_of_day(value)
            except ValueError as error:
                raise InvalidInput("time", f"{error}; type e.g. 08:00, or /cancel") from None
            await set_digest_time(context.database, chat.id, digest_time)
            confirmation = f"✅ Time: {digest_time:%H:%M}."
        elif field == "zone":
            try:
                zone = parse_timezone(value)
            except ValueError as error:
                raise InvalidInput("time zone", f"{error}; or /cancel") from None
            await set_timezone(context.database, chat.id, zone)
            confirmation = f"✅ Time zone: {zone.key}."
    except RecordError as error:
        await reply(update, f"⚠️ {escape(str(error), quote=False)}")
        raise ApplicationHandlerStop from None
    context.chat_data.pop(INPUT_KEY, None)
    subscriber = await get_subscriber(context.database, chat.id)
    if subscriber is not None and subscriber.active:
        text, keyboard = await _settings_view(context, subscriber, "main")
        try:
            await context.bot.edit_message_text(
                split_message(text)[0], chat_id=chat.id, message_id=state["message_id"],
                reply_markup=keyboard, disable_web_page_preview=True,
            )
        except BadRequest as error:
            log.info("settings message not edited: %s", error)
    await reply(update, confirmation)
    raise ApplicationHandlerStop


async def cancel_input(update: Update, context: BotContext) -> None:
    """/cancel while /settings waits for typed input; otherwise other handlers answer it."""
    if _awaited(update, context) is None:
        return
    context.chat_data.pop(INPUT_KEY, None)
    await reply(update, "OK, nothing changed.")
    raise ApplicationHandlerStop


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
    BotCommand("subscribe", "Daily digest at your time: /subscribe 08:00 Europe/Kyiv"),
    BotCommand("settings", "Digest time, time zone, topics, speakers, pause"),
    BotCommand("digest", "Preview my next digest now"),
    BotCommand("unsubscribe", "Stop the daily digest"),
]


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, typed_setting), group=-1)
    application.add_handler(CommandHandler("cancel", cancel_input), group=-1)
    application.add_handler(CommandHandler("subscribe", subscribe_command))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe_command))
    application.add_handler(CommandHandler("settings", settings_command))
    application.add_handler(CommandHandler("digest", digest_command))
    application.add_handler(CallbackQueryHandler(settings_button, pattern=rf"^{PREFIX}:"))
    application.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated))
