"""Admins change the record: add (in one line or through a guided dialogue), edit, retract,
link, import; and export it and count it. Each handler reads the update, calls the record's
own function and renders the outcome; every change is recorded under `who(update)`."""

from __future__ import annotations

import functools
import logging
import re
import secrets
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.input.add_line import (
    EXAMPLE,
    PARTS,
    USAGE,
    AddLineError,
    Speaker,
    check_values,
    parse_add_line,
    parse_date,
    parse_side,
    parse_source,
    parse_speaker,
    parse_stance,
    parse_text,
    parse_topic_list,
    parse_url,
    statement_values,
)
from bot.context import BotContext
from bot.presentation.html import h, said_on, statement_compact, statement_full, statement_preview
from handlers.common import admins_only, answers_errors, command_argument, reply, who
from storage.actors import UNKNOWN_SIDE, find_actors, known_speaker
from storage.engine import Database
from storage.errors import InvalidInput
from storage.exchange import ExchangeFormat, ImportReport, export_statements, import_statements
from storage.models import (
    Actor,
    DatePrecision,
    Stance,
    Statement,
    StatementTopic,
    Topic,
)
from storage.stats import record_stats
from storage.statements import (
    EDITABLE_FIELDS,
    add_statement,
    edit_statement,
    get_statement,
    link_statements,
    linked_statements,
    retract_statement,
)
from storage.validation import StatementData

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_LISTED_PROBLEMS = 30
DIALOGUE_TIMEOUT = timedelta(minutes=10)
"""An idle guided /add ends after this long (read when the handlers are registered)."""

_ADD_WITH_ARGUMENTS = re.compile(r"^/add(?:@\w+)?\s+\S")
_IMPORT_CAPTION = re.compile(r"^/import(?:@\w+)?(?:\s|$)")
_DRY_RUN = {"dry", "dry-run", "--dry-run", "dryrun", "check"}
_ID = re.compile(r"^#?(\d{1,12})$")
_FIELDS = ", ".join(sorted(set(EDITABLE_FIELDS)))

EDIT_USAGE = (
    "<code>/edit ID FIELD VALUE</code>, e.g. <code>/edit 23 status confirmed</code>\n"
    f"Fields: {h(_FIELDS)}"
)
RETRACT_USAGE = (
    "<code>/retract ID REASON</code>, e.g. <code>/retract 23 misattributed: the quote is from 2022</code>\n"
    "The statement stays in the record, marked retracted, with the reason."
)
LINK_USAGE = (
    "<code>/link ID contradicts ID</code> or <code>/link ID responds_to ID</code>, "
    "e.g. <code>/link 24 responds_to 23</code>"
)
IMPORT_USAGE = (
    "Send a JSONL or CSV file (the exchange format) with <code>/import</code> as its caption, "
    "or reply <code>/import</code> to a file already in this chat. "
    "<code>/import dry</code> checks the file and writes nothing. "
    f"Files up to {MAX_IMPORT_BYTES // (1024 * 1024)} MB."
)
EXPORT_USAGE = "<code>/export</code> (JSON lines) or <code>/export csv</code>"
_EXPORT_FORMATS = {
    "": ExchangeFormat.jsonl, "jsonl": ExchangeFormat.jsonl, "json": ExchangeFormat.jsonl, "csv": ExchangeFormat.csv,
}


# -- shared ------------------------------------------------------------------------


def _statement_id(value: str) -> int | None:
    match = _ID.match(value.strip())
    return int(match.group(1)) if match else None


def _stance_hint(statement: Statement) -> str:
    example = Stance.proposal if statement.stance is Stance.demand else Stance.demand
    return (
        f"Stance recorded as <b>{h(statement.stance.value)}</b>. To change it: "
        f"<code>/edit {statement.id} stance {example.value}</code> "
        f"(one of: {h(', '.join(Stance))}); the role: <code>/edit {statement.id} role …</code>"
    )


def _added(statement: Statement) -> str:
    return f"✅ Added #{statement.id}\n\n{statement_full(statement)}\n\n{_stance_hint(statement)}"


Command = Callable[[Update, BotContext], Awaitable[None]]


