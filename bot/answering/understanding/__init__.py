"""Question understanding: what a reader's question says about who, where, what and when,
and what is left for the text search.

`understand(question, facts, today=...)` is a pure function. It recognises

* speakers, by every alias the record holds (Cyrillic too), by surname or unique first
  name, and by the roles they spoke in ("the Russian foreign minister");
* sides, by name, capital, seat of government and demonym ("Moscow", "the Kremlin",
  "Kyiv", "Washington", "American", "Brussels", "the EU", "European leaders");
* topics by their common names ("truce", "peacekeepers", "POWs"), and places, with the
  spellings and adjectives readers use;
* time: months and years, relative dates against `today`, and events the record itself
  dates ("after the Alaska summit").

The modules, one job each: `words` reads the vocabularies (general knowledge of the
domain, not of any question set: country names, capitals and demonyms, names of
institutions, topic synonyms, months), which are data in bot/data/vocabulary/; `vocabulary`
joins them with the record's own facts; `tokens`, `mentions` and `names` find who and what
the question names; `time_spans` reads its time expressions; `terms` makes what is left
into search terms; `questions` puts it together."""

from bot.answering.understanding.questions import Understanding, understand

__all__ = ["Understanding", "understand"]
