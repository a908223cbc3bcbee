"""What the guided /add says and shows: its questions, what it heard, the preview and the
buttons of each step (their data carries the dialogue's nonce)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Renderable, _, ngettext, said
from bot.input.add_line import USAGE
from bot.input.draft import Draft
from bot.presentation.callbacks import AddButton
from bot.presentation.html import h, said_on, statement_preview
from bot.presentation.labels import label, side_name, speaker_name
from storage.errors import Wording
from storage.models import Stance, Statement, Topic

ASK_SPEAKER = N_(
    "Who said it? Send the speaker's name, e.g. <i>Vladimir Putin</i>. For someone new to "
    "the record you may add the side in brackets: <i>Keir Starmer (United Kingdom)</i>."
)
ASK_SIDE = N_(
    "Which side do they speak for? e.g. <i>Ukraine</i>, <i>Russia</i>, <i>United States</i>; "
    "a side the record does not hold yet with + before it: <i>+Azerbaijan</i>"
)
ASK_DATE = N_(
    "When was it said? <code>YYYY-MM-DD</code>, or <code>YYYY-MM</code> / <code>YYYY</code> "
    "when only that much is known."
)
ASK_TOPICS = N_("Which topics? Tap every one that applies, then <b>Done</b> (or type them, comma-separated).")
ASK_STANCE = N_("What kind of statement is it? Tap the stance (or type it).")
ASK_TEXT = N_("Send the statement's text as said or reported (up to 4000 characters).")
ASK_SOURCE = N_(
    "Where was it reported? Send the source, e.g. <i>Reuters</i>, or the source and the link "
    "as <i>Reuters | https://…</i>"
)
ASK_URL = N_("Send the link to the report, or tap <b>No link</b> (or send /skip).")
ASK_CONFIRM = N_("Tap <b>Confirm</b> to add it to the record, or <b>Cancel</b>.")
"""The questions are kept in the draft as these English keys (`Draft.asking`) and shown
translated, so a reminder speaks the reader's language of the moment."""

STARTED = N_("<b>New statement.</b> Nothing is written until you confirm the preview; /cancel stops at any step.")
LOST_PLACE = N_("This dialogue lost its place; send /add to start again. Nothing was written.")
STALE_BUTTON = N_("This /add dialogue has ended; send /add to start a new one.")
STEP_DONE = N_("That step is done; answer the latest question.")
PICK_A_TOPIC = N_("Pick at least one topic first.")
NO_LINK = N_("No link.")
CANCELLED = N_("Cancelled the new statement; nothing was written.")
CANCELLED_BY_BUTTON = N_("Cancelled; nothing was written.")


def private_only() -> str:
    return _(
        "The guided /add works in a private chat with me: open one and send /add there. "
        "Here, the one-line form works: <code>{usage}</code>"
    ).format(usage=h(_(USAGE)))


def again(problem: Wording, draft: Draft) -> str:
    """An answer that does not fit: why, and the question again."""
    return f"⚠️ {h(said(problem))}\n\n{_(draft.asking)}"


def remind(draft: Draft) -> str:
    return _("Not now: {question}\n(/cancel stops the new statement.)").format(question=_(draft.asking))


def not_written(problem: Renderable) -> str:
    return "⚠️ " + _("{problem}\nNothing was written; send /add to start again.").format(problem=h(said(problem)))


def did_you_mean(name: str, similar: list[str]) -> str:
    names = ", ".join(f"<i>{h(speaker_name(other))}</i>" for other in similar)
    return _(
        "No speaker is recorded as <b>{name}</b>; did you mean {names}? Send the "
        "name as recorded, or, for someone new, the name with the side in brackets: "
        "<i>{name} (Side)</i>."
    ).format(name=h(name), names=names)


def speaker_heard(draft: Draft, *, as_recorded: bool = False) -> str:
    if as_recorded:
        return _("Speaker: <b>{speaker}</b>, side: {side} (as in the record).").format(
            speaker=h(speaker_name(draft.speaker)), side=h(side_name(draft.side))
        )
    return _("Speaker: <b>{speaker}</b>, side: {side}.").format(
        speaker=h(speaker_name(draft.speaker)), side=h(side_name(draft.side))
    )


def speaker_without_side(draft: Draft, *, new: bool) -> str:
    if new:
        return _("<b>{speaker}</b> is new to the record.").format(speaker=h(speaker_name(draft.speaker)))
    return _("<b>{speaker}</b> has no side in the record yet.").format(speaker=h(speaker_name(draft.speaker)))


def date_heard(draft: Draft) -> str:
    assert draft.said_on is not None
    return _("Date: {date}.").format(date=said_on(draft.said_on, draft.precision))


def topics_heard(draft: Draft) -> str:
    return _("Topics: {topics}.").format(topics=h(", ".join(label(topic.value) for topic in draft.topics)))


def stance_heard(draft: Draft) -> str:
    assert draft.stance is not None
    return _("Stance: {stance}.").format(stance=h(label(draft.stance.value)))


def source_heard(draft: Draft) -> str:
    return _("Source: {source}.").format(source=h(draft.source))


def preview(statement: Statement) -> str:
    return (
        _("<b>Preview</b>: the statement as it will be stored.")
        + f"\n\n{statement_preview(statement)}\n\n{_(ASK_CONFIRM)}"
    )


def timed_out(idle: timedelta) -> str:
    seconds = idle.total_seconds()
    amount = seconds / 60 if seconds >= 60 else seconds
    # A fraction takes the form of 2 in English, Ukrainian and Russian alike.
    form = int(amount) if amount.is_integer() else 2
    if seconds >= 60:
        waited = ngettext("{count} minute", "{count} minutes", form).format(count=f"{amount:g}")
    else:
        waited = ngettext("{count} second", "{count} seconds", form).format(count=f"{amount:g}")
    return "⌛ " + _(
        "The new statement waited {waited} for an answer and was dropped; nothing was written. "
        "Send /add to start again."
    ).format(waited=waited)


# -- buttons -----------------------------------------------------------------------

TOPIC_STEP, STANCE_STEP, URL_STEP, CONFIRM, CANCEL = "t", "s", "u", "ok", "no"
DONE, NONE = "done", "none"


def _button(label: str, draft: Draft, step: str, choice: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=AddButton(draft.nonce, step, choice).encode())


def topic_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [
        _button(("✅ " if topic in draft.topics else "") + label(topic.value), draft, TOPIC_STEP, topic.value)
        for topic in Topic
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append([_button(_("Done"), draft, TOPIC_STEP, DONE)])
    return InlineKeyboardMarkup(rows)


def stance_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [_button(label(stance.value), draft, STANCE_STEP, stance.value) for stance in Stance]
    return InlineKeyboardMarkup([buttons[index : index + 3] for index in range(0, len(buttons), 3)])


def url_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(_("No link"), draft, URL_STEP, NONE)]])


def confirm_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("✅ " + _("Confirm"), draft, CONFIRM), _button("✖️ " + _("Cancel"), draft, CANCEL)]]
    )
