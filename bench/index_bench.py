"""Index benchmarks: cold index, one-block edits, save-to-searchable latency, query latency.

Run with ``python -m bench index`` (``make bench`` runs it after the reader benchmark).
Uses a synthetic graph scaled to ~100,000 blocks plus one 2,000-block page.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from bench.synthetic import write_graph
from bench.table import print_rows
from notegraph.index.executor import IndexReport
from notegraph.notebook import Notebook
from notegraph.search import Filters
from notegraph.settings import load_settings


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _big_page(root: Path, blocks: int = 2000) -> Path:
    lines = []
    for i in range(blocks):
        indent = "\t" * (i % 3)
        lines.append(f"{indent}- block {i} of the long page about [[retrieval]] #longpage")
    path = root / "pages" / "long page.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(files: int = 4200, edits: int = 50, queries: int = 50) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "graph"
        info = write_graph(root, files=files)
        big = _big_page(root)
        settings = load_settings({"NOTEGRAPH_CACHE_DIR": str(Path(tmp) / "cache"),
                                  "NOTEGRAPH_CONFIG": str(Path(tmp) / "none.toml")})
        notebook = Notebook.open(root, settings=settings)
        started = time.perf_counter()
        report = notebook.index()
        cold = time.perf_counter() - started
        blocks = notebook.store.counts()["blocks"]
        rows.append(("cold index", f"{info['files'] + 1} files, {blocks} blocks in {cold:.2f} s = "
                                   f"{blocks / cold:,.0f} blocks/s"))

        # one block edited in a 2,000-block file
        times, written = [], []
        text = big.read_text()
        for i in range(10):
            text = text.replace(f"block {i} of the long page", f"block {i} (edited) of the long page", 1)
            big.write_text(text)
            t = time.perf_counter()
            report = notebook.index()
            times.append(time.perf_counter() - t)
            written.append(report.rows_written)
        rows.append(("edit 1 block in a 2,000-block file", f"median {statistics.median(times) * 1000:.0f} ms, "
                                                           f"rows written {max(written)} (max of 10)"))

        # save → searchable, through the watcher
        seen = threading.Event()
        word = {"value": ""}

        def on_update(_: IndexReport) -> None:
            if notebook_reader.search(word["value"], limit=1):
                seen.set()

        notebook_reader = Notebook.open(root, settings=settings)
        watcher = notebook.watch(on_update).start()
        time.sleep(0.3)
        latencies = []
        journal = root / "journals" / "2030_01_01.md"
        for i in range(edits):
            seen.clear()
            word["value"] = f"zyxmarker{i}"
            t = time.perf_counter()
            journal.write_text(f"- note {word['value']} [[retrieval]]\n")
            if seen.wait(5):
                latencies.append(time.perf_counter() - t)
            time.sleep(0.05)
        watcher.stop()
        rows.append(("save → searchable (watcher, debounce 100 ms)",
                     f"p50 {_pct(latencies, .5) * 1000:.0f} ms, p95 {_pct(latencies, .95) * 1000:.0f} ms "
                     f"({len(latencies)}/{edits} seen)"))

        # queries at this size
        cases: dict[str, Callable[[], object]] = {
            "tag (#ai subtree)": lambda: notebook.search("", Filters(tags=("ai",)), limit=50),
            "backlinks [[retrieval]]": lambda: notebook.backlinks("retrieval"),
            "open tasks": lambda: notebook.tasks(limit=50),
            "keyword 'benchmark baseline'": lambda: notebook.search("benchmark baseline", limit=20),
            "keyword + tag + window": lambda: notebook.search("index", Filters(
                tags=("idea",), window=notebook.window(None, "2026-01-01", "2026-12-31")), limit=20),
        }
        for label, query in cases.items():
            samples = []
            for _ in range(queries):
                t = time.perf_counter()
                query()
                samples.append(time.perf_counter() - t)
            rows.append((f"query: {label}", f"p50 {_pct(samples, .5) * 1000:.1f} ms, "
                                            f"p95 {_pct(samples, .95) * 1000:.1f} ms"))
        notebook.close()
        notebook_reader.close()
    return rows


def main() -> None:
    rows = run()
    print_rows("index benchmark", rows)
