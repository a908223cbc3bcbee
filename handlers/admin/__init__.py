"""Admins change the record: add (in one line or through a guided dialogue), edit, retract,
link, import; and export it and count it. Every handler here is behind one `AdminFilter`;
everyone else is told the command is the admins'."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler

from bot.context import SETTINGS
from bot.i18n import N_
from bot.input.command_aliases import aliases_of
from bot.presentation.callbacks import AddButton, RetractButton, SideButton
from handlers.admin import add_dialogue
from handlers.admin.access import AdminFilter, refuse_change, refuse_read
from handlers.admin.add_line import WITH_ARGUMENTS, add_line
from handlers.admin.changes import (
    deleting_command,
    edit_command,
    link_command,
    retract_button,
    retract_command,
    side_button,
)
from handlers.admin.stats import stats_command
from handlers.admin.transfer import (
    IMPORT_CAPTION,
    WITHOUT_IMPORT,
    document_without_import,
    export_command,
    import_command,
)

COMMANDS = [
    ("add", N_("Add a statement (one line, or a guided dialogue)")),
    ("edit", N_("Change one field of a statement")),
    ("retract", N_("Retract a statement, with the reason")),
    ("link", N_("Link statements: contradicts / responds_to")),
    ("import", N_("Import a JSONL or CSV file (as its caption)")),
    ("export", N_("The whole record as a file")),
    ("stats", N_("What the record holds")),
]
CHANGING = ["add", "edit", "retract", "link", "import"]
READING = ["export", "stats"]


def register(application: Application) -> None:
    """The one-line /add comes before the dialogue, whose entry point is /add alone; the
    buttons of finished dialogues are answered after it."""
    admins = AdminFilter(application.bot_data[SETTINGS])
    application.add_handler(CommandHandler("add", add_line, filters=admins & WITH_ARGUMENTS))
    application.add_handler(CommandHandler("edit", edit_command, filters=admins))
    application.add_handler(CallbackQueryHandler(side_button, pattern=SideButton.PATTERN))
    application.add_handler(CommandHandler("retract", retract_command, filters=admins))
    application.add_handler(CallbackQueryHandler(retract_button, pattern=RetractButton.PATTERN))
    # Readers' /delete falls through to the answer every unknown command gets.
    application.add_handler(CommandHandler(aliases_of("retract"), deleting_command, filters=admins))
    application.add_handler(CommandHandler("link", link_command, filters=admins))
    application.add_handler(CommandHandler("import", import_command, filters=admins))
    application.add_handler(MessageHandler(admins & IMPORT_CAPTION, import_command))
    application.add_handler(MessageHandler(admins & WITHOUT_IMPORT, document_without_import))
    application.add_handler(CommandHandler("export", export_command, filters=admins))
    application.add_handler(CommandHandler("stats", stats_command, filters=admins))
    application.add_handler(add_dialogue.conversation(admins))
    application.add_handler(CallbackQueryHandler(add_dialogue.ended_button, pattern=AddButton.PATTERN))
    application.add_handler(CommandHandler(CHANGING, refuse_change, filters=~admins))
    application.add_handler(MessageHandler(~admins & IMPORT_CAPTION, refuse_change))
    application.add_handler(CommandHandler(READING, refuse_read, filters=~admins))
