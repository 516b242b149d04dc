"""The outline editor: one file's blocks, the cursor block in a text area, the rest rendered.

Only the block under the cursor is a widget; the blocks above and below it are two
rendered texts, so a page of thousands of blocks costs three widgets. Every change
goes through :class:`~notegraph.editor.outline.Outline` (undo, Logseq's rules) and is
saved by the :class:`~notegraph.editor.session.EditSession` shortly after typing stops.

Two modes, as in Logseq: *editing* one block (the text area has focus) and *selecting* blocks
(Esc; the selected rows are shown highlighted in place of the text area, and
:class:`SelectedBlocks` has focus). In selection mode Up/Down move the selection, Shift+Up/Down
extend it, Enter edits, Backspace/Delete delete the blocks, Tab/Shift+Tab/Alt+Up/Down/Ctrl+Enter
act on all of them, and a printable key never changes a note.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static, TextArea

from notegraph.editor.assist import (Completing, HiddenLines, complete, completing, editable, first_link, link_at,
                                     with_block_id)
from notegraph.editor.outline import Outline, blank_row, marker_of
from notegraph.editor.session import EditSession, SaveOutcome
from notegraph.errors import FileChangedOnDiskError, NotegraphError
from notegraph.tui.keys import OrderedKeys, focus_now, run_bindings_now
from notegraph.tui.hanging import HangingLines
from notegraph.tui.macros import MacroLines
from notegraph.tui.render import Resolver, block_text

SAVE_DELAY = 0.4  # seconds after the last keystroke


class OpenLink(Message):
    def __init__(self, kind: str, target: str) -> None:
        super().__init__()
        self.kind = kind
        self.target = target


class Saved(Message):
    def __init__(self, outcome: SaveOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class BlockInput(OrderedKeys, TextArea):
    """The text area of the block being edited; outline keys act on the outline.

    Every key is handled completely in this widget's turn (see :mod:`notegraph.tui.keys`): the
    outline operations are ordinary bindings run at once, never priority bindings run ahead of
    keys typed before them."""

    BINDINGS = [
        Binding("tab", "outline('indent')", "Indent"),
        Binding("shift+tab", "outline('outdent')", "Outdent", show=False),
        Binding("alt+up", "outline('move_up')", "Move up", show=False),
        Binding("alt+down", "outline('move_down')", "Move down", show=False),
        Binding("ctrl+enter,ctrl+r", "outline('marker')", "Cycle TODO"),
        Binding("ctrl+up", "outline('collapse')", "Collapse", show=False),
        Binding("ctrl+down", "outline('expand')", "Expand", show=False),
        Binding("ctrl+z", "outline('undo')", "Undo", show=False),
        Binding("ctrl+y,ctrl+shift+z", "outline('redo')", "Redo", show=False),
        Binding("ctrl+o", "outline('open_link')", "Open link", show=False),
        Binding("shift+enter,ctrl+j", "line_break", "Line break", show=False),
        Binding("escape", "outline('select')", "Select block", show=False),
        Binding("ctrl+b", "outline('copy_ref')", "Copy block reference", show=False),
    ]

    def __init__(self, view: "OutlineView") -> None:
        super().__init__(soft_wrap=True, tab_behavior="focus", show_line_numbers=False, compact=True)
        self.view = view

    def action_outline(self, operation: str) -> None:
        self.view.operate(operation)

    def action_line_break(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)

    async def _on_key(self, event: events.Key) -> None:
        self.view.catch_up()  # the keys before this one may not have sent their Changed yet
        if self.view.completion_key(event.key) or self._pair(event.character):
            event.stop()
            event.prevent_default()
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self.view.operate("split")
        elif event.key.startswith("alt+") and len(event.key) == len("alt+x"):
            # A terminal sends Esc followed at once by a letter as Alt+letter: typed fast, Esc then
            # x arrives as alt+x. Read it as what was typed: Esc selects, the letter changes nothing.
            event.stop()
            event.prevent_default()
            self.view.select()
            self.view.typed_while_selecting()
        # else: OrderedKeys runs the key's bindings now, then the text area types it

    def _pair(self, typed: str | None) -> bool:
        """``[[`` and ``((`` close themselves (the cursor stays inside); a ``]`` or ``)`` typed
        where that closing is already next steps over it. True when the key was used."""
        if typed not in ("[", "(", "]", ")") or self.selected_text:
            return False
        row, column = self.cursor_location
        line = self.document.get_line(row)
        before, after = line[:column], line[column:]
        if typed in "[(":
            closing = "]]" if typed == "[" else "))"
            if not before.endswith(typed) or after.startswith(closing):
                return False
            self._replace_via_keyboard(typed + closing, self.cursor_location, self.cursor_location)
            self.move_cursor((row, column + 1))
            return True
        opening = "[[" if typed == "]" else "(("
        if after.startswith(typed) and before.rfind(opening) > before.rfind(typed * 2):
            self.move_cursor((row, column + 1))
            return True
        return False

    def action_cursor_up(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == 0:
            self.view.step(-1, column=self.cursor_location[1])
        else:
            super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == self.document.line_count - 1:
            self.view.step(1, column=self.cursor_location[1])
        else:
            super().action_cursor_down(select)

    def action_delete_left(self) -> None:
        start, end = self.selection
        if start == end == (0, 0):
            self.view.operate("backspace")
        else:
            super().action_delete_left()


class RowsText(Static):
    """The rendered rows above or below the cursor: a click on a link, tag or block ref opens
    it; a click elsewhere on a row puts the cursor there. What was clicked is in the style's meta."""

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta if event.style else {}
        view = self.parent
        if "open" in meta:
            kind, target = meta["open"]
            self.post_message(OpenLink(kind, target))
        elif "row" in meta and isinstance(view, OutlineView):
            view.go_to(meta["row"])


class SelectedBlocks(OrderedKeys, RowsText):
    """The selected blocks, highlighted; has the focus in selection mode and acts on them."""

    can_focus = True
    BINDINGS = [
        Binding("up", "select_step(-1)", "Select above", show=False),
        Binding("down", "select_step(1)", "Select below", show=False),
        Binding("shift+up", "select_step(-1, True)", "Extend up", show=False),
        Binding("shift+down", "select_step(1, True)", "Extend down", show=False),
        Binding("home", "select_step(-1000000)", "First block", show=False),
        Binding("end", "select_step(1000000)", "Last block", show=False),
        Binding("enter", "edit", "Edit"),
        Binding("ctrl+b", "copy_ref", "Copy block reference", show=False),
        Binding("backspace,delete", "blocks('delete')", "Delete"),
        Binding("tab", "blocks('indent')", "Indent"),
        Binding("shift+tab", "blocks('outdent')", "Outdent", show=False),
        Binding("alt+up", "blocks('move_up')", "Move up", show=False),
        Binding("alt+down", "blocks('move_down')", "Move down", show=False),
        Binding("ctrl+enter,ctrl+r", "blocks('marker')", "Cycle TODO"),
        Binding("ctrl+up", "blocks('collapse')", "Collapse", show=False),
        Binding("ctrl+down", "blocks('expand')", "Expand", show=False),
        Binding("ctrl+z", "blocks('undo')", "Undo", show=False),
        Binding("ctrl+y,ctrl+shift+z", "blocks('redo')", "Redo", show=False),
        Binding("ctrl+o", "blocks('open_link')", "Open link", show=False),
    ]

    def __init__(self, view: "OutlineView") -> None:
        super().__init__("", classes="rows", id="selected")
        self.view = view

    async def _on_key(self, event: events.Key) -> None:
        if not await run_bindings_now(self, event) and event.is_printable:
            event.stop()
            event.prevent_default()
            self.view.typed_while_selecting()

    def action_select_step(self, by: int, extend: bool = False) -> None:
        self.view.step_selection(by, extend)

    def action_edit(self) -> None:
        self.view.edit()

    def action_blocks(self, operation: str) -> None:
        self.view.operate_blocks(operation)

    def action_copy_ref(self) -> None:
        self.view.copy_block_ref()


class OutlineView(VerticalScroll):
    """An editable outline of one file (a journal day or a page)."""

    DEFAULT_CSS = """
    OutlineView { height: 1fr; }
    OutlineView > .rows { height: auto; padding: 0 1; }
    OutlineView > #editor-row { height: auto; padding: 0 1; }
    OutlineView #bullet { width: 2; color: $accent; }
    OutlineView BlockInput { height: auto; max-height: 20; background: $boost; border: none; padding: 0; }
    OutlineView #completion { height: auto; max-height: 8; display: none; margin: 0 0 0 4; }
    OutlineView > #selected { display: none; background: $accent 25%; }
    OutlineView > #selected:focus { background: $accent 40%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: EditSession | None = None
        self.cycle: tuple[str, ...] = ("LATER", "NOW", "DONE")
        self.complete_names: Any = lambda partial, tags: []
        self.follow_link: Any = lambda kind, target: self.post_message(OpenLink(kind, target))
        """Open a link (set by the app: called at once, so the keys after Ctrl+O go to what it opens)."""
        self.resolve_ref: Resolver | None = None
        self.macro_lines: MacroLines | None = None
        """Query results and embeds under their blocks (set by the app)."""
        self.on_block_changed: Any = lambda: None
        """Called when the block under the cursor or its text changed (the related-notes pane)."""
        self.cursor_key: int | None = None
        self.anchor_key: int | None = None
        """In selection mode, the row where the selection started (``cursor_key`` is its other end)."""
        self._hint_shown = False
        self._hidden = HiddenLines(())
        self._shown_text: str | None = None
        self._save_timer: Any = None
        self._completing: Completing | None = None
        self._last_error = ""

    def on_mount(self) -> None:
        if self.session is None:  # nothing to edit until a file is opened: nothing to focus either
            self.query_one("#editor-row").display = False

    def compose(self) -> Any:
        yield RowsText("", classes="rows", id="above")
        with Horizontal(id="editor-row"):
            yield Static("•", id="bullet")
            yield BlockInput(self)
        yield SelectedBlocks(self)
        yield OptionList(id="completion")
        yield RowsText("", classes="rows", id="below")
        yield RowsText("", classes="rows", id="extra")

    @property
    def editor(self) -> BlockInput:
        return self.query_one(BlockInput)

    @property
    def outline(self) -> Outline:
        assert self.session is not None
        return self.session.outline

    @property
    def cursor(self) -> int:
        index = self.outline.index_of(self.cursor_key) if self.cursor_key is not None else None
        return index if index is not None else self._first_row()

    def _first_row(self) -> int:
        rows = self.outline.rows
        if not rows:
            return 0
        return 1 if rows[0].pre and len(rows) > 1 else 0

    # -- opening and showing -------------------------------------------------------------
    @property
    def selecting(self) -> bool:
        return self.anchor_key is not None

    @property
    def typing_place(self) -> Any:
        """The widget that takes keys here: the text area, or the selection."""
        return self.query_one(SelectedBlocks) if self.selecting else self.editor

    def open(self, session: EditSession, row: int | None = None, *, select: bool = False) -> bool:
        """Show ``session``'s file, editing (or with ``select``, selecting) the block at ``row``.
        Refused (False) while the open file has text that could not be saved: leaving would lose it."""
        self.flush()
        if self.session is not None and self.session.has_unsaved_text:
            self.notify("this page has text that could not be saved (see the message before); fix it or "
                        "undo it (Ctrl+Z) before leaving", title="still here", severity="warning", timeout=8)
            return False
        self.session = session
        if not session.outline.rows or all(r.pre for r in session.outline.rows):
            session.outline.rows.append(blank_row())
        index = row if row is not None and row < len(session.outline.rows) else self._first_row()
        self.cursor_key = session.outline.rows[index].key
        self.anchor_key = self.cursor_key if select else None
        self._shown_text = None
        self.show(column=None)
        self.scroll_home(animate=False) if row is None else self.scroll_to_cursor()
        return True

    def show(self, column: int | None = 0, *, force: bool = False) -> None:
        """Re-render around the cursor row. The editor's text is replaced only when it differs
        (or ``force``), so an update elsewhere never moves the cursor; ``column`` is where the
        cursor goes on the first line then (None: the end of the text)."""
        if self.session is None:
            return
        outline = self.outline
        cursor = self.cursor
        first, last = self.selected_rows() if self.selecting else (cursor, cursor)
        shown = outline.visible()
        above: list[tuple[Text, Text]] = []
        selected: list[tuple[Text, Text]] = []
        below: list[tuple[Text, Text]] = []
        for i in shown:
            if i == cursor and not self.selecting:
                continue
            target = above if i < first else below if i > last else selected
            target += self._row_lines(i)
        self.query_one("#above", Static).update(HangingLines(above))
        self.query_one("#below", Static).update(HangingLines(below))
        self.query_one(SelectedBlocks).update(HangingLines(selected))
        self.query_one("#above", Static).display = any((p.plain + b.plain).strip() for p, b in above)
        self.query_one(SelectedBlocks).display = self.selecting
        self.query_one("#editor-row").display = not self.selecting
        row = outline.rows[cursor]
        self.query_one("#editor-row").styles.padding = (0, 1, 0, 1 + 2 * (row.level - 1))
        self.query_one("#bullet", Static).update("⚙" if row.pre else ("▸" if row.key in outline.collapsed
                                                                      and outline.has_children(cursor) else "•"))
        text, self._hidden = editable(row.content)
        editor = self.editor
        if force or text != editor.text:
            self._shown_text = text
            editor.load_text(text)
            lines = text.split("\n")
            if column is None:
                editor.move_cursor((len(lines) - 1, len(lines[-1])))
            else:
                editor.move_cursor((0, min(column, len(lines[0]))))
        self._shown_text = text
        self.on_block_changed()

    def _row_lines(self, index: int) -> list[tuple[Text, Text]]:
        """A row as screen lines ``(prefix, body)``: the body wraps under itself (HangingLines)."""
        outline = self.outline
        row = outline.rows[index]
        clicks = Style(meta={"row": row.key})
        if row.pre:
            return [(Text("", style=clicks), Text(line, style="dim"))
                    for line in row.content.rstrip("\n").split("\n")]
        bullet = "▸ " if row.key in outline.collapsed and outline.has_children(index) else "• "
        first = Text("  " * (row.level - 1), style=clicks)
        first.append(bullet, style="dim")
        continuation = "  " * row.level
        body = block_text(row.content, marker_of(row.content), self.resolve_ref)
        lines = []
        for k, line in enumerate(body.split("\n")):
            line.stylize(clicks)
            lines.append((first if k == 0 else Text(continuation, style=clicks), line))
        if self.macro_lines is not None and "{{" in row.content:
            under = self.macro_lines.under(row.content, continuation)
            if under is not None:
                indent = len(continuation) + 2
                lines += [(line[:indent], line[indent:]) for line in under.split("\n")[1:]]
        return lines

    def refresh_macros(self) -> None:
        """The index changed: query results and embeds are computed again where shown."""
        if self.macro_lines is None:
            return
        self.macro_lines.clear()
        self.show_macro_results()

    def show_macro_results(self) -> None:
        """Re-render the rows when macro results changed (they arrive from a worker)."""
        if self.session is not None and any("{{" in r.content for r in self.outline.rows):
            self.sync_editor()  # typed text first: show() must not reload the editor from older rows
            self.show(column=self.editor.cursor_location[1])

    def scroll_to_cursor(self) -> None:
        """Bring the edited or selected block into view — once the rows just re-rendered have been
        laid out: scrolled now, it went to where the block was before (End in a long day's
        selection stayed at the top)."""
        self.call_after_refresh(self._scroll_now, 3)

    def _scroll_now(self, tries: int) -> None:
        if not self.is_attached:
            return
        target = self.query_one(SelectedBlocks) if self.selecting else self.query_one("#editor-row")
        self.scroll_to_widget(target, animate=False, immediate=True)
        if tries > 1:
            # The rows' new heights may be laid out only at a later refresh (and the block's region
            # is stale until then, so it cannot tell): again after the next one; idempotent.
            self.call_after_refresh(self._scroll_now, tries - 1)

    # -- typing ----------------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.session is None or event.text_area is not self.editor:
            return
        if self.sync_editor():
            self.schedule_save()
            self._update_completion()
            self.on_block_changed()

    def sync_editor(self) -> bool:
        """Put the editor's text into the outline now. Keys are handled before the editor's
        Changed messages arrive, so every operation, save and reload calls this first:
        otherwise fast typing followed by Tab or Enter would be lost. True if it changed."""
        if self.session is None:
            return False
        text = self.editor.text
        if text == self._shown_text:
            return False
        self._shown_text = text
        self.outline.set_content(self.cursor, self._hidden.restore(text))
        return True

    def go_to(self, key: int) -> None:
        """Put the cursor on the row with ``key`` (a click on a rendered row)."""
        if self.session is None or self.outline.index_of(key) is None:
            return
        self.sync_editor()
        self.cursor_key = key
        self.anchor_key = None
        self.show(column=None, force=True)
        focus_now(self.editor)
        self.scroll_to_cursor()

    def step(self, by: int, column: int = 0) -> None:
        """Move the cursor to the previous/next visible block."""
        if self.session is None:
            return
        self.sync_editor()
        shown = self.outline.visible()
        position = shown.index(self.cursor) if self.cursor in shown else 0
        target = position + by
        if 0 <= target < len(shown):
            self.cursor_key = self.outline.rows[shown[target]].key
            self.show(column=column if by > 0 else None)
            self.scroll_to_cursor()

    def operate(self, operation: str) -> None:
        if self.session is None:
            return
        self.sync_editor()
        outline = self.outline
        cursor = self.cursor
        column: int | None = 0
        moved: int | None = cursor
        editor = self.editor
        if operation == "split":
            text = editor.text
            offset = _offset(text, editor.cursor_location)
            head, tail = text[:offset], text[offset:]
            if not head and tail:
                moved = outline.split(cursor, 0)
            else:  # id:: and collapsed:: lines stay with the block they belong to
                moved = outline.split_parts(cursor, self._hidden.restore(head), tail)
        elif operation == "indent":
            moved, column = outline.indent(cursor), editor.cursor_location[1]
        elif operation == "outdent":
            moved, column = outline.outdent(cursor), editor.cursor_location[1]
        elif operation == "move_up":
            moved, column = outline.move_up(cursor), editor.cursor_location[1]
        elif operation == "move_down":
            moved, column = outline.move_down(cursor), editor.cursor_location[1]
        elif operation == "marker":
            moved, column = outline.cycle_marker(cursor, self.cycle), None
        elif operation in ("collapse", "expand"):
            moved = outline.toggle_collapsed(cursor, operation == "collapse")
            column = editor.cursor_location[1]
        elif operation in ("undo", "redo"):
            moved = outline.undo(cursor) if operation == "undo" else outline.redo(cursor)
            column = None
            if moved is None:
                self.app.bell()
                return
            moved = min(moved, len(outline.rows) - 1)
        elif operation == "backspace":
            deleted = outline.delete_empty(cursor)
            if deleted is not None:
                moved, column = deleted, None
            else:
                joined = outline.join_previous(cursor)
                if joined is None:
                    return
                moved, column = joined[0], joined[1]
        elif operation == "select":
            self.select()
            return
        elif operation == "copy_ref":
            self.copy_block_ref()
            return
        elif operation == "open_link":
            row, col = editor.cursor_location
            link = link_at(editor.text.split("\n")[row], col)
            if link is None:
                self.notify("no link under the cursor", timeout=3)
            else:
                self.follow_link(link.kind, link.target)
            return
        if moved is not None:
            self.cursor_key = outline.rows[moved].key
        self._shown_text = None
        self.show(column=column, force=operation in ("split", "backspace", "undo", "redo"))
        if operation == "backspace" and column is not None:
            self.editor.move_cursor(_location(self.editor.text, column))
        self.scroll_to_cursor()
        self.schedule_save()

    # -- selection mode ------------------------------------------------------------------------
    def selected_rows(self) -> tuple[int, int]:
        """The first and last selected row (their subtrees are selected with them)."""
        head = self.cursor
        anchor = self.outline.index_of(self.anchor_key) if self.anchor_key is not None else None
        anchor = head if anchor is None else anchor
        return min(anchor, head), max(anchor, head)

    def select(self) -> None:
        """Esc: stop editing; the block being edited is selected (and saved now)."""
        if self.session is None:
            return
        self.sync_editor()
        self.query_one("#completion", OptionList).display = False
        self.cursor_key = self.outline.rows[self.cursor].key
        self.anchor_key = self.cursor_key
        self.show()
        focus_now(self.query_one(SelectedBlocks))
        self.scroll_to_cursor()
        self.flush()

    def edit(self) -> None:
        """Enter on a selection: edit its last block, the cursor at the end of its text."""
        if self.session is None:
            return
        self.anchor_key = None
        self.show(column=None, force=True)
        focus_now(self.editor)
        self.scroll_to_cursor()

    def step_selection(self, by: int, extend: bool) -> None:
        """Up/Down move the selection to the block above/below; with Shift they extend it."""
        if self.session is None:
            return
        shown = self.outline.visible()
        cursor = self.cursor
        position = shown.index(cursor) if cursor in shown else 0
        target = shown[max(0, min(len(shown) - 1, position + by))]
        self.cursor_key = self.outline.rows[target].key
        if not extend:
            self.anchor_key = self.cursor_key
        self.show()
        self.scroll_to_cursor()

    def copy_block_ref(self) -> None:
        """Ctrl+B: ``((uuid))`` of the block to the clipboard (Ctrl+V pastes it), giving the block an
        ``id::`` first when it has none, as Logseq does."""
        if self.session is None:
            return
        self.sync_editor()
        index = self.cursor
        row = self.outline.rows[index]
        if row.pre:
            self.notify("page properties have no block reference", timeout=3)
            return
        content, block_id = with_block_id(row.content)
        if content != row.content:
            self.outline.set_content(index, content)
            self._shown_text = None
            self.show(column=self.editor.cursor_location[1])
            self.schedule_save()
        self.app.copy_to_clipboard(f"(({block_id}))")
        self.notify(f"copied (({block_id})): Ctrl+V pastes it", timeout=4)

    def insert_template(self, rows: list[tuple[str, int]]) -> None:
        """A template's rows at the cursor (one undo step); editing its first block after."""
        if self.session is None:
            return
        self.sync_editor()
        first = self.outline.insert_template(self.cursor, rows)
        self.cursor_key, self.anchor_key = self.outline.rows[first].key, None
        self._shown_text = None
        self.show(column=None, force=True)
        focus_now(self.editor)
        self.scroll_to_cursor()
        self.schedule_save()

    def operate_blocks(self, operation: str) -> None:
        """An outline key on the selected blocks (one undo step each)."""
        if self.session is None:
            return
        outline = self.outline
        first, last = self.selected_rows()
        select: int | None = None
        if operation == "delete":
            select = outline.delete_blocks(first, last)
            if select < 0 or not any(not r.pre for r in outline.rows):
                outline.rows.append(blank_row())
                select = len(outline.rows) - 1
        elif operation in ("indent", "outdent", "move_up", "move_down"):
            act = {"indent": outline.indent_blocks, "outdent": outline.outdent_blocks,
                   "move_up": outline.move_blocks_up, "move_down": outline.move_blocks_down}[operation]
            before = list(outline.rows)
            act(first, last)
            if outline.rows == before:
                self.app.bell()  # not a run of sibling blocks, or nowhere to go
                return
        elif operation == "marker":
            outline.cycle_markers(first, last, self.cycle)
        elif operation in ("collapse", "expand"):
            for k in range(first, last + 1):
                outline.toggle_collapsed(k, operation == "collapse")
            if self.cursor not in outline.visible() or (self.anchor_key is not None and
                                                         outline.index_of(self.anchor_key) not in outline.visible()):
                select = first
        elif operation in ("undo", "redo"):
            moved = outline.undo(first) if operation == "undo" else outline.redo(first)
            if moved is None:
                self.app.bell()
                return
            if not any(not r.pre for r in outline.rows):
                outline.rows.append(blank_row())
            select = max(0, min(moved, len(outline.rows) - 1))
        elif operation == "open_link":
            link = first_link(outline.rows[self.cursor].content)
            if link is None:
                self.notify("no link in this block", timeout=3)
            else:
                self.follow_link(link.kind, link.target)
            return
        if select is not None:
            self.cursor_key = self.anchor_key = outline.rows[select].key
        self.show()
        self.scroll_to_cursor()
        self.schedule_save()

    def typed_while_selecting(self) -> None:
        """A printable key while blocks are selected changes nothing; say once how to type."""
        if not self._hint_shown:
            self._hint_shown = True
            self.notify("a block is selected: Enter edits it (Esc selects again)", timeout=4)

    # -- completion ------------------------------------------------------------------------
    def _update_completion(self) -> None:
        options = self.query_one("#completion", OptionList)
        before = self.editor.text[:_offset(self.editor.text, self.editor.cursor_location)]
        self._completing = completing(before)
        names: list[str] = []
        if self._completing is not None:
            names = self.complete_names(self._completing.partial, self._completing.kind == "tag")
            if [n.lower() for n in names] == [self._completing.partial.lower()]:
                names = []  # typed in full already: Enter should make a new block
        options.clear_options()
        if names:
            options.add_options(names)
            options.highlighted = 0
        options.display = bool(names)

    def catch_up(self) -> None:
        """Bring the outline and the completion list up to the editor's text now."""
        if self.sync_editor():
            self.schedule_save()
            self._update_completion()
            self.on_block_changed()

    def completion_key(self, key: str) -> bool:
        """Keys for the completion list while it is open; True when the key was used."""
        options = self.query_one("#completion", OptionList)
        if not options.display:
            return False
        if key == "escape":
            options.display = False
            return True
        if key in ("up", "down"):
            options.action_cursor_up() if key == "up" else options.action_cursor_down()
            return True
        if key in ("enter", "tab") and options.highlighted is not None and self._completing is not None:
            name = str(options.get_option_at_index(options.highlighted).prompt)
            editor = self.editor
            offset = _offset(editor.text, editor.cursor_location)
            before, after = editor.text[:offset], editor.text[offset:]
            head, tail = complete(before, after, self._completing, name)
            editor.load_text(head + tail)
            editor.move_cursor(_location(head + tail, len(head)))
            options.display = False
            return True
        return False

    # -- saving ----------------------------------------------------------------------------
    def schedule_save(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self.flush)

    def flush(self) -> None:
        """Save now if anything changed (called by the timer, on leaving the file and on quit)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        session = self.session
        if session is None:
            return
        self.sync_editor()
        try:
            outcome = session.save()
        except FileChangedOnDiskError:
            self.schedule_save()  # changed again at the last instant: merge on the next try
            return
        except NotegraphError as exc:
            message = str(exc)
            if message != self._last_error:
                self.notify(message, title="not saved", severity="error", timeout=8)
            self._last_error = message
            return
        self._last_error = ""
        if outcome.written:
            self.post_message(Saved(outcome))
        if outcome.merged:
            self.show(column=self.editor.cursor_location[1])
        if outcome.conflicts:
            self.notify("; ".join(outcome.conflicts[:3]) + " — both versions are in the file, "
                        "marked conflict::", title="changed on disk and here", severity="warning", timeout=12)

    def file_changed_outside(self) -> None:
        """The watcher saw the open file change: merge it in if we have edits, else reload."""
        session = self.session
        if session is None or not session.changed_on_disk():
            return
        self.sync_editor()
        if session.dirty:
            self.flush()
            return
        cursor, location = self.cursor, self.editor.cursor_location
        old = [r.content for r in session.outline.rows]
        collapsed_contents = {r.content for r in session.outline.rows if r.key in session.outline.collapsed}
        session.reload()
        rows = session.outline.rows
        if not rows or all(r.pre for r in rows):
            rows.append(blank_row())
        target = _same_row(old, [r.content for r in rows], cursor)
        self.cursor_key = rows[target].key
        if self.selecting:
            self.anchor_key = self.cursor_key
        session.outline.collapsed |= {r.key for r in rows if r.content in collapsed_contents}
        self.show(column=None)
        if self.editor.text.count("\n") >= location[0]:
            self.editor.move_cursor(location)


def _same_row(old: list[str], new: list[str], index: int) -> int:
    """Where the row at ``index`` of ``old`` is in ``new`` (same text nearest to it, else the same place)."""
    if index < len(old):
        text = old[index]
        candidates = [i for i, t in enumerate(new) if t == text]
        if candidates:
            return min(candidates, key=lambda i: abs(i - index))
    return min(index, len(new) - 1)


def _offset(text: str, location: tuple[int, int]) -> int:
    row, column = location
    return sum(len(line) + 1 for line in text.split("\n")[:row]) + column


def _location(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset].split("\n")
    return len(before) - 1, len(before[-1])
