"""Agent benchmark: ``ask`` and the sprint report on the demo graph with the embedded model.

Run with ``python -m bench agent``. "Warm" means the process has loaded both models
once (what the TUI, or a second question, sees): time to first token, whole answer,
tokens per second (streamed pieces; llama.cpp streams one token per piece).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.table import print_rows
from notegraph.llm.choose import embedded
from notegraph.notebook import Notebook
from notegraph.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = ["how much memory does 8-bit quantization save?", "what did I decide about the dark theme?",
             "which Go libraries did I note for terminal apps?", "what went wrong with the FTS5 queries?",
             "what did Jonas suggest instead of a cross-encoder?"]


def run() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        shutil.copytree(REPO / "journals", tmp / "demo" / "journals")
        shutil.copytree(REPO / "logseq", tmp / "demo" / "logseq")
        settings = load_settings({"NOTEGRAPH_CACHE_DIR": str(tmp / "cache"), "NOTEGRAPH_CONFIG": str(tmp / "x.toml"),
                                  "NOTEGRAPH_TODAY": "2026-11-22"})
        notebook = Notebook.open(tmp / "demo", settings=settings)
        notebook.index()
        notebook.embed()
        notebook.use_llm(embedded())
        t = time.perf_counter()
        notebook.ask("warm up: what is this notebook about?")
        cold = time.perf_counter() - t
        firsts, totals, rates = [], [], []
        for question in QUESTIONS:
            stamps: list[float] = []
            start = time.perf_counter()
            notebook.ask(question, on_token=lambda piece: stamps.append(time.perf_counter()))
            end = time.perf_counter()
            if stamps:
                firsts.append(stamps[0] - start)
                if len(stamps) > 1 and stamps[-1] > stamps[0]:
                    rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
            totals.append(end - start)
        t = time.perf_counter()
        notebook.sprint_report(weeks=2)
        report = time.perf_counter() - t
        notebook.close()
    return [
        ("first ask in the process (loads the embedded model)", f"{cold:.2f} s"),
        ("warm ask: time to first token", f"median {statistics.median(firsts):.2f} s, max {max(firsts):.2f} s"),
        ("warm ask: whole answer", f"median {statistics.median(totals):.2f} s, max {max(totals):.2f} s"),
        ("warm ask: tokens/s while streaming", f"median {statistics.median(rates):.0f}" if rates else "-"),
        ("sprint report, 2 weeks (14 journal days), warm", f"{report:.1f} s"),
    ]


def main() -> None:
    rows = run()
    print_rows("agent benchmark (embedded model, demo graph)", rows)


if __name__ == "__main__":
    main()
