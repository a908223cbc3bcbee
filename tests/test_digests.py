"""Daily digests in process, on SQLite and PostgreSQL: the tick (`send_due`) against the
Telegram double (tests/support/telegram.py), with Telegram's errors injected into the
transport, a fake clock for the rate limits, and the job that runs the tick. Exactly once
across crashes and tickers: test_digest_exactly_once.py."""

from __future__ import annotations

import itertools
import logging
from datetime import date, timedelta

import pytest

from bot.digests.compose import NOTHING_NEW, DigestKey, compose, preview
from bot.digests.rate_limit import WINDOW_SECONDS
from bot.digests.schedule import JOB_NAME, schedule_digests
from bot.digests.status import digest_status, subscriber_heading
from storage.engine import Database
from storage.models import DeliveryState, Topic
from storage.statements import retract_statement
from storage.subscriptions import (
    add_actor,
    get_subscriber,
    set_notify_empty,
    toggle_topic,
    unsubscribe,
)
from tests.bot_harness import running_bot
from tests.support.digests import (
    FIRST_DUE,
    Telegram,
    deliveries,
    record,
    subscribe_chat,
)

# -- content: only what is new -------------------------------------------------


async def test_a_digest_holds_what_was_recorded_since_the_last_one(database: Database, telegram: Telegram) -> None:
    before = await record(database, text="Recorded before the subscription.")
    subscriber = await subscribe_chat(database, 501)
    assert subscriber.cursor == before.id  # a new subscriber starts at the end of the record
    assert subscriber.next_due_at == FIRST_DUE
    fresh = await record(database, text="Recorded after the subscription.")
    late = await record(database, text="Said long ago, recorded only now.", said_on="2025-01-15")
    retracted = await record(database, text="Recorded, then retracted.")
    await retract_statement(database, retracted.id or 0, "wrong speaker", "test")

    assert (await telegram.tick(FIRST_DUE - timedelta(minutes=1))).due == 0
    report = await telegram.tick(FIRST_DUE)
    assert (report.due, report.sent, report.messages) == (1, 1, 1)
    [text] = telegram.api.delivered(501)
    assert "Recorded after the subscription." in text
    assert "Said long ago, recorded only now." in text
    assert "Recorded before" not in text and "retracted" not in text
    assert "2 new statements" in text

    # The same tick again, and later that day: nothing more.
    assert (await telegram.tick(FIRST_DUE)).due == 0
    assert (await telegram.tick(FIRST_DUE + timedelta(hours=10))).due == 0
    assert len(telegram.api.delivered(501)) == 1

    after = await get_subscriber(database, 501)
    assert after is not None
    assert after.cursor == retracted.id
    assert after.next_due_at == FIRST_DUE + timedelta(days=1)
    [delivery] = await deliveries(database, after.id)
    assert delivery.state is DeliveryState.sent
    assert (delivery.local_date, delivery.cursor_from, delivery.cursor_to, delivery.messages_sent) == (
        date(2025, 9, 2),
        before.id,
        retracted.id,
        1,
    )
    assert fresh.id and late.id


async def test_nothing_new_sends_nothing_unless_notes_are_on(database: Database, telegram: Telegram) -> None:
    quiet = await subscribe_chat(database, 502)
    noted = await subscribe_chat(database, 503)
    await set_notify_empty(database, 503, True)

    report = await telegram.tick(FIRST_DUE)
    assert (report.due, report.sent, report.empty, report.messages) == (2, 0, 2, 1)
    assert telegram.api.delivered(502) == []
    assert telegram.api.delivered(503) == [NOTHING_NEW]
    states = {d.subscriber_id: (d.state, d.messages_sent) for d in await deliveries(database)}
    assert states == {quiet.id: (DeliveryState.empty, 0), noted.id: (DeliveryState.empty, 1)}
    # Both move on to the next day all the same.
    for chat_id in (502, 503):
        subscriber = await get_subscriber(database, chat_id)
        assert subscriber is not None and subscriber.next_due_at == FIRST_DUE + timedelta(days=1)


async def test_new_statements_after_a_digest_go_into_the_next_one(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 504)
    await record(database, text="First day news.")
    await telegram.tick(FIRST_DUE)
    await record(database, text="Second day news.")
    await telegram.tick(FIRST_DUE + timedelta(days=1))
    first, second = telegram.api.delivered(504)
    assert "First day news." in first and "Second day news." not in first
    assert "Second day news." in second and "First day news." not in second


# -- filters, grouping, "and N more", splitting --------------------------------


