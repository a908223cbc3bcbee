"""Positions at a glance as the surfaces ask for them: the matrix, a timeline, and their
pictures, each computed once per version of the record (a picture once per language too)
and kept until the record changes.
The arranging and the drawing run in a worker thread, so a large record never holds up the
event loop (and every other chat) while it is sorted or drawn."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from bot.i18n import N_, current
from bot.positions.matrix import Matrix, arrange, build_matrix, latest_ids
from bot.positions.timeline import Subject, SubjectKind, Timeline, build_timeline, timeline_entries
from storage.engine import Database
from storage.errors import NotFound, Wording
from storage.models import Topic
from storage.positions import EntryFilter, RowKind, position_entries, record_version, statement_texts

Version = tuple[int, int, int]


class VersionedCache:
    """Results for the current version of one record. A new version drops everything
    older (pictures of a record that moved on are never shown again), and at most
    `capacity` results are kept, the least recently used going first."""

    def __init__(self, capacity: int = 48) -> None:
        self.capacity = capacity
        self.version: Version | None = None
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, version: Version, key: Hashable) -> Any:
        if version != self.version or key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def clear(self) -> None:
        """Forget everything (what a change to the record does, without one)."""
        self._items.clear()
        self.version = None

    def put(self, version: Version, key: Hashable, value: Any) -> None:
        if version != self.version:
            self._items.clear()
            self.version = version
        self._items[key] = value
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)


_caches: weakref.WeakKeyDictionary[Database, VersionedCache] = weakref.WeakKeyDictionary()


def cache_of(database: Database) -> VersionedCache:
    cache = _caches.get(database)
    if cache is None:
        cache = _caches[database] = VersionedCache()
    return cache


async def _matrix(database: Database, by: RowKind, topic: Topic | None) -> tuple[Version, Matrix]:
    version = await record_version(database)
    cache = cache_of(database)
    key = ("matrix", by, topic)
    matrix: Matrix | None = cache.get(version, key)
    if matrix is None:
        entries = await position_entries(database, by, EntryFilter(topic=topic))
        arranged = await asyncio.to_thread(arrange, entries)
        texts = await statement_texts(database, latest_ids(arranged))
        matrix = await asyncio.to_thread(build_matrix, by, topic, arranged, texts)
        cache.put(version, key, matrix)
    return version, matrix


async def position_matrix(database: Database, by: RowKind = RowKind.side, topic: Topic | None = None) -> Matrix:
    return (await _matrix(database, by, topic))[1]


async def matrix_picture(
    database: Database, by: RowKind = RowKind.side, topic: Topic | None = None
) -> tuple[Matrix, bytes]:
    """The matrix and its PNG; an empty record has no picture (NotFound)."""
    from bot.positions.render import draw_matrix  # matplotlib loads only when a picture is asked for

    version, matrix = await _matrix(database, by, topic)
    if not matrix.cells:
        if topic is not None:
            raise NotFound(
                N_("no statements on {topic} in the record yet"), topic=Wording(topic.value.replace("_", " "))
            )
        raise NotFound(N_("no statements in the record yet"))
    key = ("matrix.png", by, topic, current())
    png: bytes | None = cache_of(database).get(version, key)
    if png is None:
        png = await asyncio.to_thread(draw_matrix, matrix)
        cache_of(database).put(version, key, png)
    return matrix, png


def _nothing_about(subject: Subject) -> NotFound:
    if subject.kind is SubjectKind.topic:
        return NotFound(N_("no statements on {topic} in the record yet"), topic=Wording(subject.name))
    return NotFound(N_("no live statements by {name} in the record"), name=subject.name)


async def timeline_picture(database: Database, subject: Subject) -> tuple[Timeline, bytes]:
    """The subject's statements over time and their PNG (see
    bot.positions.timeline.resolve_subject for naming one); NotFound when it has none."""
    from bot.positions.render import draw_timeline  # matplotlib loads only when a picture is asked for

    version = await record_version(database)
    cache = cache_of(database)
    key = ("timeline", subject, current())
    found: tuple[Timeline, bytes] | None = cache.get(version, key)
    if found is None:
        entries = await timeline_entries(database, subject)
        if not entries:
            raise _nothing_about(subject)
        timeline = await asyncio.to_thread(build_timeline, subject, entries)
        found = timeline, await asyncio.to_thread(draw_timeline, timeline)
        cache.put(version, key, found)
    return found
