"""What a reader is told when /search or a question finds nothing: one reason, the one
that applies, and one way to widen the search (other words, no filters, no dates, the
speaker's own list, the topics). A pile of notes leaves the reader to work out which
one matters; this says it."""

from __future__ import annotations

from html import escape

from bot.answering.ask import NOTHING_FOUND, Answer
from bot.answering.search_words import SearchWord, alternatives
from bot.i18n import _, ngettext
from bot.presentation.labels import speaker_name
from storage.engine import Database
from storage.errors import as_sentence
from storage.search import SearchFilters, search


def _command(text: str) -> str:
    return f"<code>{escape(text, quote=False)}</code>"


async def search_nothing_found(database: Database, text: str, words: list[SearchWord], filters: SearchFilters) -> str:
    """Why `/search` found nothing and how to widen it, as two lines of HTML. When the
    words alone find statements, the filters are why, and the reply says how many the
    words find without them."""
    if words and not filters.is_empty:
        without = await search(database, alternatives(words), SearchFilters(), limit=1)
        if without.total:
            reason = _("No statement with these words passes the filters.")
            hint = ngettext(
                "Without the filters, {count} statement has them: {command}",
                "Without the filters, {count} statements have them: {command}",
                without.total,
            ).format(count=without.total, command=_command(f"/search {text}"))
            return f"{escape(reason, quote=False)}\n<i>{hint}</i>"
    # A search finds a statement holding any of its words: none holds any of these.
    if len(words) > 1:
        reason = _("No statement holds any of these words: {words}.").format(
            words=", ".join(word.written for word in words)
        )
        hint = _("Try other words, or see the topics: {command}").format(command="/topic")
    elif words:
        reason = _("No statement holds “{word}”.").format(word=words[0].written)
        hint = _("Try another word, or see the topics: {command}").format(command="/topic")
    elif not filters.is_empty:
        reason = _("No statement passes these filters.")
        hint = escape(_("Drop a filter to widen the search."), quote=False)
    else:
        # Emoji or punctuation alone are not too common: they hold no word at all.
        has_word = any(character.isalnum() for character in text)
        why = _("“{text}” is too common to look for.") if has_word else _("“{text}” holds no word to look for.")
        reason = why.format(text=text)
        hint = _("Search for a word of what was said, e.g. {command}").format(command=_command(_("/search ceasefire")))
    return f"{escape(reason, quote=False)}\n<i>{hint}</i>"


def answer_nothing_found(result: Answer, *, commands: bool) -> str:
    """Why nothing answers a question, as a sentence, and (where the reader has the bot's
    commands) one way to widen it: without the time asked about, everything the speaker
    said, else the topics. A reason that suggests a name ("did you mean …?") is hint
    enough."""
    reason = as_sentence(_(result.reason)) if result.reason else _(NOTHING_FOUND)
    shown = escape(reason, quote=False)
    understood = result.understood
    if not commands or "?" in reason:
        return shown
    if understood is not None and (understood.since or understood.until):
        hint = escape(_("Ask again without the time to look through the whole record."), quote=False)
    elif understood is not None and len(understood.speaker_labels) == 1:
        name = speaker_name(understood.speaker_labels[0])
        hint = _("Everything {name} said: {command}").format(
            name=escape(name, quote=False), command=_command(f"/actor {name}")
        )
    else:
        hint = _("See what the record is about: {command}").format(command="/topic")
    return f"{shown}\n<i>{hint}</i>"
