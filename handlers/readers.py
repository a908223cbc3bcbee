"""What readers do: ask, search, browse, open a statement, page through results."""

from __future__ import annotations

import re
from html import escape

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.answering.ask import has_words
from bot.answering.follow_up import resolve_follow_up
from bot.answering.speakers import side_named_instead, speakers_named
from bot.chat_state.questions import last_question, remember_question
from bot.context import BotContext
from bot.i18n import N_, _, format_date, format_number, ngettext
from bot.input.labels import topic_of
from bot.input.search_syntax import parse_search
from bot.input.small_talk import is_small_talk, request_of
from bot.input.statement_keys import statement_key
from bot.presentation.callbacks import PageButton
from bot.presentation.html import count, said_on, split_message, statement_full, statement_list
from bot.presentation.inline import START_PARAMETER
from bot.presentation.labels import label, speaker_name
from bot.presentation.listings import load_listing, side_not_speaker, topics_html
from bot.presentation.paging import PAGE_SIZE, Listing, page_keyboard
from bot.record import linked_statement, statement_id
from bot.record_names import checked_query, nearest_speaker
from handlers.common import MAX_QUERY, addressed_text, answers_errors, command_argument, reply
from storage.errors import InvalidInput, NotFound, wording_of
from storage.models import utcnow
from storage.search import SearchFilters, search
from storage.statements import get_statement, latest, linked_statements
from storage.stats import record_stats

HELP = N_("""<b>Ask me</b> in your own words, e.g. <i>What does Moscow want for Donetsk?</i>
Plain text works in a private chat; in groups, mention me or reply to me.

<b>Reading</b>
/ask QUESTION — <code>/ask Will American soldiers go to Ukraine?</code>
/search WORDS [filters] — <code>/search ceasefire speaker:putin since:2025-03-01</code>
   filters: speaker: side: topic: place: stance: status: since: until:
/latest [N] — the newest statements, <code>/latest 10</code>
/actor NAME — <code>/actor Zelensky</code> (also Путин, Зеленський)
/topic TOPIC — <code>/topic security_guarantees</code>; /topic alone lists topics
/statement ID — the full record, <code>/statement 23</code>

<b>Positions at a glance</b>
/positions [TOPIC] — who stands where, as a picture; <code>/positions text</code> says it in words
/timeline NAME|TOPIC — statements over time, <code>/timeline Putin</code>, <code>/timeline territory</code>

<b>Daily digest</b>
/subscribe [HH:MM] [ZONE] — <code>/subscribe 08:00 Kyiv</code>
   ZONE: a city such as Kyiv, a zone such as Europe/Kyiv, or an offset such as UTC+2
/settings — time, time zone, topics and speakers followed, pause
/digest — preview my next digest now
/unsubscribe — stop the digest

<b>Alerts</b>: told at once when a matching statement is recorded
/alert WORDS [speaker: side: topic:] — <code>/alert ceasefire speaker:putin</code>
   someone the record does not hold yet: <code>speaker:+Name</code>
/alerts — my alerts, to remove one; <code>/alert off N</code> removes alert N

<b>Sharing</b>
Every statement carries its 🔗 share link. In any chat, type <code>@{bot} WORDS</code> to find a statement and post it.
/channel @name — digest and alerts for a channel you administer (/channel explains)

/language [en|uk|ru] — the language I speak to you
/cancel — leave a dialogue""")

ADMIN_HELP = N_("""<b>Admins</b>
/add SPEAKER | YYYY-MM-DD | TOPICS | TEXT | SOURCE [| URL] — or /add alone for a guided dialogue
   a side the record does not hold yet takes + before it: <code>Ilham Aliyev (+Azerbaijan)</code>
/edit ID FIELD VALUE — <code>/edit 23 status confirmed</code>, <code>/edit 23 side +Azerbaijan</code>
/retract ID REASON — the statement stays, marked retracted
/link ID contradicts|responds_to ID
/import — send a JSONL or CSV file with /import as its caption (<code>/import dry</code> checks without writing)
/export [csv] — the whole record as a file
/stats — what the record holds""")

