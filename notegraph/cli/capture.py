"""Quick capture from the shell: ``notegraph add "TEXT"``."""

from __future__ import annotations

import datetime as dt
import sys
import click

from notegraph.cli.common import open_notebook
from notegraph.errors import NotegraphError


@click.command("add")
@click.argument("text", nargs=-1, required=True)
@click.option("-p", "--page", help="Add to this page instead of today's journal (created when missing).")
@click.option("-d", "--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="Add to this day's journal instead of today's (YYYY-MM-DD).")
@click.option("-g", "--graph", type=click.Path(), help="Graph folder (default: $NOTEGRAPH_GRAPH or the current folder).")
def add(text: tuple[str, ...], page: str | None, day: dt.datetime | None, graph: str | None) -> None:
    """Append TEXT as a new block to today's journal, or to a page.

    Use `-` as TEXT to read the block from standard input. The file keeps its own
    indentation and line endings and is replaced atomically.
    """
    body = _read_stdin() if text == ("-",) else " ".join(text)
    notebook = open_notebook(graph)
    result = notebook.add(body, page=page, day=day.date() if day else None)
    verb = "Created" if result.created_file else "Added to"
    click.echo(f"{verb} {result.rel}:{result.line} ({result.page})")


def _read_stdin() -> str:
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotegraphError(f"standard input is not valid UTF-8 text (byte {exc.start}); nothing was added",
                             "convert it first, e.g. `iconv -f latin1 -t utf-8 FILE | notegraph add -`") from None


COMMANDS = [add]
