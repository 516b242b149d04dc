"""Validate bench/retrieval/questions.jsonl against the graphs it points at.

Each line is a JSON object::

    {"graph": "demo" | "<name>", "question": "...", "file": "journals/2026_11_13.md",
     "gold": "substring", "kind": "paraphrase"}

``graph`` "demo" is the bundled demo graph at the repository root; any other name is
``bench/retrieval/graphs/<name>/``. ``file`` is relative to that graph root. ``gold`` must
occur in exactly one block's first line in that file, where a block's first line is a line
whose stripped text starts with ``- `` (or is exactly ``-``) and its text is what follows
the ``- ``. The match is case-sensitive, and to stay unambiguous for tools that compare
case-insensitively the gold must also be unique when case is ignored. ``kind`` is optional.

Usage: ``python3 bench/retrieval/check_questions.py [QUESTIONS.jsonl] [--graph NAME=PATH ...]``
(``--graph`` gives the root of a graph that lives elsewhere). Prints OK with
counts per graph and per kind and exits 0, or lists every problem and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GRAPHS = HERE / "graphs"
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
REQUIRED = ("graph", "question", "file", "gold")
KINDS = frozenset({"paraphrase", "parent_context", "implied", "keyword", "tagged", "date"})


def graph_root(name: str, extra: dict[str, Path] | None = None) -> Path:
    """Folder of the graph called ``name`` (``extra`` maps names given with ``--graph``)."""
    if extra and name in extra:
        return extra[name]
    return REPO if name == "demo" else GRAPHS / name


def block_first_lines(text: str) -> list[str]:
    """The first line of every block in a Logseq markdown file, in order."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "-":
            lines.append("")
        elif stripped.startswith("- "):
            lines.append(stripped[2:])
    return lines


def check_record(record: object, cache: dict[Path, list[str]], extra: dict[str, Path] | None = None) -> list[str]:
    """Problems with one question record (empty when it is fine)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    problems: list[str] = []
    for key in REQUIRED:
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"missing or empty string field {key!r}")
    kind = record.get("kind")
    if kind is not None and kind not in KINDS:
        problems.append(f"unknown kind {kind!r} (expected one of {sorted(KINDS)})")
    if problems:
        return problems
    graph, rel, gold = str(record["graph"]), str(record["file"]), str(record["gold"])
    root = graph_root(graph, extra)
    if graph != "demo" and not root.is_dir():
        return [f"unknown graph {graph!r}: no folder {root}"]
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.parts[0] not in ("journals", "pages"):
        return [f"file {rel!r} must be a relative path under journals/ or pages/"]
    path = root / pure
    if not path.is_file():
        return [f"file {path} does not exist"]
    if path not in cache:
        cache[path] = block_first_lines(path.read_text(encoding="utf-8"))
    first_lines = cache[path]
    hits = [line for line in first_lines if gold in line]
    folded = [line for line in first_lines if gold.casefold() in line.casefold()]
    if len(hits) != 1:
        shown = "; ".join(repr(h[:70]) for h in hits[:3])
        problems.append(f"gold {gold!r} occurs in {len(hits)} block first lines of {rel}" + (f": {shown}" if shown else ""))
    elif len(folded) != 1:
        problems.append(f"gold {gold!r} is unique in {rel} but occurs in {len(folded)} first lines when case is ignored")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the retrieval evaluation questions.")
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--graph", action="append", default=[], metavar="NAME=PATH",
                        help="root folder of the graph NAME (repeatable)")
    args = parser.parse_args(argv)
    extra: dict[str, Path] = {}
    for spec in args.graph:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"--graph expects NAME=PATH, got {spec!r}")
        extra[name] = Path(path)
    questions_path: Path = args.questions
    cache: dict[Path, list[str]] = {}
    failures: list[str] = []
    per_graph: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    per_graph_kind: Counter[tuple[str, str]] = Counter()
    seen: dict[str, int] = {}
    total = 0
    for number, raw in enumerate(questions_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        total += 1
        try:
            record: object = json.loads(raw)
        except json.JSONDecodeError as exc:
            failures.append(f"line {number}: invalid JSON ({exc})")
            continue
        problems = check_record(record, cache, extra)
        if isinstance(record, dict) and not problems:
            question = str(record["question"]).strip().casefold()
            if question in seen:
                problems.append(f"duplicate of the question on line {seen[question]}")
            seen.setdefault(question, number)
            graph = str(record["graph"])
            kind = str(record.get("kind", "unspecified"))
            per_graph[graph] += 1
            per_kind[kind] += 1
            per_graph_kind[(graph, kind)] += 1
        failures.extend(f"line {number}: {problem}" for problem in problems)
    if failures:
        print(f"FAIL: {len(failures)} problem(s) in {questions_path}")
        for failure in failures:
            print("  " + failure)
        return 1
    if total == 0:
        print(f"FAIL: no questions in {questions_path}")
        return 1
    print(f"OK: {total} questions, gold unique in every file")
    kinds = sorted(per_kind)
    print("per graph: " + ", ".join(f"{g} {n}" for g, n in sorted(per_graph.items())))
    print("per kind:  " + ", ".join(f"{k} {per_kind[k]}" for k in kinds))
    for graph in sorted(per_graph):
        print(f"  {graph:<10} " + ", ".join(f"{k} {per_graph_kind[(graph, k)]}" for k in kinds if per_graph_kind[(graph, k)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