async def test_filters_by_followed_topics_and_speakers(database: Database, telegram: Telegram) -> None:
    for chat_id in (511, 512, 513, 514):
        await subscribe_chat(database, chat_id)
    await toggle_topic(database, 511, Topic.ceasefire)
    putin_ceasefire = await record(database, "Vladimir Putin", "ceasefire", "Putin on the ceasefire.")
    putin_territory = await record(database, "Vladimir Putin", "territory", "Putin on territory.")
    zelensky_ceasefire = await record(
        database, "Volodymyr Zelensky", "ceasefire", "Zelensky on the ceasefire.", side="Ukraine"
    )
    await add_actor(database, 512, "Putin")
    await toggle_topic(database, 513, Topic.ceasefire)
    await add_actor(database, 513, "vladimir putin")
    # The follows were set after the statements, but the cursor is older: all three are new.
    await telegram.tick(FIRST_DUE)

    def got(chat_id: int) -> set[str]:
        text = "\n".join(telegram.api.delivered(chat_id))
        return {s.text for s in (putin_ceasefire, putin_territory, zelensky_ceasefire) if s.text in text}

    assert got(511) == {"Putin on the ceasefire.", "Zelensky on the ceasefire."}  # topic
    assert got(512) == {"Putin on the ceasefire.", "Putin on territory."}  # speaker
    assert got(513) == {"Putin on the ceasefire."}  # both narrow
    assert got(514) == {"Putin on the ceasefire.", "Putin on territory.", "Zelensky on the ceasefire."}
    assert "Following: ceasefire · Vladimir Putin" in telegram.api.delivered(513)[0]


async def test_grouped_by_topic_newest_first_capped_with_and_more(database: Database) -> None:
    for day in range(1, 8):
        await record(database, topics="ceasefire", text=f"Ceasefire, day {day}.", said_on=f"2025-08-{day:02d}")
    await record(database, topics="territory", text="Territory, older.", said_on="2025-07-01")
    await record(
        database, topics="territory,ceasefire", text="Territory first, ceasefire second.", said_on="2025-07-02"
    )
    await record(database, topics="peace_terms", text="Peace terms.", said_on="2025-06-01")
    digest = await compose(database, DigestKey((), (), 0, 10_000), section_limit=5)
    [text] = digest.parts
    assert digest.count == 10
    # Sections in the product's topic order; each statement in one section only.
    assert (
        text.index("<b>Peace terms</b> · 1 new")
        < text.index("<b>Ceasefire</b> · 7 new")
        < text.index("<b>Territory</b> · 2 new")
    )
    assert text.count("Territory first, ceasefire second.") == 1
    assert text.index("Territory first") > text.index("<b>Territory</b>")
    # Newest said first, five shown, the rest counted with the command that lists them.
    shown = [day for day in range(7, 0, -1) if f"Ceasefire, day {day}." in text]
    assert shown == [7, 6, 5, 4, 3]
    assert text.index("day 7.") < text.index("day 6.") < text.index("day 3.")
    assert "… and 2 more: <code>/topic ceasefire</code>" in text
    # Following only ceasefire, the two-topic statement is filed under it.
    only_ceasefire = await compose(database, DigestKey(("ceasefire",), (), 0, 10_000), section_limit=10)
    assert "<b>Ceasefire</b> · 8 new" in only_ceasefire.parts[0] and "<b>Territory</b>" not in only_ceasefire.parts[0]


async def test_one_followed_speaker_gets_a_search_for_the_rest(database: Database) -> None:
    statements = [await record(database, "Vladimir Putin", "talks") for _ in range(3)]
    actor_id = statements[0].actor_id
    digest = await compose(database, DigestKey((), (actor_id,), 0, 10_000), section_limit=1)
    assert '… and 2 more: <code>/search topic:talks speaker:"Vladimir Putin"</code>' in digest.parts[0]


async def test_a_long_digest_is_split_at_4096_characters(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 521)
    long_texts = []
    for topic in Topic:
        for number in range(5):
            text = f"{topic.value} {number}: " + ("Long statement text, " * 30)
            long_texts.append(text.strip())
            await record(database, topics=topic.value, text=text)
    report = await telegram.tick(FIRST_DUE)
    parts = telegram.api.delivered(521)
    assert len(parts) > 3 and report.messages == len(parts) and report.sent == 1
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n".join(parts)
    for text in long_texts:
        assert joined.count(text) == 1
    assert parts[0].startswith("<b>📰 Your daily digest</b>")
    # The parts of one chat are a second apart (Telegram's per-chat limit).
    times = [at for chat_id, at in telegram.api.sent_at if chat_id == 521]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    [delivery] = await deliveries(database)
    assert delivery.messages_sent == len(parts) and delivery.state is DeliveryState.sent


async def test_subscribers_with_equal_filters_share_one_rendering(database: Database, telegram: Telegram) -> None:
    for chat_id in range(531, 536):
        await subscribe_chat(database, chat_id)
    await subscribe_chat(database, 536)
    await toggle_topic(database, 536, Topic.ceasefire)
    await record(database, topics="ceasefire")
    await record(database, topics="territory")
    report = await telegram.tick(FIRST_DUE)
    assert report.sent == 6
    assert report.renders == 2
    texts = {telegram.api.delivered(chat_id)[0] for chat_id in range(531, 536)}
    assert len(texts) == 1


