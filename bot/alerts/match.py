"""Which alerts the record's latest changes concern, and which statements each now
matches that it has not told of.

An alert tells of a statement when it is recorded and matches, or when an edit (or an
import's update) makes it match: it did not match as the alert last saw it, and does now.
A change concerns an alert only when the statement is new or the edit touched a field the
alert reads (its words read the indexed text: speaker, role, side, topics, places, text,
source; each filter its own field), so most edits cost nothing. Whether the statement
matches now is asked of the engine's full-text index with the alert's filters, as
`/search` reads them; whether it matched before, of the same engine's parser on the
statement as the audit log kept it. An alert tells of a statement once (storage
`alert_match`), whatever edits come later."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from bot.alerts.manage import parse_alert
from bot.answering.search_words import alternatives, read_search_words, search_words, with_speakers
from bot.input.search_syntax import ParsedQuery
from storage.alerts import (
    Change,
    alerts_behind,
    changes_between,
    matched_before,
    matching_statements,
    records_matching,
)
from storage.engine import Database
from storage.errors import InvalidInput
from storage.models import Alert, Status

log = logging.getLogger(__name__)

#: The exchange-format fields the full-text index holds (storage.statements.search_text).
WORD_FIELDS = frozenset({"speaker", "speaker_role", "side", "topics", "places", "text", "source"})
#: The field each `/search` filter reads.
FILTER_FIELDS = {
    "speaker": "speaker",
    "side": "side",
    "topic": "topics",
    "place": "places",
    "stance": "stance",
    "status": "status",
    "since": "said_on",
    "until": "said_on",
}


def fields_read(parsed: ParsedQuery) -> frozenset[str]:
    """The statement's fields whose change may change whether it matches `parsed`."""
    fields = set(WORD_FIELDS) if search_words(parsed.text) else set()
    fields.update(name for key, name in FILTER_FIELDS.items() if getattr(parsed.filters, key) is not None)
    return frozenset(fields)


def concerns(change: Change, fields: frozenset[str]) -> bool:
    """Whether `change` may have made its statement match an alert reading `fields`: a new
    statement always; an edit when it changed one of them, or took back a retraction."""
    before, after = change.before, change.after
    if before is None or after is None:
        return True
    retracted = Status.retracted.value
    if (before.get("status") == retracted) != (after.get("status") == retracted):
        return True
    return any(before.get(name) != after.get(name) for name in fields)


@dataclass
class Matches:
    """A tick's matching: the alerts it covered and, per chat, the (alert id, statement
    id) pairs to tell of."""

    alerts: list[Alert] = field(default_factory=list)
    by_chat: dict[int, set[tuple[int, int]]] = field(default_factory=dict)


async def match_alerts(database: Database, end: int) -> Matches:
    """Every alert behind `end` against the changes after its cursor up to `end`. Alerts
    with the same words and filters (common ones: "ceasefire") are asked of the index
    once."""
    async with database.read() as session:
        alerts = await alerts_behind(session, end)
        if not alerts:
            return Matches()
        changes = await changes_between(session, min(alert.cursor for alert in alerts), end)
        by_query: dict[str, list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_query[alert.query].append(alert)
        pairs: set[tuple[int, int]] = set()
        for query, group in by_query.items():
            try:
                # Read as saved: a side it names was checked when the alert was made.
                parsed = parse_alert(query, open_sides=True)
            except InvalidInput as error:
                log.warning("alert %r cannot be read any more, skipped: %s", query, error)
                continue
            fields = fields_read(parsed)
            relevant = [change for change in changes if concerns(change, fields)]
            oldest = min(alert.cursor for alert in group)
            candidates = {change.statement_id for change in relevant if change.id > oldest}
            if not candidates:
                continue
            # Ukrainian and Russian words as /search reads them: any of a word's English
            # words in the statement is the word found ("перемирие": ceasefire, truce, ...).
            words = alternatives(await read_search_words(database, parsed.text))
            filters = await with_speakers(database, parsed.filters)
            matching = await matching_statements(session, database, words, filters, candidates)
            # Per alert, each matching statement's first concerning change after its
            # cursor: the statement before it is the statement as the alert last saw it.
            firsts: dict[int, dict[int, Change]] = {}
            for alert in group:
                first = firsts[alert.id or 0] = {}
                for change in relevant:
                    if change.id > alert.cursor and change.statement_id in matching:
                        first.setdefault(change.statement_id, change)
            edited = {
                change.id: change.before
                for first in firsts.values()
                for change in first.values()
                if change.before is not None
            }
            matched_then = await records_matching(session, database, words, filters, edited)
            for alert_id, first in firsts.items():
                pairs.update(
                    (alert_id, statement_id) for statement_id, change in first.items() if change.id not in matched_then
                )
        told = await matched_before(
            session, {alert_id for alert_id, _ in pairs}, {statement_id for _, statement_id in pairs}
        )
    chat_of = {alert.id: alert.chat_id for alert in alerts}
    by_chat: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for pair in pairs - told:
        by_chat[chat_of[pair[0]]].add(pair)
    return Matches(alerts, dict(by_chat))
