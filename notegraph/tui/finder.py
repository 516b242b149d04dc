"""Quick-open (Ctrl+E): type a few letters of a page name or alias, Enter opens the best match;
when no page has that name, the last choice makes it (the file appears once you type in it)."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ListItem, ListView

from notegraph.tui.keys import OrderedInput, OrderedList, focus_now

NEW_PAGE = "New page: "


class PageFinder(ModalScreen["str | None"]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    DEFAULT_CSS = """
    PageFinder { align: center middle; }
    #page-finder { width: 70; height: 24; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, find: Callable[[str], list[str]]) -> None:
        super().__init__()
        self.find = find

    def compose(self) -> ComposeResult:
        with Vertical(id="page-finder"):
            yield Label("Open a page — type part of its name (letters in order: pr → Priya Raman)")
            yield OrderedInput(placeholder="page name", id="finder-input", on_submit=self.submitted,
                               on_down=self.to_list)
            yield OrderedList(id="finder-list", on_choose=self.chosen, on_up_from_top=self.to_input)

    def on_mount(self) -> None:
        focus_now(self.query_one("#finder-input", Input))

    def choices(self, typed: str) -> list[str]:
        names = self.find(typed) if typed.strip() else []
        if typed.strip() and not any(n.lower() == typed.strip().lower() for n in names):
            names.append(NEW_PAGE + typed.strip())
        return names

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(self.choices(event.value))

    def fill(self, names: list[str]) -> None:
        found = self.query_one("#finder-list", ListView)
        found.clear()
        for name in names:
            item = ListItem(Label(Text(name, style="dim italic" if name.startswith(NEW_PAGE) else "cyan")))
            item.name_chosen = name  # type: ignore[attr-defined]
            found.append(item)

    def submitted(self, value: str) -> None:
        """Enter in the box: the best match for what is typed now (not for a list filled earlier)."""
        names = self.choices(value)
        if names:
            self.choose(names[0])

    def chosen(self, item: ListItem) -> None:
        self.choose(getattr(item, "name_chosen", ""))

    def choose(self, name: str) -> None:
        self.dismiss(name.removeprefix(NEW_PAGE) if name else None)

    def to_list(self) -> None:
        found = self.query_one("#finder-list", ListView)
        if found.children:
            found.index = 0
            focus_now(found)

    def to_input(self) -> None:
        focus_now(self.query_one("#finder-input", Input))


def open_finder(app: Any, find: Callable[[str], list[str]], open_page: Callable[[str], None]) -> None:
    def chosen(name: str | None) -> None:
        if name:
            open_page(name)

    app.push_screen(PageFinder(find), chosen)


class NameAsker(ModalScreen["str | None"]):
    """One line of text (a page's new name): Enter gives it, Esc gives nothing."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    DEFAULT_CSS = """
    NameAsker { align: center middle; }
    #name-asker { width: 70; height: 7; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, question: str, value: str) -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="name-asker"):
            yield Label(self.question)
            yield OrderedInput(value=self.value, id="name-input", on_submit=self.submitted)

    def on_mount(self) -> None:
        focus_now(self.query_one("#name-input", Input))

    def submitted(self, value: str) -> None:
        self.dismiss(value.strip() or None)
