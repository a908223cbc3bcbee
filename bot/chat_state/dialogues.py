"""Dialogues whose step is kept in the record, and how an idle one ends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import ConversationHandler

Forget = Callable[[dict[str, Any], int], None]
"""Drops from a user's data what one of their dialogues keeps there for a chat."""
Expired = Callable[[Bot, int], Awaitable[None]]
"""Tells a chat that its user's dialogue ended for being idle."""


@dataclass(frozen=True)
class Idling:
    """How a dialogue ends when left idle: after `timeout` without an answer, its data
    dropped (`forget`) and the chat told (`expired`)."""

    timeout: timedelta
    forget: Forget
    expired: Expired


class SharedConversationHandler(ConversationHandler[Any]):
    """A dialogue whose step is kept in the record, for a user in a chat.

    PTB keeps the steps of a persistent ConversationHandler in memory and reads the stored
    ones only at start, with no hook to read one again; `adopt` is that hook, the one place
    that reaches into PTB's private `_conversations`. PTB's own idle timeout is a timer in
    one process, blind to answers given to another instance; an idle dialogue is ended
    instead by the instance that first finds its stored step too old (handlers.dialogues)."""

    def __init__(self, *, idling: Idling, **options: Any) -> None:
        super().__init__(persistent=True, per_chat=True, per_user=True, per_message=False, **options)
        self.idling = idling

    def release(self, key: tuple[int, int]) -> None:
        """Forgets the step kept for `key` in memory (it is in the record), without
        counting that as the dialogue ending."""
        # A TrackingDict once persistence is set up; its plain `data` is not tracked.
        self._conversations.data.pop(key, None)  # type: ignore[attr-defined]

    def adopt(self, key: tuple[int, int], state: str | None) -> None:
        """Takes the step stored for `key` (None: no dialogue under way) as the one to go on from."""
        steps = self._conversations
        if state is not None:
            # A TrackingDict once persistence is set up: what is read is not written back.
            steps.update_no_track({key: state})  # type: ignore[attr-defined]
        elif key in steps:
            del steps[key]

    async def handle_update(self, update: Update, application: Any, check_result: Any, context: Any) -> object:
        """An answer that leaves the dialogue on the same step is written too: it is what
        tells the other instances, and the idle check, that the dialogue is alive."""
        result = await super().handle_update(update, application, check_result, context)
        key = conversation_key(update)
        steps = self._conversations
        if key is not None and key in steps and hasattr(steps, "mark_as_accessed"):
            steps.mark_as_accessed(key)
        return result


def conversation_key(update: object) -> tuple[int, int] | None:
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return None
    return update.effective_chat.id, update.effective_user.id
