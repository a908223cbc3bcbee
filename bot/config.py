"""Settings from the environment and an optional `.env`, named as in the product's contract."""

from __future__ import annotations

import logging
import re
from datetime import time
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.time_zones import nearest_zone, zone_named, zone_words
from storage.errors import N_, BadValue
from storage.zones import Zone, key_of, zone_of

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/diplobot.db"
# Telegram takes 1-256 of these characters; fewer than 16 random ones could be guessed.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
GENERATE_SECRET = "openssl rand -hex 32"
# @BotFather's form: the bot's id, a colon, the secret half. A value pasted with its quotes,
# its "bot" prefix from an API URL or half of it would otherwise be sent to Telegram and
# come back as a rejection (or a network error) that does not say what is wrong.
_BOT_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")

# Users paste the URLs their hosting shows them; the async drivers are the only ones we run.
_DRIVER_FOR_SCHEME = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class ConfigError(Exception):
    """One line naming the variable and what is wrong with it, for the operator."""


def parse_time_of_day(value: str) -> time:
    """Reads `HH:MM` (24-hour clock), the form of DIPLOBOT_DIGEST_TIME; readers may write
    more ("8pm", "9 утра": bot.time_of_day)."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise BadValue(N_("{value} is not a time of day in HH:MM form"), value=repr(value))
    hour, minute = int(hours), int(minutes)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise BadValue(N_("{value} is not a time of day in HH:MM form"), value=repr(value))
    return time(hour, minute)


#: Longer than any IANA name, and what a subscription can store.
MAX_TIMEZONE_NAME = 64


def parse_timezone(value: str) -> Zone:
    """An IANA zone ("Europe/Kyiv"), which survives DST rule changes, also given by its city
    ("Kyiv", "Київ", "Москва") or as an offset ("UTC+3", "UTC+5:30": bot.time_zones). A name
    is looked up as a file, so a directory ("Europe") or a name too long for the file system
    fails with an OSError: that is an unknown zone too, answered with the nearest known name
    when there is one ("Kiyv": Europe/Kyiv). Words around the zone that name none ("за
    Києвом", "по Москве") are left out, also from the name a refusal shows."""
    name = value.strip()
    bare = zone_words(name) if len(name) <= MAX_TIMEZONE_NAME else name
    shown = bare if len(bare) <= MAX_TIMEZONE_NAME else bare[:MAX_TIMEZONE_NAME] + "…"
    try:
        if not name or len(name) > MAX_TIMEZONE_NAME or name.startswith(("/", ".")) or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return zone_of(zone_named(name) or name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        guess = nearest_zone(name) if len(name) <= MAX_TIMEZONE_NAME else None
        if guess is not None:
            raise BadValue(UNKNOWN_ZONE_GUESS, value=repr(shown), zone=guess) from None
        raise BadValue(UNKNOWN_ZONE, value=repr(shown)) from None


UNKNOWN_ZONE = N_(
    "{value} is not a known time zone: give a city (e.g. Kyiv), an IANA name (e.g. Europe/Kyiv) "
    "or an offset from UTC-12 to UTC+14 (e.g. UTC+3 or UTC+5:30)"
)
UNKNOWN_ZONE_GUESS = N_(
    "{value} is not a known time zone; did you mean {zone}? Give a city (e.g. Kyiv), an IANA name "
    "(e.g. Europe/Kyiv) or an offset from UTC-12 to UTC+14 (e.g. UTC+3 or UTC+5:30)"
)


def parse_webhook_secret(value: str) -> str:
    """The secret Telegram sends with each webhook call; whoever lacks it is refused."""
    if not _WEBHOOK_SECRET.match(value):
        # The value is not echoed: it is a secret.
        raise ValueError(
            f"a webhook secret is 16 to 256 letters, digits, _ or - (generate one with `{GENERATE_SECRET}`)"
        )
    return value


def normalise_database_url(value: str) -> str:
    """The URL for the async driver. Hosted PostgreSQL shows URLs with libpq's `sslmode`,
    which asyncpg takes as `ssl` (same values). Nothing of the URL is echoed in a refusal:
    it may hold a password."""
    try:
        url: URL = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            "not a database URL (sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db)"
        ) from None
    except ValueError:  # SQLAlchemy reads the port as an int
        raise ValueError("the port is not a number (postgresql+asyncpg://user@host:5432/db)") from None
    driver = _DRIVER_FOR_SCHEME.get(url.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {url.drivername!r}: use SQLite or PostgreSQL")
    if driver.startswith("sqlite") and not url.database:
        raise ValueError("a SQLite URL needs a file path (sqlite+aiosqlite:///path.db)")
    if url.host and "@" in url.host:
        # user:p@ss@host reads as host "ss@host": the server would be looked for by that name.
        raise ValueError(
            "the host holds an @: write an @ in the password as %40 (and : / ? # % as %3A %2F %3F %23 %25)"
        )
    if driver.startswith("postgresql") and "sslmode" in url.query:
        query = dict(url.query)
        query["ssl"] = query.pop("sslmode")
        url = url.set(query=query)
    return url.set(drivername=driver).render_as_string(hide_password=False)


def shown_url(database_url: str) -> str:
    """The database URL as a log line may show it: the password masked."""
    return make_url(database_url).render_as_string(hide_password=True)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DIPLOBOT_DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), alias="DIPLOBOT_ADMIN_IDS")
    telegram_api_url: str | None = Field(default=None, alias="DIPLOBOT_TELEGRAM_API_URL")
    timezone: str = Field(default="UTC", alias="DIPLOBOT_TIMEZONE")
    digest_time: str = Field(default="08:00", alias="DIPLOBOT_DIGEST_TIME")
    load_sample: bool = Field(default=True, alias="DIPLOBOT_LOAD_SAMPLE")
    # Off: questions are answered from the full-text index alone, without the sentence
    # model and the statements' vectors in memory (some 200 MB less, plus 1.5 kB per
    # statement). Statements recorded meanwhile are embedded when it is turned back on.
    semantic: bool = Field(default=True, alias="DIPLOBOT_SEMANTIC")
    log_level: str = Field(default="INFO", alias="DIPLOBOT_LOG_LEVEL")
    digest_rate: float = Field(default=30.0, gt=0, allow_inf_nan=False, alias="DIPLOBOT_DIGEST_RATE")
    digest_chat_rate: float = Field(default=1.0, gt=0, allow_inf_nan=False, alias="DIPLOBOT_DIGEST_CHAT_RATE")
    # Webhook mode refuses to start without it: Telegram sends it with every update, and
    # the webhook server turns away any post that lacks it.
    webhook_secret: SecretStr | None = Field(default=None, alias="DIPLOBOT_WEBHOOK_SECRET")

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_of_botfathers_form(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        if not _BOT_TOKEN.match(value.strip()):
            # The value is not echoed: it is a secret.
            raise ValueError(
                "not a bot token: @BotFather gives it as the bot's id, a colon and letters, digits, _ or - "
                "(123456789:AAE…), without quotes or spaces"
            )
        return value.strip()

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _valid_webhook_secret(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_webhook_secret(value.strip()) if value.strip() else None
        return value

    @field_validator("telegram_api_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("http://", "https://")):
                raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = set()
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if part.startswith("-") and part[1:].isdigit():
                # A group's or channel's id, as bots that print chat ids show it: no person.
                raise ValueError(f"{part!r} is a group's or channel's id; an admin is a user (a positive id)")
            if not part.isdigit():
                raise ValueError(f"{part!r} is not a Telegram user id (comma-separated integers)")
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        return key_of(parse_timezone(value))

    @field_validator("digest_time")
    @classmethod
    def _valid_digest_time(cls, value: str) -> str:
        return parse_time_of_day(value).strftime("%H:%M")

    @field_validator("log_level")
    @classmethod
    def _valid_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"{value!r} is not a log level (DEBUG, INFO, WARNING, ERROR)")
        return level

    @cached_property
    def default_zone(self) -> Zone:
        return zone_of(self.timezone)

    @cached_property
    def default_digest_time(self) -> time:
        return parse_time_of_day(self.digest_time)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


def load_settings(**overrides: object) -> Settings:
    """Builds the settings, turning pydantic's report into one line an operator can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field_name = str(first["loc"][0]) if first["loc"] else ""
        field = Settings.model_fields.get(field_name)
        variable = (field.alias if field and field.alias else field_name) or "configuration"
        message = _TYPE_ERRORS.get(first["type"])
        if message is None:
            message = str(first["msg"]).removeprefix("Value error, ")
        else:  # pydantic's own wording names neither the value nor what is taken
            message = message.format(value=first["input"])
        raise ConfigError(f"{variable}: {message}") from None


#: Pydantic's checks of the settings that are not secrets, worded for the operator.
_TYPE_ERRORS = {
    "bool_parsing": "{value!r} is neither true nor false (true, false, yes, no, on, off, 1, 0)",
    "float_parsing": "{value!r} is not a number",
    "greater_than": "{value!r} is not more than 0",
    "finite_number": "{value!r} is not a finite number",
}
