"""Every inline button's callback data, one small dataclass per kind. Telegram carries at
most 64 bytes back and forth; each kind starts with its own prefix, so a handler's pattern
says which kind it takes and `parse` reads the rest (None for data that is not of the
kind, e.g. a button of an older release). The wire format is `prefix:part:part`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

SEPARATOR = ":"


def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{prefix}{SEPARATOR}")


@dataclass(frozen=True)
class PageButton:
    """Previous / next under a result list: the listing's key in the page store and the
    offset to show."""

    PREFIX: ClassVar[str] = "pg"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    key: str
    offset: int

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, self.key, str(self.offset)))

    @classmethod
    def parse(cls, data: str) -> PageButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 3 or parts[0] != cls.PREFIX or not parts[2].isdigit():
            return None
        return cls(parts[1], int(parts[2]))


@dataclass(frozen=True)
class SettingsButton:
    """A button of the /settings message: what it does, and its argument (a topic, a
    speaker's id, a time as HHMM, a time zone) when it has one."""

    PREFIX: ClassVar[str] = "ds"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    action: str
    argument: str = ""

    def encode(self) -> str:
        parts = (self.PREFIX, self.action, self.argument) if self.argument else (self.PREFIX, self.action)
        return SEPARATOR.join(parts)

    @classmethod
    def parse(cls, data: str) -> SettingsButton | None:
        parts = data.split(SEPARATOR, 2)
        if len(parts) < 2 or parts[0] != cls.PREFIX:
            return None
        return cls(parts[1], parts[2] if len(parts) > 2 else "")


@dataclass(frozen=True)
class AddButton:
    """A button of the guided /add: the dialogue's nonce (a button of an earlier dialogue
    does nothing), the step it answers and the choice, if any."""

    PREFIX: ClassVar[str] = "add"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    nonce: str
    step: str
    choice: str = ""

    def encode(self) -> str:
        parts = (
            (self.PREFIX, self.nonce, self.step, self.choice) if self.choice else (self.PREFIX, self.nonce, self.step)
        )
        return SEPARATOR.join(parts)

    @classmethod
    def parse(cls, data: str) -> AddButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) not in (3, 4) or parts[0] != cls.PREFIX:
            return None
        return cls(parts[1], parts[2], parts[3] if len(parts) == 4 else "")

    @classmethod
    def step_pattern(cls, *steps: str) -> re.Pattern[str]:
        """The buttons of these steps, of any dialogue (the handler checks the nonce)."""
        alternatives = "|".join(re.escape(step) for step in steps)
        return re.compile(rf"^{cls.PREFIX}{SEPARATOR}\w+{SEPARATOR}(?:{alternatives})(?:{SEPARATOR}|$)")


@dataclass(frozen=True)
class AlertPageButton:
    """Previous / next under an alert's message: the delivery (its statements are in the
    database, so the buttons work as long as the message exists) and the offset to show."""

    PREFIX: ClassVar[str] = "ap"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    delivery_id: int
    offset: int

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, str(self.delivery_id), str(self.offset)))

    @classmethod
    def parse(cls, data: str) -> AlertPageButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 3 or parts[0] != cls.PREFIX or not (parts[1].isdigit() and parts[2].isdigit()):
            return None
        return cls(int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class AlertOffButton:
    """Removes alert `number` of the chat the button is in."""

    PREFIX: ClassVar[str] = "ax"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    number: int

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, str(self.number)))

    @classmethod
    def parse(cls, data: str) -> AlertOffButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 2 or parts[0] != cls.PREFIX or not parts[1].isdigit():
            return None
        return cls(int(parts[1]))


@dataclass(frozen=True)
class ChannelAlertOffButton:
    """Removes alert `number` of the channel `chat_id`: a channel's list is shown in its
    admin's private chat."""

    PREFIX: ClassVar[str] = "cx"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    chat_id: int
    number: int

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, str(self.chat_id), str(self.number)))

    @classmethod
    def parse(cls, data: str) -> ChannelAlertOffButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 3 or parts[0] != cls.PREFIX or not parts[1].lstrip("-").isdigit() or not parts[2].isdigit():
            return None
        return cls(int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class ChannelUnlinkButton:
    """Unlink or Cancel under `/channel @name off`'s question: the channel `chat_id` and
    the choice (its admin's rights are asked of Telegram again when it is pressed)."""

    PREFIX: ClassVar[str] = "cu"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)
    CHOICES: ClassVar[tuple[str, str]] = ("yes", "no")

    chat_id: int
    choice: str

    @property
    def confirmed(self) -> bool:
        return self.choice == "yes"

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, str(self.chat_id), self.choice))

    @classmethod
    def parse(cls, data: str) -> ChannelUnlinkButton | None:
        parts = data.split(SEPARATOR)
        if (
            len(parts) != 3
            or parts[0] != cls.PREFIX
            or not parts[1].lstrip("-").isdigit()
            or parts[2] not in cls.CHOICES
        ):
            return None
        return cls(int(parts[1]), parts[2])


@dataclass(frozen=True)
class LanguageButton:
    """One of the three buttons of /language: the language it chooses."""

    PREFIX: ClassVar[str] = "lg"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    language: str

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, self.language))

    @classmethod
    def parse(cls, data: str) -> LanguageButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 2 or parts[0] != cls.PREFIX:
            return None
        return cls(parts[1])


@dataclass(frozen=True)
class RetractButton:
    """Retract or Cancel under a /retract's preview: the request's nonce (a button of an
    earlier request does nothing) and the choice."""

    PREFIX: ClassVar[str] = "rt"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)
    CHOICES: ClassVar[tuple[str, str]] = ("yes", "no")

    nonce: str
    choice: str

    @property
    def confirmed(self) -> bool:
        return self.choice == "yes"

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, self.nonce, self.choice))

    @classmethod
    def parse(cls, data: str) -> RetractButton | None:
        parts = data.split(SEPARATOR)
        if len(parts) != 3 or parts[0] != cls.PREFIX or parts[2] not in cls.CHOICES:
            return None
        return cls(parts[1], parts[2])


@dataclass(frozen=True)
class SideButton:
    """A side offered for a statement whose new speaker's side is open: the statement and
    the side, as the record spells it."""

    PREFIX: ClassVar[str] = "sd"
    PATTERN: ClassVar[re.Pattern[str]] = _pattern(PREFIX)

    statement_id: int
    side: str

    def encode(self) -> str:
        return SEPARATOR.join((self.PREFIX, str(self.statement_id), self.side))

    @classmethod
    def parse(cls, data: str) -> SideButton | None:
        parts = data.split(SEPARATOR, 2)
        if len(parts) != 3 or parts[0] != cls.PREFIX or not parts[1].isdigit() or not parts[2]:
            return None
        return cls(int(parts[1]), parts[2])