INVITATION = N_(
    "Ask me in your own words, e.g. <i>What does Moscow want for Donetsk?</i>, or see /help for every command."
)
HOW_TO_SUBSCRIBE = N_(
    "<b>Daily digest</b>: <code>/subscribe 08:00 Kyiv</code> sends you each day, at that time, what was "
    "recorded since the last one (the zone: a city such as Kyiv, a zone such as Europe/Kyiv, or an offset "
    "such as UTC+2). /settings chooses topics and speakers; /digest previews it now.\n"
    "<b>Alerts</b>, at once: <code>/alert ceasefire speaker:putin</code>."
)
_STATEMENT_SHORTCUT = re.compile(r"^/statement_(\d+)(?:@\w+)?$")


async def show_listing(update: Update, context: BotContext, listing: Listing) -> None:
    page = await load_listing(context.database, listing, bot_username=context.bot.username)
    chat = update.effective_chat
    keyboard = None
    if page.shown < page.total and chat is not None:
        key = await context.pages.remember(listing, chat.id)
        keyboard = page_keyboard(key, page.offset, page.shown, page.total)
    await reply(update, page.html, keyboard)


def _too_long(text: str) -> bool:
    return len(text) > MAX_QUERY


def _too_long_message(text: str) -> str:
    return _("{length} characters; at most {limit}, please").format(length=len(text), limit=MAX_QUERY)


@answers_errors
async def start(update: Update, context: BotContext) -> None:
    """`/start`, or a share link's `/start s23`: the statement; a link to no statement
    says so before the welcome, rather than leave the reader wondering what it held. The
    inline button's `/start inline` is the welcome."""
    payload = command_argument(update)
    notice = ""
    if payload and payload != START_PARAMETER:
        statement_id = await linked_statement(context.database, payload)
        if statement_id is not None:
            await _show_statement(update, context, statement_id)
            return
        notice = "⚠️ " + _("This link points to no statement in the record.") + "\n\n"
    await reply(update, notice + await _welcome(context))


async def _welcome(context: BotContext) -> str:
    stats = await record_stats(context.database)
    held = stats.statements - stats.retracted
    # "by 5 speakers" is a message of its own: the bare "{count} speaker" is a count in the
    # nominative, and Ukrainian and Russian say "by" with the genitive.
    holding = ngettext(
        "I hold <b>{count}</b> statement {by_speakers}.",
        "I hold <b>{count}</b> statements {by_speakers}.",
        held,
    ).format(
        count=format_number(held),
        by_speakers=ngettext("by {count} speaker", "by {count} speakers", stats.actors).format(count=stats.actors),
    )
    if stats.latest_said_on:
        holding += " " + _("The latest is from {date}.").format(date=format_date(stats.latest_said_on, "dd MMM y"))
    about = _(
        "<b>diplobot</b> keeps the record of what the parties to the war say about ending it: "
        "peace terms, security guarantees, ceasefires, territory, troops, sanctions, prisoners, talks."
    )
    return f"{about}\n\n{holding}\n\n{_(INVITATION)}"


async def help_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    is_admin = context.settings.is_admin(user.id if user else None)
    text = _(HELP).replace("{bot}", escape(context.bot.username or "bot", quote=False))
    await reply(update, text + ("\n\n" + _(ADMIN_HELP) if is_admin else ""))


@answers_errors
async def latest_command(update: Update, context: BotContext) -> None:
    argument = command_argument(update)
    if argument and not (argument.isdigit() and 1 <= int(argument) <= 50):
        raise InvalidInput("N", _("give a number from 1 to 50, e.g. /latest 10"))
    if argument and int(argument) != PAGE_SIZE:
        statements, total = await latest(context.database, limit=int(argument))
        heading = "<b>{}</b>".format(_("Latest {shown} of {total}").format(shown=len(statements), total=total))
        empty = _("The record is empty.")
        shown = statement_list(heading, statements, context.bot.username) if statements else empty
        await reply(update, shown)
        return
    await show_listing(update, context, Listing("latest", ""))


