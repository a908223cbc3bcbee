"""Errors the record raises for bad input: each carries a message fit for the person who
typed the input, so every surface can show it and change nothing.

The message is a `Wording`: an English template marked with `N_` where it is written
(`make messages` extracts storage/ too) and its parameters. `str()` gives the English, as
the command line and the logs show it; the handlers render it in the reader's language
with `render(_)`. storage/ knows nothing of the languages themselves."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a template for extraction; it is translated where it is shown."""
    return message


def _as_is(message: str) -> str:
    return message


class Wording:
    """A template and its parameters; a parameter that is a `Wording` itself (a field's
    name, a problem inside a problem) is rendered in the same language."""

    __slots__ = ("params", "template")

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params

    def render(self, translate: Translate) -> str:
        text = translate(self.template)
        if not self.params:
            return text
        values = {
            name: value.render(translate) if isinstance(value, Wording) else value
            for name, value in self.params.items()
        }
        return text.format(**values)

    def __str__(self) -> str:
        return self.render(_as_is)

    def __repr__(self) -> str:
        return f"Wording({str(self)!r})"


#: How a sentence may already end; anything else gets a full stop.
_ENDS = (".", "?", "!", "…")


def as_sentence(text: str) -> str:
    """`text` as a sentence: its first letter a capital, a full stop at its end unless it
    ends a sentence already ("did you mean X?")."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith(_ENDS) else f"{text}."


class Ended(Wording):
    """A wording with a full stop at its end unless it ends a sentence already, so that
    another sentence may follow it ("…; did you mean X? To be alerted …", never "X?.")."""

    __slots__ = ("inner",)

    def __init__(self, inner: Wording) -> None:
        super().__init__(inner.template, **inner.params)
        self.inner = inner

    def render(self, translate: Translate) -> str:
        text = self.inner.render(translate).rstrip()
        return text if not text or text.endswith(_ENDS) else f"{text}."


def wording(message: str | Wording, /, **params: object) -> Wording:
    return message if isinstance(message, Wording) else Wording(message, **params)


class BadValue(ValueError):
    """A value that cannot be taken, said as a `Wording` (validators must raise ValueError)."""

    def __init__(self, message: str | Wording, /, **params: object) -> None:
        self.wording = wording(message, **params)
        super().__init__(str(self.wording))


def wording_of(error: Exception) -> Wording:
    """What a `BadValue` or `RecordError` says; any other error as its English text."""
    found = getattr(error, "wording", None)
    return found if isinstance(found, Wording) else Wording(str(error))


class RecordError(Exception):
    """Something the user can fix; the message says what."""

    def __init__(self, message: str | Wording, /, **params: object) -> None:
        self.wording = wording(message, **params)
        super().__init__(str(self.wording))

    def render(self, translate: Translate) -> str:
        return self.wording.render(translate)


class InvalidInput(RecordError):
    """`field: problem`; `field` is the input's name in English (callers match on it), shown
    translated."""

    def __init__(self, field: str, problem: str | Wording, /, **params: object) -> None:
        self.field = field
        self.problem = wording(problem, **params)
        super().__init__(Wording("{field}: {problem}", field=Wording(field), problem=self.problem))


class NotFound(RecordError):
    pass


class Conflict(RecordError):
    pass
