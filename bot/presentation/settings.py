"""The digest's settings as one message with buttons (/settings), edited in place as they
are tapped, and what /subscribe and /digest say about the next digest."""

from __future__ import annotations

from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, format_datetime
from bot.presentation.callbacks import SettingsButton
from bot.presentation.html import h
from bot.presentation.labels import label, speaker_name
from bot.time_zones import fixed_abbreviation, is_fixed_offset, shown_zone
from storage.models import Actor, ChatType, Subscriber, Topic
from storage.zones import Zone, key_of, zone_of

QUICK_TIMES = ("06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "22:00")
QUICK_ZONES = (
    "Europe/Kyiv",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Warsaw",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "UTC",
)
MAX_SPEAKER_CHOICES = 8
NOT_SUBSCRIBED = N_(
    "This chat has no digest subscription. "
    "<code>/subscribe [HH:MM] [ZONE]</code> starts one, e.g. <code>/subscribe 08:00 Kyiv</code>; "
    "the zone is a city such as Kyiv, a zone such as Europe/Kyiv, or an offset such as UTC+2."
)
NOTHING_CHANGED = N_("OK, nothing changed.")
NO_LONGER_SUBSCRIBED = N_("This chat has no digest subscription any more.")

_PROMPTS = {
    "topics": N_("Tap a topic to follow it or stop following it. Following none means every topic."),
    "speakers": N_(
        "<b>Type a speaker's name</b> to follow them (e.g. Putin, Зеленський); tap one to stop. "
        "Following none means every speaker. Topics and speakers both narrow the digest."
    ),
    "time": N_("Tap a time, or <b>type one</b>, e.g. 20:00, 8pm or 7:30 am; a zone may follow (8pm Kyiv)."),
    "zone": N_(
        "Tap a time zone, or <b>type one</b>: a city such as Kyiv, a zone such as Europe/Kyiv, "
        "or an offset such as UTC+2 or UTC+5:30."
    ),
}


#: The views whose value may be typed.
_TYPED = ("speakers", "time", "zone")


def next_digest(subscriber: Subscriber) -> str:
    """When the next digest is due, in the subscriber's own time zone and the reader's language."""
    due = subscriber.next_due_at.astimezone(zone_of(subscriber.timezone))
    return format_datetime(due, "EEE d MMM y, HH:mm")


def digest_when(subscriber: Subscriber) -> str:
    """The digest's daily time and zone, as /subscribe, /channel and /settings say it."""
    return f"<b>{subscriber.digest_time:%H:%M}</b> {h(shown_zone(subscriber.timezone))}"


def fixed_offset_note(zone: str) -> str | None:
    """A reader who gives "UTC+3" may mean their city's summer time: a fixed offset does
    not follow the clocks' change, and they are told so, with the way to follow it. So is
    a reader who gives "EST", which is UTC-5 also in a New York summer."""
    abbreviation = fixed_abbreviation(zone)
    if abbreviation is not None:
        offset, city = abbreviation
        return _(
            "{zone} is a fixed offset ({offset}): it does not change with summer time. "
            "To follow your clocks, give your city instead (e.g. {city})."
        ).format(zone=h(zone), offset=h(offset), city=h(city))
    if not is_fixed_offset(zone):
        return None
    return _(
        "{zone} is a fixed offset: it does not change with summer time. "
        "To follow your clocks, give your city instead (e.g. Kyiv)."
    ).format(zone=h(shown_zone(zone)))


def _topics_line(subscriber: Subscriber) -> str:
    if not subscriber.topics:
        return _("all")
    return ", ".join(label(topic) for topic in subscriber.topics)


def _followed(names: dict[int, str], actor_id: int) -> str:
    """A followed speaker as cards name them ("Володимир Путін")."""
    name = names.get(actor_id)
    return speaker_name(name) if name else f"#{actor_id}"


def _speakers_line(subscriber: Subscriber, names: dict[int, str]) -> str:
    if not subscriber.actor_ids:
        return _("all")
    return ", ".join(h(_followed(names, actor_id)) for actor_id in subscriber.actor_ids)


def settings_text(subscriber: Subscriber, names: dict[int, str], view: str = "main") -> str:
    """`view` is the part being changed ("topics", "speakers", "time", "zone"), whose
    prompt is added, or "main"."""
    state = "⏸ " + _("paused") if subscriber.paused else _("active")
    lines = [
        "<b>{}</b> · {}".format(_("Daily digest"), state),
        "🕗 " + _("Time: {time}").format(time=digest_when(subscriber)),
    ]
    if not subscriber.paused:
        lines.append("   " + _("next: {when}").format(when=next_digest(subscriber)))
    lines += [
        "📚 " + _("Topics: {topics}").format(topics=_topics_line(subscriber)),
        "🗣 " + _("Speakers: {speakers}").format(speakers=_speakers_line(subscriber, names)),
        "📭 " + (_("“Nothing new” notes: on") if subscriber.notify_empty else _("“Nothing new” notes: off")),
    ]
    prompt = _PROMPTS.get(view)
    if prompt:
        lines += ["", _(prompt)]
    if view in _TYPED and subscriber.chat_type in (ChatType.group, ChatType.supergroup):
        # Telegram shows a bot a group's messages that reply to it, not the members' talk.
        lines.append(_("In a group, send it as a reply to this message."))
    return "\n".join(lines)


def _button(label: str, action: str, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=SettingsButton(action, argument).encode())


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[index : index + width] for index in range(0, len(buttons), width)]


