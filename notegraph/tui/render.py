"""Logseq markup as Rich text for display: refs and tags highlighted, tasks as boxes, properties dimmed."""

from __future__ import annotations

import re

from rich.text import Text

_INLINE = re.compile(r"(\[\[[^\]]+\]\]|(?<![\w#])#\[\[[^\]]+\]\]|(?<![\w#])#[^\s#,!?'\":\[\]()]+|\(\([0-9a-f-]{36}\)\)"
                     r"|`[^`]+`|\*\*[^*]+\*\*)")
_MARKERS = {"TODO": "☐ ", "LATER": "☐ ", "NOW": "◐ ", "DOING": "◐ ", "WAITING": "◔ ", "DONE": "☑ ",
            "CANCELED": "☒ ", "CANCELLED": "☒ "}
_PROPERTY = re.compile(r"^[A-Za-z0-9_-]+::")


def inline(text: str, base: str = "") -> Text:
    out = Text(style=base)
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(text[pos:m.start()])
        token = m.group(0)
        if token.startswith("[["):
            out.append(token[2:-2], style="bold cyan")
        elif token.startswith("#"):
            out.append(token, style="magenta")
        elif token.startswith("(("):
            out.append("↪ ref", style="italic blue")
        elif token.startswith("`"):
            out.append(token[1:-1], style="on grey23")
        else:
            out.append(token[2:-2], style="bold")
        pos = m.end()
    out.append(text[pos:])
    return out


def block_text(content: str, marker: str | None = None) -> Text:
    """One block's content as display text (first line styled; property lines dimmed)."""
    lines = content.split("\n")
    out = Text()
    first = lines[0]
    if marker and first.startswith(marker):
        out.append(_MARKERS.get(marker, marker + " "), style="green" if marker == "DONE" else "yellow")
        first = first[len(marker):].lstrip()
    out.append_text(inline(first, "strike dim" if marker in ("DONE", "CANCELED", "CANCELLED") else ""))
    for line in lines[1:]:
        out.append("\n")
        if _PROPERTY.match(line.strip()) or line.strip().startswith((":LOGBOOK:", "CLOCK:", ":END:")):
            out.append(line, style="dim")
        else:
            out.append_text(inline(line))
    return out
