"""What the admins' commands answer: the one-line /add, /edit, /retract, /link, /import,
/export and /stats, their usage lines and the refusals. Every value from users or the
record is escaped here."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, format_date, format_datetime, ngettext, said
from bot.input.add_line import EXAMPLE, PARTS, USAGE, AddLineError
from bot.input.edit_line import field_choices
from bot.input.labels import stance_choices, stances, topic_choices
from bot.presentation.callbacks import RetractButton, SideButton
from bot.presentation.html import h, statement_compact, statement_full
from bot.presentation.labels import label, side_name, speaker_name
from bot.record import MAX_IMPORT_BYTES, Changed, Linked
from storage.actors import UNKNOWN_SIDE
from storage.exchange import LISTED_SKIPS, ExchangeFormat, ImportReport
from storage.models import Stance, Statement, Topic
from storage.stats import RecordStats

MAX_LISTED_PROBLEMS = 30
#: A problem quotes what the file says, which may be a whole line; the reply shows its start.
MAX_PROBLEM_LENGTH = 300

REFUSED_CHANGE = N_("⛔ Only the bot's admins can change the record.")
REFUSED_READ = N_("⛔ This command is for the bot's admins.")


def edit_usage() -> str:
    return _("<code>/edit ID FIELD VALUE</code>, e.g. <code>/edit 23 status confirmed</code>\nFields: {fields}").format(
        fields=h(said(field_choices()))
    )


def retract_usage() -> str:
    return _(
        "<code>/retract ID REASON</code>, e.g. <code>/retract 23 misattributed: the quote is from 2022</code>\n"
        "The statement stays in the record, marked retracted, with the reason."
    )


def link_usage() -> str:
    return _(
        "<code>/link ID contradicts ID</code> or <code>/link ID responds_to ID</code>, "
        "e.g. <code>/link 24 responds_to 23</code>"
    )


def import_usage() -> str:
    return _(
        "Send a JSONL or CSV file (the exchange format) with <code>/import</code> as its caption, "
        "or reply <code>/import</code> to a file already in this chat. "
        "<code>/import dry</code> checks the file and writes nothing. "
        "Files up to {size} MB."
    ).format(size=MAX_IMPORT_BYTES // (1024 * 1024))


def import_waits(minutes: int) -> str:
    return _("Or send the file now: the next file you send here within {minutes} minutes is the one imported.").format(
        minutes=minutes
    )


def export_usage() -> str:
    return _("<code>/export</code> (JSON lines) or <code>/export csv</code>")


def usage_of(command: str) -> str:
    """What a command with its arguments missing or wrong answers."""
    if command == "edit":
        return _("To change one field of a statement: {usage}").format(usage=edit_usage())
    if command == "retract":
        return _("To retract a statement: {usage}").format(usage=retract_usage())
    if command == "link":
        return _("To link two statements: {usage}").format(usage=link_usage())
    return "⚠️ " + _("Which format? {usage}").format(usage=export_usage())


# The parts of the one-line /add and the record's fields, as error messages name them.
PART_NAMES = (N_("speaker"), N_("date"), N_("topics"), N_("text"), N_("source"), N_("url"), N_("side"), N_("form"))


# -- adding ------------------------------------------------------------------------


def _stance_hint(statement: Statement) -> str:
    example = Stance.proposal if statement.stance is Stance.demand else Stance.demand
    return _(
        "Stance recorded as <b>{stance}</b>. To change it: "
        "<code>/edit {id} stance {example}</code> "
        "(one of: {stances}); the role: <code>/edit {id} role …</code>"
    ).format(
        stance=h(label(statement.stance.value)),
        id=statement.id,
        example=h(said(stances().choice(example.value))),
        stances=h(said(stance_choices())),
    )


def added(statement: Statement) -> str:
    text = "✅ " + _("Added #{id}").format(id=statement.id)
    return f"{text}\n\n{statement_full(statement)}\n\n{_stance_hint(statement)}{_side_question(statement)}"


def _side_question(statement: Statement) -> str:
    """For a statement whose speaker is new to the record without a side (added, or given
    another speaker by /edit): how to set the side, asked under the side buttons."""
    if statement.side != UNKNOWN_SIDE:
        return ""
    return (
        "\n\n⚠️ "
        + _(
            "The record has no side for <b>{speaker}</b> yet, so this statement's side "
            "is left open (<i>{unknown}</i>). Set it: <code>/edit {id} side SIDE</code>, "
            "e.g. <code>/edit {id} side United Kingdom</code>"
        ).format(speaker=h(statement.speaker), unknown=h(side_name(UNKNOWN_SIDE)), id=statement.id)
        + "\n"
        + _("Which side does <b>{speaker}</b> speak for? Tap it, if it is one of these.").format(
            speaker=h(statement.speaker)
        )
    )


def side_keyboard(statement: Statement, sides: list[str]) -> InlineKeyboardMarkup | None:
    """The sides offered for a statement whose new speaker's side is open, two a row."""
    if not sides or statement.id is None:
        return None
    buttons = [
        InlineKeyboardButton(side_name(side), callback_data=SideButton(statement.id, side).encode()) for side in sides
    ]
    return InlineKeyboardMarkup([buttons[start : start + 2] for start in range(0, len(buttons), 2)])


