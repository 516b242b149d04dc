"""Keystroke soak: random key bursts against the app while CPU hogs keep every core busy.

``python -m bench soak [--minutes M] [--hogs N]`` plays random sequences (the strategy of
:mod:`tests.test_tui_fuzz`) twice each: key by key, every key handled before the next (the
oracle), and as bursts while ``N`` busy processes (default: one per core) and a busy thread in
the app's own process compete for the CPU. Any difference in the files or in where the cursor
ends, any exception a handler met (shown as a notification in the app) and any crash is printed
with the sequence that caused it. The table: sequences, bursts, keys, failures,
and the time a burst took to be fully handled (median, p95, max).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from hypothesis.errors import NonInteractiveExampleWarning

from tests.test_tui_fuzz import BURSTS, Busy, play


def hog(stop: Any) -> None:
    while not stop.is_set():
        sum(i * i for i in range(50_000))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    os.environ["NOTEGRAPH_TODAY"] = "2026-11-20"
    warnings.filterwarnings("ignore", category=NonInteractiveExampleWarning)  # random sequences are the point
    stop = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=hog, args=(stop,), daemon=True) for _ in range(args.hogs)]
    for process in hogs:
        process.start()
    sequences = bursts_sent = keys_sent = failures = 0
    burst_seconds: list[float] = []
    deadline = time.monotonic() + args.minutes * 60
    try:
        with tempfile.TemporaryDirectory() as tmp:
            while time.monotonic() < deadline:
                bursts = BURSTS.example()
                root = Path(tmp) / str(sequences)
                try:
                    slow = asyncio.run(play(root / "slow", bursts, slowly=True))
                    with Busy():
                        fast = asyncio.run(play(root / "fast", bursts, slowly=False, timings=burst_seconds))
                except Exception as error:  # the app died: the worst outcome, reported with its keys
                    failures += 1
                    print(f"CRASHED ({type(error).__name__}: {error}): {bursts}")
                    continue
                sequences += 1
                bursts_sent += len(bursts)
                keys_sent += sum(len(b) for b in bursts)
                if fast != slow:
                    failures += 1
                    print(f"DIFFERENT: {bursts}\n  slow: {slow[1]}\n  fast: {fast[1]}")
    finally:
        stop.set()
        for process in hogs:
            process.join()
    ordered = sorted(burst_seconds) or [0.0]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"{'sequences':>10}{'bursts':>8}{'keys':>7}{'failures':>10}{'burst median ms':>17}{'p95 ms':>8}{'max ms':>8}")
    print(f"{sequences:>10}{bursts_sent:>8}{keys_sent:>7}{failures:>10}{statistics.median(ordered) * 1000:>17.0f}"
          f"{p95 * 1000:>8.0f}{ordered[-1] * 1000:>8.0f}")
    print(f"\n{args.hogs} CPU hogs and a busy thread in the app's process; a burst's time runs from sending "
          "its keys to the app having handled all of them (up to 10 keys)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
