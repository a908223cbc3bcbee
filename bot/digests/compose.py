"""What a digest holds and how it reads: the statements recorded in a range that pass a
subscriber's filters, grouped by topic, rendered as Telegram HTML messages.

A digest depends only on its `DigestKey` (followed topics and speakers, the statement
range): subscribers with equal keys share one rendering, and a delivery resumed after a
crash re-renders the range its row recorded. Nothing here sends or moves anything."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from html import escape, unescape

from bot.i18n import N_, _, language_of, ngettext, use_language
from bot.presentation.html import MESSAGE_LIMIT, split_message, statement_compact
from bot.presentation.labels import label, speaker_name
from storage.deliveries import StatementUnderTopic, statements_under_topics
from storage.engine import Database
from storage.models import Subscriber, Topic
from storage.search import hydrate
from storage.subscriptions import actor_names_in, load_subscriber, max_statement_id

SECTION_LIMIT = 5
NOTHING_NEW = N_("📭 Nothing new in the record since your last digest.")


@dataclass(frozen=True)
class DigestKey:
    """Everything a digest's content depends on, its language included: subscribers with
    equal keys share one rendering."""

    topics: tuple[str, ...]
    actor_ids: tuple[int, ...]
    cursor_from: int
    cursor_to: int
    language: str = "en"

    @classmethod
    def of(cls, subscriber: Subscriber, cursor_from: int, cursor_to: int) -> DigestKey:
        return cls(
            tuple(topic.value for topic in Topic if topic.value in set(subscriber.topics)),
            tuple(sorted(set(subscriber.actor_ids))),
            cursor_from,
            cursor_to,
            language_of(subscriber.language),
        )


@dataclass(frozen=True)
class Digest:
    key: DigestKey
    parts: list[str]
    count: int

    @property
    def is_empty(self) -> bool:
        return self.count == 0


def _topic_title(topic: str) -> str:
    title = label(topic)
    return title[:1].upper() + title[1:]


def _more_command(topic: str, speakers: list[str]) -> str:
    if len(speakers) == 1:
        return f'/search topic:{topic} speaker:"{speakers[0]}"'
    return f"/topic {topic}"


def _pack(blocks: list[str], limit: int) -> list[str]:
    """Blocks joined by blank lines into as few messages of at most `limit` characters as
    they fit in; a block too long for one message is split at its line ends."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        pieces = [block] if len(block) <= limit else split_message(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def render_digest(
    sections: dict[str, list[str]],
    totals: dict[str, int],
    *,
    topics: tuple[str, ...] = (),
    speakers: list[str] | None = None,
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The digest as Telegram HTML messages: a heading, one section per topic (the
    product's topic order) of statements already rendered (`statement_compact`), newest
    first, each capped with "and N more" and the command that lists them."""
    speakers = speakers or []
    count = sum(totals.values())
    following = []
    if topics:
        following.append(", ".join(label(topic) for topic in topics))
    if speakers:
        following.append(", ".join(escape(speaker_name(name), quote=False) for name in speakers))
    recorded = ngettext(
        "{count} new statement recorded since your last digest",
        "{count} new statements recorded since your last digest",
        count,
    ).format(count=count)
    heading = "<b>📰 {}</b>\n{}".format(_("Your daily digest"), recorded)
    if following:
        heading += "\n" + _("Following: {what}").format(what=" · ".join(following))
    blocks = [heading]
    for topic in (topic.value for topic in Topic):
        shown = sections.get(topic)
        if not shown:
            continue
        total = totals[topic]
        blocks.append(
            f"<b>{_topic_title(topic)}</b> · " + ngettext("{count} new", "{count} new", total).format(count=total)
        )
        blocks.extend(shown)
        if total > len(shown):
            command = f"<code>{escape(_more_command(topic, speakers), quote=False)}</code>"
            more = ngettext("… and {count} more: {command}", "… and {count} more: {command}", total - len(shown))
            blocks.append(more.format(count=total - len(shown), command=command))
    blocks.append("<i>{}</i>".format(_("Topics, speakers, time: /settings")))
    return _pack(blocks, limit)


def _sections(
    rows: list[StatementUnderTopic], key: DigestKey, section_limit: int
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Per topic, how many statements of `rows` (sorted by id, then by the statement's own
    order of its topics) the key's digest has, and the ids of those it shows: followed
    topics and followed speakers both narrow it (none followed means all), and each
    statement goes to one section, the first of its topics the subscriber follows."""
    start = bisect.bisect_right(rows, key.cursor_from, key=lambda row: row.statement_id)
    end = bisect.bisect_right(rows, key.cursor_to, key=lambda row: row.statement_id)
    topics, actors = set(key.topics), set(key.actor_ids)
    placed: dict[int, StatementUnderTopic] = {}
    for row in rows[start:end]:
        if (topics and row.topic not in topics) or (actors and row.actor_id not in actors):
            continue
        placed.setdefault(row.statement_id, row)
    by_topic: dict[str, list[tuple[date, int]]] = {}
    for row in placed.values():
        by_topic.setdefault(row.topic, []).append((row.said_on, row.statement_id))
    totals: dict[str, int] = {}
    shown: dict[str, list[int]] = {}
    for topic, entries in by_topic.items():
        entries.sort(reverse=True)  # newest said first, then latest recorded
        totals[topic] = len(entries)
        shown[topic] = [statement_id for _, statement_id in entries[:section_limit]]
    return totals, shown


async def compose_all(
    database: Database,
    keys: Collection[DigestKey],
    *,
    section_limit: int = SECTION_LIMIT,
    limit: int = MESSAGE_LIMIT,
    bot_username: str | None = None,
) -> dict[DigestKey, Digest]:
    """The digest of each key: the statements recorded in (cursor_from, cursor_to] that
    pass its filters, retracted ones left out. The digests of a tick overlap (the same
    days, topics and speakers), so the statements of all their ranges are read in one
    query, and each one shown is loaded and rendered once, not once per digest; with its
    share link when `bot_username` is known."""
    if not keys:
        return {}
    async with database.read() as session:
        rows = await statements_under_topics(
            session, min(key.cursor_from for key in keys), max(key.cursor_to for key in keys)
        )
        sections = {key: _sections(rows, key, section_limit) for key in keys}
        ids = sorted({i for _, shown in sections.values() for ids in shown.values() for i in ids})
        hits = await hydrate(database, [(statement_id, 0.0) for statement_id in ids])
        blocks: dict[tuple[str, int | None], str] = {}
        for language in {key.language for key in keys}:
            with use_language(language):
                blocks.update(
                    {(language, hit.statement.id): statement_compact(hit.statement, bot_username) for hit in hits}
                )
        actor_ids = sorted({actor_id for key in keys for actor_id in key.actor_ids})
        names = await actor_names_in(session, actor_ids)
    digests = {}
    for key, (totals, shown) in sections.items():
        count = sum(totals.values())
        if count == 0:
            digests[key] = Digest(key, [], 0)
            continue
        speakers = sorted(names[actor_id] for actor_id in key.actor_ids if actor_id in names)
        rendered = {
            topic: [blocks[key.language, i] for i in ids if (key.language, i) in blocks] for topic, ids in shown.items()
        }
        with use_language(key.language):
            parts = render_digest(rendered, totals, topics=key.topics, speakers=speakers, limit=limit)
        digests[key] = Digest(key, parts, count)
    return digests


async def compose(
    database: Database,
    key: DigestKey,
    *,
    section_limit: int = SECTION_LIMIT,
    limit: int = MESSAGE_LIMIT,
    bot_username: str | None = None,
) -> Digest:
    """One digest (see `compose_all`)."""
    composed = await compose_all(database, [key], section_limit=section_limit, limit=limit, bot_username=bot_username)
    return composed[key]


async def preview(
    database: Database, chat_id: int, *, section_limit: int = SECTION_LIMIT, bot_username: str | None = None
) -> tuple[Subscriber, Digest] | None:
    """What the chat's next digest would hold if it went out now; moves nothing. None when
    the chat has no subscription."""
    async with database.read() as session:
        subscriber = await load_subscriber(session, chat_id)
        if subscriber is None:
            return None
        end = await max_statement_id(session)
    return subscriber, await compose(
        database,
        DigestKey.of(subscriber, subscriber.cursor, end),
        section_limit=section_limit,
        bot_username=bot_username,
    )


def plain_text(html_text: str) -> str:
    """A rendered message as an operator's terminal shows it."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))
