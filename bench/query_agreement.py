"""Check the index's queries against ``notegraph export`` on any graph.

    python -m bench.query_agreement GRAPH [GRAPH ...]

For every tag (exact and with its namespace subtree), every referenced page
(backlinks, aliases included) and every task marker, the blocks the index
returns must be exactly the blocks whose refs, tags and markers the export
reports. The export runs as a separate ``notegraph export`` process; the index
is built from scratch in a temporary folder. Prints a table; exits 1 on any
disagreement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notegraph.logseq.names import page_key
from notegraph.notebook import Notebook
from notegraph.search import ALL_MARKERS, Filters, Hit
from notegraph.settings import load_settings

Place = tuple[str, int]
"""A block by file and line: unambiguous even where two blocks share an id."""

EVERYTHING = 1_000_000


@dataclass
class Agreement:
    graph: str
    files: int = 0
    blocks: int = 0
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    disagreements: list[str] = field(default_factory=list)


def export(graph: Path) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "notegraph", "export", str(graph)],
                         capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def _places(hits: list[Hit]) -> set[Place]:
    return {(h.file, h.line) for h in hits}


def check_graph(graph: Path, files: list[dict[str, Any]] | None = None) -> Agreement:
    """Index ``graph`` afresh and check its queries against ``files`` (its export unless given)."""
    files = export(graph) if files is None else files
    result = Agreement(graph.resolve().name, files=len(files))
    blocks: list[tuple[str, str, dict[str, Any]]] = [
        (str(f["file"]), page_key(str(f["page"])), b) for f in files for b in f["blocks"]]
    result.blocks = len(blocks)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"NOTEGRAPH_CONFIG": str(Path(tmp) / "none.toml"),
                                  "NOTEGRAPH_CACHE_DIR": tmp})
        notebook = Notebook.open(graph, settings=settings)
        notebook.index()

        def agree(kind: str, what: str, got: set[Place], expected: set[Place]) -> None:
            result.checked[kind] += 1
            if got != expected:
                result.disagreements.append(f"{kind} {what!r}: {len(got - expected)} extra, "
                                            f"{len(expected - got)} missing")

        all_tags = {t for _, _, b in blocks for t in b["tags"]}
        for tag in sorted(all_tags):
            exact = {(f, b["line"]) for f, _, b in blocks if tag in b["tags"]}
            agree("tag", tag, _places(notebook.search("", Filters(tags=(tag,), tag_subtree=False),
                                                      limit=EVERYTHING)), exact)
            subtree = {(f, b["line"]) for f, _, b in blocks
                       if any(t == tag or t.startswith(tag + "/") for t in b["tags"])}
            agree("tag subtree", tag, _places(notebook.search("", Filters(tags=(tag,)), limit=EVERYTHING)), subtree)

        aliases = notebook.store.db.execute("SELECT alias, page_key FROM aliases").fetchall()
        for key in sorted({r for _, _, b in blocks for r in b["refs"]}):
            closure = {key} | {a for a, p in aliases if p == key} | {p for a, p in aliases if a == key}
            expected = {(f, b["line"]) for f, pkey, b in blocks if closure & set(b["refs"]) and pkey not in closure}
            _, groups = notebook.backlinks(key, limit=EVERYTHING)
            agree("backlinks", key, {(h.file, h.line) for g in groups for h in g.hits}, expected)

        for marker in ALL_MARKERS:
            expected = {(f, b["line"]) for f, _, b in blocks if b["marker"] == marker}
            agree("tasks", marker, _places(notebook.tasks(Filters(markers=(marker,)), limit=EVERYTHING)), expected)
        notebook.close()
    return result


def main(argv: list[str] | None = None) -> int:
    graphs = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])]
    if not graphs:
        print(__doc__)
        return 2
    results = [check_graph(graph) for graph in graphs]
    kinds = ("tag", "tag subtree", "backlinks", "tasks")
    print(f"{'graph':<40} {'files':>6} {'blocks':>7} " + " ".join(f"{k:>12}" for k in kinds) + "  agree")
    for r in results:
        print(f"{r.graph[:40]:<40} {r.files:>6} {r.blocks:>7} "
              + " ".join(f"{r.checked[k]:>12}" for k in kinds) + f"  {'yes' if not r.disagreements else 'NO'}")
        for line in r.disagreements[:20]:
            print(f"    {line}")
    return 1 if any(r.disagreements for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
