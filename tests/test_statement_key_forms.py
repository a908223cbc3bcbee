"""The forms in which the bot shows a statement's identity, read back (no record here:
which statement a key names is tested through the handlers in test_statement_keys.py)."""

from __future__ import annotations

import pytest

from bot.input.statement_keys import statement_key


@pytest.mark.parametrize(
    ("typed", "number", "ref"),
    [
        ("23", 23, None),
        ("#23", 23, None),
        ("№23", 23, None),
        ("/statement_23", 23, None),
        ("s23", 23, "s23"),
        ("s03", 3, "s03"),
        ("ref s03", 3, "s03"),
        ("(ref s03)", 3, "s03"),
        ("https://t.me/diplobot_bot?start=s23", 23, "s23"),
        ("t.me/diplobot_bot?start=s23", 23, "s23"),
        ("u1f2e3d4c5b6a", None, "u1f2e3d4c5b6a"),
        ("ru-2025-08-16.kremlin", None, "ru-2025-08-16.kremlin"),
    ],
)
def test_every_shown_form_is_read(typed: str, number: int | None, ref: str | None) -> None:
    key = statement_key(typed)
    assert key is not None and (key.number, key.ref) == (number, ref)


@pytest.mark.parametrize("typed", ["", "  ", "#", "two words", "garbage!", "#-1", "x" * 65])
def test_what_is_no_identifier_is_not_read_as_one(typed: str) -> None:
    assert statement_key(typed) is None
