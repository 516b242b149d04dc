"""Logseq markup as Rich text for display: refs and tags highlighted, tasks as boxes, properties dimmed."""

from __future__ import annotations

import re
from typing import Callable

from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text

_INLINE = re.compile(
    r"(!\[[^\]]*\]\([^)]*\)"                       # an image: shown by its name
    r"|\[[^\[\]]+\]\(\(\([0-9a-f-]{36}\)\)\)"           # [label](((uuid))): a labelled block ref
    r"|\[[^\[\]]+\]\((?:\[\[[^\]]+\]\]|[^)\s]+)\)"  # [label](url) or [label]([[page]])
    r"|\[\[[^\]]+\]\]|(?<![\w#])#\[\[[^\]]+\]\]|(?<![\w#])#[^\s#,!?'\":\[\]()]+|\(\([0-9a-f-]{36}\)\)"
    r"|\[#[A-C]\]"                                  # a priority
    r"|`[^`]+`|\*\*[^*]+\*\*|~~[^~]+~~|==[^=]+==|\^\^[^^]+\^\^"
    r"|(?<![\w*])\*[^*\s](?:[^*]*[^*\s])?\*(?![\w*])|(?<![\w_])_[^_\s](?:[^_]*[^_\s])?_(?![\w_]))")
_HEADING = re.compile(r"^(#{1,6})\s+")
_HIDDEN_PROPERTY = re.compile(r"^\s*(?:id|collapsed)::", re.IGNORECASE)
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
        elif token.startswith("!["):
            alt, _, path = token[2:-1].partition("](")
            out.append(f"🖼 {alt or path.rsplit('/', 1)[-1]}", style=_clickable("italic", "url", path))
        elif token.startswith("[#"):
            out.append(token, style={"A": "bold red", "B": "bold yellow", "C": "bold blue"}[token[2]])
        elif token.startswith("["):
            label, _, target = token[1:-1].partition("](")
            if target.startswith("((") and target.endswith("))"):
                out.append(label, style=_clickable("underline blue", "block", target[2:-2]))
            elif target.startswith("[[") and target.endswith("]]"):
                out.append(label, style=_clickable("underline cyan", "page", target[2:-2]))
            else:
                out.append(label, style=_clickable("underline", "url", target))
        elif token.startswith("**"):
            out.append(token[2:-2], style="bold")
        elif token.startswith("~~"):
            out.append(token[2:-2], style="strike")
        elif token.startswith(("==", "^^")):
            out.append(token[2:-2], style="black on yellow")
        else:  # *italic* or _italic_
            out.append(token[1:-1], style="italic")
        pos = m.end()
    out.append(text[pos:])
    return out


def _shown_lines(lines: list[str]) -> list[str]:
    """The lines a rendered block shows: ``id::`` and ``collapsed::`` lines and ``:LOGBOOK:``
    drawers are kept in the file but not shown (they are Logseq's bookkeeping)."""
    shown = [lines[0]]
    drawer = False
    for line in lines[1:]:
        stripped = line.strip()
        if drawer:
            drawer = stripped != ":END:"
            continue
        if stripped == ":LOGBOOK:":
            drawer = True
            continue
        if _HIDDEN_PROPERTY.match(line):
            continue
        shown.append(line)
    return shown


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
    lines = _shown_lines(content.split("\n"))
    out = Text()
    first = lines[0]
    base = "strike dim" if marker in ("DONE", "CANCELED", "CANCELLED") else ""
    heading = _HEADING.match(first)
    if heading:  # "## Weekly review": a heading, without its marks
        first = first[heading.end():]
        base = (base + " bold" + (" underline" if len(heading.group(1)) <= 2 else "")).strip()
    if marker and first.startswith(marker):
        out.append(_MARKERS.get(marker, marker + " "), style="green" if marker == "DONE" else "yellow")
        first = first[len(marker):].lstrip()
    out.append_text(inline(first, base, resolve))
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
        elif _PROPERTY.match(stripped):
            out.append(line, style="dim")
        else:
            out.append_text(inline(line, resolve=resolve))
    if fence:  # an unclosed fence: show what there is
        out.append("\n")
        out.append_text(highlight("\n".join(fence), language))
    return out
