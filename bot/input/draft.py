"""The statement the guided /add puts together, one answer at a time. Plain data (dates,
enums, strings), so that a persistence layer can store the dialogue as it stands."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from bot.input.add_line import Speaker, check_values, statement_values
from storage.models import DatePrecision, Stance, Topic
from storage.validation import StatementData


def _nonce() -> str:
    return secrets.token_hex(3)


@dataclass
class Draft:
    """`nonce` tells this dialogue's buttons from an earlier one's; `asking` is the question
    the dialogue waits on, said again when an answer does not fit."""

    asking: str
    nonce: str = field(default_factory=_nonce)
    speaker: str = ""
    side: str = ""
    said_on: date | None = None
    precision: DatePrecision = DatePrecision.day
    topics: list[Topic] = field(default_factory=list)
    stance: Stance | None = None
    text: str = ""
    source: str = ""
    url: str | None = None

    def toggle(self, topic: Topic) -> None:
        if topic in self.topics:
            self.topics.remove(topic)
        else:
            self.topics.append(topic)

    def data(self) -> StatementData:
        """The statement, checked as a whole; an `AddLineError` names what is wrong."""
        assert self.said_on is not None and self.stance is not None
        values = statement_values(
            Speaker(self.speaker, self.side),
            self.said_on,
            self.precision,
            self.topics,
            self.text,
            self.source,
            self.url,
            self.stance,
        )
        return check_values(values)
