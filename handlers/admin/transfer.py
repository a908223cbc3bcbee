"""/import (a JSONL or CSV document, as its caption or in reply to it) and /export (the
whole record as a file), both in the exchange format."""

from __future__ import annotations

import re
import time
from datetime import datetime

from telegram import Document, InputFile, Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot import record
from bot.context import BotContext
from bot.i18n import _
from bot.input.option_words import is_option
from bot.presentation.admin import (
    export_caption,
    import_too_large,
    import_usage,
    import_waits,
    imported,
    not_an_import_option,
    usage_of,
)
from handlers.common import answers_errors, command_argument, reply, who
from storage.exchange import ExchangeFormat

IMPORT_CAPTION = filters.Document.ALL & filters.CaptionRegex(re.compile(r"^/import(?:@\w+)?(?:\s|$)"))
"""A document sent with /import as its caption."""
WITHOUT_IMPORT = filters.Document.ALL & filters.ChatType.PRIVATE & ~IMPORT_CAPTION
"""A document sent in a private chat alone, or with a caption that is no /import ("week 49")."""

AWAITED_IMPORT = "awaited_import"
"""`/import` sent alone in a private chat (user data): the admin's next file there is the
one meant, as an admin who sends the command first and the file second expects."""
IMPORT_WAIT = 600
"""How long, in seconds, that /import waits for its file."""

_EXPORT_FORMATS = {
    "": ExchangeFormat.jsonl,
    "jsonl": ExchangeFormat.jsonl,
    "json": ExchangeFormat.jsonl,
    "csv": ExchangeFormat.csv,
}


@answers_errors
async def import_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    argument = command_argument(update)
    dry_run = is_option("import", "dry", argument)
    if argument and not dry_run:
        await reply(update, not_an_import_option(argument))
        return
    document = message.document or (message.reply_to_message.document if message.reply_to_message else None)
    if document is None:
        private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
        if private and context.user_data is not None:
            context.user_data[AWAITED_IMPORT] = {"dry": dry_run, "at": time.time()}
        await reply(update, import_usage() + ("\n" + import_waits(IMPORT_WAIT // 60) if private else ""))
        return
    await _import(update, context, document, dry_run=dry_run)


async def _import(update: Update, context: BotContext, document: Document, *, dry_run: bool) -> None:
    name = document.file_name or _("the file")
    if document.file_size and document.file_size > record.MAX_IMPORT_BYTES:
        # Refused before downloading: Telegram says how large the file is.
        await reply(update, import_too_large(name, document.file_size))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        report = await record.import_file(context.database, name, content, who(update), dry_run=dry_run)
    except record.TooLarge:
        await reply(update, import_too_large(name))
        return
    await reply(update, imported(name, report))


@answers_errors
async def document_without_import(update: Update, context: BotContext) -> None:
    """A file an admin sends without /import is imported when a /import alone waits for
    it; otherwise it is not, and says how it would be."""
    awaited = context.user_data.pop(AWAITED_IMPORT, None) if context.user_data is not None else None
    document = update.effective_message.document if update.effective_message else None
    if awaited is not None and document is not None and time.time() - awaited["at"] <= IMPORT_WAIT:
        await _import(update, context, document, dry_run=awaited["dry"])
        return
    await reply(
        update, _("To import this file, reply <code>/import</code> to it (<code>/import dry</code> only checks it).")
    )


@answers_errors
async def export_command(update: Update, context: BotContext) -> None:
    fmt = _EXPORT_FORMATS.get(command_argument(update).lower().lstrip("."))
    chat = update.effective_chat
    if fmt is None or chat is None:
        await reply(update, usage_of("export"))
        return
    today = datetime.now(context.settings.default_zone).date()
    export = await record.export(context.database, fmt, today)
    await chat.send_document(
        InputFile(export.content, filename=export.file_name), caption=export_caption(export.statements, fmt)
    )
