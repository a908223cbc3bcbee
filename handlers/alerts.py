"""Alerts: `/alert WORDS [speaker:… side:… topic:…]`, `/alerts`, `/alert off N`, the
buttons that remove an alert and page through what one matched. In groups only the
group's admins change its alerts, as with its digest. The alerts themselves go out from
`bot.alerts.tick`, whose job `bot.alerts.schedule` registers."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.alerts.manage import alerts_of, create, off_request, remove
from bot.context import BotContext
from bot.i18n import N_, _, current, said
from bot.presentation.alerts import EXAMPLE, alert_made, alert_removed, alerts_list, load_alert_page
from bot.presentation.callbacks import AlertOffButton, AlertPageButton
from bot.presentation.html import split_message
from handlers.common import answers_errors, command_argument, reply
from handlers.subscribers import may_manage
from storage.chat_state import CHAT_LANGUAGE
from storage.errors import RecordError

ADMINS_ONLY = N_("Only the group's admins can change its alerts.")
USAGE = N_(
    "Say what to watch for: <code>/alert WORDS [speaker:… side:… topic:…]</code>, e.g. "
    "{example}. /alerts lists yours; <code>/alert off N</code> removes one."
)


@answers_errors
async def alert_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    argument = command_argument(update)
    if not argument:
        await reply(update, _(USAGE).format(example=_(EXAMPLE)))
        return
    if not await may_manage(update, context):
        await reply(update, _(ADMINS_ONLY))
        return
    off = off_request(argument)
    if off is not None and off.number is None:
        await reply(update, *alerts_list(await alerts_of(context.database, chat.id), asking=True))
        return
    if off is not None and off.number is not None:
        await reply(update, alert_removed(await remove(context.database, chat.id, off.number)))
        return
    made = await create(context.database, chat.id, argument)
    if context.chat_data is not None:
        # Alerts arrive outside any update, where the reader's Telegram language is unknown.
        context.chat_data[CHAT_LANGUAGE] = current()
    await reply(update, alert_made(made))


@answers_errors
async def alerts_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    text, keyboard = alerts_list(await alerts_of(context.database, chat.id))
    await reply(update, text, keyboard)


async def off_button(update: Update, context: BotContext) -> None:
    """🔕 under /alerts: removes the alert and shows the list as it is now."""
    query = update.callback_query
    pressed = AlertOffButton.parse(query.data or "") if query else None
    chat = update.effective_chat
    if query is None or chat is None or pressed is None:
        return
    if not await may_manage(update, context):
        await query.answer(_(ADMINS_ONLY), show_alert=True)
        return
    await remove_and_relist(query, context, chat.id, pressed.number)


async def remove_and_relist(
    query: CallbackQuery, context: BotContext, chat_id: int, number: int, channel: tuple[str, int] | None = None
) -> None:
    try:
        removed = await remove(context.database, chat_id, number, channel[0] if channel else None)
    except RecordError as error:
        await query.answer(said(error), show_alert=True)
        return
    await query.answer(_("Alert {number} removed").format(number=removed.number))
    text, keyboard = alerts_list(await alerts_of(context.database, chat_id), channel)
    await query.edit_message_text(text, reply_markup=keyboard)


async def page_button(update: Update, context: BotContext) -> None:
    """Previous / next under an alert: the same message, edited to show the other page.
    The delivery is read from the database, so the buttons outlive restarts; a button
    pressed in a chat the delivery was not sent to shows nothing."""
    query = update.callback_query
    pressed = AlertPageButton.parse(query.data or "") if query else None
    chat = update.effective_chat
    if query is None or pressed is None:
        return
    page = await load_alert_page(context.database, pressed.delivery_id, pressed.offset, context.bot.username)
    if page is None or chat is None or page.chat_id != chat.id:
        await query.answer(_("Nothing of this alert is left to show."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(split_message(page.html)[0], reply_markup=page.keyboard)


COMMANDS = [
    ("alert", N_("Hear at once when matching statements are recorded")),
    ("alerts", N_("My alerts, to remove one")),
]


def register(application: Application) -> None:
    application.add_handler(CommandHandler("alert", alert_command))
    application.add_handler(CommandHandler("alerts", alerts_command))
    application.add_handler(CallbackQueryHandler(page_button, pattern=AlertPageButton.PATTERN))
    application.add_handler(CallbackQueryHandler(off_button, pattern=AlertOffButton.PATTERN))
