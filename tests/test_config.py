"""Configuration from the environment and `.env`: the documented defaults, and a bad value
refused with one line that starts with the variable's name."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, Settings, load_settings, shown_url

VARIABLES = [
    "TELEGRAM_BOT_TOKEN",
    *(field.alias for field in Settings.model_fields.values() if field.alias and field.alias.startswith("DIPLOBOT_")),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable from the machine running the tests, and no `.env` but the test's own."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_contract_variables_are_the_settings() -> None:
    assert set(VARIABLES) >= {
        "TELEGRAM_BOT_TOKEN",
        "DIPLOBOT_DATABASE_URL",
        "DIPLOBOT_ADMIN_IDS",
        "DIPLOBOT_TELEGRAM_API_URL",
        "DIPLOBOT_TIMEZONE",
        "DIPLOBOT_DIGEST_TIME",
        "DIPLOBOT_LOAD_SAMPLE",
        "DIPLOBOT_LOG_LEVEL",
    }


def test_defaults() -> None:
    settings = load_settings()

    assert settings.telegram_bot_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///data/diplobot.db"
    assert settings.admin_ids == frozenset()
    assert settings.telegram_api_url is None
    assert settings.timezone == "UTC"
    assert settings.default_zone.key == "UTC"
    assert settings.digest_time == "08:00"
    assert settings.default_digest_time == time(8, 0)
    assert settings.load_sample is True
    assert settings.semantic is True
    assert settings.log_level == "INFO"
    assert not settings.is_admin(None) and not settings.is_admin(1)


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", "sqlite:////srv/diplobot/record.db")
    monkeypatch.setenv("DIPLOBOT_ADMIN_IDS", " 12, 34 ,,56 ")
    monkeypatch.setenv("DIPLOBOT_TELEGRAM_API_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("DIPLOBOT_TIMEZONE", "Europe/Kyiv")
    monkeypatch.setenv("DIPLOBOT_DIGEST_TIME", "7:30")
    monkeypatch.setenv("DIPLOBOT_LOAD_SAMPLE", "false")
    monkeypatch.setenv("DIPLOBOT_SEMANTIC", "false")
    monkeypatch.setenv("DIPLOBOT_LOG_LEVEL", "debug")

    settings = load_settings()

    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings)
    assert settings.database_url == "sqlite+aiosqlite:////srv/diplobot/record.db"
    assert settings.admin_ids == frozenset({12, 34, 56})
    assert settings.is_admin(34) and not settings.is_admin(35)
    assert settings.telegram_api_url == "http://127.0.0.1:8081/bot"
    assert settings.default_zone.key == "Europe/Kyiv"
    assert settings.digest_time == "07:30"
    assert settings.default_digest_time == time(7, 30)
    assert settings.load_sample is False
    assert settings.semantic is False
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://bot:s3cret@db.example:5432/diplobot",
            "postgresql+asyncpg://bot:s3cret@db.example:5432/diplobot",
        ),
        ("postgres://bot@db/diplobot", "postgresql+asyncpg://bot@db/diplobot"),
        ("postgresql+asyncpg://bot@db/diplobot", "postgresql+asyncpg://bot@db/diplobot"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("  sqlite+aiosqlite:///x.db  ", "sqlite+aiosqlite:///x.db"),
        # As hosted PostgreSQL shows it: libpq's sslmode is asyncpg's ssl.
        ("postgres://bot@db/diplobot?sslmode=require", "postgresql+asyncpg://bot@db/diplobot?ssl=require"),
    ],
)
def test_database_urls_are_normalised_to_the_async_drivers(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", given)

    assert load_settings().database_url == expected


def test_blank_token_and_api_url_mean_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    monkeypatch.setenv("DIPLOBOT_TELEGRAM_API_URL", "")

    settings = load_settings()

    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIPLOBOT_TIMEZONE", "Mars/Olympus_Mons"),
        ("DIPLOBOT_TIMEZONE", "../../etc/passwd"),
        ("DIPLOBOT_TIMEZONE", "/etc/localtime"),
        ("DIPLOBOT_TIMEZONE", ""),
        ("DIPLOBOT_ADMIN_IDS", "12,abc"),
        ("DIPLOBOT_ADMIN_IDS", "12;34"),
        ("DIPLOBOT_ADMIN_IDS", "1.5"),
        ("DIPLOBOT_DATABASE_URL", "mysql://bot@db/diplobot"),
        ("DIPLOBOT_DATABASE_URL", "not a url"),
        ("DIPLOBOT_DATABASE_URL", "sqlite+aiosqlite://"),
        ("DIPLOBOT_DATABASE_URL", "postgresql+psycopg2://bot@db/diplobot"),
        ("DIPLOBOT_DIGEST_TIME", "25:00"),
        ("DIPLOBOT_DIGEST_TIME", "08:60"),
        ("DIPLOBOT_DIGEST_TIME", "8am"),
        ("DIPLOBOT_DIGEST_TIME", "08:0"),
        ("DIPLOBOT_DIGEST_TIME", ""),
        ("DIPLOBOT_LOG_LEVEL", "LOUD"),
        ("DIPLOBOT_LOG_LEVEL", "Level 5"),
        ("DIPLOBOT_LOAD_SAMPLE", "perhaps"),
        ("DIPLOBOT_SEMANTIC", "maybe"),
        ("DIPLOBOT_TELEGRAM_API_URL", "ftp://example.org/bot"),
    ],
)
def test_a_bad_value_is_a_config_error_starting_with_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert len(message) > len(variable) + 2
    assert "\n" not in message


def test_an_unsupported_database_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", "mysql://bot@db/diplobot")

    with pytest.raises(ConfigError, match=r"^DIPLOBOT_DATABASE_URL: unsupported database 'mysql'"):
        load_settings()


def test_a_malformed_database_url_is_refused_without_echoing_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", "postgresql//bot:s3cret-pw@db/diplobot")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).startswith("DIPLOBOT_DATABASE_URL: ")
    assert "s3cret-pw" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "postgresql+asyncpg://bot:p@ss-s3cret@db/diplobot",
            "the host holds an @: write an @ in the password as %40",
        ),
        ("postgresql+asyncpg://bot:s3cret@db:54x/diplobot", "the port is not a number"),
    ],
)
def test_a_url_that_misreads_its_password_or_port_says_what_to_fix_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", url)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).startswith(f"DIPLOBOT_DATABASE_URL: {problem}")
    assert "s3cret" not in str(raised.value)


def test_a_password_with_an_at_sign_written_as_percent_40_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIPLOBOT_DATABASE_URL", "postgresql://bot:p%40ss@db/diplobot")

    assert load_settings().database_url == "postgresql+asyncpg://bot:p%40ss@db/diplobot"


def test_a_dotenv_file_is_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(
        "DIPLOBOT_TIMEZONE=Europe/Kyiv\nDIPLOBOT_ADMIN_IDS=7,8\nDIPLOBOT_LOAD_SAMPLE=false\n"
        "TELEGRAM_BOT_TOKEN=999:from-dotenv\n",
        encoding="utf-8",
    )

    settings = load_settings()

    assert settings.timezone == "Europe/Kyiv"
    assert settings.admin_ids == frozenset({7, 8})
    assert settings.load_sample is False
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "999:from-dotenv"


def test_the_environment_wins_over_the_dotenv_file(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_environment / ".env").write_text("DIPLOBOT_TIMEZONE=Europe/Kyiv\n", encoding="utf-8")
    monkeypatch.setenv("DIPLOBOT_TIMEZONE", "Asia/Tokyo")

    assert load_settings().timezone == "Asia/Tokyo"


def test_a_bad_value_in_the_dotenv_file_names_its_variable(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("DIPLOBOT_DIGEST_TIME=noon\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"^DIPLOBOT_DIGEST_TIME: "):
        load_settings()


def test_keyword_overrides_use_the_variable_names() -> None:
    settings = load_settings(DIPLOBOT_ADMIN_IDS="5", DIPLOBOT_TIMEZONE="America/New_York")

    assert settings.admin_ids == frozenset({5})
    assert settings.timezone == "America/New_York"


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        "'123456789:AAHsecretHALFofTHEtoken0123456789abcd'",
        "bot123456789:AAHsecretHALFofTHEtoken0123456789abcd",
        "AAHsecretHALFofTHEtoken0123456789abcd",
        "123456789:AAHsecret HALFofTHEtoken0123456789abcd",
    ],
)
def test_a_token_not_of_botfathers_form_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)

    with pytest.raises(ConfigError) as refused:
        load_settings()

    assert str(refused.value).startswith("TELEGRAM_BOT_TOKEN: not a bot token: @BotFather gives it as")
    assert "AAHsecret" not in str(refused.value) and "not a token" not in str(refused.value)


def test_a_token_is_taken_without_the_spaces_around_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123456789:AAH-secret_half \n")

    token = load_settings().telegram_bot_token

    assert token is not None and token.get_secret_value() == "123456789:AAH-secret_half"


def test_a_database_url_is_shown_without_its_password() -> None:
    assert shown_url("postgresql+asyncpg://bot:s3cret@db/diplobot") == "postgresql+asyncpg://bot:***@db/diplobot"
    assert shown_url("sqlite+aiosqlite:///data/diplobot.db") == "sqlite+aiosqlite:///data/diplobot.db"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("DIPLOBOT_LOAD_SAMPLE", "maybe", "'maybe' is neither true nor false (true, false, yes, no, on, off, 1, 0)"),
        ("DIPLOBOT_SEMANTIC", "2", "'2' is neither true nor false (true, false, yes, no, on, off, 1, 0)"),
        ("DIPLOBOT_DIGEST_RATE", "thirty", "'thirty' is not a number"),
        ("DIPLOBOT_DIGEST_CHAT_RATE", "0", "'0' is not more than 0"),
        ("DIPLOBOT_DIGEST_RATE", "inf", "'inf' is not a finite number"),
        ("DIPLOBOT_DIGEST_CHAT_RATE", "nan", "'nan' is not a finite number"),
        (
            "DIPLOBOT_ADMIN_IDS",
            "12,-1001234567890",
            "'-1001234567890' is a group's or channel's id; an admin is a user (a positive id)",
        ),
    ],
)
def test_a_wrong_flag_or_rate_is_named_with_what_is_taken(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value) == f"{variable}: {said}"
