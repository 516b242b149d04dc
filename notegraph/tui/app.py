"""notegraph's terminal app: journal, search, ask; live with the folder.

Blocking work (indexing, embedding, the model) runs in thread workers; results
come back as messages. The watcher and the embedder report through callbacks that
post messages, so widgets are only touched on the app's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from rich.style import Style
from rich.text import Text
from textual import events, messages, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.command import Hit as PaletteHit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (Footer, Input, Label, ListItem, ListView, Markdown, Static, TabbedContent, TabPane,
                             Tree)

from notegraph.editor.session import EditSession
from notegraph.errors import NotegraphError
from notegraph.journal import page_file_for
from notegraph.notebook import QUERY_TOKEN, Notebook
from notegraph.search import HIGHLIGHT, Hit
from notegraph.shorten import first_line_clipped
from notegraph.timewindow import parse_day
from notegraph.plugins import PaletteAction
from notegraph.tui.hooks import palette_actions
from notegraph.tui import survive
from notegraph.tui.survive import log_error
from notegraph.tui.choice import Choice
from notegraph.tui.finder import NameAsker, open_finder
from notegraph.semantic import content_words
from notegraph.tui.hanging import HangingLines
from notegraph.tui.macros import agenda_text, macro_lines_for
from notegraph.tui.keys import (KeyDone, KeyGate, OrderedInput, OrderedKeys, OrderedList, OrderedTabs, OrderedTree,
                                 focus_now, on_hidden_tab)
from notegraph.tui.outline_view import BlockInput, OpenLink, OutlineView, Saved
from notegraph.editor.outline import marker_of
from notegraph.tui.related import PAUSE as RELATED_PAUSE, RelatedPane
from notegraph.tui.render import block_text, inline


class IndexUpdated(Message):
    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail


def thread_summary(thread: Any) -> str:
    """"2 questions, last 2026-11-22 14:03": threads that open with the same question differ by when."""
    count = len(thread.turns)
    last = thread.last.at.replace("T", " ")[:16] if thread.last and thread.last.at else ""
    return f"{count} question{'' if count == 1 else 's'}" + (f", last {last}" if last else "") \
        + "; follow-ups build on them"


class EmbeddingProgressed(Message):
    """Some blocks were embedded: the status line's "N to embed" counts down."""


