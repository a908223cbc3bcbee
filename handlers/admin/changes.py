"""/edit, /retract and /link: one change to the record each, shown in full afterwards.
Bad input is answered with the command's usage and changes nothing."""

from __future__ import annotations

import re

from telegram import Update

from bot import record
from bot.context import BotContext
from bot.presentation.admin import edited, linked, not_editable, retracted, usage_of
from handlers.common import answers_errors, command_argument, reply, who
from storage.statements import EDITABLE_FIELDS

_ID = re.compile(r"^#?(\d{1,12})$")
_RESPONDS_TO = re.compile(r"\bresponds[\s-]+to\b", re.IGNORECASE)


def _statement_id(value: str) -> int | None:
    """`23` or `#23`."""
    match = _ID.match(value.strip())
    return int(match.group(1)) if match else None


@answers_errors
async def edit_command(update: Update, context: BotContext) -> None:
    parts = command_argument(update).split(maxsplit=2)
    statement_id = _statement_id(parts[0]) if parts else None
    if len(parts) < 3 or statement_id is None:
        await reply(update, usage_of("edit"))
        return
    field, value = parts[1].lower(), parts[2]
    if field not in EDITABLE_FIELDS:
        await reply(update, not_editable(parts[1]))
        return
    changed = await record.edit(context.database, statement_id, field, value, who(update))
    await reply(update, edited(changed, field))


@answers_errors
async def retract_command(update: Update, context: BotContext) -> None:
    parts = command_argument(update).split(maxsplit=1)
    statement_id = _statement_id(parts[0]) if parts else None
    if len(parts) < 2 or statement_id is None:
        await reply(update, usage_of("retract"))
        return
    await reply(update, retracted(await record.retract(context.database, statement_id, parts[1], who(update))))


@answers_errors
async def link_command(update: Update, context: BotContext) -> None:
    parts = _RESPONDS_TO.sub("responds_to", command_argument(update)).split()
    from_id = _statement_id(parts[0]) if len(parts) == 3 else None
    to_id = _statement_id(parts[2]) if len(parts) == 3 else None
    if from_id is None or to_id is None:
        await reply(update, usage_of("link"))
        return
    await reply(update, linked(await record.link(context.database, from_id, parts[1], to_id, who(update))))
