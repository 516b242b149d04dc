"""Logseq markup as Rich text for display: refs and tags highlighted, tasks as boxes, properties dimmed."""

from __future__ import annotations

import re
from typing import Callable

from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text

_INLINE = re.compile(r"(\[\[[^\]]+\]\]|(?<![\w#])#\[\[[^\]]+\]\]|(?<![\w#])#[^\s#,!?'\":\[\]()]+|\(\([0-9a-f-]{36}\)\)"
                     r"|`[^`]+`|\*\*[^*]+\*\*)")
_MARKERS = {"TODO": "☐ ", "LATER": "☐ ", "NOW": "◐ ", "DOING": "◐ ", "WAITING": "◔ ", "DONE": "☑ ",
            "CANCELED": "☒ ", "CANCELLED": "☒ "}
_PROPERTY = re.compile(r"^[A-Za-z0-9_-]+::")


Resolver = Callable[[str], "str | None"]
"""A block ref's uuid → the first line of that block (None when it is not in the index)."""


def _clickable(style: str, kind: str, target: str) -> Style:
    """A style that says what a click on it opens (read by the outline's click handler; not
    Textual's ``@click``, which would restyle the text as a link)."""
    return Style.parse(style) + Style(meta={"open": (kind, target)})


def inline(text: str, base: str = "", resolve: Resolver | None = None) -> Text:
    """Logseq markup in one line as Rich text; page links, tags and block refs open on click."""
    out = Text(style=base)
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(text[pos:m.start()])
        token = m.group(0)
        if token.startswith("[["):
            out.append(token[2:-2], style=_clickable("bold cyan", "page", token[2:-2]))
        elif token.startswith("#"):
            name = token[3:-2] if token.startswith("#[[") else token[1:]
            out.append(token, style=_clickable("magenta", "page", name))
        elif token.startswith("(("):
            target = resolve(token[2:-2]) if resolve else None
            out.append(f"↪ {target}" if target else "↪ ref", style=_clickable("italic blue", "block", token[2:-2]))
        elif token.startswith("`"):
            out.append(token[1:-1], style="on grey23")
        else:
            out.append(token[2:-2], style="bold")
        pos = m.end()
    out.append(text[pos:])
    return out


def highlight(code: str, language: str) -> Text:
    """Code in a fenced block, coloured for its language (plain when the language is unknown)."""
    try:
        text = Syntax(code, language or "text", theme="ansi_dark", background_color="default").highlight(code)
    except Exception:  # an unknown lexer name
        text = Text(code)
    text.rstrip()
    return text


def block_text(content: str, marker: str | None = None, resolve: Resolver | None = None) -> Text:
    """One block's content as display text (first line styled; property lines dimmed)."""
    lines = content.split("\n")
    out = Text()
    first = lines[0]
    if marker and first.startswith(marker):
        out.append(_MARKERS.get(marker, marker + " "), style="green" if marker == "DONE" else "yellow")
        first = first[len(marker):].lstrip()
    out.append_text(inline(first, "strike dim" if marker in ("DONE", "CANCELED", "CANCELLED") else "", resolve))
    fence: list[str] | None = None
    language = ""
    for line in lines[1:]:
        stripped = line.strip()
        if fence is not None:
            if not stripped.startswith("```"):
                fence.append(line)
                continue
            if fence:
                out.append("\n")
                out.append_text(highlight("\n".join(fence), language))
            fence = None
            out.append("\n" + line, style="dim")
            continue
        out.append("\n")
        if stripped.startswith("```"):
            fence, language = [], stripped[3:].strip()
            out.append(line, style="dim")
        elif _PROPERTY.match(stripped) or stripped.startswith((":LOGBOOK:", "CLOCK:", ":END:")):
            out.append(line, style="dim")
        else:
            out.append_text(inline(line, resolve=resolve))
    if fence:  # an unclosed fence: show what there is
        out.append("\n")
        out.append_text(highlight("\n".join(fence), language))
    return out
