"""Embedding benchmarks: throughput against sentence-transformers itself, query latency, first query.

Run with ``python -m bench embed`` (``make bench`` runs it with the others).

* Throughput: the block texts of a synthetic graph, embedded by notegraph's job
  (queue, chunks, SQLite writes) and by ``SentenceTransformer.encode`` called
  directly on the same texts, same model, same process, best of two each.
* Query latency at 10,000 and 100,000 blocks: the index holds one vector per block.
  Computing 100,000 real vectors takes this machine most of an hour, and the cost
  of a query does not depend on the values, so these vectors are random unit
  vectors; the query itself is embedded by the real model.
* First query: ``notegraph search`` (hybrid) in a new process on the embedded demo
  graph, model load included.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.synthetic import write_graph
from bench.table import print_rows
from notegraph.embed.sentence import MiniLMEmbedder
from notegraph.index.embedding import EmbeddingJob
from notegraph.notebook import Notebook
from notegraph.search import Filters
from notegraph.settings import load_settings
from notegraph.store import vectors as sql

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["how do I make retrieval faster", "notes about the benchmark baseline", "what did we decide on the index",
           "ideas for the reading list", "problems with the parser", "meeting about evaluation",
           "which library for embeddings", "open questions on caching", "the bug with dates", "plans for next week"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _settings(tmp: Path):  # type: ignore[no-untyped-def]
    return load_settings({"NOTEGRAPH_CACHE_DIR": str(tmp / "cache"), "NOTEGRAPH_CONFIG": str(tmp / "none.toml")})


def throughput(files: int = 100) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_graph(tmp / "graph", files=files)
        embedder = MiniLMEmbedder()
        model = embedder._load()
        notebook = Notebook.open(tmp / "graph", settings=_settings(tmp), embedder=embedder)
        notebook.index()
        job = EmbeddingJob(notebook.store, embedder)
        job.plan()
        texts = [text for _, text in sql.queued_texts(notebook.store.db)]
        model.encode(texts[:64], batch_size=64)  # warm up
        ours, direct = [], []
        for _ in range(2):
            t = time.perf_counter()
            model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                         show_progress_bar=False)
            direct.append(time.perf_counter() - t)
            db = notebook.store.db
            for table in ("vectors", "embed_files", "block_pieces", "embed_queue"):
                db.execute(f"DELETE FROM {table}")
            t = time.perf_counter()
            report = job.run()
            ours.append(time.perf_counter() - t)
            assert report.embedded == len(texts), (report.embedded, len(texts))
        n = len(texts)
        words = statistics.mean(len(t.split()) for t in texts)
        notebook.close()
    return [
        (f"texts ({n} blocks of a synthetic graph, {words:.0f} words each on average)", ""),
        ("sentence-transformers encode(), called directly", f"{n / min(direct):,.0f} texts/s"),
        ("notegraph (plan + queue + chunks + SQLite)", f"{n / min(ours):,.0f} texts/s "
                                                      f"= {min(direct) / min(ours):.0%} of direct"),
    ]


def latency(files: int, queries: int = 50) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_graph(tmp / "graph", files=files)
        embedder = MiniLMEmbedder()
        notebook = Notebook.open(tmp / "graph", settings=_settings(tmp), embedder=embedder)
        notebook.index()
        blocks = notebook.store.counts()["blocks"]
        t = time.perf_counter()
        EmbeddingJob(notebook.store, embedder).plan()
        plan = time.perf_counter() - t
        db = notebook.store.db
        keys = [key for key, _ in sql.queued_texts(db)]
        rng = np.random.default_rng(7)
        vectors = rng.standard_normal((len(keys), embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with sql.write_transaction(db):
            notebook.store.set_meta(sql.DIM_KEY, str(embedder.dim))
            sql.store_vectors(db, keys, [row.tobytes() for row in vectors])
            sql.bump_version(db)
        embedder.embed_query("warm up")
        t = time.perf_counter()
        notebook.search(QUERIES[0], mode="semantic", limit=20)
        first = time.perf_counter() - t
        rows = [(f"{blocks:,} blocks: plan contexts for all blocks", f"{plan:.2f} s"),
                (f"{blocks:,} blocks: first search (loads the vectors)", f"{first * 1000:.0f} ms")]
        window = notebook.window("2026-01-01", None, None)
        cases = {"semantic": ("semantic", Filters()), "hybrid": ("hybrid", Filters()),
                 "hybrid + tag + window": ("hybrid", Filters(tags=("idea",), window=window))}
        for label, (mode, filters) in cases.items():
            samples = []
            for i in range(queries):
                t = time.perf_counter()
                notebook.search(QUERIES[i % len(QUERIES)], filters, mode=mode, limit=20)
                samples.append(time.perf_counter() - t)
            rows.append((f"{blocks:,} blocks: {label}", f"p50 {_pct(samples, .5) * 1000:.1f} ms, "
                                                        f"p95 {_pct(samples, .95) * 1000:.1f} ms"))
        notebook.close()
    return rows


def first_query() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(Path(tmp_name) / "cache"),
               "NOTEGRAPH_CONFIG": str(Path(tmp_name) / "none.toml")}
        cmd = [sys.executable, "-m", "notegraph"]
        subprocess.run([*cmd, "index", str(REPO)], env=env, check=True, capture_output=True)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([*cmd, "search", "-g", str(REPO), "squeezing weights to 8 bits", "--json"],
                           env=env, check=True, capture_output=True)
            runs.append(time.perf_counter() - t)
    return [("first query in a new process (notegraph search, hybrid, demo graph)",
             f"median {statistics.median(runs):.2f} s (model load included)")]


def main() -> None:
    rows = throughput() + first_query() + latency(420) + latency(4200)
    print_rows("embedding benchmark", rows)


if __name__ == "__main__":
    main()
