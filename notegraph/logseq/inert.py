"""Text that reads the same but means nothing to Logseq: no links, tags, block refs, macros,
properties, tasks or headings.

What notegraph writes from other text (a saved answer quoting the notes) must not create a
tag `#meeting)`, a link, a TODO or a property the user never wrote. Markdown's backslash escape
keeps the visible text (Logseq shows ``\\[\\[x\\]\\]`` as ``[[x]]``) while neither Logseq nor
notegraph's reader sees a reference in it — the tests check the second against the reader.
"""

from __future__ import annotations

import re

from notegraph.logseq.outline import MARKERS

_PAIRS = re.compile(r"\[\[|\]\]|\(\(|\)\)|\{\{|\}\}|#|::|`")
_LINE_START = re.compile(r"(?m)^(\s*)(" + "|".join(sorted(MARKERS, key=len, reverse=True))
                         + r"|SCHEDULED:|DEADLINE:|:[A-Za-z]+:$|[-*+>])(?=\s|$)")
_ORDERED = re.compile(r"(?m)^(\s*\d+)\.(?=\s)")


def inert(text: str) -> str:
    """``text`` with everything Logseq would read as structure escaped by a backslash."""
    text = _PAIRS.sub(lambda m: "".join("\\" + c for c in m.group(0)), text)
    text = _ORDERED.sub(lambda m: m.group(1) + "\\.", text)
    # A backslash before a letter is not a markdown escape, so Logseq shows "\TODO": a visible
    # backslash is the price of a quoted task line that does not become a task.
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