def add_problem(error: AddLineError) -> str:
    """A one-line /add that cannot be read: which part, why, and the form again."""
    if error.part in PARTS:
        where = _("<b>Part {number} ({part})</b>").format(number=PARTS.index(error.part) + 1, part=_(error.part))
    elif error.part == "side":
        where = _("<b>Part 1 (speaker's side)</b>")
    else:
        where = _("<b>The form</b>")
    return f"⚠️ {where}: {h(said(error.problem))}\n" + _(
        "Nothing was added.\n\n"
        "The one-line form: <code>{usage}</code>\n"
        "The date may also be YYYY-MM or YYYY; a new speaker's side goes in brackets "
        "after the name. Topics (comma-separated): {topics}.\n"
        "e.g. <code>{example}</code>\n"
        "Or send /add alone for a guided dialogue."
    ).format(usage=h(_(USAGE)), topics=h(said(topic_choices())), example=h(_(EXAMPLE)))


def new_speaker_hint(example: str) -> str:
    """How to record someone new to the record whose side is not known yet, even with a
    name close to a recorded speaker's: `+` before the name."""
    return _("Someone new whose side is not known yet: <code>{example}</code>").format(example=h(example))


def did_you_mean(speaker: str, similar: list[str]) -> str:
    names = ", ".join(f"<b>{h(speaker_name(name))}</b>" for name in similar)
    return (
        "⚠️ "
        + _(
            "<b>Part 1 (speaker)</b>: no speaker is recorded as <b>{speaker}</b>. Did you mean {names}? "
            "Then write the name as recorded. For someone new, say which side they speak for, in brackets "
            "after the name: <code>/add {speaker} (United Kingdom) | …</code>\n"
            "Nothing was added."
        ).format(speaker=h(speaker), names=names)
        + "\n"
        + new_speaker_hint(f"/add +{speaker} | …")
    )


# -- changing ----------------------------------------------------------------------


def did_you_mean_for_edit(statement_id: int, speaker: str, similar: list[str]) -> str:
    """`/edit ID speaker` with a name that is part of or a slip for a recorded speaker's:
    the names it may mean, each as the command to take it, and how to record someone new;
    the field and the names as the admin's language writes them (`/edit 3 мовець …`)."""
    field = h(_("speaker"))
    commands = "\n".join(f"<code>/edit {statement_id} {field} {h(speaker_name(name))}</code>" for name in similar)
    return (
        "⚠️ "
        + _(
            "<b>{field}</b>: no speaker is recorded as <b>{speaker}</b>. Did you mean:\n{commands}\n"
            "For someone new, say which side they speak for, in brackets after the name: "
            "<code>/edit {id} {field} {speaker} (United Kingdom)</code>\n"
            "Nothing was changed."
        ).format(field=field, speaker=h(speaker), commands=commands, id=statement_id)
        + "\n"
        + new_speaker_hint(f"/edit {statement_id} {_('speaker')} +{speaker}")
    )


