"""Reader benchmark for long runs: the parse time of 25,000 and 100,000 characters of one class.

Run with ``python -m bench.reader_linear``. Each text is one block holding a run of one
character or a short pattern (``--wrap property`` puts it in a property value, ``--wrap
page`` makes it the page's text). Times are CPU seconds of one parse (``time.process_time``),
the best of ``--repeats``; a parse that passes ``--limit`` CPU seconds is cut short and
shown as "> limit". Linear work takes 4 times as long for 4 times the characters.
"""

from __future__ import annotations

import _thread
import argparse
import gc
import math
import signal
import sys
import threading
import time
from types import FrameType

from notegraph.logseq.config import GraphConfig
from notegraph.logseq.page import parse_text
from notegraph.model import Page

# (label, prefix, unit repeated after it)
CLASSES: list[tuple[str, str, str]] = [
    ("letters", "", "abcdefghijklmnopqrstuvwxyz"),
    ("`#`", "", "#"),
    ("`[`", "", "["),
    ("`(`", "", "("),
    ("`*`", "", "*"),
    ("backticks", "", "`"),
    ("`$`", "", "$"),
    ("`{`", "", "{"),
    ("`#a#a#a`", "", "#a"),
    ("`[[[[`", "", "[["),
    ("`((((`", "", "(("),
    ("`{{{{`", "", "{{"),
    ("`**`", "", "**"),
    ("`__`", "", "__"),
    ("`~~`", "", "~~"),
    ("`^^`", "", "^^"),
    ("`==`", "", "=="),
    ("`:`", "", ":"),
    ("`::`", "", "::"),
    ("URL `http://a/a/a/…`", "http://a", "/a"),
    ("`%`", "", "%"),
    ("`<`", "", "<"),
    ("`!`", "", "!"),
    ("`\\`", "", "\\"),
    ("`>`", "", ">"),
    ("`[[a]] [[a]] …`", "", "[[a]] "),
    ("`#tag #tag …`", "", "#tag "),
    ("unclosed `[[` then text", "[[", "text "),
    ("unclosed `((` then text", "((", "text "),
    ("unclosed backtick then text", "`", "text "),
    ("`<b> <b> …`", "", "<b> "),
    ("`[a](` …", "", "[a]("),
    ("`![` …", "", "!["),
    ("`#[[` …", "", "#[["),
]

WRAPS = {"block": "- {}\n", "property": "- x\n  key:: {}\n", "page": "{}\n"}
CONFIG = GraphConfig()


def payload(prefix: str, unit: str, n: int) -> str:
    size = max(n - len(prefix), 0)
    return prefix + (unit * (size // len(unit) + 1))[:size]


class CutShort(Exception):
    """A parse used more CPU time than it was given."""


class _Watch:
    """Interrupts the main thread once this process has used ``limit`` more CPU seconds.

    A thread polls ``time.process_time()`` and raises :class:`CutShort` in the main
    thread (``_thread.interrupt_main`` with SIGURG, whose handler is ours meanwhile).
    A CPU-time alarm (``setitimer(ITIMER_PROF)``) would be simpler, but while one is
    armed Linux reads the process's CPU time at scheduler-tick granularity.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.armed = False
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.start = 0.0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            self.armed = False
            raise CutShort

    def _watch(self) -> None:
        while not self.stopped.wait(0.005):
            if time.process_time() - self.start > self.limit:
                _thread.interrupt_main(signal.SIGURG)
                return

    def __enter__(self) -> _Watch:
        self.previous = signal.signal(signal.SIGURG, self._handle)
        self.armed = True
        self.start = time.process_time()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.armed = False
        self.stopped.set()
        self.thread.join()
        _settle()  # a call: an interrupt still pending reaches _handle (now a no-op) here
        signal.signal(signal.SIGURG, self.previous)


def _settle() -> None:
    pass


def cpu_seconds(text: str, limit: float | None = None) -> tuple[float, Page | None]:
    """CPU seconds (``time.process_time``) of one parse of ``text``, with the page.

    The garbage collector is off meanwhile. With ``limit`` (and on the main thread), a
    parse that passes ``limit`` CPU seconds is cut short: ``(math.inf, None)``.
    """
    watch = limit is not None and threading.current_thread() is threading.main_thread()
    gc.disable()
    try:
        if watch:
            assert limit is not None
            with _Watch(limit):
                start = time.process_time()
                page = parse_text("pages/bench.md", text, CONFIG)
                elapsed = time.process_time() - start
        else:
            start = time.process_time()
            page = parse_text("pages/bench.md", text, CONFIG)
            elapsed = time.process_time() - start
    except CutShort:
        return math.inf, None
    finally:
        gc.enable()
    return elapsed, page


def parse_seconds(text: str, limit: float) -> float:
    """:func:`cpu_seconds` of one parse; NaN when the reader raises RecursionError."""
    try:
        return cpu_seconds(text, limit)[0]
    except RecursionError:
        return math.nan  # how the reader used to fail on deep emphasis


def best_of(text: str, repeats: int, limit: float) -> float:
    best = math.inf
    for _ in range(repeats):
        seconds = parse_seconds(text, limit)
        if math.isnan(seconds) or math.isinf(seconds):
            return seconds  # one run past the limit (or failing) says enough
        best = min(best, seconds)
    return best


def show(seconds: float, limit: float) -> str:
    if math.isnan(seconds):
        return "RecursionError"
    if math.isinf(seconds):
        return f"> {limit:g} s"
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def run(sizes: list[int], repeats: int, limit: float, wrap: str) -> list[tuple[str, list[float]]]:
    template = WRAPS[wrap]
    parse_text("pages/bench.md", "- warm up [[a]] #b **c** `d` $e$ {{f}} ((g)) <b>h</b>\n", CONFIG)
    rows = []
    for label, prefix, unit in CLASSES:
        gc.collect()
        rows.append((label, [best_of(template.format(payload(prefix, unit, n)), repeats, limit) for n in sizes]))
    return rows


def print_table(rows: list[tuple[str, list[float]]], sizes: list[int], repeats: int, limit: float, wrap: str) -> None:
    header = ["class", *(f"{n:,} chars" for n in sizes)]
    if len(sizes) == 2:
        header.append(f"{sizes[1] // sizes[0]}x chars: time x")
    print(f"Parse time of one {wrap} holding a long run (CPU time, best of {repeats})\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---", *("---:" for _ in header[1:])]) + "|")
    for label, times in rows:
        cells = [label, *(show(t, limit) for t in times)]
        if len(sizes) == 2:
            ratio = times[1] / times[0] if math.isfinite(times[1]) and math.isfinite(times[0]) and times[0] > 0 else math.inf
            cells.append(f"{ratio:.1f}" if math.isfinite(ratio) else "-")
        print("| " + " | ".join(cells) + " |")
    if len(sizes) == 2:
        growth = sizes[1] // sizes[0]
        print(f"\nlinear: about {growth}x the time for {growth}x the characters; quadratic: about {growth * growth}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=float, default=60.0, help="CPU seconds after which a parse is cut short")
    parser.add_argument("--wrap", choices=list(WRAPS), default="block")
    args = parser.parse_args(argv)
    rows = run(args.sizes, args.repeats, args.limit, args.wrap)
    print_table(rows, args.sizes, args.repeats, args.limit, args.wrap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
