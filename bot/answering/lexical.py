"""The lexical evidence beside the sentence model: the share of the question's words,
weighted by how rare each is in the record, that a statement holds in any form.

The model ranks by meaning and compresses it: a statement that uses the very word asked
about ("peacekeepers", "neutrality", "intelligence") may sit a few hundredths below near
neighbours that speak of the same topic in other words. A bounded bonus for holding the
question's rare words orders those near-equals, and is never large enough to lift a
statement that shares a word and not the meaning over one that answers.

A Ukrainian or Russian word counts as held when the statement holds any of the English
words the bilingual lexicon gives for it (the record is in English); a word for a topic
and a proper name count as well as plain words. Words most statements hold weigh nothing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.keywords import TERM_CACHE_SIZE, TermStats, candidate_words, keyword_hits, weigh
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import Selection
from storage.engine import Database

#: Statements checked for the question's words: the closest by meaning, and the engine's
#: best full-text matches (a statement using the rare word may rank low by meaning alone).
CHECKED = 25


@dataclass(frozen=True)
class WordGroups:
    """The question's words as groups of alternatives (a Cyrillic word: its English words),
    and its numbers as digits (bot.answering.numbers)."""

    groups: tuple[tuple[str, ...], ...] = ()
    numbers: tuple[str, ...] = ()

    @property
    def terms(self) -> list[str]:
        """The words to count in the full-text index (it cannot count a number it splits)."""
        return list(dict.fromkeys(term for group in self.groups for term in group))

    def __bool__(self) -> bool:
        return bool(self.groups or self.numbers)


async def held_shares(
    database: Database,
    session: AsyncSession,
    index: RecordArrays,
    words: WordGroups,
    stats: TermStats,
    closest: npt.NDArray[np.intp],
) -> npt.NDArray[np.float64]:
    """Per row of the index, the weighted share of `words` the statement holds (zero for
    rows not checked: the `closest` rows and the full-text matches)."""
    shares = np.zeros(index.size, dtype=np.float64)
    # A number weighs as a word one statement holds: numbers are that specific, and the
    # index, which splits "600,000", cannot count them.
    counts = {**stats.counts, **dict.fromkeys(words.numbers, 1)}
    groups = (*words.groups, *((number,) for number in words.numbers))
    concepts = weigh(groups, TermStats(counts=counts), max(index.size, 1))
    if not concepts.stems:
        return shares
    hits = await keyword_hits(database, concepts.searched, Selection(), limit=CHECKED, session=session)
    matched = index.locate([statement_id for statement_id, _ in hits])
    rows = np.unique(np.concatenate([closest[:CHECKED], matched[matched >= 0]]))
    if not rows.size:
        return shares
    found = await _words_of(database, session, index, index.columns.ids[rows].tolist())
    for row in rows:
        shares[row] = concepts.coverage(found.get(int(index.columns.ids[row]), []))
    return shares


async def _words_of(
    database: Database, session: AsyncSession, index: RecordArrays, ids: list[int]
) -> dict[int, list[str]]:
    """Each statement's words, read once and kept with the record index's word statistics
    (emptied whenever the record changes): the closest statements recur from question to
    question."""
    cache = index.term_cache
    if len(cache) > TERM_CACHE_SIZE:
        cache.clear()
    missing = [statement_id for statement_id in ids if ("words", statement_id) not in cache]
    for statement_id, words in (await candidate_words(database, missing, session)).items():
        cache[("words", statement_id)] = words
    return {statement_id: cache[("words", statement_id)] for statement_id in ids if ("words", statement_id) in cache}
