"""`diplobot positions` and `diplobot timeline`, run as the installed console script on a
record imported through the CLI, on SQLite and (the JSON contract) on PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.test_cli import DIPLOBOT, Cli, sqlite_cli, write_sample

pytestmark = pytest.mark.skipif(
    not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}"
)

CELL_KEYS = ["row", "topic", "ref", "said_on", "stance", "history", "shift", "conditional"]


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """The sample imported once into a SQLite file (PostgreSQL: see the last test)."""
    directory = tmp_path_factory.mktemp("positions-cli")
    cli = sqlite_cli(directory)
    cli.ok("import", str(write_sample(directory)))
    return cli


def positions_json(cli: Cli, *arguments: str) -> dict[str, Any]:
    result = cli.ok("positions", "--json", *arguments)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def assert_contract(matrix: dict[str, Any]) -> None:
    """The shape of `positions --json` and the cell it promises for Russia on territory."""
    assert list(matrix) == ["by", "cells"] and matrix["by"] == "side"
    assert len(matrix["cells"]) == 31
    for cell in matrix["cells"]:
        assert list(cell) == CELL_KEYS
        assert isinstance(cell["history"], list) and cell["history"][-1] == cell["ref"]
        assert isinstance(cell["shift"], bool) and isinstance(cell["conditional"], bool)
    russia = next(cell for cell in matrix["cells"] if (cell["row"], cell["topic"]) == ("Russia", "territory"))
    assert russia == {
        "row": "Russia",
        "topic": "territory",
        "ref": "s23",
        "said_on": "2025-08-16",
        "stance": "demand",
        "history": ["s14", "s43", "s23"],
        "shift": True,
        "conditional": True,
    }


def test_positions_json_has_the_contract_shape(cli: Cli) -> None:
    assert_contract(positions_json(cli))


def test_positions_by_speaker_on_one_topic(cli: Cli) -> None:
    matrix = positions_json(cli, "--by", "speaker", "--topic", "territory")
    assert matrix["by"] == "speaker"
    assert {cell["topic"] for cell in matrix["cells"]} == {"territory"}
    putin = next(cell for cell in matrix["cells"] if cell["row"] == "Vladimir Putin")
    assert (putin["ref"], putin["history"]) == ("s23", ["s43", "s23"])


def test_positions_png_and_timeline_png_write_pictures(cli: Cli, tmp_path: Path) -> None:
    matrix_path, timeline_path = tmp_path / "matrix.png", tmp_path / "timeline.png"
    result = cli.ok("positions", "--png", str(matrix_path), "--topic", "ceasefire")
    assert result.stdout == "" and f"wrote {matrix_path}" in result.stderr
    assert Image.open(io.BytesIO(matrix_path.read_bytes())).format == "PNG"
    result = cli.ok("timeline", "Putin", "--png", str(timeline_path))
    assert "Timeline · speaker: Vladimir Putin" in result.stderr
    assert Image.open(io.BytesIO(timeline_path.read_bytes())).size[0] == 1280


@pytest.mark.parametrize("topic", ["territory", "територія", "территории"])
def test_positions_without_json_or_png_prints_text(cli: Cli, topic: str) -> None:
    text = cli.ok("positions", "--topic", topic).stdout
    assert "Russia (3 statements)" in text
    assert "• territory: demand, 16 Aug 2025; shifted from condition; conditional — /statement_23" in text


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (("positions", "--topic", "zebras", "--json"), 2, "unknown topic 'zebras'"),
        (("timeline", "zebras", "--png", "out.png"), 1, "nothing in the record is called 'zebras'"),
    ],
)
def test_bad_arguments_exit_non_zero_saying_why(cli: Cli, arguments: tuple[str, ...], code: int, message: str) -> None:
    result = cli.run(*arguments)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert not (cli.directory / "out.png").exists()


def test_positions_json_on_postgresql(postgres_database_url: str, tmp_path: Path) -> None:
    cli = Cli(postgres_database_url, tmp_path)
    cli.ok("import", str(write_sample(tmp_path)))
    assert_contract(positions_json(cli))
