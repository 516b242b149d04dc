"""Answer benchmark: how good are Ask's answers, and how soon does the user see something?

    python -m bench answers [--limit N] [--graph NAME ...]

For each question of ``bench/retrieval/questions.jsonl`` (the demo graph and the fixture graphs
under ``bench/retrieval/graphs``) it runs ``Notebook.ask`` with the embedded model — and, when
``OLLAMA_HOST`` answers with the configured model, with that model too — and counts:

- shown: the gold block is among the numbered sources; first: it is source [1];
- cited: the answer cites it; fact: the answer's text holds the gold phrase (the words of the
  gold block the question is about);
- declined: unanswerable questions (below, written before any run) answered "nothing in the notes";
- time to the sources, to the first answer text, to the end (median and the slowest).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.retrieval.__main__ import Question, gold_rowid, graph_root, load_questions
from bench.table import print_rows
from notegraph.llm import LLM
from notegraph.llm.choose import embedded
from notegraph.notebook import Notebook
from notegraph.settings import load_settings

HERE = Path(__file__).resolve().parent
UNANSWERABLE = {
    "demo": ["what is the capital of France?", "what did I decide about kubernetes autoscaling?",
             "what is my passport number?"],
    "learning": ["what did I decide about kubernetes autoscaling?", "what is my passport number?"],
    "life": ["what did I decide about kubernetes autoscaling?", "which Rust crates did I pick for the parser?"],
    "product": ["what is my passport number?", "what did my dentist say about my wisdom teeth?"],
}


def models() -> list[tuple[str, LLM]]:
    found: list[tuple[str, LLM]] = [("embedded", embedded())]
    try:
        from notegraph.llm.choose import choose_llm

        llm = choose_llm("ollama", None)
        found.append((f"ollama {llm.model}", llm))
    except Exception:  # no server here: the embedded model alone
        pass
    return found


def run(questions: list[Question], llm: LLM, cache: Path) -> dict[str, list[float]]:
    counts: dict[str, list[float]] = {k: [] for k in ("shown", "first", "cited", "fact", "declined",
                                                       "to_sources", "to_text", "to_end")}
    by_graph: dict[str, list[Question]] = {}
    for q in questions:
        by_graph.setdefault(q.graph, []).append(q)
    for name, asked in by_graph.items():
        settings = load_settings({"NOTEGRAPH_CACHE_DIR": str(cache), "NOTEGRAPH_CONFIG": str(cache / "none.toml"),
                                  "NOTEGRAPH_TODAY": "2026-11-22"})
        notebook = Notebook.open(graph_root(name, {}), settings=settings)
        notebook.index()
        notebook.embed()
        notebook.use_llm(llm)
        notebook.ask("warm up: what is this about?")
        for q in asked:
            gold = gold_rowid(notebook, q)
            stamps: dict[str, float] = {}

            def stamp(what: str) -> None:
                stamps.setdefault(what, time.perf_counter())

            start = time.perf_counter()
            result = notebook.ask(q.question, agent=False, on_sources=lambda found: stamp("sources"),
                                  on_token=lambda piece: stamp("text"))
            end = time.perf_counter()
            rowids = [s.hit.rowid for s in result.sources]
            counts["shown"].append(gold in rowids)
            counts["first"].append(bool(rowids) and rowids[0] == gold)
            counts["cited"].append(gold in {s.hit.rowid for s in result.citations})
            counts["fact"].append(q.gold.lower() in result.text.lower())
            counts["to_sources"].append(stamps.get("sources", end) - start)
            counts["to_text"].append(stamps.get("text", end) - start)
            counts["to_end"].append(end - start)
        for question in UNANSWERABLE.get(name, []):
            counts["declined"].append(notebook.ask(question, agent=False).found_nothing)
        notebook.close()
    return counts


def share(values: list[float]) -> str:
    return f"{100 * sum(values) / len(values):.0f}% ({int(sum(values))}/{len(values)})" if values else "-"


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s / {max(values):.2f} s" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench answers", description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="Only the first N questions of each graph.")
    parser.add_argument("--graph", action="append", help="Only these graphs (demo, learning, life, product).")
    args = parser.parse_args(argv)
    questions = load_questions(HERE / "retrieval" / "questions.jsonl")
    if args.graph:
        questions = [q for q in questions if q.graph in args.graph]
    if args.limit:
        by_graph: dict[str, list[Question]] = {}
        for q in questions:
            by_graph.setdefault(q.graph, []).append(q)
        questions = [q for asked in by_graph.values() for q in asked[:args.limit]]
    for label, llm in models():
        with tempfile.TemporaryDirectory() as tmp:
            c = run(questions, llm, Path(tmp))
        print_rows(f"ask with {label}: {len(c['shown'])} questions on {', '.join(sorted({q.graph for q in questions}))}", [
            ("answering block among the sources", share(c["shown"])),
            ("answering block is source [1]", share(c["first"])),
            ("answering block cited", share(c["cited"])),
            ("the answer's text holds the gold fact", share(c["fact"])),
            ("unanswerable questions declined", share(c["declined"])),
            ("time to the sources (median / max)", seconds(c["to_sources"])),
            ("time to the answer's first text", seconds(c["to_text"])),
            ("time to the end of the answer", seconds(c["to_end"])),
        ])
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
