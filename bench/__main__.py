"""Benchmarks: `python -m bench [reader|linear|index|embed|agent|tui|write|soak|answers]` (or `make bench`) prints tables.

The reader benchmark:

Measures how fast notegraph reads a graph (files/s, MB/s, blocks/s) on the
bundled demo graph and on a synthetic graph of ~300 files / ~600 KB / ~7,000
blocks that :mod:`bench.synthetic` writes. With ``--mldoc DIR`` (a folder
holding the ``mldoc`` npm package) it also times mldoc, the parser Logseq
runs, on the same files, and prints the speed-up.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.synthetic import write_graph
from notegraph.logseq.graph import Graph

REPO = Path(__file__).resolve().parent.parent


def time_reader(root: Path, repeats: int) -> dict[str, float]:
    graph = Graph.open(root)
    files = list(graph.files())
    size = sum(f.path.stat().st_size for f in files)
    runs = []
    blocks = 0
    for _ in range(repeats):
        start = time.perf_counter()
        blocks = sum(len(graph.read(f).blocks) for f in files)
        runs.append(time.perf_counter() - start)
    best = min(runs)
    return {"files": len(files), "bytes": size, "blocks": blocks, "seconds": best,
            "median": statistics.median(runs)}


def time_mldoc(root: Path, module_dir: Path) -> float | None:
    node = shutil.which("node")
    if node is None:
        print("node not found: skipping the mldoc comparison", file=sys.stderr)
        return None
    files = [str(f.path) for f in Graph.open(root).files()]
    result = subprocess.run([node, str(Path(__file__).parent / "mldoc_parse.js"), str(module_dir), *files],
                            capture_output=True, text=True, check=True)
    return float(json.loads(result.stdout)["seconds"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["answers"]:  # its own options (--limit, --graph); not part of "all": it takes minutes
        from bench import answers

        return answers.main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["all", "reader", "linear", "index", "embed", "agent", "tui", "write", "soak"],
                        default="all")
    parser.add_argument("--minutes", type=float, default=5.0, help="soak: how long to play random key bursts")
    parser.add_argument("--hogs", type=int, default=None, help="soak: CPU hogs beside it (default: one per core)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mldoc", type=Path, help="folder of the mldoc npm package, to compare against")
    args = parser.parse_args(argv)
    if args.what in ("all", "reader"):
        reader(args)
    if args.what in ("all", "linear"):
        from bench import reader_linear

        print()
        reader_linear.main([])
    if args.what in ("all", "index"):
        from bench import index_bench

        print()
        index_bench.main()
    if args.what in ("all", "embed"):
        from bench import embed_bench

        print()
        embed_bench.main()
    if args.what in ("all", "agent"):
        from bench import agent_bench

        print()
        agent_bench.main()
    if args.what in ("all", "tui"):
        from bench import tui_bench

        print()
        tui_bench.main()
    if args.what in ("all", "write"):
        from bench import write_race

        print()
        write_race.main([])
    if args.what in ("all", "soak"):
        from bench import key_soak

        print()
        key_soak.main(["--minutes", str(args.minutes), *(["--hogs", str(args.hogs)] if args.hogs is not None else [])])
    return 0


def reader(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic"
        write_graph(synthetic)
        for label, root in (("demo graph", REPO), ("synthetic graph", synthetic)):
            stats = time_reader(root, args.repeats)
            mldoc = time_mldoc(root, args.mldoc) if args.mldoc else None
            rows.append((label, stats, mldoc))
    header = f"{'graph':<16}{'files':>7}{'KB':>8}{'blocks':>8}{'seconds':>9}{'files/s':>9}{'MB/s':>7}{'blocks/s':>10}"
    if args.mldoc:
        header += f"{'mldoc s':>9}{'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for label, s, mldoc in rows:
        line = (f"{label:<16}{s['files']:>7.0f}{s['bytes'] / 1024:>8.0f}{s['blocks']:>8.0f}{s['seconds']:>9.3f}"
                f"{s['files'] / s['seconds']:>9.0f}{s['bytes'] / s['seconds'] / 1e6:>7.2f}"
                f"{s['blocks'] / s['seconds']:>10.0f}")
        if args.mldoc:
            line += f"{mldoc:>9.2f}{mldoc / s['seconds']:>8.1f}x" if mldoc else f"{'-':>9}{'-':>9}"
        print(line)
    print(f"\nbest of {args.repeats} runs; reading = file read + decode + parse + refs, one process, one core")


if __name__ == "__main__":
    sys.exit(main())
