"""The reader takes time linear in the length of a run of one character or a short pattern.

A fault-injection run found a block of 100,000 letters without a space taking 20-40 s to
parse (a regex reading the run again from each letter). Each case here parses a text built
around a payload of n characters and the same text with 8n, and compares the two times:
linear work takes about 8 times as long, quadratic work 64 times; the case fails above 24.

Neither the machine's speed nor its load decides the outcome (the suite runs on busy
two-core machines next to another test run): the times are CPU time of this process
(``time.process_time``), the minimum of several runs, with the garbage collector off, and
only their ratio is checked. n starts small and grows until the smaller parse takes a
few milliseconds of CPU, far above the clock's resolution. A parse of 8n is cut short once
it has used 24 times the CPU of the smaller one (:func:`bench.reader_linear.cpu_seconds`
watches the process's CPU time), so quadratic code fails in seconds rather than minutes.

Not covered, because their *result* grows faster than the text (Logseq's semantics):
links nested n levels deep (each level is a page name holding the deeper ones; the reader
records 1,000 levels at most) and a namespace of n levels (``a/a/a/...``, whose n parent
pages are all references).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable

import pytest

from bench.reader_linear import cpu_seconds
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.page import parse_text
from notegraph.model import Page

GROWTH = 8
MAX_RATIO = 24.0
MIN_SECONDS = 0.003  # CPU time the smaller parse must take at least
START_N = 2_500
MAX_N = 4_000_000
SMALL_RUNS = 4
LARGE_RUNS = 3
CONFIG = GraphConfig()


def repeat(unit: str, n: int, prefix: str = "") -> str:
    """``prefix`` then ``unit`` over and over: n characters in all."""
    size = max(n - len(prefix), 0)
    return prefix + (unit * (size // len(unit) + 1))[:size]


# (id, prefix, repeated unit): the character classes, then mixes that read far or nest.
PAYLOADS = [
    ("letters", "", "abcdefghijklmnopqrstuvwxyz"),
    ("digits", "", "0123456789"),
    ("hash", "", "#"),
    ("open-bracket", "", "["),
    ("open-paren", "", "("),
    ("star", "", "*"),
    ("backtick", "", "`"),
    ("dollar", "", "$"),
    ("open-brace", "", "{"),
    ("hash-letter", "", "#a"),
    ("link-openers", "", "[["),
    ("block-ref-openers", "", "(("),
    ("macro-openers", "", "{{"),
    ("bold", "", "**"),
    ("underline", "", "__"),
    ("underscore", "", "_"),
    ("strike", "", "~~"),
    ("tilde", "", "~"),
    ("superscript", "", "^^"),
    ("highlight", "", "=="),
    ("colon", "", ":"),
    ("double-colon", "", "::"),
    ("url", "http://a", "/a"),
    ("url-parens", "http://a", "(a"),
    ("percent", "", "%"),
    ("less-than", "", "<"),
    ("bang", "", "!"),
    ("backslash", "", "\\"),
    ("greater-than", "", ">"),
    ("links", "", "[[a]] "),
    ("tags", "", "#tag "),
    ("unclosed-link", "[[", "text "),
    ("unclosed-block-ref", "((", "text "),
    ("unclosed-code", "`", "text "),
    ("unclosed-math", "$", "text "),
    ("unclosed-macro", "{{", "text "),
    ("html-tags", "", "<b> "),
    ("markdown-links", "", "[a]("),
    ("image-links", "", "!["),
    ("tag-links", "", "#[["),
    ("emphasis-openers", "", "*a "),
    ("math-openers", "", "$a "),
    ("latex-openers", "", "\\("),
    ("nested-link-openers", "", "[[a [["),
    ("spaces-inside", "a", " "),
]

WRAPPERS: dict[str, Callable[[str], str]] = {
    "block": lambda payload: f"- {payload}\n",
    "property": lambda payload: f"- x\n  key:: {payload}\n",
    "page": lambda payload: f"{payload}\n",
}


def check_block(page: Page, payload: str) -> None:
    assert page.blocks[0].content == payload


def check_property(page: Page, payload: str) -> None:
    assert page.blocks[0].properties["key"] == payload.strip()


def check_page(page: Page, payload: str) -> None:
    assert page.text == payload + "\n"
    assert payload in page.blocks[0].content


CHECKS: dict[str, Callable[[Page, str], None]] = {"block": check_block, "property": check_property, "page": check_page}

# Texts of many lines: constructs that open on a line and close on a later one, or never.
LINES: list[tuple[str, Callable[[int], str]]] = [
    ("drawers", lambda n: "- x\n" + repeat("  :a:\n", n)),
    ("drawers-page", lambda n: repeat(":a:\n", n)),
    ("begin-blocks", lambda n: "- x\n" + repeat("  #+BEGIN_QUOTE\n", n)),
    ("latex-environments", lambda n: "- x\n" + repeat("\\begin{x}\n", n)),
    ("html-lines", lambda n: "- x\n" + repeat("  <div>\n", n)),
    ("html-lines-page", lambda n: repeat("<div>\n", n)),
    ("fences", lambda n: "- x\n" + repeat("  ```\n", n)),
    ("quotes", lambda n: "- x\n" + repeat("  > a\n\n", n)),
    ("properties", lambda n: "- x\n" + repeat("  a:: [[b]]\n", n)),
    ("scheduled-without-end", lambda n: "- x\n  SCHEDULED: <2024-01-01 Mon] " + repeat("SCHEDULED: <2024-01-01 Mon ", n) + "\n"),
    ("blocks", lambda n: repeat("- a [[b]] #c\n", n)),
]


def growth_ratio(text_for: Callable[[int], str]) -> tuple[float, int, float, Page | None]:
    """(CPU time of 8n / CPU time of n, n, CPU time of n, the page of 8n) for the texts ``text_for`` builds."""
    gc.collect()
    n = START_N
    while True:
        small = cpu_seconds(text_for(n))[0]
        if small >= MIN_SECONDS / 2 or n >= MAX_N:
            small = min([small, *(cpu_seconds(text_for(n))[0] for _ in range(SMALL_RUNS - 1))])
            if small >= MIN_SECONDS or n >= MAX_N:
                break
        # grow n towards the size that takes MIN_SECONDS (at least doubling it, at most 16 times)
        n = min(MAX_N, n * max(2, min(16, math.ceil(1.5 * MIN_SECONDS / max(small, 1e-6)))))
    large, page = math.inf, None
    for _ in range(LARGE_RUNS):
        seconds, parsed = cpu_seconds(text_for(GROWTH * n), MAX_RATIO * small)
        if seconds < large:
            large, page = seconds, parsed
        if large <= MAX_RATIO * small:
            break  # the minimum of the runs is below the limit already
    return large / small, n, small, page


def explain(case: str, ratio: float, n: int, small: float) -> str:
    took = f"more than {MAX_RATIO:.0f}x (cut short)" if math.isinf(ratio) else f"{ratio:.1f}x"
    return (f"{case}: {GROWTH * n:,} characters took {took} the CPU time of {n:,} ({small * 1000:.1f} ms); "
            f"linear work takes about {GROWTH}x")


def warm_up() -> None:
    parse_text("pages/linear.md", "- warm up [[a]] #b **c** `d` $e$ {{f}} ((g)) <b>h</b> http://i\n  key:: j\n", CONFIG)


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
@pytest.mark.parametrize("name, prefix, unit", PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_a_long_run_reads_in_linear_time(name: str, prefix: str, unit: str, wrapper: str) -> None:
    wrap = WRAPPERS[wrapper]
    payload = repeat(unit, 2_000, prefix)
    page = parse_text("pages/linear.md", wrap(payload), CONFIG)
    CHECKS[wrapper](page, payload)  # the reader reads the payload, in full
    warm_up()
    ratio, n, small, page_8n = growth_ratio(lambda size: wrap(repeat(unit, size, prefix)))
    assert ratio <= MAX_RATIO, explain(f"{name} as {wrapper}", ratio, n, small)
    assert page_8n is not None
    CHECKS[wrapper](page_8n, repeat(unit, GROWTH * n, prefix))


@pytest.mark.parametrize("name, text_for", LINES, ids=[case[0] for case in LINES])
def test_many_lines_read_in_linear_time(name: str, text_for: Callable[[int], str]) -> None:
    page = parse_text("pages/linear.md", text_for(2_000), CONFIG)
    assert page.blocks and page.text == text_for(2_000)
    warm_up()
    ratio, n, small, page_8n = growth_ratio(text_for)
    assert ratio <= MAX_RATIO, explain(name, ratio, n, small)
    assert page_8n is not None and page_8n.text == text_for(GROWTH * n)


def test_links_and_tags_in_a_long_run_are_all_read() -> None:
    payload = repeat("[[a]] #b ", 50_000)
    block = parse_text("pages/linear.md", f"- {payload}\n", CONFIG).blocks[0]
    assert block.refs == ("a", "b") and block.tags == ("b",)
    value = parse_text("pages/linear.md", f"- x\n  key:: {payload}\n", CONFIG).blocks[0]
    assert set(value.refs) == {"a", "b", "key"}


def test_deeply_nested_emphasis_is_read_without_recursion() -> None:
    # Each level used to be a recursive scan: thousands of levels raised RecursionError.
    payload = "**" * 20_000 + "[[inside]]" + "**" * 20_000
    assert parse_text("pages/linear.md", f"- {payload}\n", CONFIG).blocks[0].refs == ("inside",)