def admins_only_to_read(handler: Command) -> Command:
    """For the admins' commands that change nothing (/export, /stats)."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> None:
        user = update.effective_user
        if not context.settings.is_admin(user.id if user else None):
            log.info("refused %s from non-admin %s", handler.__name__, user.id if user else None)
            await reply(update, "⛔ This command is for the bot's admins.")
            return
        await handler(update, context)

    return wrapper


# -- /add in one line --------------------------------------------------------------


def _add_problem(error: AddLineError) -> str:
    if error.part in PARTS:
        where = f"<b>Part {PARTS.index(error.part) + 1} ({error.part})</b>"
    elif error.part == "side":
        where = "<b>Part 1 (speaker's side)</b>"
    else:
        where = "<b>The form</b>"
    return (
        f"⚠️ {where}: {h(error.problem)}\n"
        "Nothing was added.\n\n"
        f"The one-line form: <code>{h(USAGE)}</code>\n"
        "The date may also be YYYY-MM or YYYY; a new speaker's side goes in brackets "
        "after the name. Topics (comma-separated): "
        f"{h(', '.join(Topic))}.\n"
        f"e.g. <code>{h(EXAMPLE)}</code>\n"
        "Or send /add alone for a guided dialogue."
    )


def _did_you_mean(speaker: str, similar: list[str]) -> str:
    names = ", ".join(f"<b>{h(name)}</b>" for name in similar)
    return (
        f"⚠️ <b>Part 1 (speaker)</b>: no speaker is recorded as <b>{h(speaker)}</b>. Did you mean {names}? "
        "Then write the name as recorded. For someone new, say which side they speak for, in brackets "
        f"after the name: <code>/add {h(speaker)} (United Kingdom) | …</code>\n"
        "Nothing was added."
    )


def _side_left_open(statement: Statement) -> str:
    return (
        f"\n\n⚠️ The record has no side for <b>{h(statement.speaker)}</b> yet, so this statement's side "
        f"is left open (<i>{UNKNOWN_SIDE}</i>). Set it: <code>/edit {statement.id} side SIDE</code>, "
        f"e.g. <code>/edit {statement.id} side United Kingdom</code>"
    )


@admins_only
@answers_errors
async def add_line(update: Update, context: BotContext) -> None:
    """A speaker new to the record is recorded with the side left open (and the admin told
    how to set it); a name that is part of a recorded one ("Putin") is asked about instead,
    so that no second speaker is made for someone already in the record."""
    try:
        data = parse_add_line(command_argument(update))
    except AddLineError as error:
        await reply(update, _add_problem(error))
        return
    if not data.side and await _known_speaker(context.database, data.speaker) is None:
        similar = await _similar_speakers(context.database, data.speaker)
        if similar:
            await reply(update, _did_you_mean(data.speaker, similar))
            return
    statement = await add_statement(context.database, data, who(update))
    note = _side_left_open(statement) if statement.side == UNKNOWN_SIDE else ""
    await reply(update, _added(statement) + note)


# -- /add, the guided dialogue -----------------------------------------------------

SPEAKER, SIDE, DATE, TOPICS, STANCE, TEXT, SOURCE, URL, PREVIEW = range(9)
DRAFT = "add_draft"

ASK_SPEAKER = (
    "Who said it? Send the speaker's name, e.g. <i>Vladimir Putin</i>. For someone new to "
    "the record you may add the side in brackets: <i>Keir Starmer (United Kingdom)</i>."
)
ASK_DATE = (
    "When was it said? <code>YYYY-MM-DD</code>, or <code>YYYY-MM</code> / <code>YYYY</code> "
    "when only that much is known."
)
ASK_TOPICS = "Which topics? Tap every one that applies, then <b>Done</b> (or type them, comma-separated)."
ASK_STANCE = "What kind of statement is it? Tap the stance (or type it)."
ASK_TEXT = "Send the statement's text as said or reported (up to 4000 characters)."
ASK_SOURCE = (
    "Where was it reported? Send the source, e.g. <i>Reuters</i>, or the source and the link "
    "as <i>Reuters | https://…</i>"
)
ASK_URL = "Send the link to the report, or tap <b>No link</b> (or send /skip)."
ASK_CONFIRM = "Tap <b>Confirm</b> to add it to the record, or <b>Cancel</b>."
STALE_BUTTON = "This /add dialogue has ended; send /add to start a new one."


@dataclass
class Draft:
    """The statement being put together, one answer at a time, in `user_data`."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(3))
    asking: str = ASK_SPEAKER
    speaker: str = ""
    side: str = ""
    said_on: date | None = None
    precision: DatePrecision = DatePrecision.day
    topics: list[Topic] = field(default_factory=list)
    stance: Stance | None = None
    text: str = ""
    source: str = ""
    url: str | None = None

    def button(self, *parts: str) -> str:
        return ":".join(("add", self.nonce, *parts))

    def data(self) -> StatementData:
        assert self.said_on is not None and self.stance is not None
        values = statement_values(
            Speaker(self.speaker, self.side), self.said_on, self.precision, self.topics,
            self.text, self.source, self.url, self.stance,
        )
        return check_values(values)