# -- Telegram's errors ---------------------------------------------------------


async def test_retry_after_waits_as_told_and_loses_nothing(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 541)
    await subscribe_chat(database, 542)
    await record(database)
    telegram.api.retry_after(541, 7)
    report = await telegram.tick(FIRST_DUE)
    assert report.sent == 2 and report.failed == 0
    assert len(telegram.api.delivered(541)) == 1 and len(telegram.api.delivered(542)) == 1
    assert telegram.api.attempts.count(541) == 2
    assert any(seconds >= 7 for seconds in telegram.clock.sleeps)
    # Every send after the refusal waited: the next one went at least 7 s later.
    first_sent = telegram.api.sent_at[0][1]
    assert first_sent >= 7


async def test_forbidden_deactivates_the_subscriber_and_the_rest_go_on(database: Database, telegram: Telegram) -> None:
    blocked = await subscribe_chat(database, 543)
    await subscribe_chat(database, 544)
    await record(database)
    telegram.api.blocked(543)
    report = await telegram.tick(FIRST_DUE)
    assert (report.sent, report.deactivated) == (1, 1)
    assert telegram.api.delivered(543) == [] and len(telegram.api.delivered(544)) == 1
    gone = await get_subscriber(database, 543)
    assert gone is not None and not gone.active
    assert "blocked" in (gone.deactivated_reason or "")
    [delivery] = await deliveries(database, blocked.id)
    assert delivery.state is DeliveryState.failed
    # Deactivated: never due again.
    assert (await telegram.tick(FIRST_DUE + timedelta(days=1))).due == 1


async def test_chat_not_found_also_deactivates(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 545)
    await record(database)
    telegram.api.fail(545, 400, "Bad Request: chat not found")
    report = await telegram.tick(FIRST_DUE)
    assert report.deactivated == 1
    assert not (await get_subscriber(database, 545)).active  # type: ignore[union-attr]


async def test_chat_migrated_moves_the_subscription(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, -546)
    await record(database)
    telegram.api.migrated(-546, -1009999)
    report = await telegram.tick(FIRST_DUE)
    assert (report.sent, report.migrated) == (1, 1)
    assert telegram.api.delivered(-546) == [] and len(telegram.api.delivered(-1009999)) == 1
    assert await get_subscriber(database, -546) is None
    moved = await get_subscriber(database, -1009999)
    assert moved is not None and moved.active and moved.chat_type.value == "supergroup"


