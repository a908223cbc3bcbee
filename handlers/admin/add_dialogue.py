"""/add alone: the guided dialogue, in a private chat. One question per step, buttons where
the answer is one of a list, a preview of the statement as it will be stored, and nothing
written until Confirm. The draft lives in `user_data`; /cancel, a timeout or Cancel drops
it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot import record
from bot.context import BotContext
from bot.i18n import _
from bot.input.add_line import (
    AddLineError,
    parse_date,
    parse_side,
    parse_source,
    parse_speaker,
    parse_stance,
    parse_text,
    parse_topic_list,
    parse_url,
)
from bot.input.draft import Draft
from bot.presentation import add_dialogue as view
from bot.presentation.admin import added
from bot.presentation.callbacks import AddButton
from bot.record_names import with_record_sides
from handlers.admin.access import AdminFilter, refuse_change
from handlers.common import reply, who
from handlers.dialogues import State, dialogue, forget_in
from storage.actors import UNKNOWN_SIDE
from storage.errors import InvalidInput
from storage.models import Stance, Topic

DIALOGUE_TIMEOUT = timedelta(minutes=10)
"""An idle guided /add ends after this long (read when the handlers are registered)."""
NAME = "add_statement"
DRAFT = "add_draft"

# The dialogue's states: the answer it waits for.
SPEAKER, SIDE, DATE, TOPICS, STANCE, TEXT, SOURCE, URL, PREVIEW = (
    "speaker",
    "side",
    "date",
    "topics",
    "stance",
    "text",
    "source",
    "url",
    "preview",
)
_STANCES = {stance.value for stance in Stance}


def _draft(context: BotContext) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, Draft) else None


def _forget(user_data: dict[str, Any], chat_id: int) -> None:
    user_data.pop(DRAFT, None)


Step = Callable[[Update, BotContext, Draft], Coroutine[Any, Any, State]]


def _step(callback: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, State]]:
    """A step of the dialogue under way gets its draft; without one (the dialogue's data
    was lost) the dialogue ends and says so. The dialogue outlives a restart, so who may
    change the record is asked again at every step: an admin removed meanwhile is refused."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> State:
        user = update.effective_user
        if not context.settings.is_admin(user.id if user else None):
            forget_in(context, update, _forget)
            await refuse_change(update, context)
            return ConversationHandler.END
        draft = _draft(context)
        if draft is None:
            if update.callback_query is not None:
                await update.callback_query.answer(_(view.STALE_BUTTON), show_alert=True)
            else:
                await reply(update, _(view.LOST_PLACE))
            return ConversationHandler.END
        return await callback(update, context, draft)

    return wrapper


async def _ask(
    update: Update, draft: Draft, question: str, keyboard: InlineKeyboardMarkup | None = None, said: str = ""
) -> None:
    """`question` is a key of the view (kept in the draft for reminders), shown translated."""
    draft.asking = question
    await reply(update, f"{said}\n\n{_(question)}" if said else _(question), keyboard)


