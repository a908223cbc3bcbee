"""Greetings, thanks and acknowledgements ("hi", "дякую", "спасибо"): a whole message of
them asks nothing, and answering it from the record would list statements that merely
rank first. The phrases are data: bot/data/small_talk.json."""

from __future__ import annotations

import functools
import json
from importlib import resources


def _key(text: str) -> str:
    """Lower case, letters, digits and single spaces only: "Hi!!", "hi 👋" and "HI" are one."""
    kept = "".join(char if char.isalnum() else " " for char in text.casefold())
    return " ".join(kept.split())


@functools.cache
def _phrases() -> frozenset[str]:
    text = resources.files("bot").joinpath("data/small_talk.json").read_text("utf-8")
    return frozenset(_key(phrase) for phrase in json.loads(text)["phrases"])


def is_small_talk(message: str) -> bool:
    """Whether the whole message is a greeting, thanks or acknowledgement."""
    return _key(message) in _phrases()
