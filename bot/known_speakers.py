"""The names the bot knows for speakers before the record holds them: bot/data/actors.json
("Pete Hegseth" is also "Hegseth", "Піт Гегсет", "Пит Хегсет"). Every write that may
record a new speaker passes them to storage (add, edit, import: bot.record, `diplobot
import`), and opening the record gives them to the speakers it already holds
(bot.runtime), so that readers find a speaker by any of those names whether or not the
sample corpus was loaded."""

from __future__ import annotations

import functools
import json
from importlib import resources

from storage.actors import KnownNames


@functools.cache
def known_speakers() -> KnownNames:
    text = resources.files("bot").joinpath("data/actors.json").read_text("utf-8")
    groups: dict[str, list[str]] = json.loads(text)
    return KnownNames(groups)