@answers_errors
async def search_command(update: Update, context: BotContext) -> None:
    query = command_argument(update)
    if not query:
        await reply(update, _("Say what to look for, e.g. <code>/search ceasefire speaker:putin</code>"))
        return
    if _too_long(query):
        raise InvalidInput(_("query"), _too_long_message(query))
    await checked_query(context.database, lambda sides: parse_search(query, sides))
    await show_listing(update, context, Listing("search", query))


async def _ask(update: Update, context: BotContext, question: str) -> None:
    if not has_words(question):
        await reply(update, _("Ask a question, e.g. <code>/ask Will American soldiers go to Ukraine?</code>"))
        return
    if is_small_talk(question):
        await reply(update, "👋 " + _(INVITATION))
        return
    request = request_of(question)
    if request == "help":
        await help_command(update, context)
        return
    if request == "latest":
        await show_listing(update, context, Listing("latest", ""))
        return
    if request == "about":
        await reply(update, await _welcome(context))
        return
    if request == "subscribe":
        await reply(update, _(HOW_TO_SUBSCRIBE))
        return
    if request == "topics":
        await reply(update, topics_html((await record_stats(context.database)).by_topic))
        return
    if _too_long(question):
        raise InvalidInput(_("question"), _too_long_message(question))
    question = question.strip()
    chat = update.effective_chat
    if context.user_data is not None and chat is not None:
        # "And Zelensky?" asks the reader's previous question again, of Zelensky.
        now = utcnow()
        previous = last_question(context.user_data, chat.id, now)
        question = await resolve_follow_up(context.database, previous, question) or question
        remember_question(context.user_data, chat.id, question, now)
    await show_listing(update, context, Listing("ask", question))


@answers_errors
async def ask_command(update: Update, context: BotContext) -> None:
    await _ask(update, context, command_argument(update))


@answers_errors
async def plain_text(update: Update, context: BotContext) -> None:
    """Private chats: any text is a question. Groups: only when it mentions or answers the bot."""
    message = update.effective_message
    text = addressed_text(message) if message is not None else None
    if text:
        await _ask(update, context, text)


@answers_errors
async def actor_command(update: Update, context: BotContext) -> None:
    name = command_argument(update)
    if not name:
        await reply(update, _("Whose statements? e.g. <code>/actor Zelensky</code>"))
        return
    if _too_long(name):
        raise InvalidInput(_("name"), _("that is not a name"))
    async with context.database.read() as session:
        actors = await speakers_named(context.database, session, name)
    if not actors:
        side = await side_named_instead(context.database, name)
        if side is None:
            near = await nearest_speaker(context.database, name)
            if near is None:
                raise NotFound(_("no speaker called {name} in the record").format(name=repr(name)))
            raise NotFound(
                _("no speaker called {name} in the record; did you mean {suggestion}?").format(
                    name=repr(name), suggestion=speaker_name(near)
                )
            )
        await reply(update, side_not_speaker(name, side))
        return
    if len(actors) > 1:
        names = "\n".join(
            f"• <code>/actor {escape(speaker_name(actor.name), quote=False)}</code>" for actor in actors[:10]
        )
        await reply(update, _("“{name}” could mean:").format(name=escape(name, quote=False)) + f"\n{names}")
        return
    actor = actors[0]
    await reply(update, await _latest_per_topic(context, actor.id or 0, actor.name))
    await show_listing(update, context, Listing("actor", str(actor.id)))


async def _latest_per_topic(context: BotContext, actor_id: int, name: str) -> str:
    page = await search(context.database, "", SearchFilters(actor_ids=(actor_id,)), limit=50)
    seen: dict[str, str] = {}
    for statement in page.statements:
        for topic in statement.topics:
            if topic not in seen:
                text = statement.text if len(statement.text) <= 140 else statement.text[:137] + "…"
                seen[topic] = (
                    f"• <b>{label(topic)}</b> ({said_on(statement.said_on, statement.date_precision)}): "
                    f"{escape(text, quote=False)} /statement_{statement.id}"
                )
    held = ngettext("{count} statement", "{count} statements", page.total).format(count=count(page.total, page.capped))
    shown = escape(speaker_name(name), quote=False)
    heading = _("{name}: {count}. Latest on each topic:").format(name=f"<b>{shown}</b>", count=held)
    lines = [heading, *seen.values()]
    return "\n".join(lines)


