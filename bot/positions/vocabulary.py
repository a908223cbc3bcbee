"""The knowledge the position views rest on, read from bot/data: which wording makes a
statement conditional, and which family (and so colour) each stance belongs to."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from storage.models import Stance


def _data(name: str) -> Any:
    return json.loads(resources.files("bot").joinpath(f"data/{name}").read_text("utf-8"))


@functools.cache
def _conditional_pattern() -> re.Pattern[str]:
    phrases = sorted(_data("conditional_wording.json")["phrases"], key=len, reverse=True)
    # Whole words at either end (lookarounds, not \b, so that ", provided" works too);
    # any run of spaces inside a phrase.
    alternatives = "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def is_conditional(stance: Stance, text: str) -> bool:
    """Conditional by kind (a condition) or by its wording ("only if", "unless", ...)."""
    return stance is Stance.condition or _conditional_pattern().search(text) is not None


@dataclass(frozen=True)
class StanceFamily:
    name: str
    colour: str
    stances: tuple[Stance, ...]


@functools.cache
def stance_families() -> tuple[StanceFamily, ...]:
    """The families in legend order. Every stance in exactly one: checked here, so that a
    new stance cannot be drawn without a colour."""
    families = tuple(
        StanceFamily(item["name"], item["colour"], tuple(Stance(value) for value in item["stances"]))
        for item in _data("stance_families.json")["families"]
    )
    listed = [stance for family in families for stance in family.stances]
    if sorted(listed) != sorted(Stance):
        raise ValueError("bot/data/stance_families.json must name every stance exactly once")
    return families


def family_of(stance: Stance) -> StanceFamily:
    return next(family for family in stance_families() if stance in family.stances)
