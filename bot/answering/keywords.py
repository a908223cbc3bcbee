"""The keyword evidence for one question, from the engine's full-text index
(storage.keyword_index): which of the question's words the record holds and how rare each
is, the engine's ranking of the statements holding them, and the share of the question's
words (weighted by rarity) a statement holds, in any form.

Words found in more than a twentieth of the record are left out of the full-text query:
they cost the most to rank and tell statements apart the least. Their statistics are kept
until the record changes."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.numbers import numbers_in
from bot.answering.record_index.columns import Selection
from storage.engine import Database, reading
from storage.keyword_index import indexed_texts, keyword_ranking, term_counts

#: Candidates the keyword ranking contributes to the fusion.
KEYWORD_CANDIDATES = 50
#: A word in more than this share of the record (and more than `COMMON_MIN` statements)
#: is too common to search for or to weigh.
COMMON_SHARE = 0.05
COMMON_MIN = 50
#: Words whose statistics are kept between questions (until the record changes).
TERM_CACHE_SIZE = 50_000

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = (
    "ening",
    "ened",
    "ings",
    "ing",
    "ations",
    "ation",
    "ments",
    "ment",
    "ities",
    "ity",
    "ed",
    "es",
    "en",
    "ry",
    "s",
)


def word_stem(term: str) -> str:
    """A prefix the word's other forms share ("threaten" and "threat", "halted" and
    "halt", "weaponry" and "weapons"), for telling whether the record has the word in any
    form; words shorter than five letters are kept whole. A final "y" is left off: the
    engine's stemmer writes it "i" in some forms and not in others ("deployed" ->
    "deploi", "deployment" -> "deployment"), so "deploy" would miss half of them."""
    if len(term) < 5 or not term.isalpha():
        return term
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            term = term[: -len(suffix)]
            break
    return term[:-1] if term.endswith("y") and len(term) >= 5 else term


@dataclass
class TermStats:
    """Per term, in how many statements the index finds it in any form (None: in too
    many to count); per name, whether any statement mentions it."""

    counts: dict[str, int | None] = field(default_factory=dict)
    missing_names: list[str] = field(default_factory=list)
    #: Per group of alternative words, whether any statement holds one of them in any form.
    held: dict[tuple[str, ...], bool] = field(default_factory=dict)
    #: The same, among the statements of the `Scope` asked about only.
    held_within: dict[tuple[str, ...], bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """Statements a question points at (by whom, when, where it names), for checking its
    words there; `key` names the scope in the cache of word statistics."""

    key: Hashable
    ids: tuple[int, ...]


async def term_stats(
    database: Database,
    terms: Sequence[str],
    names: Sequence[str],
    cap: int,
    session: AsyncSession | None = None,
    cache: dict[Any, Any] | None = None,
    alternatives: Sequence[tuple[str, ...]] = (),
    scoped: Sequence[tuple[str, ...]] = (),
    within: Scope | None = None,
) -> TermStats:
    """One round trip for every term's document count, every name's presence, every
    group of `alternatives`' presence (one of its words in any form) and every group of
    `scoped`'s presence among the statements `within`. With a `cache` (the record index's,
    emptied whenever the record changes), words asked about before are not counted again."""
    stats = TermStats()
    cache = cache if cache is not None else {}
    if len(cache) > TERM_CACHE_SIZE:
        cache.clear()
    pending_terms = []
    for term in dict.fromkeys(terms):
        if ("term", term, cap) in cache:
            stats.counts[term] = cache[("term", term, cap)]
        else:
            pending_terms.append(term)
    pending_names = []
    for value in dict.fromkeys(names):
        if ("name", value) in cache:
            if not cache[("name", value)]:
                stats.missing_names.append(value)
        else:
            pending_names.append(value)
    asked_groups: list[tuple[str, ...]] = []
    groups: list[list[str]] = []
    for group in dict.fromkeys(alternatives):
        if ("any", group) in cache:
            stats.held[group] = cache[("any", group)]
            continue
        stems = list(dict.fromkeys(stem for stem in map(word_stem, group) if _WORD.fullmatch(stem)))
        if stems:
            asked_groups.append(group)
            groups.append(stems)
        else:
            stats.held[group] = True  # nothing to look up: no evidence of absence
    asked_scoped: list[tuple[str, ...]] = []
    scoped_stems: list[list[str]] = []
    for group in dict.fromkeys(scoped):
        if within is None:
            break
        key = ("within", within.key, group)
        if key in cache:
            stats.held_within[group] = cache[key]
            continue
        stems = list(dict.fromkeys(stem for stem in map(word_stem, group) if _WORD.fullmatch(stem)))
        if stems and within.ids:
            asked_scoped.append(group)
            scoped_stems.append(stems)
        else:
            stats.held_within[group] = bool(within.ids)  # nothing to look up; none where nothing is
    asked_terms: list[str] = []
    prefixes: list[str] = []
    for term in pending_terms:
        stem = word_stem(term)
        if not _WORD.fullmatch(stem):
            stats.counts[term] = 0
            continue
        asked_terms.append(term)
        prefixes.append(stem)
    asked_names: list[str] = []
    phrases: list[list[str]] = []
    for value in pending_names:
        words = _WORD.findall(value.casefold())
        if words:
            asked_names.append(value)
            phrases.append(words)
    if not prefixes and not phrases and not groups and not scoped_stems:
        return stats
    ids = within.ids if within is not None else ()
    async with reading(database, session) as active:
        counts, present, any_held, held_within = await term_counts(
            database, active, prefixes, phrases, cap, groups, scoped_stems, ids
        )
    if within is not None:
        for group, held in zip(asked_scoped, held_within, strict=True):
            stats.held_within[group] = cache[("within", within.key, group)] = held
    for group, held in zip(asked_groups, any_held, strict=True):
        stats.held[group] = cache[("any", group)] = held
    for term, count in zip(asked_terms, counts, strict=True):
        stats.counts[term] = cache[("term", term, cap)] = count
    for value, found in zip(asked_names, present, strict=True):
        cache[("name", value)] = found
        if not found:
            stats.missing_names.append(value)
    return stats


async def keyword_hits(
    database: Database,
    terms: Sequence[str],
    selection: Selection,
    limit: int = KEYWORD_CANDIDATES,
    session: AsyncSession | None = None,
) -> list[tuple[int, float]]:
    """The engine's own full-text ranking for an OR of `terms`, best first, among the
    statements the selection roughly allows (the caller checks each hit exactly against
    the index)."""
    if not terms:
        return []
    # A statement known only to the month or year starts before `since` and may still
    # fall inside it: the exact test is the index's.
    said_from = date(selection.since.year, 1, 1) if selection.since is not None else None
    async with reading(database, session) as active:
        return await keyword_ranking(
            database,
            active,
            terms,
            include_retracted=selection.include_retracted,
            sides=selection.sides,
            actor_ids=selection.actor_ids,
            said_from=said_from,
            said_until=selection.until,
            limit=limit,
        )


async def candidate_words(
    database: Database, ids: Sequence[int], session: AsyncSession | None = None
) -> dict[int, list[str]]:
    """The indexed words of each statement (speaker and aliases, role, side, topics,
    places, text, source), and its numbers as digits ("600,000" as 600000), sorted, for
    prefix lookups."""
    if not ids:
        return {}
    async with reading(database, session) as active:
        rows = await indexed_texts(active, ids)
    return {
        int(statement_id): sorted({*_WORD.findall((value or "").casefold()), *numbers_in(value or "")})
        for statement_id, value in rows
    }


def _has(words: list[str], stem: str) -> bool:
    at = bisect.bisect_left(words, stem)
    return at < len(words) and words[at].startswith(stem)


def _idf(count: int, total: int) -> float:
    return math.log(1.0 + (total - count + 0.5) / (count + 0.5))


@dataclass
class Concepts:
    """The question's concepts that tell statements apart, with their weights (rarer,
    heavier; all summing to one), and the share of the weight the record lacks."""

    stems: list[tuple[str, ...]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    absent: float = 0.0
    searched: list[str] = field(default_factory=list)

    def coverage(self, words: list[str]) -> float:
        return sum(
            weight
            for stems, weight in zip(self.stems, self.weights, strict=True)
            if any(_has(words, stem) for stem in stems)
        )


def weigh(concepts: Sequence[tuple[str, ...]], stats: TermStats, total: int) -> Concepts:
    out = Concepts()
    raw: list[tuple[tuple[str, ...], float, bool]] = []
    for concept in concepts:
        counts = [stats.counts.get(term, 0) for term in concept]
        if any(count is None for count in counts):
            continue  # a word most statements contain tells nothing
        present = [(term, count) for term, count in zip(concept, counts, strict=True) if count]
        if not present:
            raw.append((tuple(word_stem(term) for term in concept), _idf(0, total), False))
            continue
        raw.append(
            (
                tuple(word_stem(term) for term, _ in present),
                max(_idf(count, total) for _, count in present),
                True,
            )
        )
        out.searched.extend(term for term, _ in present)
    whole = sum(weight for _, weight, _ in raw)
    if whole <= 0:
        return out
    for stems, weight, found in raw:
        if found:
            out.stems.append(stems)
            out.weights.append(weight / whole)
        else:
            out.absent += weight / whole
    return out
