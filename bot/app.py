"""The composition root: one Application with its handlers, rate limiter and services;
the same wiring for Telegram, the terminal console and the tests."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.alerts.schedule import schedule_alerts
from bot.answering.record_index.loading import record_index
from bot.chat_state.application import StatefulApplication
from bot.chat_state.codec import StateCodec, Stored
from bot.chat_state.persistence import DatabasePersistence
from bot.config import Settings, shown_url
from bot.context import DATABASE, SETTINGS, BotApplication, BotContext
from bot.digests.schedule import schedule_digests
from bot.digests.sender import DIGEST_BOT, digest_bot
from bot.i18n import ENGLISH, LANGUAGES, N_, _, use_language
from bot.input.draft import Draft
from bot.runtime import open_database
from bot.transport import AiohttpRequest
from bot.updates import PerChatUpdateProcessor
from handlers import admin, alerts, channels, dialogues, language, positions, readers, register_all, subscribers
from storage.engine import Database

log = logging.getLogger(__name__)

# Telegram allows ~30 messages/s overall and ~1/s per chat; the limiter keeps readers'
# replies there and retries after a RetryAfter (it does not unless max_retries is set).
# Digests bypass it: they have a limiter of their own (bot.digests.rate_limit).
RATE_LIMIT_RETRIES = 3
CONSOLE_TOKEN = "0:console"
#: The `bot_data` key of the HTTP transports this application opened (closed at shutdown).
TRANSPORTS = "transports"
#: The objects dialogues keep in their data, by the name they are stored under.
STORED_KINDS: dict[str, type[Stored]] = {"draft": Draft}


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    database: Database | None = None,
    rate_limited: bool = True,
) -> BotApplication:
    """`request` replaces the HTTP transport (the console, tests); a `database` passed in is
    the caller's to close, one opened here is closed at shutdown."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else CONSOLE_TOKEN
    persistence = DatabasePersistence(StateCodec(STORED_KINDS))
    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(PerChatUpdateProcessor())
        .application_class(StatefulApplication)
        .persistence(persistence)
    )
    if settings.telegram_api_url:
        base = settings.telegram_api_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    transports: list[AiohttpRequest] = []
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # Long polls get their own connection, so that replies never wait behind one.
        transports = [AiohttpRequest(), AiohttpRequest(connections=1)]
        builder = builder.request(transports[0]).get_updates_request(transports[1])
    if rate_limited:
        # The builder's type parameters are fixed by the first call; PTB types its limiter loosely.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))  # type: ignore[arg-type]
    application: BotApplication = builder.build()
    application.bot_data[SETTINGS] = settings
    application.bot_data[DIGEST_BOT] = digest_bot(token, settings.telegram_api_url, application.bot.request)
    application.bot_data["owns_database"] = database is None
    application.bot_data[TRANSPORTS] = transports
    if database is not None:
        application.bot_data[DATABASE] = database
        persistence.attach(database)
    register_all(application)
    return application


async def _post_init(application: BotApplication) -> None:
    settings: Settings = application.bot_data[SETTINGS]
    if DATABASE not in application.bot_data:
        application.bot_data[DATABASE] = await open_database(settings, with_sample=True)
    if isinstance(application.persistence, DatabasePersistence):
        application.persistence.attach(application.bot_data[DATABASE])
    # Which bot the token is, and which record it keeps: what an operator checks first.
    log.info("@%s is up, keeping the record in %s", application.bot.username, shown_url(settings.database_url))
    await set_commands(application, settings)
    schedule_digests(application)
    schedule_alerts(application)
    dialogues.schedule_idle_check(application)
    # Loaded in the background once the application runs: at a million statements it takes
    # tens of seconds, which must not delay polling; a question that comes first waits for
    # it (the index locks).
    if application.job_queue is not None:
        application.job_queue.run_once(_load_record_index, when=0, name="load the record index")


async def _load_record_index(context: BotContext) -> None:
    await record_index(context.database)


async def _post_shutdown(application: BotApplication) -> None:
    # Closed here too: when the start fails (a rejected token), PTB does not shut the Bot
    # down, and an open connection pool would be reported at exit.
    for transport in application.bot_data[TRANSPORTS]:
        await transport.shutdown()
    if application.bot_data.get("owns_database") and DATABASE in application.bot_data:
        await application.bot_data[DATABASE].close()


DESCRIPTION = N_(
    "I keep the record of what the parties to the Russia–Ukraine war say about ending it: who said what, "
    "when, and where it was reported. Ask me in your own words, search, follow a daily digest or alerts."
)
SHORT_DESCRIPTION = N_("Who said what about ending the Russia–Ukraine war: statements, sources, digests.")


def _menu(commands: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(command, _(description)) for command, description in commands]


async def set_commands(application: BotApplication, settings: Settings) -> None:
    """The public menu for everyone, and the bot's descriptions, in each language (English
    for every language but Ukrainian and Russian); admins see their commands too, in their
    own chats, in the same languages (Telegram picks by the admin's app language)."""
    public = (
        readers.COMMANDS
        + language.COMMANDS
        + positions.COMMANDS
        + subscribers.COMMANDS
        + alerts.COMMANDS
        + channels.COMMANDS
    )
    bot = application.bot
    for code in LANGUAGES:
        language_code = None if code == ENGLISH else code
        with use_language(code):
            await bot.set_my_commands(_menu(public), scope=BotCommandScopeDefault(), language_code=language_code)
            await bot.set_my_description(_(DESCRIPTION), language_code=language_code)
            await bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=language_code)
    for admin_id in sorted(settings.admin_ids):
        try:
            for code in LANGUAGES:
                with use_language(code):
                    await bot.set_my_commands(
                        _menu(public + admin.COMMANDS),
                        scope=BotCommandScopeChat(admin_id),
                        language_code=None if code == ENGLISH else code,
                    )
        except TelegramError as error:
            # An admin who never opened a chat with the bot has no chat to scope to yet.
            log.warning("admin menu not set for %s: %s", admin_id, error)


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER, Update.INLINE_QUERY]
