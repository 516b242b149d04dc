"""What ``{{query …}}`` and ``{{embed …}}`` blocks show under themselves in the outline.

Read-only lines under the block (as Logseq shows them when the block is not being edited):
query results grouped by page, or the embedded page or block outline. Every line opens its block
or page on a click; Ctrl+O on the block's own link opens the embedded page. Results are cached
per macro and dropped whenever the index changes, so they follow the notes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from rich.style import Style
from rich.text import Text

from notegraph.errors import NotegraphError
from notegraph.query import QueryResult
from notegraph.search import AgendaItem, Hit, group_by_page
from notegraph.editor.outline import marker_of
from notegraph.tui.render import block_text

QUERY = re.compile(r"\{\{query\s+(.*?)\}\}", re.DOTALL)
EMBED = re.compile(r"\{\{embed\s+(\[\[.*?\]\]|\(\([0-9a-fA-F-]{36}\)\))\s*\}\}")
MAX_LINES = 40
"""Result lines shown under one block; the rest are counted (the CLI's `notegraph query` lists all)."""


def _opens(kind: str, target: str, style: str = "") -> Style:
    return Style.parse(style or "none") + Style(meta={"open": (kind, target)})


class MacroLines:
    """The lines under each macro block, computed on first sight and kept until :meth:`clear`."""

    def __init__(self, run_query: Callable[[str], QueryResult],
                 embedded: Callable[[str], list[tuple[int, str, str]]]) -> None:
        self.run_query = run_query
        self.embedded = embedded
        self._cache: dict[tuple[str, str], Text | None] = {}

    def clear(self) -> None:
        self._cache.clear()

    def under(self, content: str, indent: str) -> Text | None:
        """Lines to show under a block with ``content`` (None: it holds no macro)."""
        first = QUERY.search(content)
        if first is not None:
            key = ("query", first.group(1) + "\x00" + content)
            if key not in self._cache:
                self._cache[key] = self._query_lines(first.group(1), content)
            found = self._cache[key]
        else:
            embed = EMBED.search(content)
            if embed is None:
                return None
            key = ("embed", embed.group(1))
            if key not in self._cache:
                self._cache[key] = self._embed_lines(embed.group(1))
            found = self._cache[key]
        if found is None:
            return None
        out = Text()
        for line in found.split("\n"):
            out.append("\n" + indent + "  ")
            out.append_text(line)
        return out

    def query_lines(self, query: str) -> Text:
        """A query's results as lines (for ``:default-queries``), cached like the blocks'."""
        key = ("default", query)
        if key not in self._cache:
            self._cache[key] = self._query_lines(query, "")
        return self._cache[key] or Text()

    def _query_lines(self, query: str, content: str) -> Text:
        try:
            result = self.run_query(query)
        except NotegraphError as exc:
            return Text(f"⚠ query: {exc.message}" + (f" — {exc.hint}" if exc.hint else ""), style="yellow")
        except Exception as exc:  # the index is being rebuilt: say so rather than show nothing
            return Text(f"⚠ query: could not be run now ({type(exc).__name__})", style="yellow")
        lines: list[Text] = []
        if result.kind == "pages":
            lines.append(Text(f"query: {len(result.pages)} pages", style="dim"))
            lines += [Text(name, style=_opens("page", name, "cyan")) for name in result.pages]
        else:
            hits = [h for h in result.blocks if h.content != content]  # not the query block itself
            lines.append(Text(f"query: {len(hits)} blocks", style="dim"))
            for group in group_by_page(hits):
                lines.append(Text(group.page, style=_opens("page", group.page, "bold cyan")))
                lines += [self._hit_line(hit) for hit in group.hits]
        if len(lines) > MAX_LINES:
            hidden = len(lines) - MAX_LINES
            lines = lines[:MAX_LINES] + [Text(f"… {hidden} more lines: notegraph query '{query}'", style="dim")]
        return Text("\n").join(lines)

    @staticmethod
    def _hit_line(hit: Hit) -> Text:
        line = Text("  ")
        trail = " › ".join(c.split("\n", 1)[0][:24] for c in hit.breadcrumb)
        if trail:
            line.append(trail + " › ", style="dim")
        first = hit.content.split("\n", 1)[0]
        body = block_text(first, marker_of(first))
        body.stylize(_opens("block", hit.id))
        line.append_text(body)
        return line

    def _embed_lines(self, target: str) -> Text:
        rows = self.embedded(target)
        if not rows:
            if target.startswith("[["):
                name = target[2:-2]
                return Text(f"│ {name} has no blocks of its own yet (Ctrl+O on it opens the page, with what links it)",
                            style="dim")
            return Text(f"⚠ embed: no block {target} in the graph", style="yellow")
        lines = []
        for depth, content, block_id in rows[:MAX_LINES]:
            line = Text("│ " + "  " * depth, style="dim")
            line.append("• ", style="dim")
            first = content.split("\n", 1)[0]
            body = block_text(first, marker_of(first))
            body.stylize(_opens("block", block_id))
            line.append_text(body)
            lines.append(line)
        if len(rows) > MAX_LINES:
            lines.append(Text(f"│ … {len(rows) - MAX_LINES} more blocks", style="dim"))
        return Text("\n").join(lines)


def agenda_text(items: list[AgendaItem], today: dt.date, future_days: int) -> Text:
    """Logseq's "Scheduled and deadline" section: overdue, today, then the days ahead."""
    out = Text()
    sections: dict[str, list[AgendaItem]] = {}
    for item in items:
        when = "Overdue" if item.day < today else "Today" if item.day == today else f"Next {future_days} days"
        sections.setdefault(when, []).append(item)
    if not sections:
        return out
    out.append("\nScheduled and deadline\n", style="bold underline")
    for when, found in sections.items():
        out.append(f"{when}\n", style="bold red" if when == "Overdue" else "bold")
        for item in found:
            first = item.hit.content.split("\n", 1)[0]
            out.append(f"  {item.kind.lower():<9} {item.day:%a %b %-d}  ", style="dim")
            body = block_text(first, marker_of(first))
            body.stylize(_opens("block", item.hit.id))
            out.append_text(body)
            out.append(f"  {item.hit.page}\n", style=_opens("page", item.hit.page, "cyan dim"))
    return out


def macro_lines_for(notebook: Any) -> MacroLines:
    return MacroLines(lambda query: notebook.query(query), notebook.embedded)
