"""Retrieval evaluation: recall@1/5/10 and MRR of each search mode on a question set.

    python -m bench.retrieval [--questions FILE] [--graph NAME=PATH ...] [--json]

Each line of the question file is ``{"graph", "question", "file", "gold"}``: the
gold block is the one in ``file`` whose first line contains ``gold``. ``graph`` is
``demo`` (this repository) or a folder name under ``bench/retrieval/graphs/``.
Questions are written in the words a person would use, not the note's words.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from notegraph.embed import Embedder, make_embedder
from notegraph.notebook import Notebook
from notegraph.semantic import keyword_rank
from notegraph.search import Filters
from notegraph.settings import load_settings

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
KS = (1, 5, 10)


@dataclass(frozen=True)
class Question:
    graph: str
    question: str
    file: str
    gold: str
    kind: str = ""
    """paraphrase, parent_context, implied, keyword or tagged: for reading the results."""


@dataclass
class Score:
    ranks: list[int | None] = field(default_factory=list)
    """1-based rank of the gold block per question, None when not in the top 10."""

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / max(1, len(self.ranks))

    def mrr(self) -> float:
        return sum(1.0 / r for r in self.ranks if r is not None) / max(1, len(self.ranks))


def load_questions(path: Path) -> list[Question]:
    return [Question(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def graph_root(name: str, extra: dict[str, Path]) -> Path:
    if name in extra:
        return extra[name]
    return REPO if name == "demo" else HERE / "graphs" / name


def gold_rowid(notebook: Notebook, q: Question) -> int:
    rows = notebook.store.db.execute("SELECT rowid, content FROM blocks WHERE file = ? ORDER BY position",
                                     [q.file]).fetchall()
    found = [rowid for rowid, content in rows if q.gold in content.split("\n", 1)[0]]
    if len(found) != 1:
        raise SystemExit(f"question {q.question!r}: {len(found)} blocks of {q.file} match gold {q.gold!r}")
    return int(found[0])


Ranker = Callable[[Notebook, str], list[int]]


def rankers() -> dict[str, Ranker]:
    def mode(name: str) -> Ranker:
        return lambda nb, text: [h.rowid for h in nb.search(text, limit=10, mode=name)]

    return {
        "keyword (as typed: all words)": mode("keyword"),
        "bm25 (any word)": lambda nb, text: [r for r, _ in keyword_rank(nb.store, text, Filters(), 10)],
        "semantic": mode("semantic"),
        "hybrid": mode("hybrid"),
        "hybrid, time words read": as_the_app_reads,
    }


def as_the_app_reads(nb: Notebook, text: str) -> list[int]:
    """The question as the search box and Ask read it: "on March 3rd 2021" becomes a date window."""
    words, filters = nb.parse_query(text)
    return [h.rowid for h in nb.search(words, filters, limit=10, mode="hybrid")]


def evaluate(questions: list[Question], extra: dict[str, Path], embedder: Embedder,
             modes: dict[str, Ranker] | None = None) -> tuple[dict[str, dict[str, Score]], dict[str, float]]:
    """Scores by graph and mode (graph "all" sums them), and the embedding time per graph."""
    modes = modes or rankers()
    by_graph: dict[str, list[Question]] = {}
    for q in questions:
        by_graph.setdefault(q.graph, []).append(q)
    scores: dict[str, dict[str, Score]] = {"all": {m: Score() for m in modes}}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"NOTEGRAPH_CACHE_DIR": tmp, "NOTEGRAPH_CONFIG": str(Path(tmp) / "none.toml")})
        for name, qs in sorted(by_graph.items()):
            notebook = Notebook.open(graph_root(name, extra), settings=settings, embedder=embedder)
            notebook.index()
            started = time.perf_counter()
            notebook.embed()
            timings[name] = time.perf_counter() - started
            scores[name] = {m: Score() for m in modes}
            for q in qs:
                gold = gold_rowid(notebook, q)
                for mode_name, rank in modes.items():
                    ranked = rank(notebook, q.question)
                    position = ranked.index(gold) + 1 if gold in ranked else None
                    scores[name][mode_name].ranks.append(position)
                    scores["all"][mode_name].ranks.append(position)
            notebook.close()
    return scores, timings


def table(scores: dict[str, dict[str, Score]]) -> str:
    lines = ["| graph | questions | mode | recall@1 | recall@5 | recall@10 | MRR |", "|---|---|---|---|---|---|---|"]
    for graph in sorted(scores, key=lambda g: (g == "all", g)):
        for mode, score in scores[graph].items():
            lines.append(f"| {graph} | {len(score.ranks)} | {mode} | "
                         + " | ".join(f"{score.recall(k):.0%}" for k in KS) + f" | {score.mrr():.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    parser.add_argument("--graph", action="append", default=[], metavar="NAME=PATH",
                        help="where graph NAME of the question file lives")
    parser.add_argument("--embedder", default=None, help="minilm (default) or ollama:MODEL")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    extra = {k: Path(v) for k, _, v in (g.partition("=") for g in args.graph)}
    scores, timings = evaluate(load_questions(args.questions), extra, make_embedder(args.embedder))
    if args.json:
        print(json.dumps({g: {m: {"ranks": s.ranks, "mrr": s.mrr(), **{f"recall@{k}": s.recall(k) for k in KS}}
                              for m, s in modes.items()} for g, modes in scores.items()}))
    else:
        print(table(scores))
        print("embedding time: " + ", ".join(f"{g} {t:.1f} s" for g, t in sorted(timings.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
