"""Numbers as their digits, however they are written: "600,000", "600 000", "600000",
"600 тисяч" and "600 thousand" are all 600000; "1,2 млн" is 1200000. The full-text index
splits "600,000" in two and cannot find the number; statements and questions both read
through here meet on the digits (bot.answering.lexical)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

#: A number with thousands separators or a decimal part, and the word after it.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)(?:\s?([^\W\d_]+))?", re.UNICODE
)
#: Thousands set apart ("600,000", "600 000"): "1,200" is 1200, not 1.2.
_THOUSANDS = re.compile(r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+")
#: A decimal number ("1,2", "1.5").
_DECIMAL = re.compile(r"(\d+)[.,](\d+)")


@lru_cache(maxsize=1)
def _multipliers() -> tuple[tuple[str, int], ...]:
    text = resources.files("bot").joinpath("data/vocabulary/numbers.json").read_text(encoding="utf-8")
    raw = json.loads(text)["multipliers"]
    return tuple(
        sorted(((word, int(power)) for power, words in raw.items() for word in words), key=lambda w: -len(w[0]))
    )


def _power(word: str) -> int:
    word = word.casefold()
    for known, power in _multipliers():
        if word == known or (len(known) >= 3 and not known.isascii() and word.startswith(known)):
            return power
    return 0


def numbers_in(text: str) -> list[str]:
    """The numbers `text` writes, each as its digits (whole numbers only: "1.5" alone is
    left out, "1.5 million" is 1500000)."""
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        written, power = match.group(1), _power(match.group(2) or "")
        decimal = None if _THOUSANDS.fullmatch(written) else _DECIMAL.fullmatch(written)
        if decimal is None:
            digits = re.sub(r"\D", "", written) + "0" * power
        elif power >= len(decimal.group(2)):
            digits = decimal.group(1) + decimal.group(2) + "0" * (power - len(decimal.group(2)))
        else:
            continue
        found.append(digits.lstrip("0") or "0")
    return list(dict.fromkeys(found))
