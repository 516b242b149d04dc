"""Prediction tracking: blocks under a tag (default ``ai/predictions``), the day each was
written, and the later blocks that refer back to it (``((uuid))``).

``notegraph predictions [GRAPH] [--tag T] [--json]`` lists them; the sprint report gets a
"Predictions made and revisited" section; the app's palette gets "Predictions".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import click

from notegraph.logseq.inert import inert
from notegraph.plugins import AgentTool, PaletteAction, ReportSection, hookimpl
from notegraph.search import Filters, Hit

DEFAULT_TAG = "ai/predictions"


@dataclass(frozen=True)
class Prediction:
    block: Hit
    written: dt.date | None
    revisits: tuple[Hit, ...]

    def as_json(self) -> dict[str, Any]:
        return {"text": self.block.content.split("\n", 1)[0], "page": self.block.page, "file": self.block.file,
                "line": self.block.line, "written": self.written.isoformat() if self.written else None,
                "revisits": [{"text": r.content.split("\n", 1)[0], "page": r.page, "file": r.file, "line": r.line}
                             for r in self.revisits]}


def predictions(notebook: Any, tag: str = DEFAULT_TAG) -> list[Prediction]:
    blocks = notebook.blocks(Filters(tags=(tag,)), limit=10_000)
    uuids = notebook.block_uuids([b.rowid for b in blocks])
    found = []
    for block in sorted(blocks, key=lambda b: (b.journal_day or dt.date.max, b.file, b.line)):
        uuid = uuids.get(block.rowid)
        revisits = tuple(notebook.referencing(uuid)) if uuid else ()
        found.append(Prediction(block, block.journal_day, revisits))
    return found


def _text(hit: Hit) -> str:
    first = hit.content.split("\n", 1)[0]
    return " ".join(w for w in first.split() if not w.startswith("#"))


def _quoted(hit: Hit) -> str:
    """The block's first line as written (tags and all), escaped so the report page adds no tag,
    link or block reference: a quoted revisit must not count as one more revisit."""
    return inert(" ".join(hit.content.split("\n", 1)[0].split()))


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("predictions")
    @click.argument("graph", required=False)
    @click.option("--tag", default=DEFAULT_TAG, show_default=True, help="the tag predictions carry")
    @click.option("--json", "as_json", is_flag=True, help="one JSON object per prediction")
    def predictions_command(graph: str | None, tag: str, as_json: bool) -> None:
        """Predictions (blocks under a tag), when each was made and where it was revisited."""
        from notegraph.notebook import Notebook

        notebook = Notebook.open(graph)
        notebook.index()
        for p in predictions(notebook, tag):
            if as_json:
                click.echo(json.dumps(p.as_json()))
                continue
            click.echo(f"{p.written or p.block.page}  {_text(p.block)}")
            for r in p.revisits:
                click.echo(f"    revisited {r.journal_day or r.page}: {_text(r)}")


@hookimpl
def report_sections(notebook: Any, window: Any) -> list[ReportSection]:
    lines = []
    for p in predictions(notebook):
        made = p.written is not None and window.start <= p.written <= window.end
        later = [r for r in p.revisits if r.journal_day and window.start <= r.journal_day <= window.end]
        # quoted inert: the report must not become a revisit (a ((uuid))) or a tagged block itself
        if made:
            lines.append(f"made [[{p.block.page}]]: {_quoted(p.block)}")
        for r in later:
            lines.append(f"revisited [[{r.page}]]: {_quoted(r)} {inert(f'(made {p.written or p.block.page})')}")
    return [ReportSection("Predictions made and revisited", lines)]


@hookimpl
def palette_actions(notebook: Any) -> list[PaletteAction]:
    def show(app: Any) -> None:
        app.show_results("Predictions", [p.block for p in predictions(notebook)])

    return [PaletteAction("Predictions", show, f"plugin predictions: blocks tagged {DEFAULT_TAG}")]


@hookimpl
def agent_tools(notebook: Any) -> list[AgentTool]:
    def look_up(args: dict[str, str]) -> list[Hit]:
        words = args.get("about", "").lower().split()
        found = []
        for p in predictions(notebook):
            text = " ".join([p.block.content, *(r.content for r in p.revisits)]).lower()
            if all(w in text for w in words):
                found += [p.block, *p.revisits]
        return found

    return [AgentTool("predictions", "The user's recorded predictions (with the day each was made) and the "
                      "later notes that revisited them.", look_up,
                      {"about": "optional: words the prediction is about"})]
