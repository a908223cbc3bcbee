"""/stats: what the record holds, in numbers."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.presentation.admin import stats_text
from handlers.common import answers_errors, reply
from storage.stats import record_stats


@answers_errors
async def stats_command(update: Update, context: BotContext) -> None:
    await reply(update, stats_text(await record_stats(context.database)))
