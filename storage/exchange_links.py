"""Links between statements in the exchange format: a statement's own links, as the refs
of the statements it responds to and contradicts (`responds_to`, `contradicts`), so that
an export imports back with its links. An import adds the links a file names and never
removes one (docs/exchange-format.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.errors import N_, Wording
from storage.models import LinkKind, Statement, StatementLink
from storage.statements import add_link
from storage.validation import NOT_A_REF, REF_PATTERN

#: The exchange format's link fields, each a list of refs, in the order export writes them.
LINK_FIELDS = {"responds_to": LinkKind.responds_to, "contradicts": LinkKind.contradicts}


@dataclass(frozen=True)
class LineLinks:
    """The links one line of a file gives its statement."""

    line: int
    ref: str
    links: tuple[tuple[str, str], ...]
    """(field, target ref) pairs."""


def _refs(value: Any) -> list[str] | None:
    """A list of refs as JSON lines write it, or one CSV cell (refs joined with `;`); None
    when it is neither."""
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def split_links(record: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, Wording]]]:
    """The line's record without its link fields, the (field, ref) links they give, and
    what is wrong with them."""
    rest = {name: value for name, value in record.items() if name not in LINK_FIELDS}
    links: list[tuple[str, str]] = []
    found: list[tuple[str, Wording]] = []
    for name in LINK_FIELDS:
        if name not in record:
            continue
        refs = _refs(record[name])
        if refs is None:
            found.append((name, Wording(N_("a list of refs is expected"))))
            continue
        for ref in refs:
            if not REF_PATTERN.match(ref):
                found.append((name, Wording(NOT_A_REF, value=repr(ref[:80]))))
            elif ref == record.get("ref"):
                found.append((name, Wording(N_("a statement cannot be linked to itself"))))
            else:
                links.append((name, ref))
    return rest, links, found


async def unknown_targets(
    database: Database, lines: Sequence[LineLinks], file_refs: Set[str]
) -> list[tuple[int, str, Wording]]:
    """(line, field, problem) for each link to a ref neither in the file (on any line, a
    bad one too) nor in the record: found before anything is written, with the file's
    other problems."""
    outside = {ref for line in lines for _, ref in line.links if ref not in file_refs}
    if not outside:
        return []
    async with database.read() as session:
        held = await _ids_of(session, outside)
    return [
        (line.line, name, Wording(N_("no statement {ref} in the file or the record"), ref=repr(ref)))
        for line in lines
        for name, ref in line.links
        if ref in outside and ref not in held
    ]


async def import_links(session: AsyncSession, lines: Sequence[LineLinks], who: str) -> int:
    """Adds the links the lines give that the record lacks, after the file's statements
    are written (a link may point to a statement further down the file), and says how
    many; every target is known to be there (`unknown_targets`). A retracted statement
    keeps the links it had when exported: they are its history."""
    wanted = {ref for line in lines for _, ref in line.links} | {line.ref for line in lines if line.links}
    ids = await _ids_of(session, wanted)
    sources = [ids[line.ref] for line in lines if line.links]
    existing = {
        (link.from_id, link.to_id, link.kind)
        for link in (await session.exec(select(StatementLink).where(col(StatementLink.from_id).in_(sources)))).all()
    }
    added = 0
    for line in lines:
        for name, ref in line.links:
            source, target, kind = ids[line.ref], ids[ref], LINK_FIELDS[name]
            if (source, target, kind) in existing:
                continue
            statement = await session.get(Statement, source)
            assert statement is not None
            await add_link(session, statement, kind, target, who)
            existing.add((source, target, kind))
            added += 1
    return added


async def _ids_of(session: AsyncSession, refs: Iterable[str]) -> dict[str, int]:
    refs = list(refs)
    ids: dict[str, int] = {}
    for start in range(0, len(refs), 500):
        rows = await session.exec(
            select(Statement.ref, Statement.id).where(col(Statement.ref).in_(refs[start : start + 500]))
        )
        ids.update({ref: statement_id for ref, statement_id in rows.all() if statement_id is not None})
    return ids


async def outgoing_links(session: AsyncSession) -> dict[int, dict[str, list[str]]]:
    """Every statement's links, by its id: for each link field, the targets' refs in the
    order they were linked."""
    target = Statement.__table__.alias("target")  # type: ignore[attr-defined]
    rows = await session.exec(
        select(StatementLink.from_id, StatementLink.kind, target.c.ref)
        .join(target, target.c.id == StatementLink.to_id)
        .order_by(col(StatementLink.id))
    )
    fields = {kind: name for name, kind in LINK_FIELDS.items()}
    links: dict[int, dict[str, list[str]]] = {}
    for from_id, kind, ref in rows.all():
        links.setdefault(from_id, {}).setdefault(fields[LinkKind(kind)], []).append(ref)
    return links
