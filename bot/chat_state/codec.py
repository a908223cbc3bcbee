"""JSON for what dialogues keep between updates: plain values, dates, and the few kinds
of object registered by name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol, Self

_TYPE = "__type__"


class Stored(Protocol):
    """An object a dialogue keeps in its data, stored as a JSON object of its own."""

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self: ...


class StateCodec:
    """JSON for dialogue data: plain values as they are, dates as ISO strings tagged as
    dates, and the registered kinds of object by name. Anything else is refused when it is
    written, not silently lost."""

    def __init__(self, kinds: Mapping[str, type[Stored]]) -> None:
        self._kinds = dict(kinds)
        self._names = {kind: name for name, kind in kinds.items()}

    def encode(self, data: dict[str, Any]) -> dict[str, Any]:
        encoded = self._encode(data)
        assert isinstance(encoded, dict)
        return encoded

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, date):
            return {_TYPE: "date", "value": value.isoformat()}
        if isinstance(value, list | tuple):
            return [self._encode(item) for item in value]
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise TypeError("dialogue data keys must be strings")
            return {key: self._encode(item) for key, item in value.items()}
        name = self._names.get(type(value))
        if name is None:
            raise TypeError(f"{type(value).__name__} cannot be kept in dialogue data")
        return {_TYPE: name, "value": value.to_json()}

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value
        kind = value.get(_TYPE)
        if kind == "date":
            return date.fromisoformat(value["value"])
        if kind is not None:
            stored = self._kinds.get(kind)
            # A kind this release no longer knows (stored by an older one) reads as nothing.
            return stored.from_json(value["value"]) if stored is not None else None
        return {key: self.decode(item) for key, item in value.items()}
