"""The admins' commands through the real Application and handlers, on a real database
(SQLite, and PostgreSQL when DIPLOBOT_TEST_POSTGRES_URL is set), with `LocalBotApi` in
Telegram's place: every success path, every refusal and every bad input, and for each
refusal the proof that the record did not change."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import col, select

from bot.local.bot_api import LocalUser
from bot.presentation import add_dialogue as add_dialogue_text
from bot.presentation.admin import MAX_LISTED_PROBLEMS, MAX_PROBLEM_LENGTH
from bot.record import MAX_IMPORT_BYTES
from handlers import dialogues
from handlers.admin import add_dialogue
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.models import (
    Actor,
    AuditAction,
    AuditEntry,
    DatePrecision,
    LinkKind,
    Stance,
    Statement,
    StatementLink,
    Status,
)
from storage.statements import add_statement, get_statement
from storage.validation import MAX_TEXT, validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, retract, running_bot

ADMIN = f"tg:{ADMIN_ID}"
REFUSED = "Only the bot's admins can change the record"
PUTIN_TEXT = "Russia is ready for a ceasefire once the root causes of the conflict are addressed."
ZELENSKY_TEXT = "Ukraine needs security guarantees that work before any ceasefire."


# -- fixtures and helpers ----------------------------------------------------------


@pytest_asyncio.fixture
async def record(database: Database) -> Database:
    """Two statements: #1 by Vladimir Putin (Russia), #2 by Volodymyr Zelensky (Ukraine)."""
    for values in (
        {
            "ref": "t1",
            "speaker": "Vladimir Putin",
            "speaker_role": "President of Russia",
            "side": "Russia",
            "said_on": "2025-08-16",
            "topics": ["ceasefire", "peace_terms"],
            "stance": "condition",
            "text": PUTIN_TEXT,
            "source": "Kremlin press conference",
        },
        {
            "ref": "t2",
            "speaker": "Volodymyr Zelensky",
            "speaker_role": "President of Ukraine",
            "side": "Ukraine",
            "said_on": "2025-08-18",
            "topics": ["security_guarantees", "ceasefire"],
            "stance": "demand",
            "text": ZELENSKY_TEXT,
            "source": "Address to the nation",
            "source_url": "https://www.president.gov.ua/en/news/1",
        },
    ):
        await add_statement(database, validate_statement(values), "seed")
    return database


async def snapshot(database: Database) -> tuple[bytes, int, int, int, int]:
    """Everything a refused command must leave alone: every statement in full, and the
    number of statements, audit entries, actors and links."""
    async with database.read() as session:

        async def count(model: Any) -> int:
            return (await session.exec(select(func.count()).select_from(model))).one()

        counts = (await count(Statement), await count(AuditEntry), await count(Actor), await count(StatementLink))
    return (await export_statements(database, ExchangeFormat.jsonl), *counts)


async def statement_count(database: Database) -> int:
    return (await snapshot(database))[1]


async def newest(database: Database) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).order_by(col(Statement.id).desc()))).first()


