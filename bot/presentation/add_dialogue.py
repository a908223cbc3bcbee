"""What the guided /add says and shows: its questions, what it heard, the preview and the
buttons of each step (their data carries the dialogue's nonce)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.input.add_line import USAGE
from bot.input.draft import Draft
from bot.presentation.callbacks import AddButton
from bot.presentation.html import h, said_on, statement_preview
from storage.models import Stance, Statement, Topic

ASK_SPEAKER = (
    "Who said it? Send the speaker's name, e.g. <i>Vladimir Putin</i>. For someone new to "
    "the record you may add the side in brackets: <i>Keir Starmer (United Kingdom)</i>."
)
ASK_SIDE = "Which side do they speak for? e.g. <i>Ukraine</i>, <i>Russia</i>, <i>United States</i>"
ASK_DATE = (
    "When was it said? <code>YYYY-MM-DD</code>, or <code>YYYY-MM</code> / <code>YYYY</code> "
    "when only that much is known."
)
ASK_TOPICS = "Which topics? Tap every one that applies, then <b>Done</b> (or type them, comma-separated)."
ASK_STANCE = "What kind of statement is it? Tap the stance (or type it)."
ASK_TEXT = "Send the statement's text as said or reported (up to 4000 characters)."
ASK_SOURCE = (
    "Where was it reported? Send the source, e.g. <i>Reuters</i>, or the source and the link "
    "as <i>Reuters | https://…</i>"
)
ASK_URL = "Send the link to the report, or tap <b>No link</b> (or send /skip)."
ASK_CONFIRM = "Tap <b>Confirm</b> to add it to the record, or <b>Cancel</b>."

STARTED = "<b>New statement.</b> Nothing is written until you confirm the preview; /cancel stops at any step."
PRIVATE_ONLY = (
    "The guided /add works in a private chat with me: open one and send /add there. "
    f"Here, the one-line form works: <code>{h(USAGE)}</code>"
)
LOST_PLACE = "This dialogue lost its place; send /add to start again. Nothing was written."
STALE_BUTTON = "This /add dialogue has ended; send /add to start a new one."
STEP_DONE = "That step is done; answer the latest question."
PICK_A_TOPIC = "Pick at least one topic first."
NO_LINK = "No link."
CANCELLED = "Cancelled the new statement; nothing was written."
CANCELLED_BY_BUTTON = "Cancelled; nothing was written."


def again(problem: str, draft: Draft) -> str:
    """An answer that does not fit: why, and the question again."""
    return f"⚠️ {h(problem)}\n\n{draft.asking}"


def remind(draft: Draft) -> str:
    return f"Not now: {draft.asking}\n(/cancel stops the new statement.)"


def not_written(problem: str) -> str:
    return f"⚠️ {h(problem)}\nNothing was written; send /add to start again."


def did_you_mean(name: str, similar: list[str]) -> str:
    names = ", ".join(f"<i>{h(other)}</i>" for other in similar)
    return (
        f"No speaker is recorded as <b>{h(name)}</b>; did you mean {names}? Send the "
        "name as recorded, or, for someone new, the name with the side in brackets: "
        f"<i>{h(name)} (Side)</i>."
    )


def speaker_heard(draft: Draft, *, as_recorded: bool = False) -> str:
    recorded = " (as in the record)" if as_recorded else ""
    return f"Speaker: <b>{h(draft.speaker)}</b>, side: {h(draft.side)}{recorded}."


def speaker_without_side(draft: Draft, *, new: bool) -> str:
    whom = "is new to the record" if new else "has no side in the record yet"
    return f"<b>{h(draft.speaker)}</b> {whom}."


def date_heard(draft: Draft) -> str:
    assert draft.said_on is not None
    return f"Date: {said_on(draft.said_on, draft.precision)}."


def topics_heard(draft: Draft) -> str:
    return f"Topics: {h(', '.join(topic.value.replace('_', ' ') for topic in draft.topics))}."


def stance_heard(draft: Draft) -> str:
    assert draft.stance is not None
    return f"Stance: {h(draft.stance.value)}."


def source_heard(draft: Draft) -> str:
    return f"Source: {h(draft.source)}."


def preview(statement: Statement) -> str:
    return f"<b>Preview</b>: the statement as it will be stored.\n\n{statement_preview(statement)}\n\n{ASK_CONFIRM}"


def timed_out(idle: timedelta) -> str:
    seconds = idle.total_seconds()
    waited = f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"
    return (
        f"⌛ The new statement waited {waited} for an answer and was dropped; nothing was written. "
        "Send /add to start again."
    )


# -- buttons -----------------------------------------------------------------------

TOPIC_STEP, STANCE_STEP, URL_STEP, CONFIRM, CANCEL = "t", "s", "u", "ok", "no"
DONE, NONE = "done", "none"


def _button(label: str, draft: Draft, step: str, choice: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=AddButton(draft.nonce, step, choice).encode())


def topic_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [
        _button(
            ("✅ " if topic in draft.topics else "") + topic.value.replace("_", " "), draft, TOPIC_STEP, topic.value
        )
        for topic in Topic
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append([_button("Done", draft, TOPIC_STEP, DONE)])
    return InlineKeyboardMarkup(rows)


def stance_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    buttons = [_button(stance.value, draft, STANCE_STEP, stance.value) for stance in Stance]
    return InlineKeyboardMarkup([buttons[index : index + 3] for index in range(0, len(buttons), 3)])


def url_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("No link", draft, URL_STEP, NONE)]])


def confirm_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("✅ Confirm", draft, CONFIRM), _button("✖️ Cancel", draft, CANCEL)]])