def _draft(context: BotContext) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, Draft) else None


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


Step = Callable[[Update, BotContext], Awaitable[object]]


def _step(callback: Step, *, needs_draft: bool = True) -> Command:
    """A dialogue step. What was typed for the dialogue is the dialogue's alone: the state
    travels in `ApplicationHandlerStop`, so the plain-text question handler (a later group)
    never answers it as a question too. A step that finds no draft ends the dialogue."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext) -> None:
        if needs_draft and _draft(context) is None:
            if update.callback_query is not None:
                await update.callback_query.answer(STALE_BUTTON, show_alert=True)
            else:
                await reply(update, "This dialogue lost its place; send /add to start again. Nothing was written.")
            raise ApplicationHandlerStop(ConversationHandler.END)
        raise ApplicationHandlerStop(await callback(update, context))

    return wrapper


async def _ask(
    update: Update, draft: Draft, question: str, keyboard: InlineKeyboardMarkup | None = None, said: str = ""
) -> None:
    draft.asking = question
    await reply(update, f"{said}\n\n{question}" if said else question, keyboard)


async def _reask(update: Update, draft: Draft, error: InvalidInput) -> None:
    await reply(update, f"⚠️ {h(error.problem)}\n\n{draft.asking}")


def _typed(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message else ""


def _topic_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if topic in draft.topics else "") + topic.value.replace("_", " "),
            callback_data=draft.button("t", topic.value),
        )
        for topic in Topic
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton("Done", callback_data=draft.button("t", "done"))])
    return InlineKeyboardMarkup(rows)


def _stance_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(stance.value, callback_data=draft.button("s", stance.value)) for stance in Stance]
    return InlineKeyboardMarkup([buttons[index : index + 3] for index in range(0, len(buttons), 3)])


def _url_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("No link", callback_data=draft.button("u", "none"))]])


def _confirm_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("✅ Confirm", callback_data=draft.button("ok")),
            InlineKeyboardButton("✖️ Cancel", callback_data=draft.button("no")),
        ]]
    )


def _pressed(update: Update, draft: Draft) -> list[str] | None:
    """The button's parts after `add:<nonce>:`, or None for a button of another dialogue."""
    data = update.callback_query.data if update.callback_query else None
    parts = (data or "").split(":")
    if len(parts) < 3 or parts[0] != "add" or parts[1] != draft.nonce:
        return None
    return parts[2:]


@dataclass(frozen=True)
class KnownSpeaker:
    name: str
    side: str | None


async def _similar_speakers(database: Database, name: str) -> list[str]:
    """Speakers of the record `name` may be short for ("Putin" -> "Vladimir Putin")."""
    async with database.read() as session:
        return [actor.name for actor in await find_actors(session, name)][:5]


async def _known_speaker(database: Database, name: str) -> KnownSpeaker | None:
    async with database.read() as session:
        known = await known_speaker(session, name)
    return KnownSpeaker(known[0].name, known[1]) if known else None


async def _start_dialogue(update: Update, context: BotContext) -> int:
    user = update.effective_user
    if not context.settings.is_admin(user.id if user else None):
        log.info("refused the guided /add from non-admin %s", user.id if user else None)
        await reply(update, "⛔ Only the bot's admins can change the record.")
        return ConversationHandler.END
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        await reply(
            update,
            "The guided /add works in a private chat with me: open one and send /add there. "
            f"Here, the one-line form works: <code>{h(USAGE)}</code>",
        )
        return ConversationHandler.END
    draft = Draft()
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    await _ask(
        update, draft, ASK_SPEAKER,
        said="<b>New statement.</b> Nothing is written until you confirm the preview; /cancel stops at any step.",
    )
    return SPEAKER


