"""Agent benchmark: ``ask`` and the sprint report on the demo graph with the embedded model.

Run with ``python -m bench agent``. "Warm" means the process has loaded both models
once (what the TUI, or a second question, sees): time to the sources, to the first text (the
notes' own sentences) and to the end (the model's prose written and checked). The two-week
sprint report (Nov 9–22) is timed with its facts only (what ``report … --no-model`` and the
refusal before writing cost) and with the embedded model writing its line per section.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
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
        to_sources, firsts, totals = [], [], []
        for question in QUESTIONS:
            stamps: list[float] = []
            found: list[float] = []
            start = time.perf_counter()
            notebook.ask(question, on_token=lambda piece: stamps.append(time.perf_counter()),
                         on_sources=lambda sources: found.append(time.perf_counter()))
            end = time.perf_counter()
            if found:
                to_sources.append(found[0] - start)
            if stamps:
                firsts.append(stamps[0] - start)
            totals.append(end - start)
        facts_times = []
        for _ in range(5):
            t = time.perf_counter()
            facts = notebook.sprint_report(weeks=2, prose=False)
            notebook.report_text(facts)
            facts_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = notebook.sprint_report(weeks=2)
        with_model = time.perf_counter() - t
        shown = sum(bool(s.prose) for s in report.sections)
        asked = sum(bool(s.prose or s.rejected) for s in report.sections)
        notebook.close()
        refused = _second_write(tmp)
    return [
        ("first ask in the process (loads the embedded model)", f"{cold:.2f} s"),
        ("warm ask: time to the numbered sources", f"median {statistics.median(to_sources):.2f} s, "
                                                    f"max {max(to_sources):.2f} s"),
        ("warm ask: time to the first text (the notes' sentences)",
         f"median {statistics.median(firsts):.2f} s, max {max(firsts):.2f} s"),
        ("warm ask: whole answer (the model's prose written and checked)",
         f"median {statistics.median(totals):.2f} s, max {max(totals):.2f} s"),
        ("sprint report, 2 weeks (14 journal days): facts only", f"median {statistics.median(facts_times) * 1000:.0f} ms"),
        ("sprint report, 2 weeks: with the embedded model, warm",
         f"{with_model:.1f} s ({asked} sections asked, {shown} lines passed the checks)"),
        ("`report sprint --write` over an existing page: refused (exit 3), whole process", f"{refused:.2f} s"),
    ]


def _second_write(tmp: Path) -> float:
    """A new process asked to write the report again: it must refuse before any model is loaded."""
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(tmp / "cache"), "NOTEGRAPH_CONFIG": str(tmp / "x.toml"),
           "NOTEGRAPH_TODAY": "2026-11-22", "NOTEGRAPH_LLM": "embedded", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "notegraph", "report", "sprint", "-g", str(tmp / "demo"), "--write"]
    subprocess.run([*command, "--no-model"], env=env, check=True, capture_output=True)
    t = time.perf_counter()
    again = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t
    assert again.returncode == 3 and "exists already" in again.stderr, again.stderr
    return took


def main() -> None:
    rows = run()
    print_rows("agent benchmark (embedded model, demo graph)", rows)


if __name__ == "__main__":
    main()