async def test_bad_request_is_logged_with_the_subscriber_and_not_retried_forever(
    database: Database, telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    subscriber = await subscribe_chat(database, 547)
    statement = await record(database)
    telegram.api.fail(547, 400, "Bad Request: can't parse entities", times=100)
    with caplog.at_level(logging.ERROR, logger="bot.digests.tick"):
        report = await telegram.tick(FIRST_DUE)
    assert report.failed == 1 and report.sent == 0
    assert telegram.api.attempts.count(547) == 1
    assert f"subscriber {subscriber.id} (chat 547)" in caplog.text and "can't parse entities" in caplog.text.lower()
    [delivery] = await deliveries(database, subscriber.id)
    assert delivery.state is DeliveryState.failed and "can't parse entities" in (delivery.error or "").lower()
    after = await get_subscriber(database, 547)
    assert after is not None and after.active
    # Tried again tomorrow, not this tick or the next; nothing was delivered, so the
    # statements are still to come.
    assert after.next_due_at == FIRST_DUE + timedelta(days=1)
    assert after.cursor == subscriber.cursor < (statement.id or 0)
    assert (await telegram.tick(FIRST_DUE + timedelta(minutes=1))).due == 0


async def test_network_errors_are_retried_with_backoff(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 548)
    await record(database)
    telegram.api.network_down(548, 2)
    report = await telegram.tick(FIRST_DUE)
    assert report.sent == 1 and len(telegram.api.delivered(548)) == 1
    assert telegram.api.attempts.count(548) == 3
    # The backoffs; the shorter sleeps between them keep the chat's spacing from the attempt before.
    assert [seconds for seconds in telegram.clock.sleeps if seconds >= 1.0] == [1.0, 2.0]


async def test_a_long_outage_leaves_the_digest_to_the_next_tick(database: Database, telegram: Telegram) -> None:
    subscriber = await subscribe_chat(database, 549)
    await subscribe_chat(database, 550)
    await record(database)
    telegram.api.network_down(549, 10)
    report = await telegram.tick(FIRST_DUE)
    # Bounded: four attempts, then the tick stops instead of hammering a dead network.
    assert telegram.api.attempts.count(549) == 4
    assert report.deferred == 2 and report.sent == 0
    [delivery] = await deliveries(database, subscriber.id)
    assert delivery.state is DeliveryState.claimed
    telegram.api.outages.clear()
    later = await telegram.tick(FIRST_DUE + timedelta(minutes=1))
    assert (later.sent, later.resumed) == (2, 1)
    assert len(telegram.api.delivered(549)) == 1 and len(telegram.api.delivered(550)) == 1


# -- rate ----------------------------------------------------------------------


async def test_sends_stay_within_the_overall_and_per_chat_rates(database: Database, telegram: Telegram) -> None:
    for chat_id in range(600, 640):
        await subscribe_chat(database, chat_id)
    await record(database)
    report = await telegram.tick(FIRST_DUE)
    assert report.sent == 40
    times = sorted(at for _, at in telegram.api.sent_at)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-9
    # The first 30 go 1/30 s apart; the 31st waits until a whole window holds no more than 30.
    assert times[29] == pytest.approx(29 / 30)
    assert times[30] - times[0] == pytest.approx(WINDOW_SECONDS)
    assert times[-1] - times[0] == pytest.approx(39 / 30 + WINDOW_SECONDS - 1)


# -- status --------------------------------------------------------------------


async def test_status_counts_due_sent_failed_deactivated(database: Database, telegram: Telegram) -> None:
    for chat_id in (801, 802, 803, 804):
        await subscribe_chat(database, chat_id)
    await record(database)
    telegram.api.fail(802, 403, "Forbidden: bot was kicked from the group chat")
    telegram.api.fail(803, 400, "Bad Request: message is too long")
    status = await digest_status(database, FIRST_DUE)
    assert (status.due_now, status.active) == (4, 4)
    await telegram.tick(FIRST_DUE)
    status = await digest_status(database, FIRST_DUE + timedelta(hours=1))
    assert (status.sent_today, status.failed_today, status.deactivated, status.unfinished) == (2, 2, 1, 0)
    assert any("message is too long" in error.lower() for _, chat_id, error in status.failures if chat_id == 803)


async def test_status_tells_unsubscribed_chats_from_unreachable_ones(database: Database, telegram: Telegram) -> None:
    for chat_id in (811, 812, 813, 814):
        await subscribe_chat(database, chat_id)
    await record(database)
    await unsubscribe(database, 811)
    await unsubscribe(database, 812)
    telegram.api.fail(813, 403, "Forbidden: bot was blocked by the user")
    await telegram.tick(FIRST_DUE)
    status = await digest_status(database, FIRST_DUE + timedelta(hours=1))
    assert (status.deactivated, status.unsubscribed, status.unreachable) == (3, 2, 1)
    lines = status.lines()
    assert "unsubscribed:      2 (/unsubscribe, or a channel unlinked)" in lines
    assert "unreachable:       1 (blocked the bot, removed it, or the chat is gone)" in lines
    assert not any(line.startswith("deactivated") for line in lines)


async def test_the_preview_heading_shows_the_zone_as_the_subscriber_gave_it(database: Database) -> None:
    await subscribe_chat(database, 821, zone="Etc/GMT-3")
    await subscribe_chat(database, 822, zone="UTC+05:30")
    await unsubscribe(database, 822)
    subscriber, digest = await preview(database, 821) or (None, None)
    assert subscriber is not None and digest is not None
    heading = subscriber_heading(subscriber, digest.count)
    assert heading.startswith("# chat 821: active; daily at 08:00 UTC+3, next ") and "GMT" not in heading
    gone = await get_subscriber(database, 822)
    assert gone is not None
    assert subscriber_heading(gone, 0).startswith("# chat 822: unsubscribed; daily at 08:00 UTC+5:30, ")


# -- the job -------------------------------------------------------------------


async def test_one_repeating_job_sends_what_is_due(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(database) as chat_bot:
        application = chat_bot.application
        assert application.job_queue is not None
        schedule_digests(application)  # idempotent: still one job, whoever calls it
        [job] = application.job_queue.get_jobs_by_name(JOB_NAME)
        assert job.job.trigger.interval == timedelta(seconds=30)
        # A subscriber due long ago (the job runs on the real clock) gets one digest per run.
        await subscribe_chat(database, 951)
        await record(database, text="Sent by the job.")
        with caplog.at_level(logging.INFO, logger="bot.digests.tick"):
            await job.run(application)
            await job.run(application)
        assert ["Sent by the job." in text for text in chat_bot.texts(951)] == [True]
        ticks = [entry.getMessage() for entry in caplog.records if entry.getMessage().startswith("digest tick at")]
        assert len(ticks) == 2
        assert "due=1 sent=1" in ticks[0] and "messages=1" in ticks[0] and ticks[0].endswith("s")
        assert "due=0" in ticks[1]
