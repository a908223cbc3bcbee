"""The option words of commands as readers write them: `/channel @name вимкнути`,
`/positions текст`, `/import перевірити`, `/alert видалити 2`. The words are data
(bot/data/vocabulary/option_words.json); each option's English name is always taken."""

from __future__ import annotations

import functools

from bot.input.labels import Form, fold, vocabulary_data


@functools.cache
def _options(command: str) -> dict[str, tuple[Form, ...]]:
    entries: dict[str, list[str]] = vocabulary_data("option_words.json")[command]
    return {key: (Form.of(key), *(Form.of(phrase) for phrase in phrases)) for key, phrases in entries.items()}


def options_of(command: str, written: str) -> set[str]:
    """Every option of `command` that `written` may name (Ukrainian "сповіщення" is both a
    channel's "alert" and its "alerts"); empty for none."""
    words = tuple(fold(written).split())
    if not words:
        return set()
    return {key for key, forms in _options(command).items() if any(form.score(words) is not None for form in forms)}


def is_option(command: str, option: str, written: str) -> bool:
    """Whether `written` names `option` of `command` ("текст" the "text" of /positions)."""
    return option in options_of(command, written)
