"""The reader's language: taken for every update before any handler answers, from their
choice (`/language`, kept in `user_data`) or else their Telegram language; and `/language`
itself, which also sets the language of the digest and alerts of the chat they manage."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, language_named, language_of, set_language
from bot.presentation.callbacks import LanguageButton
from handlers.common import command_argument, reply
from handlers.subscribers import may_manage
from storage.chat_state import USER_LANGUAGE
from storage.subscriptions import set_language as set_chat_language

CHOSEN = USER_LANGUAGE
"""user_data: the language the reader chose."""

COMMANDS = [("language", N_("English, Українська, Русский"))]


def reader_language(update: Update, context: BotContext) -> str:
    chosen = context.user_data.get(CHOSEN) if context.user_data is not None else None
    if chosen in LANGUAGES:
        return str(chosen)
    user = update.effective_user
    return language_of(user.language_code if user else None)


async def take_language(update: Update, context: BotContext) -> None:
    """Group -1, so every handler after it writes in the reader's language."""
    set_language(reader_language(update, context))


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[language], callback_data=LanguageButton(language).encode())
                for language in LANGUAGES
            ]
        ]
    )


async def _choose(update: Update, context: BotContext, language: str) -> str:
    """Keeps the choice, and gives the chat's subscription the same language when the
    reader may change it; what to answer, in the new language."""
    if context.user_data is not None:
        context.user_data[CHOSEN] = language
    set_language(language)
    chat = update.effective_chat
    if chat is not None and await may_manage(update, context):
        await set_chat_language(context.database, chat.id, language)
    return "✅ " + _("I speak English to you now.")


async def language_command(update: Update, context: BotContext) -> None:
    argument = command_argument(update)
    if not argument:
        await reply(update, _("Choose the language I speak to you:"), _keyboard())
        return
    language = language_named(argument)
    if language is None:
        await reply(update, "⚠️ " + _("I speak en, uk and ru, e.g. <code>/language uk</code>"), _keyboard())
        return
    await reply(update, await _choose(update, context, language))


async def language_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    pressed = LanguageButton.parse(query.data or "") if query else None
    if query is None or pressed is None or pressed.language not in LANGUAGES:
        return
    said = await _choose(update, context, pressed.language)
    await query.answer()
    await query.edit_message_text(said)


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, take_language), group=-1)
    application.add_handler(CommandHandler("language", language_command))
    application.add_handler(CallbackQueryHandler(language_button, pattern=LanguageButton.PATTERN))
