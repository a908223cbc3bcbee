"""/settings: the digest's settings as one message whose buttons edit it in place. Tapping
Speakers, Time or Time zone starts a short dialogue that waits for the name, time or zone
to be typed (or tapped); /cancel or five idle minutes end it. In groups only the group's
admins change the digest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.config import parse_time_of_day, parse_timezone
from bot.context import BotContext
from bot.i18n import _, said
from bot.presentation.callbacks import SettingsButton
from bot.presentation.html import h, split_message
from bot.presentation.settings import (
    NO_LONGER_SUBSCRIBED,
    NOT_SUBSCRIBED,
    NOTHING_CHANGED,
    following,
    settings_keyboard,
    settings_text,
    speaker_choices,
    time_set,
    zone_set,
)
from bot.record_names import speakers_meant, unknown_speaker
from bot.time_of_day import NOT_A_TIME
from bot.time_zones import shown_zone
from handlers.common import ADDRESSED, addressed_text, answers_errors, reply
from handlers.dialogues import State, dialogue, forget_in
from handlers.subscribers import ADMINS_ONLY, managed_chat_id, may_manage, parse_subscribe_argument
from storage.errors import N_, Ended, InvalidInput, NotFound, RecordError, Wording, wording_of
from storage.models import Subscriber
from storage.subscriptions import (
    actor_names,
    add_actor_id,
    clear_topics,
    get_subscriber,
    remove_actor,
    set_digest_time,
    set_notify_empty,
    set_paused,
    set_timezone,
    toggle_topic,
)
from storage.zones import key_of

log = logging.getLogger(__name__)

SETTINGS_TIMEOUT = timedelta(minutes=5)
"""Typed input is awaited this long after the last tap (read when the handlers are registered)."""
NAME = "digest_settings"
MESSAGES = "settings_messages"
"""user_data: the /settings message the user is typing for, in each chat (by id, as text)."""
MAX_NAME = 200

# The dialogue's states: what the typed text sets.
SPEAKER, TIME, ZONE = "speaker", "time", "zone"
_TYPED_VIEWS = {"speakers": SPEAKER, "time": TIME, "zone": ZONE}


# -- the settings message --------------------------------------------------------


async def _view(context: BotContext, subscriber: Subscriber, view: str) -> tuple[str, InlineKeyboardMarkup]:
    names = await actor_names(context.database, list(subscriber.actor_ids))
    return settings_text(subscriber, names, view), settings_keyboard(subscriber, names, view)


async def _edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(split_message(text)[0], reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


@answers_errors
async def settings_command(update: Update, context: BotContext) -> None:
    chat_id = await managed_chat_id(update, context)
    if chat_id is None:
        return
    subscriber = await get_subscriber(context.database, chat_id)
    if subscriber is None or not subscriber.active:
        await reply(update, _(NOT_SUBSCRIBED))
        return
    text, keyboard = await _view(context, subscriber, "main")
    await reply(update, text, keyboard)


# -- which message the typed text is for ----------------------------------------


def _messages(context: BotContext) -> dict[str, int]:
    if context.user_data is None:
        return {}
    messages: dict[str, int] = context.user_data.setdefault(MESSAGES, {})
    return messages


def _chat_key(update: Update) -> str:
    return str(update.effective_chat.id) if update.effective_chat else ""


def _remember(update: Update, context: BotContext, message_id: int) -> None:
    _messages(context)[_chat_key(update)] = message_id


def _recall(update: Update, context: BotContext) -> int | None:
    return _messages(context).get(_chat_key(update))


def _forget(user_data: dict[str, Any], chat_id: int) -> None:
    messages = user_data.get(MESSAGES, {})
    messages.pop(str(chat_id), None)
    if not messages:
        user_data.pop(MESSAGES, None)


# -- the buttons -------------------------------------------------------------------


async def _apply(
    update: Update, context: BotContext, chat_id: int, pressed: SettingsButton
) -> tuple[str, State, str | None] | None:
    """Carries out a tap: the view to show next, the dialogue's next state and a toast;
    None for a button this release does not know."""
    database, action, argument = context.database, pressed.action, pressed.argument
    if action in ("main", "topics"):
        return action, ConversationHandler.END, None
    if action in _TYPED_VIEWS:
        query = update.callback_query
        _remember(update, context, query.message.message_id if query and query.message else 0)
        return action, _TYPED_VIEWS[action], None
    if action == "t":
        await toggle_topic(database, chat_id, argument)
        return "topics", None, None
    if action == "tall":
        await clear_topics(database, chat_id)
        return "topics", None, _("Every topic")
    if action == "sr":
        await remove_actor(database, chat_id, int(argument))
        return "speakers", None, None
    if action == "sp":
        await add_actor_id(database, chat_id, int(argument))
        return "main", ConversationHandler.END, _("Following")
    if action == "ti":
        await set_digest_time(database, chat_id, parse_time_of_day(f"{argument[:2]}:{argument[2:]}"))
        return "main", ConversationHandler.END, _("Time: {time}").format(time=f"{argument[:2]}:{argument[2:]}")
    if action == "z":
        zone = parse_timezone(argument)
        await set_timezone(database, chat_id, zone)
        return "main", ConversationHandler.END, _("Time zone: {zone}").format(zone=shown_zone(key_of(zone)))
    if action in ("pause", "resume"):
        await set_paused(database, chat_id, action == "pause")
        return "main", None, _("Paused") if action == "pause" else _("Resumed")
    if action == "empty":
        await set_notify_empty(database, chat_id, argument == "on")
        return "main", None, _("“Nothing new” notes: on") if argument == "on" else _("“Nothing new” notes: off")
    return None


async def settings_button(update: Update, context: BotContext) -> State:
    query = update.callback_query
    chat = update.effective_chat
    pressed = SettingsButton.parse(query.data or "") if query else None
    if query is None or chat is None or pressed is None:
        return None
    if not await may_manage(update, context):
        await query.answer(_(ADMINS_ONLY), show_alert=True)
        return None
    try:
        applied = await _apply(update, context, chat.id, pressed)
    except (RecordError, ValueError) as error:
        await query.answer(said(wording_of(error))[:200], show_alert=True)
        return None
    if applied is None:
        await query.answer()
        return None
    view, state, toast = applied
    if state == ConversationHandler.END:
        forget_in(context, update, _forget)
    subscriber = await get_subscriber(context.database, chat.id)
    if subscriber is None or not subscriber.active:
        await query.answer(_(NO_LONGER_SUBSCRIBED), show_alert=True)
        await _edit(query, _(NOT_SUBSCRIBED), None)
        return state
    await query.answer(toast)
    await _edit(query, *await _view(context, subscriber, view))
    return state


async def _first_tap(update: Update, context: BotContext) -> State:
    """A tap outside the dialogue starts it only when it waits for typed text."""
    state = await settings_button(update, context)
    return ConversationHandler.END if state is None else state


# -- what is typed -----------------------------------------------------------------

Setter = Callable[[Update, BotContext, int, str], Coroutine[Any, Any, str | None]]
"""Sets a typed value and says what was set; None when it asked back (the dialogue waits
on). A `RecordError` names what is wrong with the value."""


async def _set_speaker(update: Update, context: BotContext, chat_id: int, value: str) -> str | None:
    actors = await speakers_meant(context.database, value) if len(value) <= MAX_NAME else []
    if not actors:
        refusal = await unknown_speaker(context.database, value[:60])
        raise NotFound(Wording(N_("{refusal} Type another name, or /cancel."), refusal=Ended(refusal)))
    if len(actors) > 1:
        await reply(update, *speaker_choices(value, actors))
        return None
    await add_actor_id(context.database, chat_id, actors[0].id or 0)
    return following(actors[0])


async def _set_time(update: Update, context: BotContext, chat_id: int, value: str) -> str | None:
    """A time, and the zone too when one follows ("8pm Kyiv"); both are read before either
    is set, so a bad zone changes nothing."""
    try:
        digest_time, zone = parse_subscribe_argument(value)
    except InvalidInput as error:
        raise InvalidInput(error.field, _("{problem}; or /cancel").format(problem=said(error.problem))) from None
    if digest_time is None:
        raise InvalidInput(
            _("time"),
            _("{problem}; or /cancel").format(problem=said(Wording(NOT_A_TIME, value=repr(value[:40])))),
        )
    await set_digest_time(context.database, chat_id, digest_time)
    if zone is None:
        return time_set(digest_time)
    await set_timezone(context.database, chat_id, zone)
    return time_set(digest_time) + "\n" + zone_set(zone)


async def _set_zone(update: Update, context: BotContext, chat_id: int, value: str) -> str | None:
    try:
        zone = parse_timezone(value)
    except ValueError as error:
        raise InvalidInput(_("time zone"), _("{problem}; or /cancel").format(problem=said(wording_of(error)))) from None
    await set_timezone(context.database, chat_id, zone)
    return zone_set(zone)


def _typed(setter: Setter) -> Callable[[Update, BotContext], Coroutine[Any, Any, State]]:
    """Text typed after tapping Speakers, Time or Time zone: set, the settings message
    refreshed, the dialogue over; or what is wrong, and the dialogue waits on."""

    async def typed(update: Update, context: BotContext) -> State:
        message = update.effective_message
        chat = update.effective_chat
        text = addressed_text(message) if message is not None else None
        if chat is None or not text:
            return None
        try:
            answer = await setter(update, context, chat.id, text.strip())
        except RecordError as error:
            await reply(update, f"⚠️ {h(said(error))}")
            return None
        if answer is None:
            return None
        message_id = _recall(update, context)
        forget_in(context, update, _forget)
        subscriber = await get_subscriber(context.database, chat.id)
        if subscriber is not None and subscriber.active and message_id:
            text, keyboard = await _view(context, subscriber, "main")
            try:
                await context.bot.edit_message_text(
                    split_message(text)[0], chat_id=chat.id, message_id=message_id, reply_markup=keyboard
                )
            except BadRequest as error:
                log.info("settings message not edited: %s", error)
        await reply(update, answer)
        return ConversationHandler.END

    return typed


async def _expired(bot: Bot, chat_id: int) -> None:
    """Silently: the settings message stays as it is, its buttons still work."""


def settings_dialogue() -> ConversationHandler[BotContext]:
    text = filters.TEXT & ~filters.COMMAND & ADDRESSED
    button = CallbackQueryHandler(settings_button, pattern=SettingsButton.PATTERN)
    return dialogue(
        NAME,
        entry_points=[CallbackQueryHandler(_first_tap, pattern=SettingsButton.PATTERN)],
        states={
            SPEAKER: [MessageHandler(text, _typed(_set_speaker)), button],
            TIME: [MessageHandler(text, _typed(_set_time)), button],
            ZONE: [MessageHandler(text, _typed(_set_zone)), button],
        },
        timeout=SETTINGS_TIMEOUT,
        cancelled=NOTHING_CHANGED,
        forget=_forget,
        expired=_expired,
    )


def register(application: Application) -> None:
    application.add_handler(CommandHandler("settings", settings_command))
    application.add_handler(settings_dialogue())
