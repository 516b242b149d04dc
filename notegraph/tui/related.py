"""The related-notes pane beside the Journal and Page outlines.

For the block under the cursor (after a short pause in typing: computing on every key would
make typing wait for the embedding model), the blocks elsewhere in the graph closest in meaning
(:meth:`Notebook.related`: not on this page, none already linked either way). F7 shows it,
F7 again moves into it, F7 there hides it; Enter opens a block, Ctrl+L puts a reference to it at
the editor's cursor (adding an ``id::`` to that block, as Logseq does), Esc goes back to typing.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ListItem, Static

from notegraph.tui.keys import OrderedList
from notegraph.tui.render import Resolver, inline
from notegraph.shorten import first_line_clipped

PAUSE = 0.6
"""Seconds without a key before the pane looks for related blocks."""


class RelatedList(OrderedList):
    BINDINGS = [
        Binding("ctrl+l", "link_it", "Link it at the cursor"),
        Binding("escape", "back", "Back to the outline", show=False),
    ]

    def __init__(self, pane: "RelatedPane") -> None:
        super().__init__(on_choose=pane.chosen)
        self.pane = pane

    def action_link_it(self) -> None:
        item = self.highlighted_child
        if item is not None and getattr(item, "hit", None) is not None:
            self.pane.on_link(item.hit)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.pane.on_back()


class RelatedPane(Vertical):
    DEFAULT_CSS = """
    RelatedPane { dock: right; width: 38%; min-width: 30; display: none; border-left: solid $primary 40%;
                  padding: 0 1; }
    RelatedPane > .title { height: auto; text-style: bold; }
    RelatedPane > RelatedList { height: 1fr; }
    """

    def __init__(self, *, id: str, on_open: Callable[[Any], None], on_link: Callable[[Any], None],
                 on_back: Callable[[], None]) -> None:
        super().__init__(id=id)
        self.on_open = on_open
        self.on_link = on_link
        self.on_back = on_back
        self.resolve_ref: Resolver | None = None
        """A block ref's uuid → its text, so a related block's ``((ref))`` reads as the outline shows it."""
        self.shown_for: tuple[str, str] | None = None
        """(file, text) the list was computed for: the same block again is not looked up again."""

    def compose(self) -> Any:
        yield Static("Related notes", classes="title")
        yield RelatedList(self)

    @property
    def items(self) -> RelatedList:
        return self.query_one(RelatedList)

    def chosen(self, item: ListItem) -> None:
        hit = getattr(item, "hit", None)
        if hit is not None:
            self.on_open(hit)

    def show_hits(self, hits: list[Any], waiting: bool = False) -> None:
        title = self.query_one(".title", Static)
        if waiting:
            title.update(Text("Related notes (embedding the graph: not all blocks are candidates yet)"))
        else:
            title.update(Text.assemble(("Related notes", "bold"),
                                       ("  Enter opens · Ctrl+L links at the cursor · Esc back", "dim")))
        items = self.items
        items.clear()
        if not hits:
            items.append(ListItem(Static(Text("nothing close in meaning elsewhere in the graph", style="dim"))))
            return
        for hit in hits:
            item = ListItem(Static(related_row(hit, self.resolve_ref)))
            item.hit = hit  # type: ignore[attr-defined]
            items.append(item)


PARENT_CHARS = 48


def related_row(hit: Any, resolve: Resolver | None = None) -> Text:
    """Page › nearest parent (what the block is about), then the block's first line."""
    line = Text()
    line.append(hit.page, style="cyan")
    if hit.breadcrumb:
        line.append(" › ", style="dim")
        line.append_text(inline(first_line_clipped(hit.breadcrumb[-1], PARENT_CHARS), base="dim"))
    line.append("\n")
    body = inline(hit.content.split("\n", 1)[0], resolve=resolve)
    body.truncate(160, overflow="ellipsis")
    line.append_text(body)
    return line
