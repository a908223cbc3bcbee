"""The tables of the record (no `from __future__ import annotations`: SQLModel reads the
annotations at class creation). Integrity lives in the database (unique refs, checked enums,
foreign keys), so no code path, import or concurrent writer can store what the product
does not allow."""

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, Relationship, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


#: The largest id a row can have: ids are 32-bit integers on PostgreSQL.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """Whether `value` can be a row's id at all. A user may type any number; PostgreSQL
    refuses to compare an integer column with one beyond its range (an error, not "no such
    row"), so such a number is known to match nothing before it is asked."""
    return 0 < value <= MAX_ROW_ID


class Topic(StrEnum):
    peace_terms = "peace_terms"
    security_guarantees = "security_guarantees"
    ceasefire = "ceasefire"
    territory = "territory"
    nato = "nato"
    foreign_troops = "foreign_troops"
    sanctions = "sanctions"
    prisoners = "prisoners"
    talks = "talks"
    battlefield = "battlefield"


class Stance(StrEnum):
    demand = "demand"
    condition = "condition"
    proposal = "proposal"
    offer = "offer"
    commitment = "commitment"
    acceptance = "acceptance"
    rejection = "rejection"
    assessment = "assessment"
    warning = "warning"
    appeal = "appeal"
    claim = "claim"
    denial = "denial"


class Status(StrEnum):
    reported = "reported"
    confirmed = "confirmed"
    contested = "contested"
    denied = "denied"
    retracted = "retracted"


class DatePrecision(StrEnum):
    day = "day"
    month = "month"
    year = "year"


class LinkKind(StrEnum):
    responds_to = "responds_to"
    contradicts = "contradicts"


class ChatType(StrEnum):
    private = "private"
    group = "group"
    supergroup = "supergroup"
    channel = "channel"


class StateScope(StrEnum):
    """Whose dialogue data a `chat_state` row holds: one user's (in any chat) or one chat's."""

    user = "user"
    chat = "chat"


class DeliveryState(StrEnum):
    claimed = "claimed"
    sent = "sent"
    empty = "empty"
    failed = "failed"


class AuditAction(StrEnum):
    add = "add"
    edit = "edit"
    retract = "retract"
    link = "link"
    import_add = "import_add"
    import_update = "import_update"


def checked(enum: type[StrEnum], name: str) -> SAEnum:
    """A VARCHAR with a CHECK constraint: the same on SQLite and PostgreSQL, and new
    members need no `ALTER TYPE` dance on PostgreSQL."""
    return SAEnum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
    )


class Actor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    aliases: list["ActorAlias"] = Relationship(
        back_populates="actor",
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"},
    )


class ActorAlias(SQLModel, table=True):
    __tablename__ = "actor_alias"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(sa_column=Column(ForeignKey("actor.id", ondelete="CASCADE"), nullable=False, index=True))
    alias: str = Field(max_length=200)
    # Case-, accent- and script-folded form ("Путін" -> "putin"); unique so one name
    # never reaches two actors.
    normalized: str = Field(max_length=200, unique=True)
    actor: Optional["Actor"] = Relationship(back_populates="aliases")


class StatementTopic(SQLModel, table=True):
    __tablename__ = "statement_topic"

    statement_id: int = Field(sa_column=Column(ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True))
    topic: Topic = Field(sa_type=checked(Topic, "topic"), primary_key=True)
    position: int = Field(default=0)


class StatementPlace(SQLModel, table=True):
    __tablename__ = "statement_place"

    statement_id: int = Field(sa_column=Column(ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True))
    place: str = Field(max_length=200, primary_key=True)
    position: int = Field(default=0)


