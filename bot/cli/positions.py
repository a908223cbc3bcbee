"""`diplobot positions` and `diplobot timeline`: positions at a glance for operators and
scripts, as JSON, a picture or text. `register` adds them to the main app."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import with_database, write_output
from bot.input.labels import topics_of
from storage.engine import Database
from storage.errors import RecordError
from storage.models import Topic
from storage.positions import RowKind


def _topic(value: str | None) -> Topic | None:
    if value is None:
        return None
    try:
        topics = topics_of(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if len(topics) != 1:
        raise typer.BadParameter("one topic, e.g. --topic territory")
    return topics[0]


def _run(work: Callable[[Database], Awaitable[Any]]) -> Any:
    """The work on the configured database; the record's answer to bad input on stderr."""
    try:
        return with_database(work, semantic=False, quiet=True)
    except RecordError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    @app.command("positions")
    def positions(
        topic: Annotated[str | None, typer.Option("--topic", "-t", help="Only this topic, e.g. territory")] = None,
        by: Annotated[RowKind, typer.Option("--by", help="Rows: sides or speakers")] = RowKind.side,
        as_json: Annotated[bool, typer.Option("--json", help='Print {"by": ..., "cells": [...]}')] = False,
        png: Annotated[
            Path | None, typer.Option("--png", dir_okay=False, help="Write the matrix as a PNG picture")
        ] = None,
    ) -> None:
        """Who stands where: each side's or speaker's latest statement per topic, as text, JSON or a picture.

        Shifts and conditions are marked; --png writes the picture, --json prints the cells."""
        from bot.positions.service import matrix_picture, position_matrix

        chosen = _topic(topic)

        async def work(database: Database) -> Any:
            if png is not None:
                return await matrix_picture(database, by, chosen)
            return await position_matrix(database, by, chosen), None

        matrix, picture = _run(work)
        if picture is not None and png is not None:
            write_output(png, picture)
        if as_json:
            typer.echo(json.dumps(matrix.as_json(), ensure_ascii=False))
        elif png is None:
            from bot.local.console import terminal_text
            from bot.positions.text import matrix_html

            typer.echo(terminal_text(matrix_html(matrix)))

    @app.command("timeline")
    def timeline(
        name: Annotated[
            str,
            typer.Argument(
                help="A speaker (any alias), a side or a topic; side:, speaker: or topic: in front settles it"
            ),
        ],
        png: Annotated[Path, typer.Option("--png", dir_okay=False, help="The PNG file to write")],
    ) -> None:
        """Draw a speaker's, side's or topic's statements over time as a PNG picture.

        A topic is drawn by side, a speaker or a side by topic; the caption goes to stderr."""
        from bot.local.console import terminal_text
        from bot.positions.service import timeline_picture
        from bot.positions.text import timeline_caption
        from bot.positions.timeline import resolve_subject

        async def work(database: Database) -> Any:
            return await timeline_picture(database, await resolve_subject(database, name))

        found, picture = _run(work)
        write_output(png, picture)
        typer.echo(terminal_text(timeline_caption(found)), err=True)
