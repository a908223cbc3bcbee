"""Links between statements travel in the exchange format: a file may link a statement to
one further down it or already in the record, importing it again adds no link twice, and a
link to a ref neither holds is a problem on its line that imports nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.models import AuditAction, AuditEntry, Statement
from storage.statements import linked_statements

WHO = "importer"


def line(ref: str, **changes: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "said_on": "2025-11-20",
        "speaker": "Kaja Kallas",
        "side": "European Union",
        "topics": ["sanctions"],
        "text": f"Statement {ref} on sanctions.",
        "source": "EEAS",
        **changes,
    }


def jsonl(*lines: dict[str, Any]) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in lines).encode()


async def links_of(database: Database, ref: str) -> list[tuple[str, bool, str]]:
    async with database.read() as session:
        statement = (await session.exec(select(Statement).where(Statement.ref == ref))).one()
    return [
        (link.kind.value, link.outgoing, link.statement.ref) for link in await linked_statements(database, statement.id)
    ]


async def test_a_link_to_a_line_further_down_or_to_the_record_is_made_once(sample_database: Database) -> None:
    content = jsonl(line("k1", contradicts=["k2"], responds_to=["s23"]), line("k2"))

    first = await import_statements(sample_database, "links.jsonl", content, WHO)
    again = await import_statements(sample_database, "links.jsonl", content, WHO)

    assert (first.added, first.links) == (2, 2), first.problems
    assert (again.added, again.unchanged, again.links) == (0, 2, 0)
    assert await links_of(sample_database, "k1") == [("responds_to", True, "s23"), ("contradicts", True, "k2")]
    assert first.summary() == "2 added, 0 updated, 0 unchanged, 2 links added"
    async with sample_database.read() as session:
        audited = (await session.exec(select(AuditEntry).where(AuditEntry.action == AuditAction.link))).all()
    assert len(audited) == 2


async def test_csv_cells_join_the_refs_of_a_link_with_semicolons(database: Database) -> None:
    content = (
        b"ref,said_on,speaker,side,topics,text,source,responds_to,contradicts\n"
        b"c1,2025-11-20,Kaja Kallas,European Union,sanctions,One.,EEAS,,\n"
        b"c2,2025-11-21,Kaja Kallas,European Union,sanctions,Two.,EEAS,c1,\n"
        b"c3,2025-11-22,Sergei Lavrov,Russia,sanctions,Three.,TASS,c1; c2,c2\n"
    )

    report = await import_statements(database, "links.csv", content, WHO)

    assert (report.added, report.links) == (3, 4), report.problems
    assert await links_of(database, "c3") == [
        ("responds_to", True, "c1"),
        ("responds_to", True, "c2"),
        ("contradicts", True, "c2"),
    ]


@pytest.mark.parametrize(
    ("links", "field", "said"),
    [
        ({"contradicts": ["nowhere"]}, "contradicts", "no statement 'nowhere' in the file or the record"),
        ({"responds_to": ["k1"]}, "responds_to", "a statement cannot be linked to itself"),
        ({"responds_to": ["bad ref!"]}, "responds_to", "is not a ref"),
        ({"contradicts": "s23"}, "", ""),
        ({"contradicts": [23]}, "contradicts", "a list of refs is expected"),
    ],
)
async def test_a_link_that_cannot_be_made_is_a_problem_on_its_line_and_nothing_is_imported(
    sample_database: Database, links: dict[str, Any], field: str, said: str
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)

    report = await import_statements(sample_database, "links.jsonl", jsonl(line("k0"), line("k1", **links)), WHO)

    if not field:  # one ref written as a string, as a CSV cell holds it, is taken
        assert report.ok and report.links == 1
        return
    assert [(problem.line, problem.field) for problem in report.problems] == [(2, field)]
    assert said in str(report.problems[0])
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_a_link_to_an_unknown_ref_is_reported_with_the_files_other_problems(sample_database: Database) -> None:
    content = jsonl(line("k1", said_on="2025-11-31"), line("k2", responds_to=["k1", "nowhere"]))

    report = await import_statements(sample_database, "links.jsonl", content, WHO)

    assert [(problem.line, problem.field) for problem in report.problems] == [(1, "said_on"), (2, "responds_to")]
    assert "'nowhere'" in str(report.problems[1])