def not_editable(field: str) -> str:
    return "⚠️ " + _("{field} is not a field that can be edited.").format(field=h(field[:40])) + f"\n{edit_usage()}"


def edited(changed: Changed, field: str) -> str:
    statement = changed.statement
    heading = _("Edited #{id}: {field}.").format(id=statement.id, field=h(_(field)))
    return f"✏️ {heading}\n\n{statement_full(statement, changed.links)}{_side_question(statement)}"


def retraction_preview(statement: Statement, reason: str) -> str:
    """What a /retract asks before it changes anything: a retraction is not undone here."""
    question = _("Retract #{id}? It stays in the record, marked retracted, with the reason: {reason}").format(
        id=statement.id, reason=f"<i>{h(reason)}</i>"
    )
    ask = _("Tap <b>Retract</b> to confirm, or <b>Cancel</b>.")
    return f"🗑 {question}\n\n{statement_compact(statement)}\n\n{ask}"


def retraction_keyboard(nonce: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🗑 " + _("Retract"), callback_data=RetractButton(nonce, "yes").encode()),
                InlineKeyboardButton("✖️ " + _("Cancel"), callback_data=RetractButton(nonce, "no").encode()),
            ]
        ]
    )


def never_deleted(statement: str) -> str:
    """What `/delete` and its like answer an admin: the record keeps every statement."""
    return "🗑 " + _(
        "The record never deletes a statement. To take one back: <code>/retract {statement} REASON</code>; "
        "it stays in the record, marked retracted, with the reason, and readers see it so."
    ).format(statement=h(statement))


NOT_RETRACTED = N_("Cancelled; nothing was retracted.")
RETRACTION_EXPIRED = N_("This button has expired; send /retract again.")


def retracted(changed: Changed) -> str:
    statement = changed.statement
    heading = _("Retracted #{id}; it stays in the record, marked retracted.").format(id=statement.id)
    return f"{heading}\n\n{statement_full(statement, changed.links)}"


def linked(result: Linked) -> str:
    kind = label(result.link.kind.value)
    heading = _("Linked: #{source} {kind} #{target}.").format(
        source=result.source.id, kind=h(kind), target=result.target.id
    )
    return f"🔗 {heading}\n\n{statement_compact(result.source)}\n\n{statement_compact(result.target)}"


# -- import, export, stats ---------------------------------------------------------


def not_an_import_option(argument: str) -> str:
    return "⚠️ " + _("{argument}: not an /import option.").format(argument=h(argument[:40])) + f"\n{import_usage()}"


def import_too_large(name: str, size_bytes: int | None = None) -> str:
    """A file over the limit of /import, its size given when Telegram told it (rounded up,
    so that a file just over the limit never reads as the limit itself)."""
    limit = MAX_IMPORT_BYTES // (1024 * 1024)
    if size_bytes is None:
        said = _("{name} is larger than {limit} MB, the most a file sent to /import may be.")
    else:
        said = _("{name} is {size} MB, more than the {limit} MB a file sent to /import may be.")
    size = f"{math.ceil(size_bytes * 10 / (1024 * 1024)) / 10:.1f}" if size_bytes else ""
    return (
        "⚠️ "
        + said.format(name=h(name), size=size, limit=limit)
        + " "
        + _("Nothing was imported.")
        + "\n"
        + _("On the server, <code>diplobot import FILE</code> takes a file of any size.")
    )