async def audit(database: Database) -> list[AuditEntry]:
    async with database.read() as session:
        return list((await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all())


def sent_since(bot: BotHarness, chat_id: int, before: int) -> list[str]:
    return bot.texts(chat_id)[before:]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """The inline buttons under a message: label -> callback data."""
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


async def press(user: LocalUser, label: str) -> dict[str, Any]:
    """Presses the button whose label ends with `label` under the bot's newest message."""
    message = user.last_message()
    found = [data for text, data in buttons(message).items() if text.endswith(label)]
    assert len(found) == 1, f"no single button {label!r} in {list(buttons(message))}"
    await user.press(message, found[0])
    return message


def last_alert(bot: BotHarness) -> dict[str, Any]:
    return bot.calls("answerCallbackQuery")[-1].params


def one_line(*parts: str) -> str:
    return "/add " + " | ".join(parts)


def jsonl(*records: dict[str, Any]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


def exchange_record(ref: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "ref": ref,
        "said_on": "2025-09-01",
        "speaker": "Emmanuel Macron",
        "side": "France",
        "topics": ["security_guarantees", "foreign_troops"],
        "stance": "commitment",
        "text": "France is ready to deploy a reassurance force after a ceasefire.",
        "source": "Élysée press briefing",
    }
    values.update(overrides)
    return values


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


# -- /add in one line --------------------------------------------------------------


async def test_a_comma_after_the_speakers_name_is_refused_with_the_brackets_form(
    bot: BotHarness, record: Database
) -> None:
    before = await newest(record)
    await bot.admin().send(one_line("Ivan Petrenko, Ukraine", "2025-08-21", "talks", "A comma slipped in.", "Wire"))
    assert "give the side in brackets, e.g. Ivan Petrenko (Ukraine)" in bot.last_text(ADMIN_ID)
    assert (await newest(record)).id == before.id


async def test_one_statement_under_another_side_does_not_move_the_speakers_usual_side(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin()
    await admin.send(one_line("Vladimir Putin (Ukraine)", "2025-08-21", "talks", "Filed under another side.", "Wire"))
    assert (await newest(record)).side == "Ukraine"
    await admin.send(one_line("Vladimir Putin", "2025-08-22", "talks", "Filed as usual.", "Wire"))
    stored = await newest(record)
    assert (stored.text, stored.side) == ("Filed as usual.", "Russia")


async def test_one_line_add_takes_the_speakers_usual_side_and_shows_the_statement(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin()

    await admin.send(
        one_line(
            "Vladimir Putin",
            "2025-08-20",
            "talks, ceasefire",
            "We are open to a meeting with Zelensky in Moscow.",
            "Kremlin readout",
            "https://en.kremlin.ru/events/president/news/2",
        )
    )

    stored = await newest(record)
    assert stored.id == 3
    assert (stored.speaker, stored.side, stored.said_on) == ("Vladimir Putin", "Russia", date(2025, 8, 20))
    assert stored.topics == ["talks", "ceasefire"]
    assert (stored.stance, stored.status, stored.added_by) == (Stance.assessment, Status.reported, ADMIN)
    assert stored.source_url == "https://en.kremlin.ru/events/president/news/2"
    entry = (await audit(record))[-1]
    assert (entry.action, entry.who, entry.statement_id) == (AuditAction.add, ADMIN, 3)
    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("✅ Added #3")
    assert "<b>Vladimir Putin</b>" in answer and "Side: Russia" in answer and "20 Aug 2025" in answer
    assert '<a href="https://en.kremlin.ru/events/president/news/2">Kremlin readout</a>' in answer
    assert "<code>/edit 3 stance demand</code>" in answer


async def test_one_line_add_of_a_new_speaker_with_the_side_in_brackets_and_a_month(
    bot: BotHarness, record: Database
) -> None:
    await bot.admin().send(
        one_line(
            "Keir Starmer (United Kingdom)",
            "2025-03",
            "security_guarantees, foreign troops",
            "We are prepared to put boots on the ground.",
            "BBC",
        )
    )

    stored = await newest(record)
    assert (stored.speaker, stored.side) == ("Keir Starmer", "United Kingdom")
    assert (stored.said_on, stored.date_precision) == (date(2025, 3, 1), DatePrecision.month)
    assert stored.topics == ["security_guarantees", "foreign_troops"]
    assert "Date: Mar 2025" in bot.last_text(ADMIN_ID)


async def test_one_line_add_suggests_the_recorded_name(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send(one_line("Putin", "2025-08-20", "talks", "Text.", "TASS"))

    assert "Did you mean <b>Vladimir Putin</b>?" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


def _future() -> str:
    return (date.today() + timedelta(days=40)).isoformat()


GOOD = ("Vladimir Putin", "2025-08-20", "talks", "We are open to a meeting.", "Kremlin readout")


async def test_the_same_statement_sent_twice_is_added_once(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send(one_line(*GOOD))
    assert bot.last_text(ADMIN_ID).startswith("✅ Added #3")
    before = await snapshot(record)

    # The speaker in small letters, another source, spaces around: the same statement.
    await admin.send(one_line("vladimir putin", GOOD[1], GOOD[2], f"  {GOOD[3]} ", "TASS"))

    assert bot.last_text(ADMIN_ID) == "⚠️ statement: the record already holds it as #3 (same speaker, date and text)"
    assert await snapshot(record) == before
    await retract(admin, 3, "duplicate")
    await admin.send(one_line(*GOOD))
    assert bot.last_text(ADMIN_ID).startswith("✅ Added #4")


@pytest.mark.parametrize(
    ("argument", "fragments"),
    [
        pytest.param(one_line(*GOOD[:3]), ["<b>The form</b>", "found 3"], id="too-few-parts"),
        pytest.param(
            one_line(*GOOD, "https://a.example", "b"), ["found 7", "a | inside the text"], id="too-many-parts"
        ),
        pytest.param(one_line(GOOD[0], "", *GOOD[2:]), ["Part 2 (date)", "empty"], id="empty-date"),
        pytest.param(one_line(*GOOD[:2], " ", *GOOD[3:]), ["Part 3 (topics)", "empty"], id="empty-topics"),
        pytest.param(one_line(*GOOD[:4], ""), ["Part 5 (source)", "empty"], id="empty-source"),
        pytest.param(one_line(GOOD[0], "20.08.2025", *GOOD[2:]), ["Part 2 (date)", "is not a date"], id="not-a-date"),
        pytest.param(
            one_line(GOOD[0], "2025-02-30", *GOOD[2:]), ["Part 2 (date)", "not a real calendar date"], id="no-such-day"
        ),
        pytest.param(
            one_line(GOOD[0], _future(), *GOOD[2:]), ["Part 2 (date)", "not a plausible date"], id="future-date"
        ),
        pytest.param(
            one_line(*GOOD[:2], "talks, peace", *GOOD[3:]),
            ["Part 3 (topics)", "unknown topic 'peace'"],
            id="unknown-topic",
        ),
        pytest.param(one_line(*GOOD, "ftp://files.example/a"), ["Part 6 (url)", "not an http(s) link"], id="bad-url"),
        pytest.param(
            one_line(*GOOD[:3], "x" * (MAX_TEXT + 1), GOOD[4]),
            ["Part 4 (text)", f"{MAX_TEXT + 1} characters"],
            id="text-too-long",
        ),
        pytest.param(one_line("Keir Starmer ()", *GOOD[1:]), ["speaker's side", "brackets"], id="empty-side"),
    ],
)
async def test_malformed_one_line_add_names_the_part_and_writes_nothing(
    bot: BotHarness, record: Database, argument: str, fragments: list[str]
) -> None:
    before = await snapshot(record)

    await bot.admin().send(argument)

    answer = bot.last_text(ADMIN_ID)
    for fragment in fragments:
        assert fragment in answer
    assert "Nothing was added" in answer
    assert "<code>/add SPEAKER | YYYY-MM-DD | TOPICS | TEXT | SOURCE [| URL]</code>" in answer
    assert await snapshot(record) == before


async def test_html_in_the_text_is_refused_and_changes_nothing(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send(one_line("Vladimir Putin", "2025-08-20", "nato", "<b>No</b> NATO & more", "TASS"))

    answer = bot.last_text(ADMIN_ID)
    assert "<b>Part 4 (text)</b>: holds HTML markup (&lt;b&gt;)" in answer, answer
    assert "Nothing was added" in answer
    assert await snapshot(record) == before


async def test_an_ampersand_and_a_less_than_sign_are_stored_as_typed_and_shown_escaped(
    bot: BotHarness, record: Database
) -> None:
    text = "No NATO & fewer than <5 brigades"

    await bot.admin().send(one_line("Vladimir Putin", "2025-08-20", "nato", text, "TASS & RIA"))

    stored = await newest(record)
    assert (stored.text, stored.source) == (text, "TASS & RIA")
    assert "No NATO &amp; fewer than &lt;5 brigades" in bot.last_text(ADMIN_ID)


async def test_the_longest_text_allowed_is_added_and_answered_within_telegrams_limit(
    bot: BotHarness, record: Database
) -> None:
    text = ("word " * (MAX_TEXT // 5))[:MAX_TEXT]
    before = len(bot.texts(ADMIN_ID))

    await bot.admin().send(one_line("Vladimir Putin", "2025-08-20", "talks", text, "TASS"))

    assert (await newest(record)).text == text.strip()
    pieces = sent_since(bot, ADMIN_ID, before)
    assert pieces[0].startswith("✅ Added #3")
    assert all(len(piece) <= 4096 for piece in pieces)


# -- the guided /add ---------------------------------------------------------------


async def test_guided_add_through_the_buttons_writes_exactly_one_statement(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    count = await statement_count(record)

    await admin.send("/add")
    assert "Who said it?" in bot.last_text(ADMIN_ID)

    before = len(bot.texts(ADMIN_ID))
    await admin.send("Keir Starmer")
    # The dialogue's answer only: the plain-text question handler stayed silent.
    assert sent_since(bot, ADMIN_ID, before) == [
        "<b>Keir Starmer</b> is new to the record.\n\n"
        "Which side do they speak for? e.g. <i>Ukraine</i>, <i>Russia</i>, <i>United States</i>; "
        "a side the record does not hold yet with + before it: <i>+Azerbaijan</i>"
    ]

    await admin.send("United Kingdom")
    assert "When was it said?" in bot.last_text(ADMIN_ID)

    await admin.send("2025-13-01")
    assert "'2025-13-01' is not a real calendar date" in bot.last_text(ADMIN_ID)
    assert "When was it said?" in bot.last_text(ADMIN_ID)

    await admin.send("2025-03-02")
    assert "Which topics?" in bot.last_text(ADMIN_ID)
    await press(admin, "Done")
    assert last_alert(bot)["text"] == "Pick at least one topic first."
    await press(admin, "security guarantees")
    await press(admin, "foreign troops")
    await press(admin, "talks")
    await press(admin, "talks")
    assert "✅ security guarantees" in buttons(admin.last_message())
    assert "talks" in buttons(admin.last_message())
    topics_message = await press(admin, "Done")
    assert (
        bot.api.messages[(ADMIN_ID, topics_message["message_id"])]["text"]
        == "Topics: security guarantees, foreign troops."
    )

    assert "What kind of statement is it?" in bot.last_text(ADMIN_ID)
    await press(admin, "commitment")

    await admin.send("x" * (MAX_TEXT + 1))
    assert f"{MAX_TEXT + 1} characters" in bot.last_text(ADMIN_ID)
    await admin.send("We will <b>lead</b> a coalition of the willing & stand by Ukraine.")
    assert "holds HTML markup (&lt;b&gt;)" in bot.last_text(ADMIN_ID)
    await admin.send("We will lead a coalition of the willing & stand by Ukraine.")

    assert "Where was it reported?" in bot.last_text(ADMIN_ID)
    await admin.send("BBC")
    assert "Send the link" in bot.last_text(ADMIN_ID)
    await admin.send("bbc.co.uk")
    assert "not an http(s) link" in bot.last_text(ADMIN_ID)
    await admin.send("https://www.bbc.co.uk/news/1")

    preview = bot.last_text(ADMIN_ID)
    assert preview.startswith("<b>Preview</b>")
    for fragment in (
        "Speaker: <b>Keir Starmer</b>",
        "Side: United Kingdom",
        "Date: 2 Mar 2025",
        "Topics: security guarantees, foreign troops",
        "Stance: commitment",
        "Status: <i>reported</i>",
        "We will lead a coalition of the willing &amp; stand by Ukraine.",
        '<a href="https://www.bbc.co.uk/news/1">BBC</a>',
    ):
        assert fragment in preview
    assert ADMIN not in preview, "no view names who records a statement"
    assert set(buttons(admin.last_message())) == {"✅ Confirm", "✖️ Cancel"}
    assert await statement_count(record) == count

    confirm = buttons(admin.last_message())["✅ Confirm"]
    preview_message = await press(admin, "Confirm")

    assert await statement_count(record) == count + 1
    stored = await newest(record)
    assert (stored.speaker, stored.side, stored.said_on) == ("Keir Starmer", "United Kingdom", date(2025, 3, 2))
    assert stored.topics == ["security_guarantees", "foreign_troops"]
    assert (stored.stance, stored.status, stored.added_by) == (Stance.commitment, Status.reported, ADMIN)
    assert stored.text == "We will lead a coalition of the willing & stand by Ukraine."
    assert stored.source_url == "https://www.bbc.co.uk/news/1"
    assert bot.last_text(ADMIN_ID).startswith(f"✅ Added #{stored.id}")
    assert "reply_markup" not in bot.api.messages[(ADMIN_ID, preview_message["message_id"])]

    # A second tap on the (old) Confirm button writes nothing more.
    await admin.press(preview_message, confirm)
    assert await statement_count(record) == count + 1
    assert "has ended" in last_alert(bot)["text"]


async def test_guided_add_of_a_recorded_speaker_with_typed_answers(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()

    await admin.send("/add")
    await admin.send("vladimir putin")
    assert "Speaker: <b>Vladimir Putin</b>, side: Russia (as in the record)." in bot.last_text(ADMIN_ID)
    await admin.send("2025")
    await admin.send("ceasefire, prisoners")
    assert "Topics: ceasefire, prisoners." in bot.texts(ADMIN_ID)[-2]
    await admin.send("opinion")
    assert "'opinion' is not a stance" in bot.last_text(ADMIN_ID)
    await admin.send("Warning")
    await admin.send("Any foreign troops in Ukraine will be legitimate targets.")
    await admin.send("Eastern Economic Forum | https://en.kremlin.ru/events/president/news/3")
    assert bot.last_text(ADMIN_ID).startswith("<b>Preview</b>")
    preview = admin.last_message()
    await admin.send("looks fine")
    assert "Not now: Tap <b>Confirm</b>" in bot.last_text(ADMIN_ID)
    assert await statement_count(record) == 2
    await admin.press(preview, buttons(preview)["✅ Confirm"])

    stored = await newest(record)
    assert stored.id == 3
    assert (stored.speaker, stored.side, stored.stance) == ("Vladimir Putin", "Russia", Stance.warning)
    assert (stored.said_on, stored.date_precision) == (date(2025, 1, 1), DatePrecision.year)
    assert stored.topics == ["ceasefire", "prisoners"]
    assert stored.source == "Eastern Economic Forum"


async def test_guided_add_without_a_link(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/add")
    await admin.send("Volodymyr Zelensky")
    await admin.send("2025-08-19")
    await press(admin, "talks")
    await press(admin, "Done")
    await press(admin, "proposal")
    await admin.send("A trilateral meeting is the way to end this war.")
    await admin.send("Press conference in Washington")
    await press(admin, "No link")
    assert bot.last_text(ADMIN_ID).startswith("<b>Preview</b>")
    await press(admin, "Confirm")

    stored = await newest(record)
    assert (stored.speaker, stored.side, stored.source_url) == ("Volodymyr Zelensky", "Ukraine", None)


async def test_guided_add_skip_command_leaves_out_the_link(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    for answer in (
        "/add",
        "Volodymyr Zelensky (Ukraine)",
        "2025-08-19",
        "talks",
        "offer",
        "We offer talks.",
        "Interview",
        "/skip",
    ):
        await admin.send(answer)
    await press(admin, "Confirm")
    assert (await newest(record)).source_url is None


async def test_guided_add_suggests_the_recorded_name_for_a_short_one(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/add")
    await admin.send("Zelensky")
    assert "did you mean <i>Volodymyr Zelensky</i>?" in bot.last_text(ADMIN_ID)
    await admin.send("Volodymyr Zelensky")
    assert "side: Ukraine (as in the record)" in bot.last_text(ADMIN_ID)


async def test_cancel_button_writes_nothing(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    before = await snapshot(record)
    for answer in ("/add", "Vladimir Putin", "2025-08-20", "talks", "claim", "Text.", "TASS | https://tass.com/1"):
        await admin.send(answer)

    await press(admin, "Cancel")

    assert bot.last_text(ADMIN_ID) == "Cancelled; nothing was written."
    assert await snapshot(record) == before
    count = len(bot.texts(ADMIN_ID))
    await admin.send("/cancel")
    assert sent_since(bot, ADMIN_ID, count) == ["Nothing to cancel."]


@pytest.mark.parametrize("steps", [1, 2, 3, 5, 6, 7], ids=lambda steps: f"after-{steps}-answers")
async def test_cancel_command_at_any_step_writes_nothing(bot: BotHarness, record: Database, steps: int) -> None:
    admin = bot.admin()
    before = await snapshot(record)
    answers = ["/add", "Keir Starmer", "United Kingdom", "2025-03-02", "nato", "rejection", "Text.", "BBC"]
    for answer in answers[:steps]:
        await admin.send(answer)

    await admin.send("/cancel")

    assert bot.last_text(ADMIN_ID) == "Cancelled the new statement; nothing was written."
    assert await snapshot(record) == before
    # Afterwards a text is a question again, not an answer to the dialogue.
    await admin.send("2025-03-02")
    assert "When was it said?" not in bot.last_text(ADMIN_ID)
    assert "Which topics?" not in bot.last_text(ADMIN_ID)


async def test_add_alone_again_starts_over_and_old_buttons_do_nothing(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    before = await snapshot(record)
    await admin.send("/add")
    await admin.send("Vladimir Putin")
    await admin.send("2025-08-20")
    old_topics = admin.last_message()

    await admin.send("/add")
    assert "Who said it?" in bot.last_text(ADMIN_ID)
    talks = buttons(old_topics)["talks"]
    await admin.press(old_topics, talks)

    assert last_alert(bot)["show_alert"] is True
    await admin.send("Volodymyr Zelensky")
    assert "side: Ukraine" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


async def test_a_non_admin_cannot_enter_the_guided_add(bot: BotHarness, record: Database) -> None:
    reader = bot.user()
    before = await snapshot(record)

    await reader.send("/add")
    assert REFUSED in bot.last_text(READER_ID)
    await reader.send("Keir Starmer")

    assert all("Which side" not in text and "When was it said" not in text for text in bot.texts(READER_ID))
    assert await snapshot(record) == before


async def test_the_guided_add_wants_a_private_chat(bot: BotHarness, record: Database) -> None:
    group = bot.admin(chat_id=-100500, chat_type="supergroup")
    before = await snapshot(record)

    await group.send("/add")
    await group.send("Keir Starmer")

    texts = bot.texts(-100500)
    assert "works in a private chat" in texts[0]
    assert all("Which side" not in text for text in texts)
    assert await snapshot(record) == before


async def test_an_idle_guided_add_times_out_and_says_so(record: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(add_dialogue, "DIALOGUE_TIMEOUT", timedelta(seconds=0.3))
    monkeypatch.setattr(dialogues, "IDLE_CHECK_INTERVAL", timedelta(seconds=0.1))
    before = await snapshot(record)
    async with running_bot(record) as bot:
        admin = bot.admin()
        await admin.send("/add")
        await admin.send("Vladimir Putin")

        await wait_for(lambda: "dropped" in bot.last_text(ADMIN_ID))

        assert "waited 0.3 seconds" in bot.last_text(ADMIN_ID)
        assert "nothing was written" in bot.last_text(ADMIN_ID)
        await admin.send("2025-08-20")
        assert "Which topics?" not in bot.last_text(ADMIN_ID)
        await admin.send("/cancel")
        assert bot.last_text(ADMIN_ID) == "Nothing to cancel."
    assert await snapshot(record) == before


async def test_cancel_outside_a_dialogue(bot: BotHarness) -> None:
    await bot.user().send("/cancel")
    await bot.admin().send("/cancel")
    assert bot.texts(READER_ID) == ["Nothing to cancel."]
    assert bot.texts(ADMIN_ID) == ["Nothing to cancel."]


async def test_a_button_of_a_finished_dialogue_is_answered(bot: BotHarness) -> None:
    admin = bot.admin()
    for answer in ("/add", "Vladimir Putin", "2025-08-20", "talks", "claim", "Text.", "TASS | https://tass.com/1"):
        await admin.send(answer)
    await admin.send("/cancel")
    preview = [
        message for (chat, _), message in bot.api.messages.items() if chat == ADMIN_ID and "Confirm" in str(message)
    ][-1]

    await admin.press(preview, buttons(preview)["✅ Confirm"])

    assert last_alert(bot) == {
        "callback_query_id": last_alert(bot)["callback_query_id"],
        "text": add_dialogue_text.STALE_BUTTON,
        "show_alert": True,
    }


# -- /edit, /retract, /link --------------------------------------------------------


async def test_edit_changes_one_field_and_audits_who(bot: BotHarness, record: Database) -> None:
    await bot.admin().send("/edit 1 status confirmed")

    assert (await get_statement(record, 1)).status is Status.confirmed
    entry = (await audit(record))[-1]
    assert (entry.action, entry.who, entry.statement_id) == (AuditAction.edit, ADMIN, 1)
    assert entry.before["status"] == "reported" and entry.after["status"] == "confirmed"
    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("✏️ Edited #1: status.")
    assert "Status: <i>confirmed</i>" in answer


async def test_edit_takes_a_value_with_spaces(bot: BotHarness, record: Database) -> None:
    await bot.admin().send("/edit #2 text Security   guarantees & <5 brigades, then a ceasefire.")
    assert (await get_statement(record, 2)).text == "Security   guarantees & <5 brigades, then a ceasefire."
    assert "&amp; &lt;5 brigades" in bot.last_text(ADMIN_ID)


async def test_edit_refuses_markup_and_changes_nothing(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send("/edit #2 text Security guarantees <i>first</i>.")

    assert "holds HTML markup (&lt;i&gt;)" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("/edit", "To change one field of a statement"),
        ("/edit 1 status", "To change one field of a statement"),
        ("/edit one status confirmed", "no statement one in the record"),
        ("/edit 1 colour red", "colour is not a field that can be edited"),
        ("/edit 999 status confirmed", "no statement #999 in the record"),
        ("/edit 1 status maybe", "status: &#x27;maybe&#x27;"),
        ("/edit 1 status retracted", "use /retract"),
        ("/edit 1 date 2025-02-30", "not a real calendar date"),
        ("/edit 1 topics peace", "unknown topic"),
        ("/edit 1 url not-a-link", "not an http(s) link"),
        ("/edit 1 stance condition", "already its value; nothing changed"),
        ("/retract", "To retract a statement"),
        ("/retract 1", "To retract a statement"),
        ("/retract first because", "no statement first in the record"),
        ("/retract 999 wrong", "no statement #999 in the record"),
        ("/retract 1 " + "x" * 1001, "longer than 1000 characters"),
        ("/link", "To link two statements"),
        ("/link 1 contradicts", "To link two statements"),
        ("/link 1 2", "To link two statements"),
        ("/link a contradicts b", "no statement a in the record"),
        ("/link a! contradicts b", "To link two statements"),
        ("/link 1 agrees 2", "'agrees' is not a kind of link (one of: contradicts, responds_to)"),
        ("/link 1 2 agrees", "'agrees' is not a kind of link (one of: contradicts, responds_to)"),
        ("/link agrees with 1 2", "'agrees with' is not a kind of link"),
        ("/link 1 2 3", "e.g. <code>/link 24 responds_to 23</code>"),
        ("/link contradicts 1 responds_to", "To link two statements"),
        ("/link contradicts contradicts 2", "To link two statements"),
        ("/link 1 contradicts 2 3", "To link two statements"),
        ("/link 1 contradicts 1", "cannot be linked to itself"),
        ("/link 1 contradicts 999", "no statement #999 in the record"),
    ],
)
async def test_bad_changes_are_answered_and_change_nothing(
    bot: BotHarness, record: Database, command: str, fragment: str
) -> None:
    before = await snapshot(record)

    await bot.admin().send(command)

    answer = bot.last_text(ADMIN_ID)
    assert fragment.replace("&#x27;", "'") in answer
    assert await snapshot(record) == before


async def test_retract_keeps_the_statement_with_its_reason(bot: BotHarness, record: Database) -> None:
    answer = await retract(bot.admin(), 1, "misattributed: said in 2022, not 2025")

    statement = await get_statement(record, 1)
    assert statement.status is Status.retracted
    assert statement.retraction_reason == "misattributed: said in 2022, not 2025"
    entry = (await audit(record))[-1]
    assert (entry.action, entry.who, entry.statement_id) == (AuditAction.retract, ADMIN, 1)
    assert answer.startswith("Retracted #1; it stays in the record")
    assert "<b>retracted</b>: misattributed: said in 2022, not 2025" in answer


async def test_retract_asks_first_and_cancel_changes_nothing(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    before = await snapshot(record)

    await admin.send("/retract 1 misattributed")

    preview = admin.last_message()
    assert preview["text"].startswith("🗑 Retract #1? It stays in the record, marked retracted, with the reason: ")
    assert "<i>misattributed</i>" in preview["text"] and "/statement_1" in preview["text"]
    assert list(buttons(preview)) == ["🗑 Retract", "✖️ Cancel"]
    assert await snapshot(record) == before

    await press(admin, "Cancel")

    assert admin.last_message()["text"] == "Cancelled; nothing was retracted."
    assert await snapshot(record) == before


async def test_a_retract_button_of_an_earlier_request_does_nothing(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/retract 1 first thought")
    earlier = admin.last_message()
    await admin.send("/retract 2 second thought")
    before = await snapshot(record)

    await admin.press(earlier, buttons(earlier)["🗑 Retract"])

    assert bot.calls("answerCallbackQuery")[-1].params["text"] == "This button has expired; send /retract again."
    assert await snapshot(record) == before
    await press(admin, "Retract")
    assert (await get_statement(record, 2)).retraction_reason == "second thought"
    assert (await get_statement(record, 1)).status is not Status.retracted


async def test_a_retracted_statement_is_not_retracted_or_edited_again(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await retract(admin, 1, "wrong speaker")
    before = await snapshot(record)

    await admin.send("/retract 1 again")
    assert "already retracted" in bot.last_text(ADMIN_ID)
    await admin.send("/edit 1 status confirmed")
    assert "is retracted; it stays as it was" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


@pytest.mark.parametrize(
    "command",
    [
        "/link 2 responds_to #1",
        "/link 2 responds to #1",
        "/link 2 RESPONDS-TO #1",
        "/link 2 #1 responds_to",
        "/link 2 1 відповідає на",
        "/link responds to 2 1",
        "/link отвечает на 2 #1",
    ],
)
async def test_link_records_the_link_and_shows_both(bot: BotHarness, record: Database, command: str) -> None:
    await bot.admin().send(command)

    async with record.read() as session:
        link = (await session.exec(select(StatementLink))).one()
    assert (link.from_id, link.kind, link.to_id, link.created_by) == (2, LinkKind.responds_to, 1, ADMIN)
    entry = (await audit(record))[-1]
    assert (entry.action, entry.who) == (AuditAction.link, ADMIN)
    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("🔗 Linked: #2 responds to #1.")
    assert "Volodymyr Zelensky" in answer and "Vladimir Putin" in answer


async def test_the_same_link_twice_is_a_conflict(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/link 1 contradicts 2")
    before = await snapshot(record)
    await admin.send("/link 1 contradicts 2")
    assert "#1 already contradicts #2" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


# -- refusals ----------------------------------------------------------------------


async def _reader_imports_by_caption(reader: LocalUser) -> None:
    await reader.send_document("new.jsonl", jsonl(exchange_record("x1")), caption="/import")


async def _reader_imports_by_reply(reader: LocalUser) -> None:
    reader.api.files["reader-file"] = jsonl(exchange_record("x1"))
    document = {"file_id": "reader-file", "file_unique_id": "reader-file", "file_name": "new.jsonl", "file_size": 10}
    await reader.send(
        "/import",
        reply_to={
            "message_id": 77,
            "date": int(time.time()),
            "chat": reader.chat,
            "from": reader.user,
            "document": document,
        },
    )


def _sending(text: str) -> Callable[[LocalUser], Awaitable[None]]:
    async def act(user: LocalUser) -> None:
        await user.send(text)

    return act


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(_sending(one_line(*GOOD)), id="add"),
        pytest.param(_sending("/edit 1 status confirmed"), id="edit"),
        pytest.param(_sending("/retract 1 wrong"), id="retract"),
        pytest.param(_sending("/link 1 contradicts 2"), id="link"),
        pytest.param(_sending("/import"), id="import-usage"),
        pytest.param(_reader_imports_by_caption, id="import-caption"),
        pytest.param(_reader_imports_by_reply, id="import-reply"),
    ],
)
async def test_non_admins_cannot_change_the_record(
    bot: BotHarness, record: Database, act: Callable[[LocalUser], Awaitable[None]]
) -> None:
    before = await snapshot(record)

    await act(bot.user())

    assert bot.texts(READER_ID) == [f"⛔ {REFUSED}."]
    assert bot.calls("getFile") == []
    assert await snapshot(record) == before


@pytest.mark.parametrize("command", ["/export", "/export csv", "/stats"])
async def test_non_admins_cannot_export_or_count(bot: BotHarness, command: str) -> None:
    await bot.user().send(command)
    assert bot.texts(READER_ID) == ["⛔ This command is for the bot's admins."]
    assert bot.calls("sendDocument") == []


# -- /import -----------------------------------------------------------------------


async def test_import_of_a_jsonl_document(bot: BotHarness, record: Database) -> None:
    content = jsonl(
        exchange_record("x1"), exchange_record("x2", speaker="Vladimir Putin", side="Russia", stance="rejection")
    )

    await bot.admin().send_document("statements.jsonl", content, caption="/import")

    assert bot.last_text(ADMIN_ID) == "✅ Imported statements.jsonl: 2 added, 0 updated, 0 unchanged."
    assert await statement_count(record) == 4
    entries = (await audit(record))[-2:]
    assert [(entry.action, entry.who) for entry in entries] == [(AuditAction.import_add, ADMIN)] * 2


async def test_import_of_a_csv_document_updates_by_ref(bot: BotHarness, record: Database) -> None:
    header = "ref,said_on,speaker,side,topics,stance,text,source,status"
    rows = [
        'x1,2025-09-01,Emmanuel Macron,France,security_guarantees;foreign_troops,commitment,"France is ready, with partners.",Élysée,reported',
        f't1,2025-08-16,Vladimir Putin,Russia,ceasefire;peace_terms,condition,"{PUTIN_TEXT}",Kremlin press conference,confirmed',
    ]
    content = "\n".join([header, *rows, ""]).encode()

    await bot.admin().send_document("batch.csv", content, caption="/import")

    assert bot.last_text(ADMIN_ID) == "✅ Imported batch.csv: 1 added, 1 updated, 0 unchanged."
    assert (await get_statement(record, 1)).status is Status.confirmed
    assert (await newest(record)).text == "France is ready, with partners."


@pytest.mark.parametrize("caption", ["/import dry", "/import --dry-run", "/import перевірити", "/import проверить"])
async def test_a_dry_run_import_writes_nothing(bot: BotHarness, record: Database, caption: str) -> None:
    before = await snapshot(record)

    await bot.admin().send_document("statements.jsonl", jsonl(exchange_record("x1")), caption=caption)

    assert (
        bot.last_text(ADMIN_ID)
        == "🧪 Checked statements.jsonl: dry run: 1 added, 0 updated, 0 unchanged; nothing was written."
    )
    assert await snapshot(record) == before


async def test_import_as_a_reply_to_a_document(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    admin.api.files["earlier"] = jsonl(exchange_record("x1"))
    document = {"file_id": "earlier", "file_unique_id": "earlier", "file_name": "earlier.jsonl", "file_size": 100}
    earlier = {"message_id": 50, "date": int(time.time()), "chat": admin.chat, "from": admin.user, "document": document}

    await admin.send("/import", reply_to=earlier)

    assert bot.last_text(ADMIN_ID).startswith("✅ Imported earlier.jsonl: 1 added")
    assert await statement_count(record) == 3


async def test_a_broken_import_names_every_bad_line_and_imports_nothing(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)
    lines = [
        json.dumps(exchange_record("x1")),
        json.dumps(exchange_record("x2", said_on="2025-02-30")),
        "{not json",
        json.dumps(exchange_record("x3", topics=["peace"])),
        json.dumps({key: value for key, value in exchange_record("x4").items() if key != "ref"}),
        json.dumps(exchange_record("x5", text="<b>fine</b>")),
    ]

    await bot.admin().send_document("broken.jsonl", ("\n".join(lines) + "\n").encode(), caption="/import")

    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("❌ broken.jsonl: 5 problems found; nothing was imported.")
    assert "• line 2: said_on:" in answer
    assert "• line 3: json: not valid JSON" in answer
    assert "• line 4: topics: unknown topic 'peace'" in answer
    assert "• line 5: ref: missing" in answer
    assert "• line 6: text: holds HTML markup (&lt;b&gt;)" in answer
    assert "line 1:" not in answer
    assert await snapshot(record) == before


async def test_a_long_list_of_problems_is_cut_short(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)
    content = jsonl(*(exchange_record(f"x{number}", stance="opinion") for number in range(45)))

    await bot.admin().send_document("many.jsonl", content, caption="/import")

    answer = "\n".join(bot.texts(ADMIN_ID))
    assert "45 problems found; nothing was imported" in answer
    assert answer.count("• line ") == MAX_LISTED_PROBLEMS
    assert "• line 30: stance:" in answer and "• line 31:" not in answer
    assert "… and 15 more" in answer
    assert await snapshot(record) == before


async def test_a_problem_quoting_a_long_line_is_shown_shortened_in_one_message(
    bot: BotHarness, record: Database
) -> None:
    header = "/add Sergei Lavrov | 2025-02-18 | foreign_troops | " + "x" * 5000 + " | TASS"

    await bot.admin().send_document("wrong.csv", (header + "\n").encode(), caption="/import")

    answers = bot.texts(ADMIN_ID)
    # The pasted command is no header: its columns are unknown, and the record's are missing.
    assert "2 problems found; nothing was imported" in answers[-1]
    listed = next(line for line in answers[-1].splitlines() if line.startswith("• line 1: header:"))
    assert len(listed) <= MAX_PROBLEM_LENGTH + 2 and listed.endswith("…")
    assert "Fix these lines" in answers[-1]


async def test_a_file_sent_alone_says_how_to_import_it_and_imports_nothing(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send_document("new.jsonl", jsonl(exchange_record("x1")))
    await bot.user().send_document("new.jsonl", jsonl(exchange_record("x1")))

    assert bot.texts(ADMIN_ID) == [
        "To import this file, reply <code>/import</code> to it (<code>/import dry</code> only checks it)."
    ]
    [told] = bot.texts(READER_ID)  # a reader is told what the bot reads, not how to import
    assert told.startswith("I read text only.") and "import" not in told
    assert await snapshot(record) == before


async def test_import_alone_takes_the_next_file_sent_alone_once(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()

    await admin.send("/import")
    assert "the next file you send here within 10 minutes is the one imported" in bot.last_text(ADMIN_ID)
    await admin.send_document("new.jsonl", jsonl(exchange_record("x1")))
    assert bot.last_text(ADMIN_ID).startswith("✅ Imported new.jsonl: 1 added")
    await admin.send_document("other.jsonl", jsonl(exchange_record("x2")))

    assert bot.last_text(ADMIN_ID).startswith("To import this file, reply <code>/import</code> to it")
    assert await statement_count(record) == 3


async def test_a_file_with_a_caption_of_its_own_is_taken_by_a_waiting_import_or_told_how(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin()

    await admin.send_document("week.jsonl", jsonl(exchange_record("x1")), caption="week 49")
    assert bot.last_text(ADMIN_ID).startswith("To import this file, reply <code>/import</code> to it")
    await admin.send("/import")
    await admin.send_document("week.jsonl", jsonl(exchange_record("x1")), caption="week 49")

    assert bot.last_text(ADMIN_ID).startswith("✅ Imported week.jsonl: 1 added")
    assert await statement_count(record) == 3


async def test_import_dry_alone_checks_the_next_file_and_writes_nothing(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send("/import dry")
    await bot.admin().send_document("new.jsonl", jsonl(exchange_record("x1")))

    assert "dry run: 1 added" in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


async def test_import_alone_waits_ten_minutes_for_its_file(
    bot: BotHarness, record: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await snapshot(record)
    await bot.admin().send("/import")
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)

    await bot.admin().send_document("new.jsonl", jsonl(exchange_record("x1")))

    assert bot.last_text(ADMIN_ID).startswith("To import this file, reply <code>/import</code> to it")
    assert await snapshot(record) == before


async def test_an_oversized_import_is_refused_before_downloading(bot: BotHarness, record: Database) -> None:
    before = await snapshot(record)

    await bot.admin().send_document("huge.jsonl", b" " * (MAX_IMPORT_BYTES + 1), caption="/import")

    answer = bot.last_text(ADMIN_ID)
    assert "huge.jsonl is 5.1 MB, more than the 5 MB a file sent to /import may be. Nothing was imported." in answer
    assert "<code>diplobot import FILE</code>" in answer
    assert bot.calls("getFile") == []
    assert await snapshot(record) == before


@pytest.mark.parametrize(
    ("command", "fragment"), [("/import", "Send a JSONL or CSV file"), ("/import now", "not an /import option")]
)
async def test_import_without_a_document_or_with_an_unknown_option(
    bot: BotHarness, record: Database, command: str, fragment: str
) -> None:
    before = await snapshot(record)
    await bot.admin().send(command)
    assert fragment in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


# -- /export -----------------------------------------------------------------------


@pytest.mark.parametrize(("command", "fmt"), [("/export", ExchangeFormat.jsonl), ("/export csv", ExchangeFormat.csv)])
async def test_export_sends_a_dated_file_that_imports_back(
    bot: BotHarness, record: Database, make_database, db_engine: str, command: str, fmt: ExchangeFormat
) -> None:
    await retract(bot.admin(), 2, "superseded")

    await bot.admin().send(command)

    call = bot.calls("sendDocument")[-1]
    name, content = call.files["document"]
    assert (
        name
        == f"diplobot-{datetime.now(bot.application.bot_data['settings'].default_zone).date().isoformat()}.{fmt.value}"
    )
    assert int(call.params["chat_id"]) == ADMIN_ID
    assert "2 statements," in call.params["caption"]
    assert content == await export_statements(record, fmt)

    elsewhere = await make_database(db_engine)
    report = await import_statements(elsewhere, name, content, "test")
    assert report.ok and report.added == 2
    assert await export_statements(elsewhere, fmt) == content
    assert (await get_statement(elsewhere, 2)).retraction_reason == "superseded"


async def test_the_csv_export_counts_statements_whose_text_spans_lines(bot: BotHarness) -> None:
    admin = bot.admin()
    text = "France is ready.\nSo is the United Kingdom.\nOthers will follow."
    await admin.send_document("lines.jsonl", jsonl(exchange_record("x1", text=text)), caption="/import")

    await admin.send("/export csv")

    assert "3 statements," in bot.calls("sendDocument")[-1].params["caption"]


async def test_an_export_imports_back_through_the_bot_unchanged(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/export")
    _, content = bot.calls("sendDocument")[-1].files["document"]
    before = await snapshot(record)

    await admin.send_document("back.jsonl", content, caption="/import")

    assert bot.last_text(ADMIN_ID) == "✅ Imported back.jsonl: 0 added, 0 updated, 2 unchanged."
    assert await snapshot(record) == before


async def test_export_of_an_unknown_format(bot: BotHarness) -> None:
    await bot.admin().send("/export xml")
    assert "Which format?" in bot.last_text(ADMIN_ID)
    assert bot.calls("sendDocument") == []


# -- /stats and the menu -----------------------------------------------------------


async def test_stats(bot: BotHarness) -> None:
    admin = bot.admin()
    await retract(admin, 1, "wrong date")

    await admin.send("/stats")

    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("<b>The record</b>")
    assert "Statements: 2 (1 retracted) · speakers: 2 · subscribers: 0" in answer
    assert "Latest said: 18 Aug 2025" in answer
    assert "By status: " in answer and "retracted 1" in answer and "reported 1" in answer
    assert "By side: Ukraine 1" in answer
    assert "By topic: " in answer and "security guarantees 1" in answer and "ceasefire 1" in answer


async def test_the_admins_see_their_commands_in_their_menu(bot: BotHarness) -> None:
    scoped = [call for call in bot.calls("setMyCommands") if call.params.get("scope", {}).get("type") == "chat"]
    assert scoped and scoped[-1].params["scope"]["chat_id"] == ADMIN_ID
    names = [command["command"] for command in scoped[-1].params["commands"]]
    for name in ("add", "edit", "retract", "link", "import", "export", "stats"):
        assert name in names
    default = [call for call in bot.calls("setMyCommands") if call.params.get("scope", {}).get("type") == "default"]
    assert not {"add", "edit", "import"} & {command["command"] for command in default[-1].params["commands"]}
