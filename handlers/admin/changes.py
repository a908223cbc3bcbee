"""/edit, /retract and /link: one change to the record each, shown in full afterwards;
/retract first shows what it would retract and waits for the admin's consent.
Each takes a statement by its number or its ref, in any form the bot shows them
(bot.input.statement_keys). Bad input is answered with the command's usage and changes
nothing."""

from __future__ import annotations

import secrets

from telegram import Update
from telegram.constants import ChatType

from bot import record
from bot.context import BotContext
from bot.i18n import N_, _
from bot.input.edit_line import Edit, edit_field, parse_edit
from bot.input.link_line import parse_link
from bot.input.statement_keys import statement_key
from bot.presentation.admin import (
    NOT_RETRACTED,
    REFUSED_CHANGE,
    RETRACTION_EXPIRED,
    did_you_mean_for_edit,
    edited,
    linked,
    never_deleted,
    not_editable,
    retracted,
    retraction_keyboard,
    retraction_preview,
    side_keyboard,
    usage_of,
)
from bot.presentation.callbacks import RetractButton, SideButton
from bot.presentation.html import split_message
from bot.record_names import with_record_sides
from handlers.common import answers_errors, command_argument, reply, who
from storage.errors import InvalidInput, wording_of
from storage.statements import get_statement, refuse_retracted_again, retraction_reason

#: user_data: the /retract waiting for the admin's Retract or Cancel.
PENDING_RETRACTION = "retraction"


@answers_errors
async def edit_command(update: Update, context: BotContext) -> None:
    parts = command_argument(update).split(maxsplit=2)
    key = statement_key(parts[0]) if parts else None
    if len(parts) < 3 or key is None:
        await reply(update, usage_of("edit"))
        return
    field = edit_field(parts[1])
    if field is None:
        await reply(update, not_editable(parts[1]))
        return
    statement_id = await record.statement_id(context.database, key)
    change = await with_record_sides(context.database, lambda sides: parse_edit(field, parts[2], sides))
    try:
        changed = await record.edit(context.database, statement_id, change, who(update))
    except record.MaybeRecordedSpeaker as maybe:
        await reply(update, did_you_mean_for_edit(statement_id, maybe.speaker, maybe.similar))
        return
    sides = await record.offered_sides(context.database, changed.statement)
    await reply(update, edited(changed, field), side_keyboard(changed.statement, sides))


@answers_errors
async def retract_command(update: Update, context: BotContext) -> None:
    """Asks first: a retraction is not undone from the bot. The request waits in
    `user_data` for the admin's Retract or Cancel."""
    parts = command_argument(update).split(maxsplit=1)
    key = statement_key(parts[0]) if parts else None
    if len(parts) < 2 or key is None:
        await reply(update, usage_of("retract"))
        return
    reason = retraction_reason(parts[1])
    statement_id = await record.statement_id(context.database, key)
    statement = await get_statement(context.database, statement_id)
    refuse_retracted_again(statement)
    nonce = secrets.token_hex(4)
    if context.user_data is not None:
        context.user_data[PENDING_RETRACTION] = {"nonce": nonce, "id": statement_id, "reason": reason}
    await reply(update, retraction_preview(statement, reason), retraction_keyboard(nonce))


@answers_errors
async def side_button(update: Update, context: BotContext) -> None:
    """A side tapped under a one-line /add whose new speaker's side was open: set as
    `/edit ID side SIDE` sets it, and the buttons go."""
    query = update.callback_query
    pressed = SideButton.parse(query.data or "") if query else None
    if query is None or pressed is None:
        return
    user = update.effective_user
    if not context.settings.is_admin(user.id if user else None):
        await query.answer(_(REFUSED_CHANGE), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    changed = await record.edit(context.database, pressed.statement_id, Edit("side", pressed.side), who(update))
    await reply(update, edited(changed, "side"))


@answers_errors
async def retract_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    pressed = RetractButton.parse(query.data or "") if query else None
    if query is None or pressed is None:
        return
    pending = context.user_data.get(PENDING_RETRACTION) if context.user_data is not None else None
    if pending is None or pending["nonce"] != pressed.nonce:
        await query.answer(_(RETRACTION_EXPIRED), show_alert=True)
        return
    del context.user_data[PENDING_RETRACTION]  # type: ignore[union-attr]
    await query.answer()
    if not pressed.confirmed:
        await query.edit_message_text(_(NOT_RETRACTED))
        return
    changed = await record.retract(context.database, pending["id"], pending["reason"], who(update))
    await query.edit_message_text(split_message(retracted(changed))[0])


async def deleting_command(update: Update, context: BotContext) -> None:
    """`/delete 23` (or /remove, /del: bot.input.command_aliases) from an admin: the record
    never deletes, so the answer points to /retract, with the statement typed. In a group
    only when addressed to this bot (`/delete@bot`), as any command the bot does not have."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    command = (message.text or "").split(maxsplit=1)[0]
    if chat.type != ChatType.PRIVATE and "@" not in command:
        return
    parts = command_argument(update).split()
    await reply(update, never_deleted(parts[0] if parts and statement_key(parts[0]) else "ID"))


@answers_errors
async def link_command(update: Update, context: BotContext) -> None:
    """`/link ID KIND ID`, the kind in any of the three languages, in words ("responds to",
    "відповідає на") or as the record's key (`responds_to`), before, between or after the
    two statements."""
    try:
        line = parse_link(command_argument(update))
    except ValueError as error:
        raise InvalidInput(N_("kind"), wording_of(error)) from None
    if line is None:
        await reply(update, usage_of("link"))
        return
    from_id = await record.statement_id(context.database, line.from_key)
    to_id = await record.statement_id(context.database, line.to_key)
    await reply(update, linked(await record.link(context.database, from_id, line.kind.value, to_id, who(update))))
