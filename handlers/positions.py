"""Positions at a glance: `/positions [TOPIC]` (the matrix as a picture, with buttons that
open each row and cell), `/positions text [TOPIC]` (the same in words) and
`/timeline NAME|TOPIC` (a picture of statements over time).

The buttons carry what they open in their callback data (well under Telegram's 64 bytes):
a statement id stands for its row, so nothing is kept per message and a button still works
after a restart. "po:r:s:23" opens the row of statement #23's side, "po:c:s:23:territory"
that row's cell on territory, "po:b:s" goes back to the rows."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, _, ngettext
from bot.input.labels import topics_of
from bot.input.option_words import is_option
from bot.positions.matrix import Cell, Matrix
from bot.positions.service import matrix_picture, position_matrix, timeline_picture
from bot.positions.text import matrix_caption, matrix_html, row_name, timeline_caption
from bot.positions.timeline import resolve_subject
from bot.presentation.html import statement_list
from bot.presentation.labels import label
from handlers.common import MAX_QUERY, answers_errors, command_argument, reply
from storage.errors import InvalidInput, NotFound, wording_of
from storage.models import Statement, Topic
from storage.positions import RowKind
from storage.statements import get_statement

PREFIX = "po"
#: Rows of the matrix said in words in one answer (the picture shows up to 40).
TEXT_ROWS = 15
#: A cell's statements shown in full; older ones are listed as links.
CELL_STATEMENTS = 5
MAX_LINKS = 20
_BY_CODE = {RowKind.side: "s", RowKind.speaker: "p"}
_CODE_BY = {code: by for by, code in _BY_CODE.items()}
EXPIRED = N_("The record has changed since this picture; run /positions again.")
USAGE = N_(
    "Whose timeline? e.g. <code>/timeline Putin</code>, <code>/timeline Ukraine</code> "
    "or <code>/timeline territory</code>"
)

COMMANDS = [
    ("positions", N_("Who stands where on each topic, as a picture")),
    ("timeline", N_("A speaker's, side's or topic's statements over time")),
]


def _arguments(argument: str) -> tuple[bool, Topic | None]:
    """`text` (or "текст": bot/data/vocabulary/option_words.json) first asks for words
    instead of a picture; what follows is one topic."""
    words = argument.split()
    as_text = bool(words) and is_option("positions", "text", words[0])
    rest = " ".join(words[1:] if as_text else words)
    if not rest:
        return as_text, None
    if len(rest) > 60:
        raise InvalidInput(_("topic"), _("give one topic, e.g. /positions territory"))
    try:
        topics = topics_of(rest)
    except ValueError as error:
        raise InvalidInput(_("topic"), wording_of(error)) from None
    if len(topics) != 1:
        raise InvalidInput(_("topic"), _("one topic at a time, e.g. /positions territory"))
    return as_text, topics[0]


def _cell_label(matrix: Matrix, cell: Cell, *, with_row: bool) -> str:
    marks = (" ▲" if cell.shift else "") + (" ◆" if cell.conditional else "")
    place = row_name(matrix.by, cell.row) if with_row else label(cell.topic)
    return f"{place[:28]} · {label(cell.stance)}{marks}"


def _cell_button(matrix: Matrix, cell: Cell, *, with_row: bool) -> InlineKeyboardButton:
    data = f"{PREFIX}:c:{_BY_CODE[matrix.by]}:{cell.statement_id}:{cell.topic}"
    return InlineKeyboardButton(_cell_label(matrix, cell, with_row=with_row), callback_data=data)


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[index : index + 2] for index in range(0, len(buttons), 2)]


def rows_keyboard(matrix: Matrix) -> InlineKeyboardMarkup | None:
    """One button per row; with a single topic, one per cell (the row's only one)."""
    if not matrix.cells:
        return None
    rows = matrix.rows[:40]
    if len(matrix.topics) == 1:
        buttons = [_cell_button(matrix, cell, with_row=True) for cell in matrix.ordered_cells(rows)]
    else:
        buttons = []
        for row in rows:
            cells = matrix.ordered_cells([row])
            data = f"{PREFIX}:r:{_BY_CODE[matrix.by]}:{cells[0].statement_id}"
            topics = ngettext("{count} topic", "{count} topics", len(cells)).format(count=len(cells))
            buttons.append(InlineKeyboardButton(f"{row_name(matrix.by, row)[:24]} · {topics}", callback_data=data))
    return InlineKeyboardMarkup(_pairs(buttons))


def cells_keyboard(matrix: Matrix, row: str) -> InlineKeyboardMarkup:
    buttons = [_cell_button(matrix, cell, with_row=False) for cell in matrix.ordered_cells([row])]
    everyone = _("All sides") if matrix.by is RowKind.side else _("All speakers")
    back = InlineKeyboardButton(f"◀ {everyone}", callback_data=f"{PREFIX}:b:{_BY_CODE[matrix.by]}")
    return InlineKeyboardMarkup([*_pairs(buttons), [back]])


@answers_errors
async def positions_command(update: Update, context: BotContext) -> None:
    as_text, topic = _arguments(command_argument(update))
    chat = update.effective_chat
    if chat is None:
        return
    if as_text:
        matrix = await position_matrix(context.database, RowKind.side, topic)
        await reply(update, matrix_html(matrix, max_rows=TEXT_ROWS))
        return
    await chat.send_chat_action(ChatAction.UPLOAD_PHOTO)
    matrix, png = await matrix_picture(context.database, RowKind.side, topic)
    keyboard = rows_keyboard(matrix)
    await chat.send_photo(
        png,
        caption=matrix_caption(matrix, buttons=keyboard is not None),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        filename="positions.png",
    )


@answers_errors
async def timeline_command(update: Update, context: BotContext) -> None:
    name = command_argument(update)
    chat = update.effective_chat
    if chat is None:
        return
    if not name:
        await reply(update, _(USAGE))
        return
    if len(name) > MAX_QUERY:
        raise InvalidInput(_("name"), _("that is not a name"))
    subject = await resolve_subject(context.database, name)
    await chat.send_chat_action(ChatAction.UPLOAD_PHOTO)
    timeline, png = await timeline_picture(context.database, subject)
    await chat.send_photo(png, caption=timeline_caption(timeline), parse_mode=ParseMode.HTML, filename="timeline.png")


def _row_of(statement: Statement, by: RowKind) -> str:
    return statement.side if by is RowKind.side else statement.speaker


async def _show_cell(update: Update, context: BotContext, by: RowKind, cell: Cell) -> None:
    """The cell's statements, newest first, as search results show them; older ones as links."""
    newest = list(reversed(cell.history_ids))
    statements = [await get_statement(context.database, statement_id) for statement_id in newest[:CELL_STATEMENTS]]
    count = ngettext("{count} statement, newest first", "{count} statements, newest first", len(newest))
    row = escape(row_name(by, cell.row), quote=False)
    heading = f"<b>{row} · {label(cell.topic)}</b>: " + count.format(count=len(newest))
    text = statement_list(heading, statements)
    older = newest[CELL_STATEMENTS:]
    if older:
        links = " ".join(f"/statement_{statement_id}" for statement_id in older[:MAX_LINKS])
        more = " " + _("and {count} more").format(count=len(older) - MAX_LINKS) if len(older) > MAX_LINKS else ""
        text += "\n\n" + _("Older: {links}").format(links=links + more)
    await reply(update, text)


@answers_errors
async def position_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    parts = query.data.split(":")
    by = _CODE_BY.get(parts[2]) if len(parts) > 2 else None
    if by is None or parts[0] != PREFIX:
        await query.answer(_(EXPIRED), show_alert=True)
        return
    matrix = await position_matrix(context.database, by, None)
    if parts[1] == "b" and len(parts) == 3:
        await query.answer()
        await query.edit_message_reply_markup(rows_keyboard(matrix))
        return
    if parts[1] not in ("r", "c") or len(parts) < 4 or not parts[3].isdigit():
        await query.answer(_(EXPIRED), show_alert=True)
        return
    try:
        statement = await get_statement(context.database, int(parts[3]))
    except NotFound:
        await query.answer(_(EXPIRED), show_alert=True)
        return
    row = _row_of(statement, by)
    if parts[1] == "r":
        if not matrix.ordered_cells([row]):
            await query.answer(_(EXPIRED), show_alert=True)
            return
        await query.answer()
        await query.edit_message_reply_markup(cells_keyboard(matrix, row))
        return
    cell = matrix.cell(row, parts[4]) if len(parts) == 5 else None
    if cell is None:
        await query.answer(_(EXPIRED), show_alert=True)
        return
    await query.answer()
    await _show_cell(update, context, by, cell)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("positions", positions_command))
    application.add_handler(CommandHandler("timeline", timeline_command))
    application.add_handler(CallbackQueryHandler(position_button, pattern=rf"^{PREFIX}:"))
