"""notegraph's terminal app: journal, search, ask; live with the folder.

Blocking work (indexing, embedding, the model) runs in thread workers; results
come back as messages. The watcher and the embedder report through callbacks that
post messages, so widgets are only touched on the app's thread.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Hit as PaletteHit, Hits, Provider
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, ListItem, ListView, Select, Static, TabbedContent, TabPane

from notegraph.logseq.graph import GraphFile
from notegraph.notebook import SEARCH_MODES, Notebook
from notegraph.search import HIGHLIGHT, Hit
from notegraph.tui.render import block_text, inline


class IndexUpdated(Message):
    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail


class AnswerChunkReceived(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


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
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        lines = ["[b]notegraph keys[/b]", ""]
        for binding in NotegraphApp.BINDINGS:
            if isinstance(binding, Binding):
                lines.append(f"  [b]{binding.key:<12}[/b] {binding.description}")
        lines += ["", "  [b]Enter[/b]        in search results: open the block's page",
                  "  [b]Esc[/b]          in Ask: cancel the answer", "", "Esc closes this help."]
        yield Static("\n".join(lines), id="help")


class Actions(Provider):
    """Every app action in Textual's command palette."""

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


def outline(blocks: list[Any]) -> Text:
    out = Text()
    for block in blocks:
        if block.pre_block:
            out.append_text(Text(block.content, style="dim"))
            out.append("\n")
            continue
        out.append("  " * (block.level - 1) + "• ", style="dim")
        text = block_text(block.content, block.marker)
        out.append_text(text)
        out.append("\n")
    return out


