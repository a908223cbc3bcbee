"""What the admins' commands answer: the one-line /add, /edit, /retract, /link, /import,
/export and /stats, their usage lines and the refusals. Every value from users or the
record is escaped here."""

from __future__ import annotations

from bot.i18n import N_
from bot.input.add_line import EXAMPLE, PARTS, USAGE, AddLineError
from bot.presentation.html import h, statement_compact, statement_full
from bot.record import MAX_IMPORT_BYTES, Changed, Linked
from storage.actors import UNKNOWN_SIDE
from storage.exchange import ExchangeFormat, ImportReport
from storage.models import Stance, Statement, Topic
from storage.statements import EDITABLE_FIELDS
from storage.stats import RecordStats

MAX_LISTED_PROBLEMS = 30

REFUSED_CHANGE = N_("⛔ Only the bot's admins can change the record.")
REFUSED_READ = N_("⛔ This command is for the bot's admins.")

EDIT_USAGE = (
    "<code>/edit ID FIELD VALUE</code>, e.g. <code>/edit 23 status confirmed</code>\n"
    f"Fields: {h(', '.join(sorted(set(EDITABLE_FIELDS))))}"
)
RETRACT_USAGE = (
    "<code>/retract ID REASON</code>, e.g. <code>/retract 23 misattributed: the quote is from 2022</code>\n"
    "The statement stays in the record, marked retracted, with the reason."
)
LINK_USAGE = (
    "<code>/link ID contradicts ID</code> or <code>/link ID responds_to ID</code>, "
    "e.g. <code>/link 24 responds_to 23</code>"
)
IMPORT_USAGE = (
    "Send a JSONL or CSV file (the exchange format) with <code>/import</code> as its caption, "
    "or reply <code>/import</code> to a file already in this chat. "
    "<code>/import dry</code> checks the file and writes nothing. "
    f"Files up to {MAX_IMPORT_BYTES // (1024 * 1024)} MB."
)
EXPORT_USAGE = "<code>/export</code> (JSON lines) or <code>/export csv</code>"


# -- adding ------------------------------------------------------------------------


def _stance_hint(statement: Statement) -> str:
    example = Stance.proposal if statement.stance is Stance.demand else Stance.demand
    return (
        f"Stance recorded as <b>{h(statement.stance.value)}</b>. To change it: "
        f"<code>/edit {statement.id} stance {example.value}</code> "
        f"(one of: {h(', '.join(Stance))}); the role: <code>/edit {statement.id} role …</code>"
    )


def added(statement: Statement) -> str:
    text = f"✅ Added #{statement.id}\n\n{statement_full(statement)}\n\n{_stance_hint(statement)}"
    if statement.side == UNKNOWN_SIDE:
        text += (
            f"\n\n⚠️ The record has no side for <b>{h(statement.speaker)}</b> yet, so this statement's side "
            f"is left open (<i>{UNKNOWN_SIDE}</i>). Set it: <code>/edit {statement.id} side SIDE</code>, "
            f"e.g. <code>/edit {statement.id} side United Kingdom</code>"
        )
    return text


def add_problem(error: AddLineError) -> str:
    """A one-line /add that cannot be read: which part, why, and the form again."""
    if error.part in PARTS:
        where = f"<b>Part {PARTS.index(error.part) + 1} ({error.part})</b>"
    elif error.part == "side":
        where = "<b>Part 1 (speaker's side)</b>"
    else:
        where = "<b>The form</b>"
    return (
        f"⚠️ {where}: {h(error.problem)}\n"
        "Nothing was added.\n\n"
        f"The one-line form: <code>{h(USAGE)}</code>\n"
        "The date may also be YYYY-MM or YYYY; a new speaker's side goes in brackets "
        "after the name. Topics (comma-separated): "
        f"{h(', '.join(Topic))}.\n"
        f"e.g. <code>{h(EXAMPLE)}</code>\n"
        "Or send /add alone for a guided dialogue."
    )


