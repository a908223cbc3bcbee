"""Greetings, thanks, please and acknowledgements ("hi", "дякую", "спасибо"): a whole
message of them asks nothing, and answering it from the record would list statements that
merely rank first. Nor does a message asking for what a command does ("help", "що
нового?", "кто ты?"): it is answered as the command would be (`request_of`). Courtesy words also open questions ("Thanks! What did ..."), where they
are not what is asked (bot.answering.understanding.tokens). The phrases are data:
bot/data/small_talk.json."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


def _key(text: str) -> str:
    """Lower case, letters, digits and single spaces only: "Hi!!", "hi 👋" and "HI" are one."""
    kept = "".join(char if char.isalnum() else " " for char in text.casefold())
    return " ".join(kept.split())


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("bot").joinpath("data/small_talk.json").read_text("utf-8"))
    return data


@functools.cache
def _phrases() -> frozenset[str]:
    data = _data()
    return frozenset(_key(phrase) for phrase in (*data["courtesy"], *data["acknowledgements"]))


@functools.cache
def courtesy_phrases() -> frozenset[tuple[str, ...]]:
    """Greetings, thanks and please, each as its words in lower case ("thank", "you")."""
    return frozenset(tuple(_key(phrase).split()) for phrase in _data()["courtesy"])


def is_small_talk(message: str) -> bool:
    """Whether the whole message is a greeting, thanks or acknowledgement."""
    return _key(message) in _phrases()


@functools.cache
def _requests() -> dict[str, str]:
    return {_key(phrase): request for request, phrases in _data()["requests"].items() for phrase in phrases}


def request_of(message: str) -> str | None:
    """What the whole message asks of the bot rather than of the record: "help" (/help),
    "latest" (/latest), "about" (the welcome), "subscribe" (how to get the digest and
    alerts) or "topics" (/topic's list); None for anything else."""
    return _requests().get(_key(message))