class NotegraphApp(App[None]):
    TITLE = "notegraph"
    CSS = """
    TabbedContent { height: 1fr; }
    #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    #journal-title, #page-title { text-style: bold; padding: 0 1; }
    #ask-answer { padding: 1; }
    #help { width: 70; height: auto; border: round $accent; padding: 1 2; background: $surface; }
    HelpScreen { align: center middle; }
    Select { width: 16; }
    #search-row { height: 3; }
    """
    COMMANDS = App.COMMANDS | {Actions}
    BINDINGS = [
        Binding("ctrl+j", "show_tab('journal')", "Journal"),
        Binding("ctrl+f", "show_tab('search')", "Search"),
        Binding("ctrl+a", "show_tab('ask')", "Ask"),
        Binding("[", "day(-1)", "Previous day"),
        Binding("]", "day(1)", "Next day"),
        Binding("t", "day(0)", "Today"),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, notebook: Notebook, *, watch: bool = True) -> None:
        super().__init__()
        self.notebook = notebook
        self.day = notebook.today()
        self.status = Status()
        self.cancel_answer = threading.Event()
        self._watch = watch
        self._watcher: Any = None
        self._embedder: Any = None
        self.shown_page: str | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="journal"):
            with TabPane("Journal", id="journal"):
                yield Label("", id="journal-title")
                with VerticalScroll():
                    yield Static("", id="journal-body")
            with TabPane("Search", id="search"):
                with Horizontal(id="search-row"):
                    yield Input(placeholder="search your notes (Enter)", id="search-input")
                    yield Select([(m, m) for m in SEARCH_MODES], value="hybrid", allow_blank=False,
                                 id="search-mode")
                yield ListView(id="search-results")
            with TabPane("Page", id="page"):
                yield Label("", id="page-title")
                with VerticalScroll():
                    yield Static("", id="page-body")
            with TabPane("Ask", id="ask"):
                yield Input(placeholder="ask your notes a question (Enter; Esc cancels)", id="ask-input")
                with VerticalScroll():
                    yield Static("", id="ask-answer")
        yield Static("", id="status")
        yield Footer()

    # -- start-up: paint first, then index, watch and embed in the background -------------
    def on_mount(self) -> None:
        self.show_day()
        self.refresh_status()
        self.start_indexing()

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
            lambda exc: self.send(WorkFailed(exc)))
        self.refresh_status()

    def send(self, message: Message) -> None:
        """post_message for callbacks from other threads (it is thread-safe)."""
        self.post_message(message)

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._embedder is not None:
            self._embedder.stop(timeout=2.0)
        self.cancel_answer.set()

    def on_index_updated(self, message: IndexUpdated) -> None:
        self.refresh_status()
        self.show_day()
        if self.shown_page:
            self.show_page(self.shown_page)

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), title="notegraph", severity="error", timeout=10)

    def refresh_status(self) -> None:
        try:
            self.status.blocks = self.notebook.store.counts()["blocks"]
            self.status.pending = self.notebook.pending_embeddings()
        except Exception:  # the index is being created: keep the last numbers
            pass
        pending = f", {self.status.pending} to embed" if self.status.pending else ""
        self.query_one("#status", Static).update(
            f"{self.notebook.root.name} · {self.status.blocks} blocks{pending} · watcher {self.status.watcher}"
            f" · {self.status.model}")

    # -- journal ----------------------------------------------------------------------
    def action_day(self, step: int) -> None:
        self.day = self.notebook.today() if step == 0 else self.day + dt.timedelta(days=step)
        self.show_day()
        self.query_one(TabbedContent).active = "journal"

    def show_day(self) -> None:
        from notegraph.journal import journal_file_for

        file = journal_file_for(self.notebook.graph, self.day)
        title = self.day.strftime("%A, %B %-d, %Y")
        self.query_one("#journal-title", Label).update(title + ("" if file.path.exists() else "  (no entry yet)"))
        body = self.query_one("#journal-body", Static)
        if not file.path.exists():
            body.update(Text("Nothing written this day.", style="dim"))
            return
        page = self.notebook.graph.read(file)
        body.update(outline(list(page.blocks)))

    # -- pages ------------------------------------------------------------------------
    def show_page(self, file: str) -> None:
        target = GraphFile(self.notebook.root / file, file)
        if not target.path.exists():
            return
        page = self.notebook.graph.read(target)
        self.shown_page = file
        self.query_one("#page-title", Label).update(page.name)
        text = outline(list(page.blocks))
        try:
            _, groups = self.notebook.backlinks(page.name, limit=100)
        except Exception:
            groups = []
        if groups:
            text.append("\nLinked references\n", style="bold underline")
            for group in groups:
                text.append(f"{group.page}\n", style="cyan")
                for hit in group.hits:
                    text.append("  • ")
                    text.append_text(inline(hit.content.split("\n", 1)[0]))
                    text.append("\n")
        self.query_one("#page-body", Static).update(text)

    # -- search -----------------------------------------------------------------------
    @on(Input.Submitted, "#search-input")
    def run_search(self, event: Input.Submitted) -> None:
        mode = str(self.query_one("#search-mode", Select).value)
        self.search_worker(event.value, mode)

    @work(thread=True, exclusive=True, group="search")
    def search_worker(self, text: str, mode: str) -> None:
        try:
            hits = self.notebook.search(text, limit=30, mode=mode)
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.call_from_thread(self.show_hits, hits)

    def show_hits(self, hits: list[Hit]) -> None:
        results = self.query_one("#search-results", ListView)
        results.clear()
        for hit in hits:
            line = Text()
            trail = " › ".join(c.split("\n", 1)[0][:30] for c in hit.breadcrumb)
            line.append(hit.page + (f" › {trail}" if trail else ""), style="cyan")
            line.append("\n  ")
            snippet = hit.snippet or hit.content.split("\n", 1)[0]
            parts = snippet.replace(HIGHLIGHT[1], HIGHLIGHT[0]).split(HIGHLIGHT[0])
            for i, part in enumerate(parts):
                line.append(" ".join(part.split()) if i % 2 == 0 else part, style="bold yellow" if i % 2 else "")
            item = ListItem(Static(line))
            item.hit = hit  # type: ignore[attr-defined]
            results.append(item)
        if not hits:
            results.append(ListItem(Static(Text("no matches", style="dim"))))

    @on(ListView.Selected, "#search-results")
    def open_result(self, event: ListView.Selected) -> None:
        hit = getattr(event.item, "hit", None)
        if hit is not None:
            self.show_page(hit.file)
            self.query_one(TabbedContent).active = "page"

    # -- ask --------------------------------------------------------------------------
    @on(Input.Submitted, "#ask-input")
    def run_ask(self, event: Input.Submitted) -> None:
        self.cancel_answer = threading.Event()
        self._answer = ""
        self.query_one("#ask-answer", Static).update(Text("thinking…", style="dim"))
        self.ask_worker(event.value, self.cancel_answer)

    @work(thread=True, exclusive=True, group="ask")
    def ask_worker(self, question: str, cancel: threading.Event) -> None:
        try:
            result = self.notebook.ask(question, on_token=lambda t: self.send(AnswerChunkReceived(t)),
                                       cancel=cancel)
        except Exception as exc:
            self.post_message(WorkFailed(exc))
            return
        self.post_message(AnswerFinished(result))

    def on_answer_chunk_received(self, message: AnswerChunkReceived) -> None:
        self._answer += message.text
        self.query_one("#ask-answer", Static).update(inline(self._answer))

    def on_answer_finished(self, message: AnswerFinished) -> None:
        result = message.result
        text = inline(result.text or "(no answer)")
        text.append(f"\n\n{result.backend}: {result.model}\n", style="dim")
        text.append("Sources\n", style="bold underline")
        cited = {s.n for s in result.citations}
        for source in result.sources:
            text.append(f"[{source.n}] ", style="bold green" if source.n in cited else "")
            text.append(f"{source.hit.page}  ", style="cyan")
            text.append_text(inline(source.hit.content.split("\n", 1)[0]))
            text.append(f"  {source.hit.file}:{source.hit.line}\n", style="dim")
        self.query_one("#ask-answer", Static).update(text)
        self.status.model = f"model: {result.backend} {result.model}"
        self.refresh_status()

    def key_escape(self) -> None:
        self.cancel_answer.set()

    # -- everywhere -------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        focus = {"search": "#search-input", "ask": "#ask-input"}.get(tab)
        if focus:
            self.query_one(focus, Input).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def run(notebook: Notebook) -> None:
    NotegraphApp(notebook).run()