class AnswerChunkReceived(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AnswerSourcesFound(Message):
    """Retrieval is done: the numbered sources are shown before the model writes anything."""

    def __init__(self, question: str, sources: list[Any]) -> None:
        super().__init__()
        self.question = question
        self.sources = sources


class AnswerFinished(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class WorkFailed(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


@dataclass
class Status:
    blocks: int = 0
    pending: int = 0
    watcher: str = "starting"
    model: str = "model: not loaded"


class HelpScreen(ModalScreen[None]):
    """Every key. Scrolls with Up/Down/PgUp/PgDn when the terminal is short."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        def rows(pairs: list[tuple[str, str]], width: int) -> list[str]:
            # every "[" escaped: "[[ or #" is not a tag, but Rich's escape() leaves it alone
            return [f"  [b]{key.replace('[', chr(92) + '['):<{width + key.count('[')}}[/b] "
                    f"{what.replace('[', chr(92) + '[')}" for key, what in pairs]

        app_keys = [(b.key, b.description) for b in NotegraphApp.BINDINGS if isinstance(b, Binding)]
        lines = ["[b]notegraph keys[/b] (Up/Down scroll, Esc closes)", ""]
        lines += rows(app_keys, 24)
        lines += ["", "[b]Writing (Journal and Page)[/b]"] + rows(NotegraphApp.EDITOR_KEYS, 24)
        lines += ["", "[b]Selected blocks (Esc while writing)[/b]"] + rows(NotegraphApp.SELECTION_KEYS, 33)
        lines += ["", "[b]Search and Ask[/b]"] + rows(NotegraphApp.LIST_KEYS, 24)
        with VerticalScroll(id="help"):
            yield Static("\n".join(lines))

    def on_mount(self) -> None:
        self.query_one("#help").focus()


RELEASE_MODEL_AFTER = 120.0
"""Seconds after the last answer or report before the language model's memory is given back."""
REFERENCE_CHILDREN = 8
"""Children shown under each linked reference."""
EXIT_WAITS_FOR_KEYS = 10.0
"""Seconds an exit waits for keys typed before it to reach the editor (a stuck key gives up after 5)."""


class History:
    """Back and forward through the days and pages shown, as in a browser (Alt+Left, Alt+Right)."""

    def __init__(self, start: tuple[str, Any]) -> None:
        self.current = start
        self._back: list[tuple[str, Any]] = []
        self._forward: list[tuple[str, Any]] = []
        self._replaying = False

    def visit(self, place: tuple[str, Any]) -> None:
        if self._replaying:
            self.current = place
            return
        if place != self.current:
            self._back.append(self.current)
            del self._back[:-200]
            self._forward.clear()
            self.current = place

    def back(self) -> tuple[str, Any] | None:
        if not self._back:
            return None
        self._forward.append(self.current)
        return self._back.pop()

    def forward(self) -> tuple[str, Any] | None:
        if not self._forward:
            return None
        self._back.append(self.current)
        return self._forward.pop()

    @contextlib.contextmanager
    def replaying(self) -> Iterator[None]:
        self._replaying = True
        try:
            yield
        finally:
            self._replaying = False


class Actions(Provider):
    """Every app action in Textual's command palette."""

    threads: list[Any] = []
    """Ask threads to reopen, read when the palette opens."""

    async def startup(self) -> None:
        """Read once when the palette opens, not on every key typed in it."""
        app = self.app
        assert isinstance(app, NotegraphApp)
        self.threads = app.recent_threads()

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, NotegraphApp)
        matcher = self.matcher(query)
        for binding in app.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            score = matcher.match(binding.description)
            if score > 0:
                yield PaletteHit(score, matcher.highlight(binding.description),
                                 lambda action=binding.action: app.run_action(action), help=f"key: {binding.key}")
        for plugin, action in app.plugin_actions:
            if (score := matcher.match(action.title)) > 0:
                yield PaletteHit(score, matcher.highlight(action.title),
                                 lambda plugin=plugin, action=action: app.run_plugin_action(plugin, action),
                                 help=action.help or f"plugin: {plugin}")
        if app.shown_page is not None and (score := matcher.match("Rename this page")) > 0:
            yield PaletteHit(score, matcher.highlight("Rename this page"), app.ask_page_rename,
                             help="its file and every reference across the graph")
        for name in app.template_names():
            title = f"Insert template: {name}"
            if (score := matcher.match(title)) > 0:
                yield PaletteHit(score, matcher.highlight(title), lambda name=name: app.insert_template(name),
                                 help="the template's blocks at the cursor (placeholders filled)")
        for thread in self.threads:
            title = f"Reopen Ask thread: {thread.title}"
            if (score := matcher.match(title)) > 0:
                yield PaletteHit(score, matcher.highlight(title), lambda thread=thread: app.reopen_thread(thread),
                                 help=thread_summary(thread))
        for binding in BlockInput.BINDINGS:  # the outline's own actions act on the open outline
            if isinstance(binding, Binding) and (score := matcher.match(binding.description)) > 0:
                yield PaletteHit(score, matcher.highlight(binding.description),
                                 lambda action=binding.action: app.outline_action(action),
                                 help=f"block: {binding.key}")


class DatePicker(ModalScreen[dt.date | None]):
    """Go to a day: type a date (2026-11-01, yesterday, -3, last week) or pick a journal day."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, notebook: Notebook) -> None:
        super().__init__()
        self.notebook = notebook

    def compose(self) -> ComposeResult:
        with Vertical(id="date-picker"):
            yield Label("Go to day — type a date (2026-11-01, yesterday, -3, last week) or pick one")
            yield OrderedInput(placeholder="today", id="date-input", on_submit=self.typed)
            yield OrderedList(id="date-list", on_choose=self.picked)

    def on_mount(self) -> None:
        days = self.query_one("#date-list", ListView)
        for day in self.notebook.journal_days(limit=60):
            item = ListItem(Label(day.strftime("%a %Y-%m-%d")))
            item.day = day  # type: ignore[attr-defined]
            days.append(item)
        focus_now(self.query_one("#date-input", Input))

    def typed(self, value: str) -> None:
        try:
            self.dismiss(parse_day(value, self.notebook.today(), self.notebook.sprints()))
        except NotegraphError as exc:
            self.notify(str(exc), severity="error")

    def picked(self, item: ListItem) -> None:
        self.dismiss(getattr(item, "day", None))


class NotegraphApp(App[None]):
    TITLE = "notegraph"
    CSS = """
    TabbedContent { height: 1fr; }
    #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    #journal-title, #page-title { text-style: bold; padding: 0 1; }
    #ask-answer { padding: 1; height: auto; }
    #ask-sources-title { padding: 0 1; height: auto; }
    #ask-thread { padding: 0 1; height: auto; color: $text-muted; }
    #ask-sources { height: auto; max-height: 14; }
    #help { width: 100; max-width: 96%; height: auto; max-height: 90%; overflow-y: auto; border: round $accent; padding: 1 2; background: $surface; }
    HelpScreen, DatePicker { align: center middle; }
    #date-picker { width: 70; height: 24; border: round $accent; background: $surface; padding: 0 1; }
    #search-row, #report-row { height: 3; }
    #search-input { width: 1fr; }
    #tag-tree { width: 34; }
    #report-progress { height: auto; padding: 0 1; color: $text-muted; }
    #report-weeks { width: 20; }
    #report-end { width: 1fr; }
    """
    COMMANDS = App.COMMANDS | {Actions}
    BINDINGS = [
        Binding("f2", "show_tab('journal')", "Journal", priority=True),
        Binding("f3,ctrl+f", "show_tab('search')", "Search", priority=True),
        Binding("f4", "show_tab('page')", "Page", priority=True),
        Binding("f5", "show_tab('ask')", "Ask", priority=True),
        Binding("f6", "show_tab('reports')", "Reports", priority=True),
        Binding("alt+left", "go_back", "Back", show=False, priority=True),
        Binding("alt+right", "go_forward", "Forward", show=False, priority=True),
        Binding("ctrl+pageup", "day(-1)", "Previous journal day", show=False, priority=True),
        Binding("ctrl+pagedown", "day(1)", "Next journal day", show=False, priority=True),
        Binding("ctrl+t", "day(0)", "Today", show=False, priority=True),
        Binding("ctrl+g", "pick_date", "Go to day", priority=True),
        Binding("ctrl+e", "find_page", "Open page", priority=True),
        Binding("ctrl+l", "link_unlinked", "Link unlinked references", show=False),
        Binding("ctrl+s", "save", "Save (Ask: the answer into today's journal; Reports: as a page)", show=False,
                priority=True),
        Binding("ctrl+n", "new_thread", "New Ask thread (the next question starts afresh)", show=False),
        Binding("f7", "related", "Related notes", priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("escape", "cancel_work", "Cancel an answer or report", show=False),
    ]
    EDITOR_KEYS = [
        ("Enter", "new block (splits at the cursor)"), ("Shift+Enter / Ctrl+J", "line break inside the block"),
        ("Tab / Shift+Tab", "indent / outdent with children"), ("Alt+Up / Alt+Down", "move the block with children"),
        ("Backspace", "on an empty block: delete it; at the start: join with the block above"),
        ("Ctrl+Enter / Ctrl+R", "cycle the task marker (LATER/NOW/DONE or TODO/DOING/DONE)"),
        ("Ctrl+Up / Ctrl+Down", "collapse / expand children"), ("Ctrl+Z / Ctrl+Y", "undo / redo"),
        ("Ctrl+O", "open the link, tag or block ref under the cursor"),
        ("[[ or #", "complete page names / tags (Up/Down, Enter or Tab, Esc)"),
        ("Up / Down", "at the first/last line: previous/next block"),
        ("Esc", "stop editing: the block is selected"),
    ]
    SELECTION_KEYS = [
        ("Up / Down, Shift+Up / Shift+Down", "select the block above/below; extend the selection"),
        ("Enter", "edit the selected block"), ("Backspace / Delete", "delete the selected blocks (Ctrl+Z undoes)"),
        ("Tab, Shift+Tab, Alt+Up/Down", "indent, outdent, move the selected blocks"),
        ("Ctrl+Enter, Ctrl+O", "cycle their markers; open the block's first link"),
        ("letters", "change nothing while blocks are selected"),
    ]
    LIST_KEYS = [
        ("Down / Up", "from the search or Ask box to the results and back"),
        ("Enter", "on a result or source: open its page with the block selected"),
        ("Left / Right", "on the search mode: change it (and search again)"),
        ("Esc", "in Ask and Reports: cancel"),
    ]

    # The app's own widgets live on the first screen; a modal (help, date picker) on top
    # must not hide them from updates that arrive meanwhile.
    def main_query_one(self, selector: Any, expect_type: Any = None) -> Any:
        if not self.screen_stack:
            raise NoMatches(f"no screen for {selector}")  # the app is closing
        return self.screen_stack[0].query_one(selector, expect_type)

    def main_query(self, selector: Any) -> Any:
        return self.screen_stack[0].query(selector) if self.screen_stack else []

    def __init__(self, notebook: Notebook, *, watch: bool = True) -> None:
        super().__init__()
        self.notebook = notebook
        self.day = notebook.today()
        self.status = Status()
        self.cancel_answer = threading.Event()
        self.cancel_report = threading.Event()
        self._last_embed_progress = 0.0
        self.last_answer: Any = None
        """The answer shown in Ask, until Ctrl+S keeps it (then None: it is never written twice)."""
        self._related_timers: dict[str, Any] = {}
        self._related_panes: dict[str, RelatedPane] = {}
        self.thread: Any = None
        """Ask's conversation: follow-up questions build on its turns (Ctrl+N starts a new one)."""
        self._watch = watch
        self._watcher: Any = None
        self._embedder: Any = None
        self.shown_page: str | None = None
        self.report: Any = None
        self._answer = ""
        self._quit_anyway = False
        self.plugin_actions: list[tuple[str, PaletteAction]] = []
        self._keys = KeyGate()
        self._model_users = 0
        self._model_users_lock = threading.Lock()
        self._release_timer: Any = None
        self.history = History(("day", self.day))
        self._retry: Any = None
        self._search_round = 0
        self.survives_errors = False
        """Set once the app has painted: from then on an exception in a handler is a notification."""
        self._last_error = ("", 0.0)
        self._exit_waiting_since: float | None = None
        survive.install()

    # -- keys: one at a time, to what has focus once the previous one is done ----------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._keys.held.append(event)
            await self._hand_over_keys()
            return
        await super().on_event(event)

    async def _hand_over_keys(self) -> None:
        """Give waiting keys, in order, to whatever has focus (see :mod:`notegraph.tui.keys`)."""
        if not self.screen_stack:
            self._keys.held.clear()  # closing: nothing takes keys any more
            return
        while self._keys.held and not self._keys.busy(self):
            key = self._keys.held.pop(0)
            focused = self.focused
            if focused is not None and on_hidden_tab(focused):
                # On a tab just hidden: Textual lets go of it at its next layout pass, later than
                # this key. Let go now, as typing slowly would have found it.
                self.screen.set_focus(None)
                focused = None
            if isinstance(focused, OrderedKeys):
                self._keys.sent(key, focused)
                focused._forward_event(key)
            else:
                self._keys.sent(key, None)
                await super().on_event(key)  # not ours (the palette's input): Textual's own way
        if self._keys.held and self._retry is None:
            # waiting for a screen to get ready, or for a widget not ours to finish a key
            self._retry = self.set_timer(0.01, self._retry_hand_over)

    async def _retry_hand_over(self) -> None:
        self._retry = None
        await self._hand_over_keys()

    async def on_key_done(self, message: KeyDone) -> None:
        self._keys.done(message.key)
        await self._hand_over_keys()

    def compose(self) -> ComposeResult:
        with OrderedTabs(initial="journal"):
            with TabPane("Journal", id="journal"):
                yield self._related_pane("journal")
                yield Label("", id="journal-title")
                yield OutlineView(id="journal-outline")
            with TabPane("Search", id="search"):
                with Horizontal(id="search-row"):
                    yield OrderedInput(placeholder="search (tag:ai since:2w marker:TODO words…) Enter",
                                       id="search-input", on_submit=self.run_search, on_down=self.to_results)
                    yield Choice("mode", ("hybrid", "keyword", "semantic", "tasks"), value="hybrid", id="search-mode",
                                 on_change=self.search_mode_changed)
                with Horizontal():
                    yield OrderedTree("tags", id="tag-tree", on_choose=self.search_tag)
                    yield OrderedList(id="search-results", on_choose=self.open_result,
                                      on_up_from_top=lambda: focus_now(self.main_query_one("#search-input")))
            with TabPane("Page", id="page"):
                yield self._related_pane("page")
                yield Label("", id="page-title")
                yield OutlineView(id="page-outline")
            with TabPane("Ask", id="ask"):
                yield OrderedInput(placeholder="ask your notes a question (Enter; Esc cancels; Down: sources)",
                                   id="ask-input", on_submit=self.run_ask, on_down=self.to_sources)
                with VerticalScroll(id="ask-scroll"):
                    yield Static("", id="ask-thread")
                    yield Static("", id="ask-sources-title")
                    yield OrderedList(id="ask-sources", on_choose=self.open_result,
                                      on_up_from_top=lambda: focus_now(self.main_query_one("#ask-input")))
                    yield Static("", id="ask-answer")
            with TabPane("Reports", id="reports"):
                with Horizontal(id="report-row"):
                    yield OrderedInput(placeholder="weeks (sprint)", id="report-weeks", on_submit=self.run_report)
                    yield OrderedInput(placeholder="ending (today): a date, yesterday, -7… then Enter",
                                       id="report-end", on_submit=self.run_report)
                    yield Choice("report", ("sprint", "week"), value="sprint", id="report-cadence")
                yield Static("Sprint or week report: Enter runs it; Ctrl+S saves it as a page.", id="report-progress")
                with VerticalScroll():
                    yield Markdown("", id="report-preview")
        yield Static("", id="status")
        yield Footer()

    # -- start-up: paint first, then index, watch and embed in the background -------------
    def on_mount(self) -> None:
        for view in self.main_query(OutlineView):
            view.cycle = self.notebook.graph.config.task_cycle
            view.complete_names = self._complete_names
            view.follow_link = self.action_open_link
            view.resolve_ref = self._block_ref_text
            view.macro_lines = macro_lines_for(self.notebook, self._in_background)
            view.macro_lines.on_ready = lambda view=view: self._macro_results_arrived(view)
            view.on_block_changed = lambda tab=view.id.removesuffix("-outline"): self.related_due(tab)
        self._related_panes = {pane.id.removesuffix("-related"): pane for pane in self.main_query(RelatedPane)}
        for pane in self._related_panes.values():
            pane.resolve_ref = self._block_ref_text
        self.show_day()
        focus_now(self.main_query_one("#journal-outline", OutlineView).editor)
        self.refresh_status()
        self.start_indexing()
        self.plugin_actions = palette_actions(self.notebook.plugins, self.notebook)
        self.report_plugin_warnings()
        self.call_after_refresh(setattr, self, "survives_errors", True)

    def report_error(self, error: BaseException, where: str) -> None:
        """A bug met in a handler: log it with its traceback and say so; the app goes on."""
        path = log_error(self.notebook.settings.state_dir, error, where)
        message = f"{type(error).__name__}: {error}"
        last, when = self._last_error
        now = time.monotonic()
        self._last_error = (message, now)
        if message == last and now - when < 10:
            return  # the same failure again (a handler failing on every key): said once
        details = f"\nthe details are in {path}" if path else ""
        try:
            self.notify(f"{message}{details}", title="something went wrong (your notes are safe)",
                        severity="error", timeout=12)
        except Exception:
            pass  # closing: the log has it

    def _handle_exception(self, error: Exception) -> None:
        if self.survives_errors and self.is_running:
            self.report_error(error, "a timer, callback or worker")
            return
        super()._handle_exception(error)

    def report_plugin_warnings(self) -> None:
        for warning in self.notebook.plugins.take_warnings():
            self.notify(warning, title="plugin", severity="warning", timeout=10)

    def run_plugin_action(self, plugin: str, action: PaletteAction) -> None:
        """A plugin's palette action; one that raises is switched off and reported, the app goes on."""
        try:
            action.run(self)
        except Exception as exc:
            self.notebook.plugins.switch_off(plugin, f"palette action {action.title!r} raised "
                                                     f"{type(exc).__name__}: {exc}")
            self.plugin_actions = [(p, a) for p, a in self.plugin_actions if p != plugin]
        self.report_plugin_warnings()

    def show_results(self, title: str, hits: list[Hit]) -> None:
        """List blocks in the Search tab (for plugins); Enter opens one."""
        self.main_query_one(TabbedContent).active = "search"
        self.main_query_one("#search-input", Input).value = ""
        self._search_round += 1
        self.show_hits(hits, self._search_round)
        self.to_results()
        self.notify(f"{title}: {len(hits)} blocks", timeout=4)

    def _block_ref_text(self, uuid: str) -> str | None:
        """A block ref shown as the text it points at (first line, without its marker)."""
        try:
            hit = self.notebook.block(uuid)
        except Exception:  # not in the index (yet): shown as a plain ref
            return None
        return hit.content.split("\n", 1)[0][:80]

    def _complete_names(self, partial: str, tags: bool) -> list[str]:
        try:
            return self.notebook.complete(partial, tags=tags)
        except Exception:  # the index is being built: no suggestions yet
            return []

    @work(thread=True, exclusive=True, group="index")
    def start_indexing(self) -> None:
        try:
            report = self.notebook.index()
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.post_message(IndexUpdated(f"{len(report.plan.new) + len(report.plan.changed)} files read"))
        if self._watch:
            self.call_from_thread(self._start_watching)
        self.probe_models()

    @work(thread=True, exclusive=True, group="models")
    def probe_models(self) -> None:
        """Which model will answer, and what is missing (Ollama probed with a short timeout)."""
        try:
            rows = self.notebook.model_statuses()
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        usable = next((r for r in rows if r.available), None)
        missing = [r for r in rows if not r.available and r.fix]
        text = f"model: {usable.backend} {usable.model.split(' (')[0]}" if usable else "model: none available"
        if missing:
            fix = missing[0].fix or ""
            text += f" · {missing[0].backend}: {fix.split('`')[1] if '`' in fix else fix}"
        self.call_from_thread(self._set_model_status, text)

    def _set_model_status(self, text: str) -> None:
        if self.status.model.startswith("model: not loaded"):
            self.status.model = text
        self.refresh_status()

    def _start_watching(self) -> None:
        def on_update(report: Any) -> None:
            self.post_message(IndexUpdated(", ".join(report.plan.new + report.plan.changed) or "update"))
            if self._embedder is not None:
                self._embedder.wake()

        self._watcher = self.notebook.watch(on_update, on_error=lambda exc: self.send(WorkFailed(exc)))
        self._watcher.start()
        self.status.watcher = "live"
        self._embedder = self.notebook.embed_in_background(
            lambda report: self.send(IndexUpdated("embedded")),
            lambda exc: self.send(WorkFailed(exc)), progress=self._embedding_progressed)
        self.refresh_status()

    def _embedding_progressed(self, done: int, total: int) -> None:
        """From the embedding thread after each chunk: at most one status recount a second (a
        first embedding of a big graph runs for minutes; the count used to move only at its end)."""
        now = time.monotonic()
        if now - self._last_embed_progress >= 1.0:
            self._last_embed_progress = now
            self.post_message(EmbeddingProgressed())

    def on_embedding_progressed(self, _message: EmbeddingProgressed) -> None:
        if self.main_query("#status"):
            self.refresh_status()

    def _in_background(self, compute: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run ``compute`` in a thread worker and give its result to ``then`` on the UI thread."""
        def run() -> None:
            result = compute()
            try:
                self.call_from_thread(then, result)
            except RuntimeError:  # the app is closing
                pass

        self.run_worker(run, thread=True, group="macros")

    def _macro_results_arrived(self, view: OutlineView) -> None:
        view.show_macro_results()
        if view.id == "journal-outline":
            self.show_agenda()  # the :default-queries under today's journal

    def send(self, message: Message) -> None:
        """post_message for callbacks from other threads (it is thread-safe)."""
        self.post_message(message)

    async def action_quit(self) -> None:
        """Save, then quit; if some text cannot be saved, say so and quit only on a second Ctrl+Q."""
        unsaved = []
        for view in self.main_query(OutlineView):
            view.flush()
            if view.session is not None and view.session.has_unsaved_text:
                unsaved.append(view.session.file.rel)
        if unsaved and not self._quit_anyway:
            self._quit_anyway = True
            self.notify(f"{', '.join(unsaved)}: text that could not be saved would be lost; "
                        "press Ctrl+Q again to quit anyway", title="not saved", severity="error", timeout=10)
            return
        self.exit()

    def on_exit_app(self, message: messages.ExitApp) -> None:
        """Runs before Textual's own exit handling, however the app is asked to end: Ctrl+Q (already
        saved), or a browser tab closed or `notegraph serve` stopped, which can come right behind
        the last keys typed. Keys still on their way to the editor land first, then everything is
        saved: nothing typed is lost to the save delay."""
        if self._keys.held or self._keys.in_flight is not None:
            if self._exit_waiting_since is None:
                self._exit_waiting_since = time.monotonic()
            if time.monotonic() - self._exit_waiting_since < EXIT_WAITS_FOR_KEYS:
                message.prevent_default()  # Textual's exit: again once the keys are done
                # asyncio's timer, not Textual's: after App.exit() (Ctrl+Q) Textual's timers stop firing
                asyncio.get_running_loop().call_later(0.01, self.post_message, messages.ExitApp())
                return
        for view in self.main_query(OutlineView):
            view.flush()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._embedder is not None:
            self._embedder.stop(timeout=2.0)
        self.cancel_answer.set()
        self.cancel_report.set()

    def on_index_updated(self, message: IndexUpdated) -> None:
        if not self.main_query("#status"):
            return  # closing: the watcher's last report arrived after the widgets went
        self.refresh_status()
        for view in self.main_query(OutlineView):
            view.file_changed_outside()
            if message.detail != "embedded":  # vectors change no query result
                view.refresh_macros()
        if message.detail != "embedded":
            self.show_agenda()
        if self.shown_page:
            self.show_references()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), title="notegraph", severity="error", timeout=10)

    def on_saved(self, message: Saved) -> None:
        if message.outcome.created:
            self.show_day_title()

    def refresh_status(self) -> None:
        """Redraw the status line now, and count blocks and pending embeddings off the UI thread
        (the count takes a tenth of a second on a big graph)."""
        self._paint_status()
        self.count_for_status()

    @work(thread=True, exclusive=True, group="status")
    def count_for_status(self) -> None:
        try:
            blocks = self.notebook.store.counts()["blocks"]
            pending = self.notebook.pending_embeddings()
        except Exception:  # the index is being created: keep the last numbers
            return
        if (blocks, pending) != (self.status.blocks, self.status.pending):
            self.status.blocks, self.status.pending = blocks, pending
            self.call_from_thread(self._paint_status)

    def _paint_status(self) -> None:
        if not self.main_query("#status"):
            return
        pending = f", {self.status.pending} to embed" if self.status.pending else ""
        self.main_query_one("#status", Static).update(
            f"{self.notebook.root.name} · {self.status.blocks} blocks{pending} · watcher {self.status.watcher}"
            f" · {self.status.model}")

    # -- journal ----------------------------------------------------------------------
    def action_day(self, step: int) -> None:
        """Today, or the journal day before or after this one that has a page (empty days are skipped)."""
        if step == 0:
            self.go_to_day(self.notebook.today())
            return
        try:
            day = self.notebook.neighbour_journal_day(self.day, step)
        except Exception:  # the index is being created: step one calendar day
            day = self.day + dt.timedelta(days=step)
        if day is None:
            self.bell()
            self.notify("no earlier journal day" if step < 0 else "no later journal day", timeout=3)
            return
        self.go_to_day(day)

    def go_to_day(self, day: dt.date) -> None:
        previous, self.day = self.day, day
        if self.show_day():
            self.history.visit(("day", day))
        else:
            self.day = previous
        self.action_show_tab("journal")

    # -- back and forward ----------------------------------------------------------------
    def action_go_back(self) -> None:
        self._go_through_history(self.history.back())

    def action_go_forward(self) -> None:
        self._go_through_history(self.history.forward())

    def _go_through_history(self, place: tuple[str, Any] | None) -> None:
        """Show a place from the history without adding to it."""
        if place is None:
            self.bell()
            return
        with self.history.replaying():
            kind, where = place
            if kind == "day":
                self.go_to_day(where)
            elif kind == "file":
                self.open_file(where)
            else:
                self.open_page(where)

    def action_find_page(self) -> None:
        """Quick-open: a page by a few letters of its name or alias (or a new page)."""
        open_finder(self, lambda typed: self.notebook.find_pages(typed, limit=20), self.open_page)

    def action_pick_date(self) -> None:
        def chosen(day: dt.date | None) -> None:
            if day is not None:
                self.go_to_day(day)

        self.push_screen(DatePicker(self.notebook), chosen)

    def show_day(self) -> bool:
        view = self.main_query_one("#journal-outline", OutlineView)
        if not view.open(self.notebook.edit_journal(self.day)):
            return False
        self.show_day_title()
        self.show_agenda()
        return True

    def show_agenda(self) -> None:
        """Under today's journal: Logseq's "Scheduled and deadline" and the configured
        ``:default-queries``; other days show nothing there."""
        view = self.main_query_one("#journal-outline", OutlineView)
        text = Text()
        if self.day == self.notebook.today():
            config = self.notebook.graph.config
            try:
                text = agenda_text(self.notebook.agenda(self.day), self.day, config.scheduled_future_days)
            except Exception:  # the index is being created: the next update shows it
                text = Text()
            if view.macro_lines is not None:
                for title, query in config.journal_queries:
                    text.append(f"\n{title}\n", style="bold underline")
                    text.append_text(view.macro_lines.query_lines(query))
                    text.append("\n")
        view.query_one("#extra", Static).update(HangingLines.from_text(text))

    def show_day_title(self) -> None:
        view = self.main_query_one("#journal-outline", OutlineView)
        title = self.day.strftime("%A, %B %-d, %Y")
        exists = view.session is not None and view.session.exists
        self.main_query_one("#journal-title", Label).update(title + ("" if exists else "  (new: type to start the day)"))

    # -- pages ------------------------------------------------------------------------
    def open_file(self, rel: str, line: int | None = None) -> None:
        """Open a file of the graph in the Page tab with a block selected: the block at ``line``
        (a search result, an Ask source, a block ref), else the first. An existing page arrives
        selected, not being edited, so a stray key cannot change it; Enter edits. A page with
        no blocks yet arrives editing its first, empty block."""
        if not (self.notebook.root / rel).exists():
            self.notify(f"{rel} is not in the graph any more", severity="warning")
            return
        session = self.notebook.edit_file(rel)
        row = None
        if line is not None:
            row = next((i for i, b in enumerate(session.base.blocks) if b.line == line), None)
        self._show_in_page_tab(session, session.base.name, row,
                               select=any(not r.pre and r.content.strip() for r in session.outline.rows))

    def open_page(self, name: str) -> None:
        try:
            info = self.notebook.page(name)
        except NotegraphError:
            info = None
        if info is not None and info.file:
            self.open_file(info.file)
            return
        if info is not None and info.journal_day:
            self.go_to_day(info.journal_day)
            return
        # A page that is only linked so far: show it empty, editing; the file appears when you type.
        self._show_in_page_tab(self.notebook.edit_file(page_file_for(self.notebook.graph, name).rel), name)

    def _show_in_page_tab(self, session: EditSession, title: str, row: int | None = None, *,
                          select: bool = False) -> None:
        """Show the Page tab with ``session`` open in it, and give it the focus at once. When the
        page open there has text that could not be saved, it stays (the view says why) and takes
        the focus: the editor left behind on the hidden tab would otherwise keep taking keys
        until Textual's next layout pass."""
        self.main_query_one(TabbedContent).active = "page"
        view = self.main_query_one("#page-outline", OutlineView)
        if view.open(session, row, select=select):
            self.history.visit(("file", session.file.rel) if session.exists else ("page", title))
            self.shown_page = session.file.rel
            self.main_query_one("#page-title", Label).update(title)
            self.show_references()
        focus_now(view.typing_place)

    def show_references(self) -> None:
        view = self.main_query_one("#page-outline", OutlineView)
        if view.session is None:
            return
        name = view.session.base.name
        text = Text()
        try:
            children = self.notebook.namespace_children(name)
            _, groups = self.notebook.backlinks(name, limit=100)
            unlinked = self.notebook.unlinked(name)
        except Exception:
            children, groups, unlinked = [], [], []
        if children:
            text.append("\nPages in this namespace\n", style="bold underline")
            for child in children:
                text.append(f"  {child}\n", style="cyan")
        for title, found in (("Linked references", groups), ("Unlinked references (Ctrl+L links them)", unlinked)):
            if not found:
                continue
            text.append(f"\n{title}\n", style="bold underline")
            for group in found:
                text.append(f"{group.page}\n", style=Style.parse("cyan") + Style(meta={"open": ("page", group.page)}))
                for hit in group.hits:
                    text.append_text(self._reference_lines(hit, with_children=title.startswith("Linked")))
        view.query_one("#extra", Static).update(HangingLines.from_text(text))

    def _reference_lines(self, hit: Hit, *, with_children: bool) -> Text:
        """A referencing block (a click opens it) and, for linked references, its children as in
        Logseq's references (the first few; the block itself has the rest)."""
        out = Text()
        trail = " › ".join(c.split("\n", 1)[0][:24] for c in hit.breadcrumb)
        out.append("  " + (f"{trail} › " if trail else ""), style="dim")
        first = hit.content.split("\n", 1)[0]
        line = block_text(first, marker_of(first))
        line.stylize(Style(meta={"open": ("block", hit.id)}))
        out.append_text(line)
        out.append("\n")
        if not with_children:
            return out
        children = self.notebook.embedded(f"(({hit.id}))")[1:]
        for depth, content, block_id in children[:REFERENCE_CHILDREN]:
            child_first = content.split("\n", 1)[0]
            child = block_text(child_first, marker_of(child_first))
            child.stylize(Style(meta={"open": ("block", block_id)}))
            out.append("    " + "  " * (depth - 1) + "• ", style="dim")
            out.append_text(child)
            out.append("\n")
        if len(children) > REFERENCE_CHILDREN:
            out.append(f"    … {len(children) - REFERENCE_CHILDREN} more under it\n", style="dim")
        return out

    def action_link_unlinked(self) -> None:
        view = self.main_query_one("#page-outline", OutlineView)
        if view.session is None or self.main_query_one(TabbedContent).active != "page":
            return
        view.flush()
        try:
            count = self.notebook.link_unlinked(view.session.base.name)
        except NotegraphError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"linked {count} mention{'s' * (count != 1)} of {view.session.base.name}")
        for outline in self.main_query(OutlineView):
            outline.file_changed_outside()
        self.show_references()

    def on_open_link(self, message: OpenLink) -> None:
        self.action_open_link(message.kind, message.target)

    def action_open_link(self, kind: str, target: str) -> None:
        """Open a page (link or tag), a block (block ref) or a URL: Ctrl+O in the editor, or a click."""
        if kind == "page":
            self.open_page(target)
        elif kind == "block":
            try:
                hit = self.notebook.block(target)
            except NotegraphError as exc:
                self.notify(str(exc), severity="warning")
                return
            self.open_file(hit.file, hit.line)
        else:
            self.open_url(target)

    # -- search -----------------------------------------------------------------------
    def run_search(self, text: str) -> None:
        """Enter in the search box: old results go at once ("searching…"); the box keeps the focus
        (Down goes to the first result)."""
        self._search_round += 1
        results = self.main_query_one("#search-results", ListView)
        results.clear()
        results.append(ListItem(Static(Text("searching…", style="dim"))))
        self.search_worker(text, self.main_query_one("#search-mode", Choice).value, self._search_round)

    def search_mode_changed(self, mode: str) -> None:
        text = self.main_query_one("#search-input", Input).value
        if text.strip():
            self.run_search(text)

    @work(thread=True, group="search")
    def search_worker(self, text: str, mode: str, round: int) -> None:
        try:
            words, filters = self.notebook.parse_query(text)
            if mode == "tasks":
                hits = self.notebook.tasks(filters, limit=100)
                needle = words.lower()
                hits = [h for h in hits if needle in h.content.lower()] if needle else hits
            else:
                hits = self.notebook.search(words, filters, limit=30, mode=mode)
            # Pages whose name holds the words come first: searching "Priya Raman" finds her page.
            needle = " ".join(words.lower().split())
            pages = [name for name in self.notebook.find_pages(needle, limit=10)
                     if needle and needle in name.lower()][:3] if mode != "tasks" else []
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.call_from_thread(self.show_hits, hits, round, pages)

    def show_hits(self, hits: list[Hit], round: int, pages: list[str] | None = None) -> None:
        if round != self._search_round:
            return  # a newer search is under way: its results, not these
        results = self.main_query_one("#search-results", ListView)
        results.clear()
        for name in pages or []:
            item = ListItem(Static(Text.assemble(("page  ", "dim"), (name, "bold cyan"))))
            item.page_name = name  # type: ignore[attr-defined]
            results.append(item)
        for hit in hits:
            line = Text()
            trail = " › ".join(c.split("\n", 1)[0][:30] for c in hit.breadcrumb)
            line.append(hit.page + (f" › {trail}" if trail else ""), style="cyan")
            line.append("\n  ")
            snippet = hit.snippet or hit.content.split("\n", 1)[0]
            parts = snippet.replace(HIGHLIGHT[1], HIGHLIGHT[0]).split(HIGHLIGHT[0])
            for i, part in enumerate(parts):
                line.append(re.sub(r"\s+", " ", part) if i % 2 == 0 else part, style="bold yellow" if i % 2 else "")
            item = ListItem(Static(line))
            item.hit = hit  # type: ignore[attr-defined]
            results.append(item)
        if not hits and not pages:
            results.append(ListItem(Static(Text("no matches", style="dim"))))
            return
        self.call_after_refresh(self._highlight_first, results)

    @staticmethod
    def _highlight_first(items: ListView) -> None:
        """Show which result Enter would open, unless the user is already moving in the list."""
        if not items.has_focus:
            items.index = 0

    def to_results(self) -> None:
        """Down in the search box: the first result, highlighted."""
        self._first_of(self.main_query_one("#search-results", ListView))

    def to_sources(self) -> None:
        """Down in the Ask box: the first source, highlighted."""
        self._first_of(self.main_query_one("#ask-sources", ListView))

    def _first_of(self, items: ListView) -> None:
        if any(getattr(item, "hit", None) for item in items.children):
            focus_now(items)
            items.index = 0

    def open_result(self, item: ListItem) -> None:
        """Enter on a search result or an Ask source: open its block."""
        hit = getattr(item, "hit", None)
        if hit is not None:
            self.open_file(hit.file, hit.line)
        elif getattr(item, "page_name", None):
            self.open_page(item.page_name)  # type: ignore[attr-defined]

    def fill_tag_tree(self) -> None:
        tree = self.main_query_one("#tag-tree", Tree)
        tree.clear()
        tree.root.expand()
        try:
            nodes = self.notebook.tag_tree()
        except Exception:
            return

        def add(parent: Any, node: Any) -> None:
            label = f"{node.name.rsplit('/', 1)[-1]} ({node.total})"
            if node.children:
                branch = parent.add(label, data=node.name)
                for child in node.children.values():
                    add(branch, child)
            else:
                parent.add_leaf(label, data=node.name)

        for node in nodes:
            add(tree.root, node)

    def search_tag(self, node: Any) -> None:
        tag = node.data
        if not tag:
            return
        box = self.main_query_one("#search-input", Input)
        words = " ".join(m.group(0) for m in QUERY_TOKEN.finditer(box.value) if not m.group(0).startswith("tag:"))
        spelled = f'"{tag}"' if " " in tag else tag
        box.value = f"tag:{spelled} {words}".strip()
        self.run_search(box.value)

    # -- ask --------------------------------------------------------------------------
    def run_ask(self, question: str) -> None:
        if self.thread is None:
            self.thread = self.notebook.threads.new()
        self._show_thread(question)
        self.main_query_one("#ask-input", Input).value = ""  # the box is free for the follow-up
        self.cancel_answer = threading.Event()
        self._answer = ""
        self.last_answer = None
        self.main_query_one("#ask-sources-title", Static).update(Text("looking in the notes…", style="dim"))
        self.main_query_one("#ask-answer", Static).update("")
        self.main_query_one("#ask-sources", ListView).clear()
        self.ask_worker(question, self.cancel_answer)

    @work(thread=True, exclusive=True, group="ask")
    def ask_worker(self, question: str, cancel: threading.Event) -> None:
        try:
            with self.model_answering():
                result = self.notebook.ask(question, on_token=lambda t: self.send(AnswerChunkReceived(t)),
                                           on_sources=lambda found: self.send(AnswerSourcesFound(question, found)),
                                           cancel=cancel, thread=self.thread)
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.post_message(AnswerFinished(result))

    @contextlib.contextmanager
    def model_answering(self) -> Iterator[None]:
        """While the language model writes, background embedding waits: on a laptop's few cores
        both at once make the answer slow and the editor sluggish."""
        embedder = self._embedder
        if embedder is not None:
            embedder.pause()
        with self._model_users_lock:
            self._model_users += 1
        try:
            yield
        finally:
            with self._model_users_lock:
                self._model_users -= 1
            if embedder is not None:
                embedder.resume()
            try:
                self.call_from_thread(self._release_model_later)
            except RuntimeError:  # the app is closing: nothing left to free later
                pass

    def _release_model_later(self) -> None:
        """Once no answer or report has run for :data:`RELEASE_MODEL_AFTER` seconds, the embedded
        model's memory (~400 MB) goes back to the system; the next question loads it again (~1 s)."""
        if self._release_timer is not None:
            self._release_timer.stop()
        self._release_timer = self.set_timer(RELEASE_MODEL_AFTER, self._release_model)

    def _release_model(self) -> None:
        self._release_timer = None
        with self._model_users_lock:
            if self._model_users:
                return  # a new answer started: its end schedules the release again
            self.notebook.release_language_model()

    # -- related notes ------------------------------------------------------------------
    def _related_pane(self, tab: str) -> RelatedPane:
        return RelatedPane(id=f"{tab}-related", on_open=lambda hit: self.open_file(hit.file, hit.line),
                           on_link=lambda hit: self.link_related(tab, hit),
                           on_back=lambda: focus_now(self.main_query_one(f"#{tab}-outline", OutlineView).typing_place))

    def _outline_tab(self) -> str | None:
        active = self.main_query_one(TabbedContent).active
        return active if active in ("journal", "page") else None

    def action_related(self) -> None:
        """F7: show the related-notes pane; again: move into it; from inside it: hide it."""
        tab = self._outline_tab()
        if tab is None:
            self.action_show_tab("journal")
            tab = "journal"
        pane = self.main_query_one(f"#{tab}-related", RelatedPane)
        view = self.main_query_one(f"#{tab}-outline", OutlineView)
        if not pane.display:
            pane.display = True
            pane.shown_for = None
            view.scroll_to_cursor()  # the narrower outline re-wraps: the block being written stays in view
            self.related_due(tab, at_once=True)
        elif pane.items.has_focus:
            pane.display = False
            view.scroll_to_cursor()
            focus_now(view.typing_place)
        else:
            if pane.items.index is None and pane.items.children:
                pane.items.index = 0  # Enter or Ctrl+L acts on the first one at once
            focus_now(pane.items)

    def related_due(self, tab: str, at_once: bool = False) -> None:
        """The block under the cursor changed: look for related blocks after a pause in typing."""
        pane = self._related_panes.get(tab)  # every key comes here: no DOM query on this path
        if pane is None or not pane.display:
            return
        timer = self._related_timers.pop(tab, None)
        if timer is not None:
            timer.stop()
        self._related_timers[tab] = self.set_timer(0.01 if at_once else RELATED_PAUSE,
                                                   lambda: self._look_for_related(tab))

    def _look_for_related(self, tab: str) -> None:
        self._related_timers.pop(tab, None)
        view = self.main_query_one(f"#{tab}-outline", OutlineView)
        pane = self.main_query_one(f"#{tab}-related", RelatedPane)
        if view.session is None or not pane.display:
            return
        wanted = (view.session.file.rel, view.editor.text)
        if wanted == pane.shown_for:
            return
        pane.shown_for = wanted
        self.related_worker(tab, *wanted)

    @work(thread=True, exclusive=True, group="related")
    def related_worker(self, tab: str, rel: str, text: str) -> None:
        try:
            hits = self.notebook.related(text, rel)
            waiting = self.notebook.pending_embeddings() > 0
        except Exception as exc:  # the index is being rebuilt, the model is loading: say so, keep typing
            self.call_from_thread(self.notify, f"related notes: {exc}", severity="warning", timeout=4)
            return
        self.call_from_thread(self._show_related, tab, rel, text, hits, waiting)

    def _show_related(self, tab: str, rel: str, text: str, hits: list[Hit], waiting: bool) -> None:
        pane = self.main_query_one(f"#{tab}-related", RelatedPane)
        if pane.shown_for == (rel, text):  # not a late answer for a block the cursor has left
            pane.show_hits(hits, waiting)

    def link_related(self, tab: str, hit: Hit) -> None:
        """Ctrl+L in the pane: a reference to that block at the editor's cursor (an ``id::`` is
        added to the block if it has none, as Logseq does), and back to typing."""
        view = self.main_query_one(f"#{tab}-outline", OutlineView)
        if view.session is None:
            return
        try:
            uuid = self.notebook.block_id_for(hit)
        except NotegraphError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if uuid is None:
            self.notify("that block changed since it was found; nothing linked", severity="warning")
            return
        if view.selecting:
            view.edit()
        focus_now(view.editor)
        row, column = view.editor.cursor_location
        before = view.editor.document.get_line(row)[:column]
        view.editor.insert((" " if before and not before[-1].isspace() else "") + f"(({uuid}))")

    def recent_threads(self) -> list[Any]:
        try:
            return self.notebook.threads.recent()
        except NotegraphError:
            return []

    def action_new_thread(self) -> None:
        """Ctrl+N: the next question starts a new conversation (the old one stays, to reopen)."""
        self.thread = None
        self.last_answer = None
        for name in ("#ask-thread", "#ask-sources-title", "#ask-answer"):
            self.main_query_one(name, Static).update("")
        self.main_query_one("#ask-sources", ListView).clear()
        self.action_show_tab("ask")
        self.notify("new Ask thread: the next question starts afresh", timeout=3)

    def reopen_thread(self, thread: Any) -> None:
        """Continue an earlier conversation: its turns are shown, follow-ups build on them."""
        self.thread = thread
        self.last_answer = None
        self.main_query_one("#ask-sources", ListView).clear()
        for name in ("#ask-sources-title", "#ask-answer"):
            self.main_query_one(name, Static).update("")
        self.action_show_tab("ask")
        self._show_thread()

    def _show_thread(self, current: str = "") -> None:
        """The earlier turns of the thread, then the current question, above its sources and answer."""
        text = Text()
        turns = self.thread.turns if self.thread is not None else []
        if turns:
            text.append(f"Thread ({len(turns)} earlier; Ctrl+N starts a new one)\n", style="bold")
        for turn in turns:
            text.append(f"Q: {turn.question}\n", style="bold")
            text.append_text(inline(turn.answer.strip() or "(no answer)"))
            text.append("\n\n")
        if current:
            text.append(f"Q: {current}", style="bold reverse")
        self.main_query_one("#ask-thread", Static).update(text)

    def save_answer(self) -> None:
        """Ctrl+S in Ask: the last answer into today's journal, citations as block references."""
        result = self.last_answer
        if result is None or result.found_nothing:
            self.notify("nothing to save yet: ask a question the notes can answer", severity="warning")
            return
        try:
            saved = self.notebook.save_answer(result)
        except NotegraphError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.last_answer = None  # saved once; Ctrl+S again must not write it twice
        self.notify(f"saved to {saved.rel}:{saved.line}", title="answer kept")

    def on_answer_sources_found(self, message: AnswerSourcesFound) -> None:
        title = "Sources (Enter opens one; the answer follows below)" if message.sources else ""
        self.main_query_one("#ask-sources-title", Static).update(Text(title, style="bold underline"))
        if message.sources:
            self.main_query_one("#ask-answer", Static).update(Text("writing the answer…", style="dim"))
        self._show_sources(message.sources, message.question, cited=set())
        # In a long thread the new question's sources start at the top of the view, not below the fold.
        self.call_after_refresh(lambda: self.main_query_one("#ask-scroll").scroll_to_widget(
            self.main_query_one("#ask-sources-title"), top=True, animate=False))

    def _show_sources(self, found: list[Any], question: str, cited: set[int]) -> None:
        """Numbered sources: page › parent, the block's first line with the question's words lit.
        When the answer ends, the same rows are updated in place (cited ones marked), not rebuilt."""
        sources = self.main_query_one("#ask-sources", ListView)
        words = [w for w in content_words(question) if len(w) > 2]
        rows = [self._source_line(source, words, source.n in cited) for source in found]
        shown = [getattr(item, "hit", None) for item in sources.children]
        if shown and [hit.id if hit else None for hit in shown] == [s.hit.id for s in found]:
            for item, row in zip(sources.children, rows):
                item.query_one(Static).update(row)
            return
        sources.clear()
        for source, row in zip(found, rows):
            item = ListItem(Static(row))
            item.hit = source.hit  # type: ignore[attr-defined]
            sources.append(item)
        self.call_after_refresh(self._highlight_first, sources)

    @staticmethod
    def _source_line(source: Any, words: list[str], cited: bool) -> Text:
        line = Text()
        line.append(f"[{source.n}] ", style="bold green" if cited else "bold")
        line.append(source.hit.page, style="cyan")
        if source.hit.breadcrumb:
            parent = inline(first_line_clipped(source.hit.breadcrumb[-1], 44))  # at a word, never in a link
            line.append(" › ", style="dim")
            line.append_text(parent.copy())
            line.stylize("dim", len(line) - len(parent))
        line.append("  ")
        body = inline(source.hit.content.split("\n", 1)[0])
        body.highlight_words(words, style="bold yellow", case_sensitive=False)
        line.append_text(body)
        return line

    def on_answer_chunk_received(self, message: AnswerChunkReceived) -> None:
        self._answer += message.text
        self.main_query_one("#ask-answer", Static).update(inline(self._answer))

    def on_answer_finished(self, message: AnswerFinished) -> None:
        result = message.result
        self.last_answer = result
        text = inline(result.text or "(no answer)")
        text.append(f"\n\n{result.backend}: {result.model}", style="dim")
        if result.rejected_prose:
            text.append(" — its own wording did not pass the checks (not grounded in the notes, or a copy "
                        "of them), so the answer is the notes' own sentences", style="dim")
        self.main_query_one("#ask-answer", Static).update(text)
        if result.sources:
            self.main_query_one("#ask-sources-title", Static).update(
                Text("Sources (Enter opens one)", style="bold underline"))
        self._show_sources(result.sources, result.question, cited={s.n for s in result.citations})
        self.status.model = f"model: {result.backend} {result.model}"
        self.refresh_status()

    def action_cancel_work(self) -> None:
        """Esc outside the editor stops the answer or report being written, on its own tab only:
        Esc in the Journal (leaving a block) must not throw away an answer still being written in Ask."""
        active = self.main_query_one(TabbedContent).active
        if active == "ask":
            self.cancel_answer.set()
        elif active == "reports":
            self.cancel_report.set()

    # -- reports ----------------------------------------------------------------------
    def run_report(self, _text: str) -> None:
        """A week's report, or the sprint's (its length from config.edn unless weeks are typed)."""
        week = self.main_query_one("#report-cadence", Choice).value == "week"
        weeks_text = self.main_query_one("#report-weeks", Input).value.strip()
        try:
            if not week and weeks_text and not (weeks_text.isdigit() and int(weeks_text) >= 1):
                raise ValueError(f"weeks: {weeks_text!r} is not a number of weeks (1, 2, …; empty: a sprint)")
            weeks = None if week or not weeks_text else int(weeks_text)
            end_text = self.main_query_one("#report-end", Input).value
            end = parse_day(end_text, self.notebook.today(), self.notebook.sprints()) if end_text else None
        except (ValueError, NotegraphError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.cancel_report = threading.Event()
        self.report = None
        self.main_query_one("#report-progress", Static).update("gathering the facts…")
        self.report_worker(weeks, 7 if week else None, end, self.cancel_report)

    @work(thread=True, exclusive=True, group="report")
    def report_worker(self, weeks: int | None, days: int | None, end: dt.date | None,
                      cancel: threading.Event) -> None:
        def section(title: str) -> None:
            self.call_from_thread(self.report_progress, f"writing: {title}…")

        try:
            with self.model_answering():
                report = self.notebook.sprint_report(weeks=weeks, days=days, end=end, on_section=section,
                                                     cancel=cancel)
            text = self.notebook.report_text(report)
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.call_from_thread(self.show_report, report, text)

    def report_progress(self, text: str) -> None:
        self.main_query_one("#report-progress", Static).update(text)

    def show_report(self, report: Any, text: str) -> None:
        self.report = report
        model = f"{report.backend}: {report.model}" if report.backend else "facts only"
        exists = page_file_for(self.notebook.graph, report.title).path.exists()
        self.main_query_one("#report-progress", Static).update(
            f"{report.title} · {model} · " + ("a page for this period exists: Ctrl+S will not replace it" if exists
                                              else "Ctrl+S saves it as a page"))
        self.main_query_one("#report-preview", Markdown).update(logseq_to_markdown(text))

    def action_save(self) -> None:
        active = self.main_query_one(TabbedContent).active
        if active == "ask":
            self.save_answer()
            return
        if active == "reports":
            if self.report is None:
                self.notify("run a report first (Enter in the weeks box)", severity="warning")
                return
            try:
                path = self.notebook.write_report(self.report)
            except NotegraphError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            self.notify(f"saved {path.relative_to(self.notebook.root)}")
            self.open_file(str(path.relative_to(self.notebook.root)))
            return
        for view in self.main_query(OutlineView):
            view.flush()

    # -- everywhere -------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.main_query_one(TabbedContent).active = tab
        focus = {"search": "#search-input", "ask": "#ask-input", "reports": "#report-weeks"}.get(tab)
        if focus:
            focus_now(self.main_query_one(focus, Input))
        elif tab in ("journal", "page"):
            view = self.main_query_one(f"#{tab}-outline", OutlineView)
            if view.session is None:  # no page opened yet: nothing to type into
                self.main_query_one("#page-title", Label).update(
                    "No page open: Ctrl+O on a link or tag, or Enter on a search result or an Ask source")
                self.set_focus(None)
            else:
                focus_now(view.typing_place)
        if tab == "search":
            self.fill_tag_tree()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def ask_page_rename(self) -> None:
        """Palette: rename the open page (as `notegraph rename`): ask the new name, show the plan's
        size, write it, and show the page under its new name."""
        view = self.main_query_one("#page-outline", OutlineView)
        if view.session is None:
            return
        for outline in self.main_query(OutlineView):
            outline.flush()  # typed text is on disk before the rename rewrites files
        old = view.session.base.name

        def rename(new: str | None) -> None:
            if not new or new == old:
                return
            try:
                plan = self.notebook.plan_rename(old, new)
                report = self.notebook.rename_page(plan)
            except NotegraphError as exc:
                self.notify(str(exc), title="not renamed", severity="error", timeout=10)
                return
            if report.error is not None:
                self.notify(f"{report.error}\ndone: {', '.join(report.done) or 'none'}; not done: "
                            f"{', '.join([report.failed or '', *report.not_done]).strip(', ')}",
                            title="rename stopped", severity="error", timeout=15)
                return
            self.notify(f"{old} → {new}: {plan.references} references in {len(plan.changes)} files", timeout=6)
            for outline in self.main_query(OutlineView):
                outline.file_changed_outside()
            self.open_page(new)

        self.push_screen(NameAsker(f"Rename {old} to (every reference follows):", old), rename)

    def template_names(self) -> list[str]:
        try:
            return self.notebook.templates()
        except Exception:  # the index is being created
            return []

    def insert_template(self, name: str) -> None:
        """Palette: a template's blocks at the cursor of the open journal day or page."""
        tab = self.main_query_one(TabbedContent).active
        view = self.main_query_one(f"#{'page' if tab == 'page' else 'journal'}-outline", OutlineView)
        if view.session is None:
            self.notify("open a journal day or a page first", severity="warning")
            return
        rows = self.notebook.template(name, view.session.base.name)
        if not rows:
            self.notify(f"no template called {name!r} any more", severity="warning")
            return
        self.action_show_tab("page" if tab == "page" else "journal")
        view.insert_template(rows)

    async def outline_action(self, action: str) -> None:
        """An outline key chosen from the palette: act on the open journal day or page."""
        tab = self.main_query_one(TabbedContent).active
        view = self.main_query_one(f"#{'page' if tab == 'page' else 'journal'}-outline", OutlineView)
        self.action_show_tab("page" if tab == "page" else "journal")
        if view.selecting and action.startswith("outline("):
            await view.typing_place.run_action(action.replace("outline(", "blocks(", 1))
        else:
            await view.editor.run_action(action)


def logseq_to_markdown(text: str) -> str:
    """A Logseq page as Markdown for the preview: page properties dropped, a bullet holding a
    heading shown as that heading, [[links]] in bold."""
    out = []
    for line in text.split("\n"):
        if "::" in line and not line.lstrip().startswith("-"):
            continue
        body = line.lstrip("\t ")
        if body.startswith("- #"):
            line = body[2:]
        out.append(line.replace("\t", "  ").replace("[[", "**").replace("]]", "**"))
    return "\n".join(out)


def run(notebook: Notebook, driver_class: type[Driver] | None = None) -> None:
    """Run the app until it quits; ``driver_class`` replaces Textual's choice (``notegraph serve``'s tabs)."""
    app = NotegraphApp(notebook)
    if driver_class is not None:
        app.driver_class = driver_class
    app.run()
    # Everything is saved and the terminal restored by now. torch's and llama.cpp's threads can
    # abort the interpreter's own shutdown ("terminate called without an active exception"),
    # so leave without it, as `notegraph watch` does; SQLite's committed work is already durable.
    notebook.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