class Statement(SQLModel, table=True):
    __table_args__ = (
        Index("ix_statement_said_on", "said_on"),
        # Start-up looks for statements still without a vector: with this partial index it
        # reads only those, not the whole table.
        Index(
            "ix_statement_unembedded",
            "id",
            sqlite_where=text("embedding IS NULL"),
            postgresql_where=text("embedding IS NULL"),
        ),
        Index("ix_statement_side", "side"),
        CheckConstraint("length(text) > 0", name="ck_statement_text_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    speaker_role: str = Field(default="", max_length=300)
    side: str = Field(max_length=100)
    said_on: date
    date_precision: DatePrecision = Field(default=DatePrecision.day, sa_type=checked(DatePrecision, "date_precision"))
    stance: Stance = Field(sa_type=checked(Stance, "stance"))
    text: str = Field(sa_type=Text)
    is_quote: bool = Field(default=False)
    source: str = Field(max_length=500)
    source_url: str | None = Field(default=None, max_length=1000)
    status: Status = Field(default=Status.reported, sa_type=checked(Status, "status"))
    added_by: str = Field(max_length=100)
    added_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    retracted_at: datetime | None = Field(default=None)
    retraction_reason: str | None = Field(default=None, sa_type=Text)
    # Speaker, aliases, role, side, places, topics, text and source in one string, so
    # each engine's full-text index (FTS5 external content / a generated tsvector) can
    # index them without joins.
    search_text: str = Field(default="", sa_type=Text)
    embedding: bytes | None = Field(default=None)

    actor: Optional["Actor"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})
    topic_rows: list[StatementTopic] = Relationship(
        sa_relationship_kwargs={
            "lazy": "selectin",
            "cascade": "all, delete-orphan",
            "order_by": "StatementTopic.position",
        }
    )
    place_rows: list[StatementPlace] = Relationship(
        sa_relationship_kwargs={
            "lazy": "selectin",
            "cascade": "all, delete-orphan",
            "order_by": "StatementPlace.position",
        }
    )

    @property
    def speaker(self) -> str:
        assert self.actor is not None, "statement loaded without its actor"
        return self.actor.name

    @property
    def topics(self) -> list[str]:
        return [row.topic.value for row in self.topic_rows]

    @property
    def places(self) -> list[str]:
        return [row.place for row in self.place_rows]

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None


class StatementLink(SQLModel, table=True):
    __tablename__ = "statement_link"
    __table_args__ = (
        UniqueConstraint("from_id", "to_id", "kind", name="uq_statement_link"),
        CheckConstraint("from_id <> to_id", name="ck_statement_link_not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_id: int = Field(sa_column=Column(ForeignKey("statement.id", ondelete="CASCADE"), nullable=False, index=True))
    to_id: int = Field(sa_column=Column(ForeignKey("statement.id", ondelete="CASCADE"), nullable=False, index=True))
    kind: LinkKind = Field(sa_type=checked(LinkKind, "link_kind"))
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class Subscriber(SQLModel, table=True):
    __table_args__ = (Index("ix_subscriber_due", "active", "paused", "next_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    chat_type: ChatType = Field(default=ChatType.private, sa_type=checked(ChatType, "chat_type"))
    language: str = Field(default="en", max_length=16)
    timezone: str = Field(max_length=64)
    digest_time: time
    topics: list[str] = Field(default_factory=list, sa_type=JSON)
    actor_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    active: bool = Field(default=True)
    paused: bool = Field(default=False)
    notify_empty: bool = Field(default=False)
    # The highest statement id already delivered: statement ids grow with recording
    # time, so "new since my last digest" is one comparison.
    cursor: int = Field(default=0)
    next_due_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_reason: str | None = Field(default=None, max_length=300)
    # The digest sender (one tick of one process) that has this subscriber's digest in
    # hand, from its claim to its completion; a sender that is gone leaves it to the next
    # (storage/deliveries.py, `claim_due`).
    digest_sender: int | None = Field(default=None)


class DigestDelivery(SQLModel, table=True):
    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("subscriber_id", "local_date", name="uq_delivery_per_day"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        sa_column=Column(ForeignKey("subscriber.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    local_date: date
    state: DeliveryState = Field(default=DeliveryState.claimed, sa_type=checked(DeliveryState, "delivery_state"))
    cursor_from: int
    cursor_to: int
    messages_sent: int = Field(default=0)
    claimed_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = Field(default=None)
    error: str | None = Field(default=None, sa_type=Text)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    who: str = Field(max_length=100)
    action: AuditAction = Field(sa_type=checked(AuditAction, "audit_action"))
    statement_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("statement.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    before: dict | None = Field(default=None, sa_type=JSON)
    after: dict | None = Field(default=None, sa_type=JSON)


class Alert(SQLModel, table=True):
    """A chat's standing search: what is recorded later and matches it is sent at once.
    `number` is the chat's own (`/alert off 2`); `cursor` the last change of the record
    (audit entry id) it has been matched against."""

    __table_args__ = (UniqueConstraint("chat_id", "number", name="uq_alert_number"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    number: int
    query: str = Field(max_length=300)
    cursor: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class AlertDelivery(SQLModel, table=True):
    """One message (and its pages) to one chat about the statements its alerts matched in
    one tick: claimed before anything is sent, like a digest delivery."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_open", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    state: DeliveryState = Field(default=DeliveryState.claimed, sa_type=checked(DeliveryState, "delivery_state"))
    # The end of the record's changes (audit entry id) the matching covered.
    cursor_to: int
    matches: int = Field(default=0)
    messages_sent: int = Field(default=0)
    claimed_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = Field(default=None)
    error: str | None = Field(default=None, sa_type=Text)


class AlertMatch(SQLModel, table=True):
    """A statement an alert has been sent, once: the primary key is what makes an alert
    tell of a statement exactly once, whatever edits and ticks come later."""

    __tablename__ = "alert_match"

    alert_id: int = Field(sa_column=Column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True))
    statement_id: int = Field(
        sa_column=Column(ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    delivery_id: int = Field(
        sa_column=Column(ForeignKey("alert_delivery.id", ondelete="CASCADE"), nullable=False, index=True)
    )


class ChatState(SQLModel, table=True):
    """What the dialogues of a user or a chat keep between updates (python-telegram-bot's
    `user_data` and `chat_data`), as JSON. Kept here rather than in a process's memory so
    that it survives a restart and every instance sees the same; a row with nothing left
    in it is deleted."""

    __tablename__ = "chat_state"

    scope: StateScope = Field(sa_column=Column(checked(StateScope, "state_scope"), primary_key=True))
    owner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: dict = Field(sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow)


class DialogueState(SQLModel, table=True):
    """The step a user's dialogue in a chat waits on. `updated_at` is its last answer: an
    idle dialogue is ended by whichever instance first finds it expired."""

    __tablename__ = "dialogue_state"

    name: str = Field(primary_key=True, max_length=64)
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class PageListing(SQLModel, table=True):
    """A result list behind Previous / Next buttons: the buttons carry only its key, which
    is random (not guessable from another list's) and good only in the chat that made it."""

    __tablename__ = "page_listing"

    key: str = Field(primary_key=True, max_length=32)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=32)
    argument: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)