async def _speaker_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        speaker = parse_speaker(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    known = await _known_speaker(context.database, speaker.name)
    if known is None and not speaker.side:
        similar = await _similar_speakers(context.database, speaker.name)
        if similar:
            names = ", ".join(f"<i>{h(name)}</i>" for name in similar)
            await reply(
                update,
                f"No speaker is recorded as <b>{h(speaker.name)}</b>; did you mean {names}? Send the "
                "name as recorded, or, for someone new, the name with the side in brackets: "
                f"<i>{h(speaker.name)} (Side)</i>.",
            )
            return None
    draft.speaker = known.name if known else speaker.name
    if speaker.side:
        draft.side = speaker.side
        said = f"Speaker: <b>{h(draft.speaker)}</b>, side: {h(draft.side)}."
    elif known and known.side:
        draft.side = known.side
        said = f"Speaker: <b>{h(draft.speaker)}</b>, side: {h(draft.side)} (as in the record)."
    else:
        whom = "is new to the record" if known is None else "has no side in the record yet"
        await _ask(
            update, draft, "Which side do they speak for? e.g. <i>Ukraine</i>, <i>Russia</i>, <i>United States</i>",
            said=f"<b>{h(draft.speaker)}</b> {whom}.",
        )
        return SIDE
    await _ask(update, draft, ASK_DATE, said=said)
    return DATE


async def _side_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.side = parse_side(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    await _ask(update, draft, ASK_DATE, said=f"Speaker: <b>{h(draft.speaker)}</b>, side: {h(draft.side)}.")
    return DATE


async def _date_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.said_on, draft.precision = parse_date(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    when = said_on(draft.said_on, draft.precision)
    await _ask(update, draft, ASK_TOPICS, _topic_keyboard(draft), said=f"Date: {when}.")
    return TOPICS


async def _to_stance(update: Update, draft: Draft) -> int:
    await _ask(update, draft, ASK_STANCE, _stance_keyboard(draft))
    return STANCE


def _topic_names(topics: list[Topic]) -> str:
    return h(", ".join(topic.value.replace("_", " ") for topic in topics))


async def _topic_button(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    if pressed is None or len(pressed) != 2 or pressed[0] != "t":
        await query.answer(STALE_BUTTON, show_alert=True)
        return None
    choice = pressed[1]
    if choice == "done":
        if not draft.topics:
            await query.answer("Pick at least one topic first.", show_alert=True)
            return None
        await query.answer()
        await query.edit_message_text(f"Topics: {_topic_names(draft.topics)}.")
        return await _to_stance(update, draft)
    try:
        topic = Topic(choice)
    except ValueError:
        await query.answer(STALE_BUTTON, show_alert=True)
        return None
    if topic in draft.topics:
        draft.topics.remove(topic)
    else:
        draft.topics.append(topic)
    await query.answer()
    await query.edit_message_reply_markup(_topic_keyboard(draft))
    return None


async def _topics_typed(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.topics = parse_topic_list(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    await reply(update, f"Topics: {_topic_names(draft.topics)}.")
    return await _to_stance(update, draft)


async def _to_text(update: Update, draft: Draft) -> int:
    await _ask(update, draft, ASK_TEXT)
    return TEXT


async def _stance_button(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    if pressed is None or len(pressed) != 2 or pressed[0] != "s" or pressed[1] not in set(Stance):
        await query.answer(STALE_BUTTON, show_alert=True)
        return None
    draft.stance = Stance(pressed[1])
    await query.answer()
    await query.edit_message_text(f"Stance: {h(draft.stance.value)}.")
    return await _to_text(update, draft)


async def _stance_typed(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.stance = parse_stance(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    await reply(update, f"Stance: {h(draft.stance.value)}.")
    return await _to_text(update, draft)


async def _text_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.text = parse_text(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    await _ask(update, draft, ASK_SOURCE)
    return SOURCE


async def _source_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.source, draft.url = parse_source(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    if draft.url:
        return await _preview(update, context, draft)
    await _ask(update, draft, ASK_URL, _url_keyboard(draft), said=f"Source: {h(draft.source)}.")
    return URL


async def _url_step(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    try:
        draft.url = parse_url(_typed(update))
    except AddLineError as error:
        await _reask(update, draft, error)
        return None
    return await _preview(update, context, draft)


async def _no_url(update: Update, context: BotContext) -> int | None:
    draft = _draft(context)
    assert draft is not None
    query = update.callback_query
    if query is not None:
        if _pressed(update, draft) != ["u", "none"]:
            await query.answer(STALE_BUTTON, show_alert=True)
            return None
        await query.answer()
        await query.edit_message_text("No link.")
    draft.url = None
    return await _preview(update, context, draft)


def _as_stored(data: StatementData, added_by: str) -> Statement:
    """The statement as `add_statement` would store it, held in memory only."""
    return Statement(
        ref="(new)",
        actor=Actor(name=data.speaker),
        speaker_role=data.speaker_role,
        side=data.side,
        said_on=data.said_on,
        date_precision=data.date_precision,
        stance=data.stance,
        text=data.text,
        is_quote=data.is_quote,
        source=data.source,
        source_url=data.source_url,
        status=data.status,
        added_by=added_by,
        topic_rows=[StatementTopic(topic=topic, position=index) for index, topic in enumerate(data.topics)],
    )


async def _preview(update: Update, context: BotContext, draft: Draft) -> int:
    try:
        data = draft.data()
    except AddLineError as error:
        _forget(context)
        await reply(update, f"⚠️ {h(str(error))}\nNothing was written; send /add to start again.")
        return ConversationHandler.END
    rendered = statement_preview(_as_stored(data, who(update)))
    draft.asking = ASK_CONFIRM
    await reply(
        update,
        f"<b>Preview</b>: the statement as it will be stored.\n\n{rendered}\n\n{ASK_CONFIRM}",
        _confirm_keyboard(draft),
    )
    return PREVIEW


async def _decision(update: Update, context: BotContext) -> int | None:
    """Confirm writes the statement (once); Cancel writes nothing."""
    draft = _draft(context)
    assert draft is not None
    query = update.callback_query
    assert query is not None
    pressed = _pressed(update, draft)
    if pressed not in (["ok"], ["no"]):
        await query.answer(STALE_BUTTON, show_alert=True)
        return None
    await query.answer()
    await query.edit_message_reply_markup(None)
    _forget(context)
    if pressed == ["no"]:
        await reply(update, "Cancelled; nothing was written.")
        return ConversationHandler.END
    user = update.effective_user
    if not context.settings.is_admin(user.id if user else None):
        await reply(update, "⛔ Only the bot's admins can change the record. Nothing was written.")
        return ConversationHandler.END
    try:
        statement = await add_statement(context.database, draft.data(), who(update))
    except InvalidInput as error:
        await reply(update, f"⚠️ {h(str(error))}\nNothing was written; send /add to start again.")
        return ConversationHandler.END
    await reply(update, _added(statement))
    return ConversationHandler.END


async def _cancel_dialogue(update: Update, context: BotContext) -> int:
    _forget(context)
    await reply(update, "Cancelled the new statement; nothing was written.")
    return ConversationHandler.END


async def _remind(update: Update, context: BotContext) -> int | None:
    """Anything the current step does not take: say again what it asks."""
    draft = _draft(context)
    assert draft is not None
    if update.callback_query is not None:
        await update.callback_query.answer("That step is done; answer the latest question.", show_alert=True)
        return None
    await reply(update, f"Not now: {draft.asking}\n(/cancel stops the new statement.)")
    return None


async def _timed_out(update: object, context: BotContext) -> None:
    _forget(context)
    if isinstance(update, Update):
        seconds = DIALOGUE_TIMEOUT.total_seconds()
        idle = f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"
        await reply(
            update,
            f"⌛ The new statement waited {idle} for an answer and was dropped; nothing was written. "
            "Send /add to start again.",
        )


def add_dialogue() -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False on purpose: the dialogue is the user's, whichever message the
        # button is on; each button carries the dialogue's nonce instead.
        warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("add", _step(_start_dialogue, needs_draft=False))],
            states={
                SPEAKER: [MessageHandler(text, _step(_speaker_step))],
                SIDE: [MessageHandler(text, _step(_side_step))],
                DATE: [MessageHandler(text, _step(_date_step))],
                TOPICS: [
                    CallbackQueryHandler(_step(_topic_button), pattern=r"^add:\w+:t:"),
                    MessageHandler(text, _step(_topics_typed)),
                ],
                STANCE: [
                    CallbackQueryHandler(_step(_stance_button), pattern=r"^add:\w+:s:"),
                    MessageHandler(text, _step(_stance_typed)),
                ],
                TEXT: [MessageHandler(text, _step(_text_step))],
                SOURCE: [MessageHandler(text, _step(_source_step))],
                URL: [
                    CallbackQueryHandler(_step(_no_url), pattern=r"^add:\w+:u:"),
                    CommandHandler("skip", _step(_no_url)),
                    MessageHandler(text, _step(_url_step)),
                ],
                PREVIEW: [CallbackQueryHandler(_step(_decision), pattern=r"^add:\w+:(ok|no)$")],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, _timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", _step(_cancel_dialogue, needs_draft=False)),
                CallbackQueryHandler(_step(_remind), pattern=r"^add:"),
                MessageHandler(~filters.COMMAND, _step(_remind)),
            ],
            allow_reentry=True,
            per_user=True,
            per_chat=True,
            per_message=False,
            conversation_timeout=DIALOGUE_TIMEOUT,
        )


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await reply(update, "Nothing to cancel.")


async def ended_button(update: Update, context: BotContext) -> None:
    """A button of a dialogue that is over (confirmed, cancelled or timed out)."""
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_BUTTON, show_alert=True)


# -- /edit, /retract, /link --------------------------------------------------------


@admins_only
@answers_errors
async def edit_command(update: Update, context: BotContext) -> None:
    parts = command_argument(update).split(maxsplit=2)
    statement_id = _statement_id(parts[0]) if parts else None
    if len(parts) < 3 or statement_id is None:
        await reply(update, f"To change one field of a statement: {EDIT_USAGE}")
        return
    field_name, value = parts[1].lower(), parts[2]
    if field_name not in EDITABLE_FIELDS:
        await reply(update, f"⚠️ {h(parts[1][:40])} is not a field that can be edited.\n{EDIT_USAGE}")
        return
    statement = await edit_statement(context.database, statement_id, field_name, value, who(update))
    links = await linked_statements(context.database, statement_id)
    await reply(update, f"✏️ Edited #{statement_id}: {h(field_name)}.\n\n{statement_full(statement, links)}")


@admins_only
@answers_errors
async def retract_command(update: Update, context: BotContext) -> None:
    parts = command_argument(update).split(maxsplit=1)
    statement_id = _statement_id(parts[0]) if parts else None
    if len(parts) < 2 or statement_id is None:
        await reply(update, f"To retract a statement: {RETRACT_USAGE}")
        return
    statement = await retract_statement(context.database, statement_id, parts[1], who(update))
    links = await linked_statements(context.database, statement_id)
    await reply(
        update,
        f"Retracted #{statement_id}; it stays in the record, marked retracted.\n\n{statement_full(statement, links)}",
    )


_RESPONDS_TO = re.compile(r"\bresponds[\s-]+to\b", re.IGNORECASE)


@admins_only
@answers_errors
async def link_command(update: Update, context: BotContext) -> None:
    parts = _RESPONDS_TO.sub("responds_to", command_argument(update)).split()
    ids = [_statement_id(parts[0]), _statement_id(parts[2])] if len(parts) == 3 else []
    if len(parts) != 3 or None in ids:
        await reply(update, f"To link two statements: {LINK_USAGE}")
        return
    from_id, to_id = ids[0] or 0, ids[1] or 0
    link = await link_statements(context.database, from_id, parts[1], to_id, who(update))
    source = await get_statement(context.database, from_id)
    target = await get_statement(context.database, to_id)
    await reply(
        update,
        f"🔗 Linked: #{from_id} {h(link.kind.value.replace('_', ' '))} #{to_id}.\n\n"
        f"{statement_compact(source)}\n\n{statement_compact(target)}",
    )


# -- /import, /export, /stats ------------------------------------------------------


def _import_answer(name: str, report: ImportReport) -> str:
    if report.ok:
        mark = "🧪 Checked" if report.dry_run else "✅ Imported"
        return f"{mark} {h(name)}: {h(report.summary())}."
    listed = [f"• {h(str(problem))}" for problem in report.problems[:MAX_LISTED_PROBLEMS]]
    more = len(report.problems) - len(listed)
    if more > 0:
        listed.append(f"… and {more} more")
    return "\n".join(
        [f"❌ {h(name)}: {h(report.summary())}.", "", *listed, "", "Fix these lines and send the file again."]
    )


@admins_only
@answers_errors
async def import_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    argument = command_argument(update).lower()
    if argument and argument not in _DRY_RUN:
        await reply(update, f"⚠️ {h(argument[:40])}: not an /import option.\n{IMPORT_USAGE}")
        return
    document = message.document or (message.reply_to_message.document if message.reply_to_message else None)
    if document is None:
        await reply(update, IMPORT_USAGE)
        return
    name = document.file_name or "the file"
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        size = document.file_size / (1024 * 1024)
        await reply(update, f"⚠️ {h(name)} is {size:.1f} MB; {IMPORT_USAGE}\nNothing was imported.")
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    if len(content) > MAX_IMPORT_BYTES:
        limit = MAX_IMPORT_BYTES // (1024 * 1024)
        await reply(update, f"⚠️ {h(name)} is larger than {limit} MB. Nothing was imported.")
        return
    report = await import_statements(
        context.database, name, content, who(update), dry_run=argument in _DRY_RUN
    )
    await reply(update, _import_answer(name, report))


@admins_only_to_read
@answers_errors
async def export_command(update: Update, context: BotContext) -> None:
    argument = command_argument(update).lower().lstrip(".")
    fmt = _EXPORT_FORMATS.get(argument)
    chat = update.effective_chat
    if fmt is None or chat is None:
        await reply(update, f"⚠️ Which format? {EXPORT_USAGE}")
        return
    content = await export_statements(context.database, fmt)
    rows = content.count(b"\n") - (1 if fmt is ExchangeFormat.csv else 0)
    today = datetime.now(context.settings.default_zone).date()
    await chat.send_document(
        InputFile(content, filename=f"diplobot-{today.isoformat()}.{fmt.value}"),
        caption=f"The record: {rows} statement(s), retracted ones included, in the exchange format ({fmt.value}).",
    )


def _counts(counts: dict[str, int], limit: int = 8) -> str:
    items = [f"{h(key.replace('_', ' '))} {value}" for key, value in list(counts.items())[:limit]]
    if len(counts) > limit:
        items.append(f"+{len(counts) - limit} more")
    return " · ".join(items) or "none"


@admins_only_to_read
@answers_errors
async def stats_command(update: Update, context: BotContext) -> None:
    stats = await record_stats(context.database)
    latest = f"{stats.latest_said_on:%d %b %Y}" if stats.latest_said_on else "none"
    recorded = f"{stats.latest_added_at:%Y-%m-%d %H:%M} UTC" if stats.latest_added_at else "never"
    await reply(
        update,
        "\n".join(
            [
                "<b>The record</b>",
                f"Statements: {stats.statements} ({stats.retracted} retracted) · speakers: {stats.actors} · "
                f"subscribers: {stats.subscribers}",
                f"Latest said: {latest} · last recorded: {recorded}",
                f"By status: {_counts(stats.by_status)}",
                f"By side: {_counts(stats.by_side)}",
                f"By topic: {_counts(stats.by_topic, limit=len(Topic))}",
                f"With embeddings: {stats.embedded}",
            ]
        ),
    )


# -- wiring ------------------------------------------------------------------------

COMMANDS = [
    BotCommand("add", "Add a statement (one line, or a guided dialogue)"),
    BotCommand("edit", "Change one field of a statement"),
    BotCommand("retract", "Retract a statement, with the reason"),
    BotCommand("link", "Link statements: contradicts / responds_to"),
    BotCommand("import", "Import a JSONL or CSV file (as its caption)"),
    BotCommand("export", "The whole record as a file"),
    BotCommand("stats", "What the record holds"),
]


def register(application: Application) -> None:  # type: ignore[type-arg]
    """In group 0, before the readers' plain-text handler (group 1). The one-line /add comes
    before the dialogue, whose entry point is /add alone; /cancel outside a dialogue and
    the buttons of finished dialogues are answered after it."""
    application.add_handler(CommandHandler("add", add_line, filters=filters.Regex(_ADD_WITH_ARGUMENTS)))
    application.add_handler(CommandHandler("edit", edit_command))
    application.add_handler(CommandHandler("retract", retract_command))
    application.add_handler(CommandHandler("link", link_command))
    application.add_handler(CommandHandler("import", import_command))
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(_IMPORT_CAPTION), import_command)
    )
    application.add_handler(CommandHandler("export", export_command))
    application.add_handler(CommandHandler("stats", stats_command))
    application.add_handler(add_dialogue())
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    application.add_handler(CallbackQueryHandler(ended_button, pattern=r"^add:"))
