"""Writers racing on one journal: `python -m bench.write_race [--writers 4] [--adds 250]`.

Starts WRITERS shell loops at once, each running ``notegraph add`` ADDS times (a new process
per add, as a user's scripts do) on the same day of a copy of the demo graph, then checks the
file: every add that exited 0 must be in it exactly once, and nothing else. Prints one table:
adds, lost, duplicated, refused, wall time and time per add. Also times the write protocol
itself (``update_note`` appending to a journal of 1,000 blocks, in-process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from notegraph.logseq.disk import update_note

REPO = Path(__file__).resolve().parent.parent
DAY = "2026-11-20"


def race(root: Path, writers: int, adds: int) -> dict[str, float]:
    env = {**os.environ, "NOTEGRAPH_CACHE_DIR": str(root.parent / "cache")}
    script = (f'for i in $(seq 1 {adds}); do {sys.executable} -m notegraph.cli.main add -g {root} -d {DAY} '
              '"$1 $i" > /dev/null 2>> "$2" && echo "$1 $i"; done')
    started = time.perf_counter()
    shells = [subprocess.Popen(["sh", "-c", script, "sh", f"writer{w}", str(root.parent / f"err{w}")],
                               stdout=subprocess.PIPE, text=True, env=env) for w in range(writers)]
    reported = [line for shell in shells for line in shell.communicate()[0].splitlines()]
    seconds = time.perf_counter() - started
    in_file = Counter(line[2:] for line in (root / "journals/2026_11_20.md").read_text().splitlines()
                      if line.startswith("- writer"))
    refusals = sum(len((root.parent / f"err{w}").read_text().splitlines()) for w in range(writers)
                   if (root.parent / f"err{w}").exists())
    return {"adds": writers * adds, "ok": len(reported), "lost": sum(1 for r in reported if r not in in_file),
            "duplicated": sum(n - 1 for n in in_file.values() if n > 1),
            "unreported": sum(1 for line in in_file if line not in set(reported)),
            "refused": refusals, "seconds": seconds}


def protocol_latency(folder: Path, repeats: int = 200) -> tuple[float, float]:
    note = folder / "2026_11_20.md"
    note.write_bytes(b"".join(f"- block {i} with a few words of text\n".encode() for i in range(1000)))
    times = []
    for i in range(repeats):
        line = f"- added {i}\n".encode()

        def append(before: bytes | None) -> bytes:
            return (before or b"") + line

        start = time.perf_counter()
        update_note(note, append)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--adds", type=int, default=250)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "graph"
        shutil.copytree(REPO / "journals", root / "journals")
        shutil.copytree(REPO / "logseq", root / "logseq")
        result = race(root, args.writers, args.adds)
        median, p95 = protocol_latency(Path(tmp))
    print("| writers × adds | exited 0 | lost | duplicated | in the file but not reported | refused | wall time "
          "| per add |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.writers} × {args.adds} | {result['ok']:.0f} | {result['lost']:.0f} | {result['duplicated']:.0f} "
          f"| {result['unreported']:.0f} | {result['refused']:.0f} | {result['seconds']:.0f} s "
          f"| {result['seconds'] / result['adds'] * 1000:.0f} ms |")
    print(f"\nthe write protocol alone (append to a 1,000-block journal, in-process): "
          f"median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    return 0 if result["lost"] == result["duplicated"] == result["unreported"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