def _summary(report: ImportReport) -> str:
    """What `ImportReport.summary` says for the operator, in the reader's language."""
    if not report.ok:
        count = len(report.problems)
        return ngettext(
            "{count} problem found; nothing was imported", "{count} problems found; nothing was imported", count
        ).format(count=count)
    counts = _("{added} added, {updated} updated, {unchanged} unchanged").format(
        added=report.added, updated=report.updated, unchanged=report.unchanged
    )
    if report.links:
        counts += ", " + ngettext("{count} link added", "{count} links added", report.links).format(count=report.links)
    if report.skipped:
        refs = ", ".join(skip.ref for skip in report.skipped[:LISTED_SKIPS])
        more = len(report.skipped) - LISTED_SKIPS
        if more > 0:
            refs += " " + _("and {count} more").format(count=more)
        counts += ", " + _(
            "{count} skipped ({refs}: retracted in the record, and kept retracted; "
            "`diplobot import --allow-unretract` restores them)"
        ).format(count=len(report.skipped), refs=refs)
    if report.dry_run:
        return _("dry run: {counts}; nothing was written").format(counts=counts)
    return counts


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_LENGTH else text[: MAX_PROBLEM_LENGTH - 1] + "…"


def imported(name: str, report: ImportReport) -> str:
    """Success in one line; otherwise every problem (the first ones), and what to do."""
    if report.empty:
        return "❌ " + _(
            "{name} holds no statements; nothing was imported.\n"
            "A JSONL file holds one statement per line; a CSV file a header line, then one statement per line."
        ).format(name=h(name))
    if report.ok:
        mark = "🧪 " + _("Checked") if report.dry_run else "✅ " + _("Imported")
        return f"{mark} {h(name)}: {h(_summary(report))}."
    listed = [f"• {h(_shortened(said(problem.wording)))}" for problem in report.problems[:MAX_LISTED_PROBLEMS]]
    more = len(report.problems) - len(listed)
    if more > 0:
        listed.append("… " + _("and {count} more").format(count=more))
    return "\n".join(
        [f"❌ {h(name)}: {h(_summary(report))}.", "", *listed, "", _("Fix these lines and send the file again.")]
    )


def export_caption(statements: int, fmt: ExchangeFormat) -> str:
    return ngettext(
        "The record: {count} statement, retracted ones included, in the exchange format ({format}).",
        "The record: {count} statements, retracted ones included, in the exchange format ({format}).",
        statements,
    ).format(count=statements, format=fmt.value)


def _counts(counts: dict[str, int], limit: int = 8, name: Callable[[str], str] = label) -> str:
    items = [f"{h(name(key))} {value}" for key, value in list(counts.items())[:limit]]
    if len(counts) > limit:
        items.append(_("+{count} more").format(count=len(counts) - limit))
    return " · ".join(items) or _("none")


def _recorded_at(moment: datetime) -> str:
    """A moment in UTC in the admin's language, as the dates beside it are written."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_datetime(moment, "d MMM y, HH:mm") + " UTC"


def stats_text(stats: RecordStats) -> str:
    latest = format_date(stats.latest_said_on, "dd MMM y") if stats.latest_said_on else _("none")
    recorded = _recorded_at(stats.latest_added_at) if stats.latest_added_at else _("never")
    return "\n".join(
        [
            "<b>" + _("The record") + "</b>",
            _(
                "Statements: {statements} ({retracted} retracted) · speakers: {actors} · subscribers: {subscribers}"
            ).format(
                statements=stats.statements,
                retracted=stats.retracted,
                actors=stats.actors,
                subscribers=stats.subscribers,
            ),
            _("Latest said: {latest} · last recorded: {recorded}").format(latest=latest, recorded=recorded),
            _("By status: {counts}").format(counts=_counts(stats.by_status)),
            _("By side: {counts}").format(counts=_counts(stats.by_side, name=side_name)),
            _("By topic: {counts}").format(counts=_counts(stats.by_topic, limit=len(Topic))),
            # A statement without its vector is found by its words only, not by what it means.
            _("Found by meaning as well as by words: {count} of {total}").format(
                count=stats.embedded, total=stats.statements
            ),
        ]
    )
