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


def _safely(compute: Callable[[], Text]) -> Text:
    """A result, or what went wrong as the result (the index may be being rebuilt)."""
    try:
        return compute()
    except Exception as exc:
        return Text(f"⚠ could not be shown now ({type(exc).__name__}: {exc})", style="yellow")


def _opens(kind: str, target: str, style: str = "") -> Style:
    return Style.parse(style or "none") + Style(meta={"open": (kind, target)})


class MacroLines:
    """The lines under each macro block, computed off the UI thread (a query over a 100k-block
    graph takes up to a second) and kept until the index changes. Until a result is ready the
    block shows "running…"; after a change the old result stays on screen until the new one
    replaces it, so typing never waits and nothing flickers."""

    def __init__(self, run_query: Callable[[str], QueryResult],
                 embedded: Callable[[str], list[tuple[int, str, str]]],
                 in_background: Callable[[Callable[[], Text], Callable[[Text], None]], None] | None = None) -> None:
        self.run_query = run_query
        self.embedded = embedded
        self.in_background = in_background
        """Runs the first callable in a thread and hands its result to the second on the UI thread
        (the app's workers); None: computed on the spot (tests of this class alone)."""
        self.on_ready: Callable[[], None] = lambda: None
        """Called on the UI thread when results came in (the view shows them)."""
        self._cache: dict[tuple[str, str], Text] = {}
        self._stale: set[tuple[str, str]] = set()
        self._running: set[tuple[str, str]] = set()
        self._generation = 0
        """Counts index changes: a result computed from an older index than the latest change is
        shown but stays stale, so it is computed again (a change during a run is never lost)."""

    def clear(self) -> None:
        """The index changed: every result is computed again, the old one shown meanwhile."""
        self._generation += 1
        self._stale = set(self._cache) | set(self._running)

    def under(self, content: str, indent: str) -> Text | None:
        """Lines to show under a block with ``content`` (None: it holds no macro)."""
        first = QUERY.search(content)
        if first is not None:
            query = first.group(1)
            found = self._lookup(("query", query + "\x00" + content), lambda: self._query_lines(query, content))
        else:
            embed = EMBED.search(content)
            if embed is None:
                return None
            target = embed.group(1)
            found = self._lookup(("embed", target), lambda: self._embed_lines(target))
        out = Text()
        for line in found.split("\n"):
            out.append("\n" + indent + "  ")
            out.append_text(line)
        return out

    def query_lines(self, query: str) -> Text:
        """A query's results as lines (for ``:default-queries``), computed and kept the same way."""
        return self._lookup(("default", query), lambda: self._query_lines(query, ""))

    def _lookup(self, key: tuple[str, str], compute: Callable[[], Text]) -> Text:
        if key in self._cache and key not in self._stale:
            return self._cache[key]
        if self.in_background is None:
            self._cache[key] = compute()
            self._stale.discard(key)
            return self._cache[key]
        if key not in self._running:
            self._running.add(key)
            started = self._generation
            self.in_background(lambda: _safely(compute),
                               lambda text, key=key: self._arrived(key, text, started))  # type: ignore[misc]
        return self._cache.get(key, Text("running…", style="dim italic"))

    def _arrived(self, key: tuple[str, str], text: Text, started: int) -> None:
        self._running.discard(key)
        if started == self._generation:
            self._stale.discard(key)
        else:
            self._stale.add(key)  # the index changed while it ran: shown now, computed again
        self._cache[key] = text
        self.on_ready()

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


def macro_lines_for(notebook: Any, in_background: Any = None) -> MacroLines:
    return MacroLines(lambda query: notebook.query(query), notebook.embedded, in_background)