def settings_keyboard(subscriber: Subscriber, names: dict[int, str], view: str = "main") -> InlineKeyboardMarkup:
    back = _button("« " + _("Back"), "main")
    if view == "topics":
        followed = set(subscriber.topics)
        toggles = [
            _button(f"{'✅' if topic.value in followed else '▫️'} {label(topic)}", "t", topic.value) for topic in Topic
        ]
        return InlineKeyboardMarkup([*_rows(toggles, 2), [_button(_("All topics"), "tall"), back]])
    if view == "speakers":
        removals = [
            _button(f"✖ {_followed(names, actor_id)}", "sr", str(actor_id)) for actor_id in subscriber.actor_ids
        ]
        return InlineKeyboardMarkup([*_rows(removals, 2), [back]])
    if view == "time":
        times = [_button(label, "ti", label.replace(":", "")) for label in QUICK_TIMES]
        return InlineKeyboardMarkup([*_rows(times, 4), [back]])
    if view == "zone":
        zones = [_button(zone, "z", zone) for zone in QUICK_ZONES]
        return InlineKeyboardMarkup([*_rows(zones, 2), [back]])
    pause = _button("▶️ " + _("Resume"), "resume") if subscriber.paused else _button("⏸ " + _("Pause"), "pause")
    notes = (
        _button("📭 " + _("Notes: turn off"), "empty", "off")
        if subscriber.notify_empty
        else _button("📭 " + _("Notes: turn on"), "empty", "on")
    )
    return InlineKeyboardMarkup(
        [
            [_button("🕗 " + _("Time"), "time"), _button("🌍 " + _("Time zone"), "zone")],
            [_button("📚 " + _("Topics"), "topics"), _button("🗣 " + _("Speakers"), "speakers")],
            [pause, notes],
        ]
    )


def speaker_choices(typed: str, actors: list[Actor]) -> tuple[str, InlineKeyboardMarkup]:
    """A typed name that fits several speakers: one button each."""
    buttons = [_button(speaker_name(actor.name), "sp", str(actor.id)) for actor in actors[:MAX_SPEAKER_CHOICES]]
    return _("“{name}” could mean:").format(name=h(typed[:60])), InlineKeyboardMarkup(_rows(buttons, 1))


def following(actor: Actor) -> str:
    return "✅ " + _("Following {name}. Tap Speakers to add another.").format(name=h(speaker_name(actor.name)))


def time_set(digest_time: time) -> str:
    return "✅ " + _("Time: {time}").format(time=f"{digest_time:%H:%M}") + "."


def zone_set(zone: Zone) -> str:
    key = key_of(zone)
    note = fixed_offset_note(key)
    return "✅ " + _("Time zone: {zone}").format(zone=h(shown_zone(key))) + "." + (f"\n{note}" if note else "")