def did_you_mean(speaker: str, similar: list[str]) -> str:
    names = ", ".join(f"<b>{h(name)}</b>" for name in similar)
    return (
        f"⚠️ <b>Part 1 (speaker)</b>: no speaker is recorded as <b>{h(speaker)}</b>. Did you mean {names}? "
        "Then write the name as recorded. For someone new, say which side they speak for, in brackets "
        f"after the name: <code>/add {h(speaker)} (United Kingdom) | …</code>\n"
        "Nothing was added."
    )


# -- changing ----------------------------------------------------------------------


def not_editable(field: str) -> str:
    return f"⚠️ {h(field[:40])} is not a field that can be edited.\n{EDIT_USAGE}"


def edited(changed: Changed, field: str) -> str:
    statement = changed.statement
    return f"✏️ Edited #{statement.id}: {h(field)}.\n\n{statement_full(statement, changed.links)}"


def retracted(changed: Changed) -> str:
    statement = changed.statement
    return (
        f"Retracted #{statement.id}; it stays in the record, marked retracted.\n\n"
        f"{statement_full(statement, changed.links)}"
    )


def linked(result: Linked) -> str:
    kind = result.link.kind.value.replace("_", " ")
    return (
        f"🔗 Linked: #{result.source.id} {h(kind)} #{result.target.id}.\n\n"
        f"{statement_compact(result.source)}\n\n{statement_compact(result.target)}"
    )


# -- import, export, stats ---------------------------------------------------------


def not_an_import_option(argument: str) -> str:
    return f"⚠️ {h(argument[:40])}: not an /import option.\n{IMPORT_USAGE}"


def import_too_large(name: str, size_bytes: int) -> str:
    return f"⚠️ {h(name)} is {size_bytes / (1024 * 1024):.1f} MB; {IMPORT_USAGE}\nNothing was imported."


def import_larger_than_limit(name: str) -> str:
    return f"⚠️ {h(name)} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. Nothing was imported."


def imported(name: str, report: ImportReport) -> str:
    """Success in one line; otherwise every problem (the first ones), and what to do."""
    if report.ok:
        mark = "🧪 Checked" if report.dry_run else "✅ Imported"
        return f"{mark} {h(name)}: {h(report.summary())}."
    listed = [f"• {h(str(problem))}" for problem in report.problems[:MAX_LISTED_PROBLEMS]]
    more = len(report.problems) - len(listed)
    if more > 0:
        listed.append(f"… and {more} more")
    return "\n".join(
        [f"❌ {h(name)}: {h(report.summary())}.", "", *listed, "", "Fix these lines and send the file again."]
    )


def export_caption(statements: int, fmt: ExchangeFormat) -> str:
    return f"The record: {statements} statement(s), retracted ones included, in the exchange format ({fmt.value})."


def _counts(counts: dict[str, int], limit: int = 8) -> str:
    items = [f"{h(key.replace('_', ' '))} {value}" for key, value in list(counts.items())[:limit]]
    if len(counts) > limit:
        items.append(f"+{len(counts) - limit} more")
    return " · ".join(items) or "none"


def stats_text(stats: RecordStats) -> str:
    latest = f"{stats.latest_said_on:%d %b %Y}" if stats.latest_said_on else "none"
    recorded = f"{stats.latest_added_at:%Y-%m-%d %H:%M} UTC" if stats.latest_added_at else "never"
    return "\n".join(
        [
            "<b>The record</b>",
            (
                f"Statements: {stats.statements} ({stats.retracted} retracted) · speakers: {stats.actors} · "
                f"subscribers: {stats.subscribers}"
            ),
            f"Latest said: {latest} · last recorded: {recorded}",
            f"By status: {_counts(stats.by_status)}",
            f"By side: {_counts(stats.by_side)}",
            f"By topic: {_counts(stats.by_topic, limit=len(Topic))}",
            f"With embeddings: {stats.embedded}",
        ]
    )
