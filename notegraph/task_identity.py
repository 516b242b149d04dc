"""When two task blocks are the same task: Logseq users carry an unfinished TODO to the next
day by copying it (or by a ``((ref))`` to it), so one task is often several blocks on several days.
The sprint report counts each task once and the agenda shows it once, by the same rule."""

from __future__ import annotations

import re

_MARKER = re.compile(r"^(?:TODO|DOING|DONE|LATER|NOW|WAITING|WAIT|CANCELED|CANCELLED|IN-PROGRESS|STARTED)"
                     r"(?:\s+|$)")
_PRIORITY = re.compile(r"^\[#[A-Ca-c]\]\s*")
_REMARK = re.compile(r"\s*\([^()\[\]]*\)$")
"""A closing remark in parentheses without links ("… bake-off (tomorrow's main thing)"): a note on
the task, not another task."""


def task_text(content: str) -> str:
    """A task's words: its first line without marker and priority."""
    first = content.split("\n", 1)[0].strip()
    first = _MARKER.sub("", first, count=1)
    return _PRIORITY.sub("", first, count=1).strip()


def task_key(content: str) -> str:
    """What makes two task blocks the same task: the words, ignoring case, spacing, a final stop
    and a closing remark in parentheses."""
    words = " ".join(task_text(content).casefold().split()).rstrip(".;:!")
    return _REMARK.sub("", words) or words
