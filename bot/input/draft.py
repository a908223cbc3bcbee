"""The statement the guided /add puts together, one answer at a time. Plain data (dates,
enums, strings), so that a persistence layer can store the dialogue as it stands."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

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

    def to_json(self) -> dict[str, Any]:
        """The draft as it is kept between the dialogue's steps (bot.chat_state)."""
        return {
            "asking": self.asking,
            "nonce": self.nonce,
            "speaker": self.speaker,
            "side": self.side,
            "said_on": self.said_on.isoformat() if self.said_on else None,
            "precision": self.precision.value,
            "topics": [topic.value for topic in self.topics],
            "stance": self.stance.value if self.stance else None,
            "text": self.text,
            "source": self.source,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self:
        said_on, stance = value.get("said_on"), value.get("stance")
        return cls(
            asking=value["asking"],
            nonce=value["nonce"],
            speaker=value["speaker"],
            side=value["side"],
            said_on=date.fromisoformat(said_on) if said_on else None,
            precision=DatePrecision(value["precision"]),
            topics=[Topic(topic) for topic in value["topics"]],
            stance=Stance(stance) if stance else None,
            text=value["text"],
            source=value["source"],
            url=value.get("url"),
        )

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
