"""Commands people type for one the bot has under another name (`/delete` for `/retract`:
the record never deletes). The names are data: bot/data/command_aliases.json."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


@functools.cache
def _aliases() -> dict[str, tuple[str, ...]]:
    text = resources.files("bot").joinpath("data/command_aliases.json").read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    aliases: dict[str, tuple[str, ...]] = {}
    for command, names in data.items():
        if command.startswith("_"):
            continue
        if not isinstance(names, list) or not all(
            isinstance(name, str) and _COMMAND_NAME.match(name) for name in names
        ):
            raise ValueError(f"command_aliases.json {command}: a list of Telegram command names, please")
        aliases[command] = tuple(names)
    return aliases


def aliases_of(command: str) -> tuple[str, ...]:
    """The names people type for `command` (without the slash)."""
    return _aliases().get(command, ())
