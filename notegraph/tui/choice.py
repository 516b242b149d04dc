"""A one-line choice among a few options, always visible: ``mode: ‹hybrid› keyword semantic tasks``.

Textual's Select needs a width of its own and a dropdown; squeezed next to a search box it
vanished at common terminal widths while Tab still moved the focus to it. This is a line of text
that takes Left/Right (or Space) when focused, acts at once, and fits in 40 columns.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from notegraph.tui.keys import OrderedKeys


class Choice(OrderedKeys, Static):
    can_focus = True
    DEFAULT_CSS = """
    Choice { width: auto; height: 1; padding: 0 1; margin: 1 0 0 0; color: $text-muted; }
    Choice:focus { color: $text; background: $boost; }
    """
    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right,space", "step(1)", "Next", show=False),
    ]

    def __init__(self, label: str, options: Sequence[str], *, value: str | None = None,
                 on_change: Callable[[str], None] | None = None, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.label = label
        self.options = list(options)
        self.value = value if value in self.options else self.options[0]
        self.on_change = on_change
        self._paint()

    def action_step(self, by: int) -> None:
        self.choose(self.options[(self.options.index(self.value) + by) % len(self.options)])

    def choose(self, value: str) -> None:
        if value not in self.options or value == self.value:
            return
        self.value = value
        self._paint()
        if self.on_change is not None:
            self.on_change(value)

    def _paint(self) -> None:
        text = Text(f"{self.label}: ")
        for option in self.options:
            if option == self.value:
                text.append(f"‹{option}›", style="bold reverse")
            else:
                text.append(f" {option} ")
            text.append(" ")
        text.rstrip()
        self.update(text)