@answers_errors
async def topic_command(update: Update, context: BotContext) -> None:
    argument = command_argument(update)
    if not argument:
        await reply(update, topics_html((await record_stats(context.database)).by_topic))
        return
    try:
        topic = topic_of(argument)
    except ValueError as error:
        raise InvalidInput(N_("topic"), wording_of(error)) from None
    await show_listing(update, context, Listing("topic", topic.value))


async def _show_statement(update: Update, context: BotContext, statement_id: int) -> None:
    statement = await get_statement(context.database, statement_id)
    links = await linked_statements(context.database, statement_id)
    await reply(update, statement_full(statement, links, context.bot.username))


@answers_errors
async def statement_command(update: Update, context: BotContext) -> None:
    """By its number or its ref, in any form the bot shows them (bot.input.statement_keys)."""
    key = statement_key(command_argument(update))
    if key is None:
        raise InvalidInput("ID", N_("give a statement's number or ref, e.g. /statement 23 or /statement s23"))
    await _show_statement(update, context, await statement_id(context.database, key))


@answers_errors
async def statement_shortcut(update: Update, context: BotContext) -> None:
    """`/statement_23`, the tappable form used in result lists."""
    message = update.effective_message
    match = _STATEMENT_SHORTCUT.match(message.text or "") if message else None
    if match:
        await _show_statement(update, context, int(match.group(1)))


async def unknown_command(update: Update, context: BotContext) -> None:
    """In private chats an unknown command gets pointed to /help; in groups it may be
    meant for another bot, so it is left alone, unless it names this one (`/foo@bot`)."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    command = (message.text or "").split(maxsplit=1)[0][:64]
    addressed = command.casefold().endswith(f"@{context.bot.username}".casefold())
    if chat.type != ChatType.PRIVATE and not addressed:
        return
    await reply(
        update, _("I don't know {command}. /help lists what I can do.").format(command=escape(command, quote=False))
    )


async def page_button(update: Update, context: BotContext) -> None:
    """Previous / next: the same message, edited to show the other page."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    pressed = PageButton.parse(query.data)
    chat = update.effective_chat
    listing = await context.pages.recall(pressed.key, chat.id) if pressed and chat else None
    if pressed is None or listing is None:
        await query.answer(_("This list has expired; run the command again."), show_alert=True)
        return
    page = await load_listing(context.database, listing, pressed.offset, context.bot.username)
    await query.answer()
    await query.edit_message_text(
        split_message(page.html)[0], reply_markup=page_keyboard(pressed.key, page.offset, page.shown, page.total)
    )


COMMANDS = [
    ("ask", N_("Ask a question in your own words")),
    ("search", N_("Search with keywords and filters")),
    ("latest", N_("The newest statements")),
    ("actor", N_("A speaker's statements")),
    ("topic", N_("Statements on a topic")),
    ("statement", N_("One statement's full record")),
    ("help", N_("Every command, with examples")),
    ("cancel", N_("Leave a dialogue")),
]


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("latest", latest_command))
    application.add_handler(CommandHandler("search", search_command))
    application.add_handler(CommandHandler("ask", ask_command))
    application.add_handler(CommandHandler("actor", actor_command))
    application.add_handler(CommandHandler("topic", topic_command))
    application.add_handler(CommandHandler("statement", statement_command))
    application.add_handler(MessageHandler(filters.Regex(_STATEMENT_SHORTCUT), statement_shortcut))
    application.add_handler(CallbackQueryHandler(page_button, pattern=PageButton.PATTERN))


async def not_text(update: Update, context: BotContext) -> None:
    """A sticker, photo, voice message or file in a private chat: answered, not met with
    silence that leaves the reader wondering whether the bot is there."""
    await reply(update, _("I read text only.") + " " + _(INVITATION))


def register_plain_text(application: Application) -> None:
    """Registered last: the first matching handler wins, so the dialogues and every known
    command see the update before these catch-alls."""
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, plain_text))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    private_message = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(private_message & ~filters.TEXT, not_text))
