"""Reading `/edit ID FIELD VALUE`: the field by any of its names (English, Ukrainian or
Russian: "status", "статус", "тема"), and a value that is one of the record's labels in the
admin's words ("підтверджено" -> confirmed), a speaker with the side in brackets, or
yes/no in any of the three languages. What the value may be stays the record's rule
(`storage.statements.edit_statement`); this only says it in the record's terms."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from bot.input.add_line import parse_speaker
from bot.input.labels import (
    Choices,
    Vocabulary,
    carrying_side,
    listed,
    side_of,
    stance_of,
    status_of,
    topics_of,
    vocabulary,
)
from bot.input.option_words import is_option
from bot.input.search_syntax import place_of
from storage.errors import N_, InvalidInput, wording_of
from storage.statements import EDITABLE_FIELDS
from storage.validation import parse_places

#: The fields /edit changes, as the usage lists them; each also a message of the catalogs.
FIELDS = (
    N_("speaker"),
    N_("role"),
    N_("side"),
    N_("date"),
    N_("topics"),
    N_("places"),
    N_("stance"),
    N_("text"),
    N_("quote"),
    N_("source"),
    N_("url"),
    N_("status"),
)
YES, NO = "yes", "no"
#: The fields a statement may hold nothing in, and what clears them: a dash, or "none" in
#: the admin's words (bot/data/vocabulary/option_words.json: "немає", "нет").
CLEARABLE = (N_("role"), N_("url"), N_("places"))
DASHES = ("-", "–", "—")


@dataclass(frozen=True)
class Edit:
    """One change: `field` is one of `FIELDS`, `value` in the record's terms; `side` is
    the side typed with a speaker ("Keir Starmer (United Kingdom)"), None when not given."""

    field: str
    value: str
    side: str | None = None


@functools.cache
def fields() -> Vocabulary:
    """Each field by its name, the record's other names for it ("said_on", "is_quote")
    and its names in labels.json."""
    entries = listed("fields", FIELDS)
    keyed = {}
    for name in FIELDS:
        others = [alias for alias, column in EDITABLE_FIELDS.items() if column == EDITABLE_FIELDS[name]]
        keyed[name] = (name, [*others, *entries[name]])
    return vocabulary(keyed)


@functools.cache
def answers() -> Vocabulary:
    entries = listed("answers", (YES, NO))
    return vocabulary({YES: (YES, [*entries[YES], "true"]), NO: (NO, [*entries[NO], "false"])})


def field_choices() -> Choices:
    return fields().choices()


def field_of_column(column: str) -> str:
    """The /edit field a record column is changed by ("source_url" -> "url", "said_on" ->
    "date"), so a refusal names the field as the admin types it; any other name as given."""
    if column in FIELDS:
        return column
    return next((name for name in FIELDS if EDITABLE_FIELDS[name] == column), column)


def edit_field(name: str) -> str | None:
    """The field `name` names, one of `FIELDS`; None when it names none."""
    return fields().key_of(name)


def parse_edit(field: str, value: str, sides: Iterable[str] = ()) -> Edit:
    """The change to `field` (one of `FIELDS`) that `value` asks for; an `InvalidInput`
    naming the field when a label is not one of the record's. A side is one the record
    knows (`sides`: its sides beyond the vocabulary), or a new one written `+Name`."""
    if field in CLEARABLE and (value.strip() in DASHES or is_option("edit", "none", value)):
        return Edit(field, "")
    if field == "speaker":
        speaker = parse_speaker(value, sides)  # an AddLineError names the speaker or the side
        return Edit(field, speaker.name, speaker.side or None)
    try:
        if field == "topics":
            return Edit(field, ", ".join(topic.value for topic in topics_of(value)))
        if field == "stance":
            return Edit(field, stance_of(value).value)
        if field == "status":
            return Edit(field, status_of(value).value)
        if field == "side":
            return Edit(field, side_of(value, sides, new=True))
    except ValueError as error:
        raise carrying_side(InvalidInput(field, wording_of(error)), error) from None
    if field == "places":
        # As the record spells a place places.json knows, whatever the admin's language
        # and case ("Стамбулі", "Киев" -> Istanbul, Kyiv), so that cards show it in each
        # reader's language; any other place as typed.
        return Edit(field, "; ".join(place_of(name) for name in parse_places(value)))
    if field == "quote":
        return Edit(field, answers().key_of(value) or value)
    return Edit(field, value)
