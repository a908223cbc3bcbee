"""/add with its parts on one line: the statement is read, added and shown, or the part
that is wrong is named and nothing is added."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import filters

from bot import record
from bot.context import BotContext
from bot.input.add_line import AddLineError, parse_add_line
from bot.presentation.admin import add_problem, added, did_you_mean, side_keyboard
from bot.record_names import with_record_sides
from handlers.common import answers_errors, command_argument, reply, who

WITH_ARGUMENTS = filters.Regex(re.compile(r"^/add(?:@\w+)?\s+\S"))
"""`/add` followed by anything: the one-line form (`/add` alone starts the dialogue)."""


@answers_errors
async def add_line(update: Update, context: BotContext) -> None:
    try:
        argument = command_argument(update)
        data = await with_record_sides(context.database, lambda sides: parse_add_line(argument, sides))
    except AddLineError as error:
        await reply(update, add_problem(error))
        return
    try:
        statement = await record.add(context.database, data, who(update))
    except record.MaybeRecordedSpeaker as maybe:
        await reply(update, did_you_mean(maybe.speaker, maybe.similar))
        return
    await reply(
        update, added(statement), side_keyboard(statement, await record.offered_sides(context.database, statement))
    )
