"""Write a synthetic Logseq graph for the benchmarks: ~300 files, ~600 KB, ~7,000 blocks.

Deterministic (seeded) and realistic in shape: daily journals with nested
bullets, tasks, properties, page refs, tags, block refs, code blocks and a
few multi-line blocks, plus pages with page properties.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

TOPICS = ["retrieval", "embeddings", "quantization", "long context", "evaluation", "reranking", "agents",
          "chunking", "knowledge graphs", "summarization", "fine-tuning", "tokenizers", "inference", "caching"]
PEOPLE = ["Dr. Okafor", "Priya Raman", "Jonas", "Mei Lin", "Tomás"]
VERBS = ["read", "tried", "measured", "compared", "wrote up", "discussed", "rewrote", "profiled", "sketched"]
NOUNS = ["the baseline", "a new prompt", "the eval harness", "two papers", "the index", "my notes",
         "the reranker", "a benchmark", "the chunker", "the TUI", "a figure", "the dataset"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(VERBS), rng.choice(NOUNS)]
    if rng.random() < 0.5:
        words.append(f"about [[{rng.choice(TOPICS)}]]")
    if rng.random() < 0.3:
        words.append(f"with [[{rng.choice(PEOPLE)}]]")
    if rng.random() < 0.35:
        words.append(f"#{rng.choice(['idea', 'question', 'ai/predictions', 'reading', 'bug', '[[deep work]]'])}")
    words.append(rng.choice(["and it mostly worked.", "- results were mixed.", "(needs a second look).",
                             "which surprised me.", "", "before lunch."]))
    return " ".join(w for w in words if w)


def _block(rng: random.Random, indent: str, ids: list[str], lines: list[str]) -> None:
    kind = rng.random()
    if kind < 0.12:
        lines.append(f"{indent}- {rng.choice(['TODO', 'LATER', 'DONE', 'NOW'])} {_sentence(rng)}")
        if rng.random() < 0.3:
            lines.append(f"{indent}  SCHEDULED: <2026-11-{rng.randint(10, 28):02d} Mon>")
    elif kind < 0.17:
        lines.append(f"{indent}- Reading [[Paper {rng.randint(1, 60)}]]")
        lines.append(f"{indent}  authors:: {rng.choice(PEOPLE)}, {rng.choice(PEOPLE)}")
        lines.append(f"{indent}  year:: {rng.randint(2017, 2026)}")
    elif kind < 0.20:
        block_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        ids.append(block_id)
        lines.append(f"{indent}- Claim worth citing: {_sentence(rng)}")
        lines.append(f"{indent}  id:: {block_id}")
    elif kind < 0.23 and ids:
        lines.append(f"{indent}- Revisiting (({rng.choice(ids)})) — {_sentence(rng)}")
    elif kind < 0.25:
        lines.append(f"{indent}- Snippet:")
        lines.append(f"{indent}  ```python")
        lines.append(f"{indent}  score = bm25(query, doc)  # {rng.choice(TOPICS)}")
        lines.append(f"{indent}  - not a block, just a dash in code")
        lines.append(f"{indent}  ```")
    elif kind < 0.30:
        lines.append(f"{indent}- {_sentence(rng)}")
        lines.append(f"{indent}  {_sentence(rng)}")
        lines.append(f"{indent}  {_sentence(rng)}")
    else:
        lines.append(f"{indent}- {_sentence(rng)}")


def write_graph(root: Path, *, files: int = 300, seed: int = 7) -> dict[str, int]:
    """Write the graph under ``root`` and return its size: files, bytes, blocks."""
    rng = random.Random(seed)
    (root / "journals").mkdir(parents=True, exist_ok=True)
    (root / "pages").mkdir(parents=True, exist_ok=True)
    (root / "logseq").mkdir(exist_ok=True)
    (root / "logseq" / "config.edn").write_text("{:file/name-format :triple-lowbar}\n")
    ids: list[str] = []
    total_bytes = blocks = 0
    start = dt.date(2026, 1, 1)
    for n in range(files):
        lines: list[str] = []
        if n < files * 4 // 5:
            path = root / "journals" / f"{(start + dt.timedelta(days=n)):%Y_%m_%d}.md"
        else:
            topic = TOPICS[n % len(TOPICS)]
            path = root / "pages" / f"{topic.replace(' ', '_')}___note {n}.md"
            lines += [f"tags:: {topic}, research", f"alias:: note-{n}", ""]
        depth = 0
        for _ in range(rng.randint(12, 36)):
            depth = max(0, min(depth + rng.choice([-1, 0, 0, 1]), 4))
            _block(rng, "\t" * depth, ids, lines)
        text = "\n".join(lines) + "\n"
        path.write_text(text, encoding="utf-8")
        total_bytes += len(text.encode("utf-8"))
        blocks += sum(1 for line in lines if line.lstrip("\t").startswith("- "))
    return {"files": files, "bytes": total_bytes, "blocks": blocks}
