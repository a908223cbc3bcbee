"""The reader's last question in each chat, for reading a follow-up ("And Zelensky?")
against it. It is kept in the reader's own user data, which is in the record
(bot.chat_state.persistence): so on any instance and after a restart, and never against
another reader's question, in a group chat too."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

#: A follow-up refers to a question asked at most this long before; later, a short
#: message is a question of its own.
FOLLOW_UP_WINDOW = timedelta(minutes=30)
QUESTIONS = "questions"
"""user_data: per chat (by id, as text), the last question and when it was asked."""


def last_question(user_data: dict[str, Any], chat_id: int, now: datetime) -> str | None:
    kept = user_data.get(QUESTIONS, {}).get(str(chat_id))
    if not kept or now - datetime.fromisoformat(kept["at"]) > FOLLOW_UP_WINDOW:
        return None
    return str(kept["question"])


def remember_question(user_data: dict[str, Any], chat_id: int, question: str, now: datetime) -> None:
    """Keeps `question` as the chat's last one, and drops those too old to be followed up."""
    kept = {
        chat: entry
        for chat, entry in user_data.get(QUESTIONS, {}).items()
        if now - datetime.fromisoformat(entry["at"]) <= FOLLOW_UP_WINDOW
    }
    kept[str(chat_id)] = {"question": question, "at": now.isoformat()}
    user_data[QUESTIONS] = kept