def _typed(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message else ""


def _pressed(update: Update, draft: Draft) -> AddButton | None:
    """The button pressed, or None for a button of another dialogue."""
    data = update.callback_query.data if update.callback_query else None
    pressed = AddButton.parse(data or "")
    return pressed if pressed is not None and pressed.nonce == draft.nonce else None


async def _stale(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(_(view.STALE_BUTTON), show_alert=True)


# -- the steps ---------------------------------------------------------------------


async def _start(update: Update, context: BotContext) -> State:
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        await reply(update, view.private_only())
        return ConversationHandler.END
    draft = Draft(asking=view.ASK_SPEAKER)
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    await _ask(update, draft, view.ASK_SPEAKER, said=_(view.STARTED))
    return SPEAKER


async def _speaker(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        typed = _typed(update)
        speaker = await with_record_sides(context.database, lambda sides: parse_speaker(typed, sides))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    known = await record.recorded_speaker(context.database, speaker.name)
    if known is None and not speaker.side:
        similar = await record.similar_speakers(context.database, speaker.name)
        if similar:
            await reply(update, view.did_you_mean(speaker.name, similar))
            return None
    draft.speaker = known.name if known else speaker.name
    # `+Name` alone is someone new whose side is asked next, as for any new speaker.
    given = "" if speaker.new and speaker.side == UNKNOWN_SIDE else speaker.side
    if given:
        draft.side = given
        said = view.speaker_heard(draft)
    elif known and known.side:
        draft.side = known.side
        said = view.speaker_heard(draft, as_recorded=True)
    else:
        await _ask(update, draft, view.ASK_SIDE, said=view.speaker_without_side(draft, new=known is None))
        return SIDE
    await _ask(update, draft, view.ASK_DATE, said=said)
    return DATE


async def _side(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        typed = _typed(update)
        draft.side = await with_record_sides(context.database, lambda sides: parse_side(typed, sides))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    await _ask(update, draft, view.ASK_DATE, said=view.speaker_heard(draft))
    return DATE


async def _date(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.said_on, draft.precision = parse_date(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    await _ask(update, draft, view.ASK_TOPICS, view.topic_keyboard(draft), said=view.date_heard(draft))
    return TOPICS


async def _to_stance(update: Update, draft: Draft) -> State:
    await _ask(update, draft, view.ASK_STANCE, view.stance_keyboard(draft))
    return STANCE


async def _topic_button(update: Update, context: BotContext, draft: Draft) -> State:
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    if pressed is None or pressed.step != view.TOPIC_STEP:
        await _stale(update)
        return None
    if pressed.choice == view.DONE:
        if not draft.topics:
            await query.answer(_(view.PICK_A_TOPIC), show_alert=True)
            return None
        await query.answer()
        await query.edit_message_text(view.topics_heard(draft))
        return await _to_stance(update, draft)
    try:
        draft.toggle(Topic(pressed.choice))
    except ValueError:
        await _stale(update)
        return None
    await query.answer()
    await query.edit_message_reply_markup(view.topic_keyboard(draft))
    return None


async def _topics_typed(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.topics = parse_topic_list(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    await reply(update, view.topics_heard(draft))
    return await _to_stance(update, draft)


async def _to_text(update: Update, draft: Draft) -> State:
    await _ask(update, draft, view.ASK_TEXT)
    return TEXT


async def _stance_button(update: Update, context: BotContext, draft: Draft) -> State:
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    choice = pressed.choice if pressed is not None and pressed.step == view.STANCE_STEP else ""
    if choice not in _STANCES:
        await _stale(update)
        return None
    draft.stance = Stance(choice)
    await query.answer()
    await query.edit_message_text(view.stance_heard(draft))
    return await _to_text(update, draft)


async def _stance_typed(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.stance = parse_stance(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    await reply(update, view.stance_heard(draft))
    return await _to_text(update, draft)


async def _text(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.text = parse_text(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    await _ask(update, draft, view.ASK_SOURCE)
    return SOURCE


async def _source(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.source, draft.url = parse_source(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    if draft.url:
        return await _preview(update, context, draft)
    await _ask(update, draft, view.ASK_URL, view.url_keyboard(draft), said=view.source_heard(draft))
    return URL


async def _url(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        draft.url = parse_url(_typed(update))
    except AddLineError as error:
        await reply(update, view.again(error.problem, draft))
        return None
    return await _preview(update, context, draft)


async def _no_url(update: Update, context: BotContext, draft: Draft) -> State:
    """The No link button, or /skip."""
    query = update.callback_query
    if query is not None:
        pressed = _pressed(update, draft)
        if pressed is None or (pressed.step, pressed.choice) != (view.URL_STEP, view.NONE):
            await _stale(update)
            return None
        await query.answer()
        await query.edit_message_text(_(view.NO_LINK))
    draft.url = None
    return await _preview(update, context, draft)


async def _preview(update: Update, context: BotContext, draft: Draft) -> State:
    try:
        data = draft.data()
    except AddLineError as error:
        forget_in(context, update, _forget)
        await reply(update, view.not_written(error))
        return ConversationHandler.END
    draft.asking = view.ASK_CONFIRM
    await reply(
        update, view.preview(await record.unsaved(context.database, data, who(update))), view.confirm_keyboard(draft)
    )
    return PREVIEW


async def _decision(update: Update, context: BotContext, draft: Draft) -> State:
    """Confirm writes the statement (once); Cancel writes nothing."""
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    if pressed is None or pressed.step not in (view.CONFIRM, view.CANCEL) or pressed.choice:
        await _stale(update)
        return None
    await query.answer()
    await query.edit_message_reply_markup(None)
    forget_in(context, update, _forget)
    if pressed.step == view.CANCEL:
        await reply(update, _(view.CANCELLED_BY_BUTTON))
        return ConversationHandler.END
    try:
        statement = await record.add(context.database, draft.data(), who(update))
    except InvalidInput as error:
        await reply(update, view.not_written(error))
        return ConversationHandler.END
    await reply(update, added(statement))
    return ConversationHandler.END


async def _remind(update: Update, context: BotContext, draft: Draft) -> State:
    """Anything the current step does not take: say view.again what it asks."""
    if update.callback_query is not None:
        await update.callback_query.answer(_(view.STEP_DONE), show_alert=True)
        return None
    await reply(update, view.remind(draft))
    return None


async def _expired(bot: Bot, chat_id: int) -> None:
    """Said in the language the current one was set to from the user's choice (see
    handlers.dialogues.end_idle_dialogues)."""
    await bot.send_message(chat_id, view.timed_out(DIALOGUE_TIMEOUT))


async def ended_button(update: Update, context: BotContext) -> None:
    """A button of a dialogue that is over (confirmed, cancelled or timed out)."""
    await _stale(update)


def conversation(admins: AdminFilter) -> ConversationHandler[BotContext]:
    text = filters.TEXT & ~filters.COMMAND
    return dialogue(
        NAME,
        entry_points=[CommandHandler("add", _start, filters=admins)],
        states={
            SPEAKER: [MessageHandler(text, _step(_speaker))],
            SIDE: [MessageHandler(text, _step(_side))],
            DATE: [MessageHandler(text, _step(_date))],
            TOPICS: [
                CallbackQueryHandler(_step(_topic_button), pattern=AddButton.step_pattern(view.TOPIC_STEP)),
                MessageHandler(text, _step(_topics_typed)),
            ],
            STANCE: [
                CallbackQueryHandler(_step(_stance_button), pattern=AddButton.step_pattern(view.STANCE_STEP)),
                MessageHandler(text, _step(_stance_typed)),
            ],
            TEXT: [MessageHandler(text, _step(_text))],
            SOURCE: [MessageHandler(text, _step(_source))],
            URL: [
                CallbackQueryHandler(_step(_no_url), pattern=AddButton.step_pattern(view.URL_STEP)),
                CommandHandler("skip", _step(_no_url)),
                MessageHandler(text, _step(_url)),
            ],
            PREVIEW: [
                CallbackQueryHandler(_step(_decision), pattern=AddButton.step_pattern(view.CONFIRM, view.CANCEL))
            ],
        },
        fallbacks=[
            CallbackQueryHandler(_step(_remind), pattern=AddButton.PATTERN),
            MessageHandler(~filters.COMMAND, _step(_remind)),
        ],
        timeout=DIALOGUE_TIMEOUT,
        cancelled=view.CANCELLED,
        forget=_forget,
        expired=_expired,
        allow_reentry=True,
    )
