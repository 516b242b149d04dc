"""The one facade both front ends call: open a graph, index it, query it, write to it."""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from notegraph.agent.ask import RELEVANT, SOURCES, WEAKLY_RELEVANT, Answer, answer
from notegraph.agent.sources import Source
from notegraph.agent.thread import Thread, Threads, standalone
from notegraph.agent.keep import ANSWERED_BY, QUESTION_PREFIX, answer_blocks
from notegraph.agent import report_rows
from notegraph.agent.report import (SECTION_TITLES, Section, SprintReport, report_title, sources_for,
                                    write_all_prose)
from notegraph.agent.report import as_json as report_json
from notegraph.agent.report import render as render_report
from notegraph.agent.report_facts import compute as compute_facts
from notegraph.agent.summarize import summarize as summarize_sources
from notegraph.agent.tools import Step, agent_answer, supports_tools
from notegraph.embed import Embedder, make_embedder
from notegraph.editor.session import EditSession
from notegraph.errors import FileChangedOnDiskError, NotegraphError
from notegraph.index.embedding import EmbeddingJob, EmbedProgress, EmbedReport, EmbedWorker
from notegraph.index.executor import Indexer, IndexReport, Progress
from notegraph.journal import (Captured, capture, ensure_block_id, journal_file_for, page_file_for,
                              refuse_guessed_new_file)
from notegraph.llm import LLM, ModelStatus
from notegraph.llm.choose import choose_llm, statuses
from notegraph.llm.ollama_llm import OllamaLLM
from notegraph.logseq.graph import Graph, GraphFile
from notegraph.logseq.names import page_key
from notegraph.logseq.inline import scan_inline
from notegraph.embed.context import clean_text
from notegraph.logseq.page import parse_text
from notegraph.logseq.disk import read_note, update_note
from notegraph.logseq.writer import render, render_block_source
from notegraph.model import Page
from notegraph.plugins import PluginHost, plugin_host
from notegraph.logseq.dates import format_date
from notegraph.query import QueryResult, run_query
from notegraph.rename import RenamePlan, RenameReport, apply_rename, plan_rename
from notegraph.templates import fill_placeholders, template_names, template_tree
from notegraph.search import (
    filter_sql,
    block_subtree,
    ancestors_sql,
    blocks_about_pages,
    pages_named_in,
    fts_query,
    find_pages,
    AgendaItem,
    agenda,
    complete_names,
    Filters,
    Hit,
    PageGroup,
    PageInfo,
    backlinks,
    block_by_reference,
    find_blocks,
    hits_for,
    keyword_search,
    resolve_page,
    TagNode,
    tag_counts,
    tag_tree,
    tasks,
    unlinked_references,
)
from notegraph.semantic import (DEFAULT_RANKING, Ranking, VectorCache, allowed_blocks, content_words, keyword_rank,
                                rank_blocks, with_unembedded)
from notegraph.settings import Settings, index_location, load_settings, resolve_graph_path
from notegraph.store import Store, index_problem, is_damage
from notegraph.store import vectors as vector_sql
from notegraph.timewindow import DEFAULT_SPRINT_ANCHOR, DateWindow, Sprints, window_from_options, window_in_text
from notegraph.watch import GraphWatcher


@dataclass
class FileCheck:
    """Whether notegraph can safely edit one file."""

    file: str
    round_trips: bool
    errors: list[str] = field(default_factory=list)
    blocks: int = 0


SEARCH_MODES = ("keyword", "semantic", "hybrid")
AUTO_EMBED_TEXTS = 256
"""A query embeds this many waiting texts itself (a second or two); more wait for `notegraph index`."""
KEPT_ANSWERS_ROOM = 4
"""Ask retrieves this many more blocks than it shows: the blocks of kept answers among them are dropped."""
EARLIER_SOURCES = 3
"""A follow-up keeps at most this many of the sources the previous answer cited."""


@dataclass(frozen=True)
class EmbedStatus:
    model: str | None
    embedded: int
    pending: int


def enrich(plugins: PluginHost, store: Store, report: IndexReport) -> None:
    """Hand the blocks an index sync added or changed to plugins' enrichers (only when some exist)."""
    if not plugins.implements("enrich_blocks"):
        return
    files = report.plan.to_parse
    removed = report.plan.deleted + [old for old, _ in report.plan.moved]
    if not files and not removed:
        return
    blocks: list[dict[str, object]] = []
    for start in range(0, len(files), 500):
        chunk = files[start:start + 500]
        blocks += [dict(zip(("rowid", "id", "file", "page_key", "content", "marker", "journal_day"), row))
                   for row in store.db.execute(
                       "SELECT rowid, id, file, page_key, content, marker, journal_day FROM blocks "
                       f"WHERE file IN ({', '.join('?' * len(chunk))}) ORDER BY file, line", chunk).fetchall()]
    plugins.call("enrich_blocks", db=store.db, blocks=blocks, removed_files=removed)


@dataclass
class GraphSummary:
    root: Path
    pages: int = 0
    journals: int = 0
    blocks: int = 0
    first_journal: dt.date | None = None
    last_journal: dt.date | None = None
    markers: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    refs: Counter[str] = field(default_factory=Counter)
    files_with_errors: int = 0


QUERY_TOKEN = re.compile(r'\w+:"(?P<quoted>[^"]*)"|\w+:\[\[(?P<linked>.*?)\]\]|\S+')
"""A search box's words: ``key:"two words"`` and ``key:[[two words]]`` stay one token."""


def give_back_freed_memory() -> None:
    """Ask glibc to return freed heap pages to the system (RSS falls; elsewhere a no-op)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _date_of(number: int) -> dt.date:
    """A journal day as the index stores it (20261120) as a date."""
    return dt.date(number // 10000, number // 100 % 100, number % 100)


class Notebook:
    """A graph, its index, and everything notegraph does with them."""

    def __init__(self, graph: Graph, settings: Settings | None = None,
                 index_path: str | os.PathLike[str] | None = None, embedder: Embedder | None = None) -> None:
        self.graph = graph
        self.settings = settings or load_settings()
        self.index_path, self._index_owned = index_location(graph.root, self.settings, index_path)
        self._local = threading.local()  # .store: this thread's connection to the index
        self._opened: list[tuple[threading.Thread, Store]] = []
        self._opened_lock = threading.Lock()
        self._embedder = embedder
        self._vectors = VectorCache()
        self.ranking: Ranking = DEFAULT_RANKING
        self._llm: LLM | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, settings: Settings | None = None,
             index: str | os.PathLike[str] | None = None, embedder: Embedder | None = None) -> "Notebook":
        settings = settings or load_settings()
        return cls(Graph.open(resolve_graph_path(path, settings)), settings, index, embedder)

    @property
    def root(self) -> Path:
        return self.graph.root

    # -- the index ------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """This thread's connection to the index. Threads never share one: the app's thread
        workers (status counts, search, Ask) outlive the app, and a connection closed under
        another thread's running statement crashes the interpreter (it did, in CI)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open_store()
            with self._opened_lock:
                self._opened.append((threading.current_thread(), store))
        return store

    def _open_store(self) -> Store:
        """A connection of its own to the index."""
        return Store(self.index_path, self.graph.root, owned=self._index_owned,
                     journal_formats=(self.graph.config.journal_title_format,))

    def close(self) -> None:
        """Close the index connections of this thread and of threads that have ended. One a live
        thread still holds is left to it (it may be mid-statement) and closed by a later close()
        once that thread has ended, or by the garbage collector; every thread opens afresh."""
        me = threading.current_thread()
        with self._opened_lock:
            still_held = []
            for thread, store in self._opened:
                if thread is me or not thread.is_alive():
                    store.close()
                else:
                    still_held.append((thread, store))
            self._opened = still_held
        self._local = threading.local()

    def index(self, *, rebuild: bool = False, progress: Progress | None = None,
              cancel: threading.Event | None = None, only: set[str] | None = None) -> IndexReport:
        """Bring the index in line with the folder: only what changed is read again.

        ``rebuild`` forgets everything indexed (embeddings are kept, keyed by their
        text) — or, when the file is damaged, starts from an empty file. A damaged
        file found while syncing is started afresh too: it is a cache.
        """
        try:
            if rebuild:
                problem = self.store.damaged()
                if problem is None:
                    self.store.clear()
                else:
                    self.store.reset(f"it is damaged ({problem})")
            report = Indexer(self.graph, self.store).sync(only, progress=progress, cancel=cancel)
        except sqlite3.DatabaseError as exc:
            if not self.recover_index(exc):
                raise index_problem(exc, self.index_path) from None
            report = Indexer(self.graph, self.store).sync(only, progress=progress, cancel=cancel)
        enrich(self.plugins, self.store, report)
        return report

    def recover_index(self, exc: sqlite3.DatabaseError) -> bool:
        """After a SQLite error from the index: if the file is damaged, start it afresh and say so (True)."""
        if getattr(self._local, "store", None) is None or not is_damage(exc):
            return False
        self._vectors = VectorCache()
        self.store.reset(f"it is damaged ({exc})")
        return True

    def fresh(self) -> IndexReport:
        """Catch up with the folder before answering a query (cheap when nothing changed)."""
        return self.index()

    def watch(self, on_update: Callable[[IndexReport], None], *, debounce: float = 0.1,
              on_error: Callable[[BaseException], None] | None = None) -> GraphWatcher:
        """A watcher that re-indexes each batch of changed files, on its own connection."""
        lock = threading.Lock()
        worker: dict[str, Store] = {}

        def on_batch(paths: set[str]) -> None:
            with lock:
                store = worker.get("store")
                if store is None:
                    store = worker["store"] = self._open_store()
                report = Indexer(self.graph, store, workers=1).sync(paths)
                enrich(self.plugins, store, report)
            on_update(report)

        return GraphWatcher(self.graph, on_batch, debounce=debounce, on_error=on_error)

    # -- queries ------------------------------------------------------------------------
    @property
    def plugins(self) -> PluginHost:
        """The loaded plugins (see :mod:`notegraph.plugins`)."""
        return plugin_host(self.settings.plugins_dir)

    def today(self) -> dt.date:
        return self.settings.current_day()

    def sprints(self) -> Sprints:
        start = self.graph.config.sprint_start
        anchor = self.settings.sprint_start or DEFAULT_SPRINT_ANCHOR
        if start:
            try:
                anchor = dt.date.fromisoformat(start)
            except ValueError:
                raise NotegraphError(f":notegraph/sprint-start {start!r} in logseq/config.edn is not a date",
                                     "write it as \"YYYY-MM-DD\"") from None
        return Sprints(anchor, self.graph.config.sprint_days or self.settings.sprint_days)

    def parse_query(self, text: str) -> tuple[str, Filters]:
        """Split a search box's ``tag:x since:2w marker:TODO,DOING page:y words`` into words and filters
        (``since:last_week``: underscores for spaces; ``tag:"two words"`` or ``page:[[two words]]``)."""
        words, tags, markers, pages = [], [], [], []
        since = None
        for match in QUERY_TOKEN.finditer(text):
            token = match.group(0)
            key, _, value = token.partition(":")
            value = match.group("quoted") or match.group("linked") or value
            if value and key == "tag":
                tags.append(value.lstrip("#"))
            elif value and key == "marker":
                markers += [m.upper() for m in value.split(",")]
            elif value and key == "page":
                pages.append(page_key(value))
            elif value and key == "since":
                since = value
            else:
                words.append(token)
        window = self.window(since.replace("_", " ")) if since else None
        text = " ".join(words)
        if window is None:  # time words read as `ask` reads them: "notes from october 2024"
            window, rest = window_in_text(text, self.today(), self.sprints())
            text = rest if window is not None else text
        return text, Filters(tags=tuple(tags), markers=tuple(markers), pages=tuple(pages), window=window)

    def window(self, since: str | None = None, from_: str | None = None, to: str | None = None) -> DateWindow | None:
        return window_from_options(since, from_, to, self.today(), self.sprints())

    # -- embeddings and search by meaning -----------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model (created on first use; it loads on its first text)."""
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    def embed(self, *, progress: EmbedProgress | None = None, cancel: threading.Event | None = None,
              max_texts: int | None = None) -> EmbedReport:
        """Embed the blocks whose text or context changed; only plan when more than ``max_texts`` wait."""
        job = EmbeddingJob(self.store, self.embedder)
        started = time.perf_counter()
        report = job.plan()
        waiting = self.store.db.execute("SELECT count(*) FROM embed_queue").fetchone()[0]
        if max_texts is None or waiting <= max_texts:
            job.embed(report, progress, cancel)
        report.pending_blocks = vector_sql.pending_blocks(self.store.db)
        report.seconds = time.perf_counter() - started
        return report

    def embed_in_background(self, on_report: Callable[[EmbedReport], None] = lambda report: None,
                            on_error: Callable[[BaseException], None] = lambda exc: None,
                            progress: EmbedProgress | None = None) -> EmbedWorker:
        """A worker thread that embeds whatever changed each time it is woken (started once now)."""
        return EmbedWorker(lambda: self._open_store(), self.embedder, on_report, on_error,
                           progress).start()

    # -- the language model ---------------------------------------------------------------
    def release_language_model(self) -> None:
        """Give the embedded model's memory back to the system (Ollama's lives in its server);
        :attr:`llm` loads it again when next asked. Only call when nothing is generating."""
        llm, self._llm = self._llm, None
        close = getattr(llm, "close", None)
        if close is not None:
            close()
        del llm
        gc.collect()
        give_back_freed_memory()

    @property
    def llm(self) -> LLM:
        """The model that answers: Ollama when configured and there, else the embedded one."""
        if self._llm is None:
            self._llm = choose_llm(self.settings.llm, self.settings.ollama_model)
        return self._llm

    def use_llm(self, llm: LLM) -> None:
        self._llm = llm

    def model_statuses(self) -> list[ModelStatus]:
        return statuses(self.settings.llm or "auto", self.settings.ollama_model)

    @property
    def threads(self) -> Threads:
        """Ask's conversation threads for this graph (in the user's data folder)."""
        return Threads(self.settings.data_dir, self.root)

    def ask(self, question: str, filters: Filters = Filters(), *, on_token: Callable[[str], None] | None = None,
            on_step: Callable[[Step], None] | None = None, cancel: threading.Event | None = None,
            sources: int = 12, agent: bool = True,
            on_sources: Callable[[list[Source]], None] | None = None, thread: Thread | None = None) -> Answer:
        """A cited answer from the notes. A time expression in the question ("last two weeks",
        "in October") becomes a journal date filter unless ``filters`` already has a window.

        With an Ollama model that can call tools (and ``agent``), the model looks things up
        itself through read-only tools, each step reported to ``on_step``; otherwise the
        fixed pipeline retrieves and the model answers from what was retrieved.

        In a ``thread``, a follow-up is searched as a standalone question (:mod:`notegraph.agent.thread`),
        the sources cited before stay available, and the turn is recorded in the thread."""
        self.embed(max_texts=AUTO_EMBED_TEXTS)
        llm = self.llm
        searched = standalone(question, thread, llm) if thread is not None else question
        earlier = thread.last.cited if thread is not None and thread.last and searched != question else []
        result = self._ask(question, searched, earlier, filters, llm, on_token=on_token, on_step=on_step,
                           cancel=cancel, sources=sources, agent=agent, on_sources=on_sources)
        result.searched = searched
        if thread is not None and not (cancel is not None and cancel.is_set()):
            self.threads.record(thread, question, searched, result.text, [s.hit.id for s in result.citations])
        return result

    def _ask(self, question: str, searched: str, earlier: list[str], filters: Filters, llm: LLM, *,
             on_token: Callable[[str], None] | None, on_step: Callable[[Step], None] | None,
             cancel: threading.Event | None, sources: int, agent: bool,
             on_sources: Callable[[list[Source]], None] | None) -> Answer:
        text = searched
        if filters.window is None:
            window, rest = window_in_text(searched, self.today(), self.sprints())
            if window is not None:
                filters = replace(filters, window=window)
                text = rest or searched
        if agent and isinstance(llm, OllamaLLM) and supports_tools(llm):
            return agent_answer(searched, self, llm, filters, on_token=on_token, on_step=on_step,
                                on_sources=on_sources, cancel=cancel)
        hits = self.search(text, filters, mode="hybrid", limit=sources + KEPT_ANSWERS_ROOM)
        kept_answers = self.inside_kept_answers([h.rowid for h in hits])
        hits = [h for h in hits if h.rowid not in kept_answers][:sources]
        best = max((h.score or 0.0 for h in hits), default=0.0)
        if filters.window is None and best < WEAKLY_RELEVANT and self.unseen_words(text):
            # "what is my passport number?" scores 0.32 against "writing numbers down every day":
            # a weak match for a question that names something the notes never mention is no match
            hits = []
        if filters.window is not None and not any((h.score or 0) >= RELEVANT for h in hits):
            # "what did I do last week?": nothing is *about* the question, but the window is the answer
            hits = [replace(h, score=None) for h in find_blocks(self.store, filters, limit=sources)]
        kept = self._earlier_sources(earlier, {h.id for h in hits[:SOURCES]}, room=EARLIER_SOURCES)
        if kept:  # among the numbered sources, after the new ones that fit beside them
            hits = [h for h in hits if h.score is None or h.score >= RELEVANT][:SOURCES - len(kept)] + kept
        uuids = self.block_uuids([h.rowid for h in hits])
        return answer(question, hits, uuids, llm, window=filters.window, on_token=on_token, cancel=cancel,
                      on_sources=on_sources, similarity=self.similarity, children=self.child_texts)

    def inside_kept_answers(self, rowids: list[int]) -> set[int]:
        """Those of the blocks that are part of an answer kept with ``ask --save`` / Ctrl+S (a
        top-level ``Q: …`` block whose children end with "answered by MODEL"). Ask leaves them
        out of its sources: an answer is cited from the notes, not from an earlier answer's copy
        of them (found in a tmux trial: the "answered by" line came back as a source)."""
        if not rowids:
            return set()
        rows = self.store.db.execute(
            ancestors_sql(len(rowids)) + " SELECT up.start FROM up WHERE up.parent_id IS NULL AND substr(up.content, 1, ?) = ?"
            " AND EXISTS (SELECT 1 FROM blocks c WHERE c.file = up.file AND c.parent_id = up.id"
            " AND substr(c.content, 1, ?) = ?)",
            [*rowids, len(QUESTION_PREFIX), QUESTION_PREFIX, len(ANSWERED_BY) + 1, ANSWERED_BY + " "]).fetchall()
        return {row[0] for row in rows}

    def _earlier_sources(self, block_ids: list[str], have: set[str], room: int) -> list[Hit]:
        """The blocks an earlier answer cited, as sources of a follow-up (not scored: always kept)."""
        rowids = [r for r in (block_by_reference(self.store, b) for b in block_ids if b not in have) if r is not None]
        return [replace(h, score=None) for h in hits_for(self.store, [(r, 0.0) for r in rowids[:room]])]

    def child_texts(self, source: Source, limit: int = 6) -> list[str]:
        """The contents of a source block's children (first ``limit``)."""
        return [content for depth, content, _ in self.embedded(f"(({source.hit.id}))")[1:] if depth == 1][:limit]

    def block_id_for(self, hit: Hit) -> str | None:
        """The block's ``id::`` uuid, added to its file (as Logseq does) if it has none; None if
        the block is no longer there as it was found."""
        uuids = self.block_uuids([hit.rowid])
        return uuids.get(hit.rowid) or ensure_block_id(self.graph, hit.file, hit.line, hit.content)

    def unseen_words(self, text: str) -> list[str]:
        """The question's content words (four letters or more) that no block of the graph holds."""
        unseen = []
        for word in content_words(text):
            query = fts_query(word) if len(word) >= 4 else None
            if query and self.store.db.execute("SELECT 1 FROM blocks_fts WHERE blocks_fts MATCH ? LIMIT 1",
                                               [query]).fetchone() is None:
                unseen.append(word)
        return unseen

    def similarity(self, question: str, texts: list[str]) -> list[float]:
        """Cosine similarity of each text to the question: a dot product, since embedders return
        unit-length rows (their contract)."""
        if not texts:
            return []
        query = self.embedder.embed_query(question).reshape(-1)
        return [float(x) for x in self.embedder.embed_documents(texts) @ query]

    def sprint_report(self, *, weeks: int | None = None, days: int | None = None, end: dt.date | None = None,
                      prose: bool = True, on_section: Callable[[str], None] | None = None,
                      cancel: threading.Event | None = None) -> SprintReport:
        """The report of the ``weeks`` (or ``days``; default: the graph's sprint length) ending on
        ``end`` (default today): facts from the index, then, with ``prose``, a model's prose over them."""
        report = self.report_facts(self.report_window(weeks=weeks, days=days, end=end))
        if prose and not (cancel is not None and cancel.is_set()):
            try:
                llm = self.llm
            except NotegraphError as exc:
                report.prose_error = exc.message
            else:
                write_all_prose(report, llm, on_section=on_section, cancel=cancel)
        return report

    def report_facts(self, window: DateWindow) -> SprintReport:
        """Every fact of the report of ``window``, computed from the index (no model: well under a second)."""
        store = self.store
        found = report_rows.material(store, window)
        facts = compute_facts(window, found.days, found.rows, found.earlier, found.pages,
                              lambda key: report_rows.page_rows(store, key),
                              lambda key: report_rows.referencing(store, key, window))
        uuids = {r.rowid: r.uuid for r in found.rows if r.uuid}
        sections = [Section(key, SECTION_TITLES[key], sources_for(key, facts, uuids))
                    for key in self.graph.config.report_sections]
        by_rowid = {r.rowid: r for r in found.rows}
        tagged = {tag: [by_rowid[rowid] for rowid in report_rows.tagged(store, tag, window) if rowid in by_rowid]
                  for tag in self.graph.config.report_tags}
        extra = [section for _, plugin_sections in self.plugins.call("report_sections", notebook=self, window=window)
                 for section in plugin_sections]
        return SprintReport(window, facts, sections, tagged, report_rows.tags_in(store, window),
                            report_rows.pages_edited(store, window), extra_sections=extra, ref_texts=found.ref_texts)

    def report_window(self, *, weeks: int | None = None, days: int | None = None,
                      end: dt.date | None = None) -> DateWindow:
        """``weeks`` or ``days`` ending on ``end`` (default today); neither: the sprint length
        (``:notegraph/sprint-days``, else config.toml's, else 14)."""
        end = end or self.today()
        length = days if days is not None else 7 * weeks if weeks is not None else self.sprints().days
        if length < 1:
            raise NotegraphError("a report covers at least one day", "e.g. --weeks 2")
        return DateWindow(end - dt.timedelta(days=length - 1), end)

    def refuse_existing_report(self, window: DateWindow) -> None:
        """Before minutes of generation: a report page that exists already is not replaced
        (without ``--force``), so say so now rather than after the model has written it all."""
        file = page_file_for(self.graph, report_title(window))
        if file.path.exists() or file.path.is_symlink():
            raise FileChangedOnDiskError(f"{file.rel} exists already; nothing was generated or written",
                                         "pass --force to replace it, or --end another day")

    def write_report(self, report: SprintReport, *, force: bool = False) -> Path:
        """Save the report as a new page (never over an existing one unless ``force``), atomically."""
        file = page_file_for(self.graph, report.title)
        text = render_report(report, self.graph.config.bullet_indentation, self.today())
        page = parse_text(file.rel, text, self.graph.config)
        if page.errors or not page.blocks:
            raise NotegraphError(f"the report did not read back as a Logseq page ({'; '.join(page.errors)})",
                                 "report this bug; print the report without --write meanwhile")
        data = text.encode("utf-8")

        def save(current: bytes | None) -> bytes:
            if current is not None and not force:
                raise FileChangedOnDiskError(f"{file.rel} exists already; nothing was written",
                                             "pass --force to replace it, or --end another day")
            if current is None:
                refuse_guessed_new_file(self.graph.config, file.rel)
            return data

        update_note(file.path, save)
        return file.path

    def summarize(self, page: str | None = None, filters: Filters = Filters(), *,
                  on_token: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                  limit: int = 400) -> Answer:
        """A cited summary of a page, or of the blocks the filters select (a tag, a window)."""
        if page is not None:
            info = self.page(page)
            filters = replace(filters, pages=(info.key,))
            what = info.name
        else:
            if filters.is_empty():
                raise NotegraphError("nothing to summarise", "name a PAGE, or pass --tag T or --since WINDOW")
            parts = [f"#{t}" for t in filters.tags] + ([filters.window.describe()] if filters.window else [])
            what = ", ".join(parts) or "the selection"
        hits = find_blocks(self.store, filters, limit=limit, order="file")
        if page is not None and not hits:
            # a page that exists only as links: its linked references are what there is to summarise
            page = None
            hits = find_blocks(self.store, replace(filters, pages=(), refs=(info.key,)), limit=limit, order="file")
        if page is None:
            hits.sort(key=lambda h: (h.journal_day or dt.date.min, h.file, h.line))
        uuids = self.block_uuids([h.rowid for h in hits])
        sources = [Source(n, hit, uuids.get(hit.rowid)) for n, hit in enumerate(hits, start=1)
                   if hit.content.strip()]
        return summarize_sources(what, sources, self.llm, on_token=on_token, cancel=cancel)

    def block_uuids(self, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        rows = self.store.db.execute(f"SELECT rowid, uuid FROM blocks WHERE uuid IS NOT NULL AND rowid IN "
                                     f"({', '.join('?' * len(rowids))})", rowids).fetchall()
        return {r[0]: r[1] for r in rows}

    def pending_embeddings(self) -> int:
        """Blocks waiting for their vector (cheap: what a status line shows)."""
        return vector_sql.pending_blocks(self.store.db)

    def embed_status(self) -> EmbedStatus:
        db = self.store.db
        return EmbedStatus(self.store.get_meta(vector_sql.MODEL_KEY), vector_sql.embedded_blocks(db),
                           vector_sql.pending_blocks(db))

    def search(self, text: str, filters: Filters = Filters(), *, limit: int = 20, mode: str = "keyword") -> list[Hit]:
        """Blocks for ``text``: ``keyword`` (bm25), ``semantic`` (cosine) or ``hybrid`` (both, fused).

        Filters apply before ranking in every mode. Semantic ranking sees the blocks
        embedded so far (:meth:`embed_status` tells how many wait).
        """
        if mode not in SEARCH_MODES:
            raise NotegraphError(f"unknown search mode {mode!r}", f"use one of {', '.join(SEARCH_MODES)}")
        if mode == "keyword":
            return keyword_search(self.store, text, filters, limit=limit)
        if not text.strip():
            return find_blocks(self.store, filters, limit=limit)
        allowed = allowed_blocks(self.store, filters)
        if allowed is not None and not len(allowed):
            return []
        self._vectors.refresh(self.store)
        query = self.embedder.embed_query(text)
        keyword = keyword_rank(self.store, text, filters, self.ranking.keyword_depth) if mode == "hybrid" else []
        named = blocks_about_pages(self.store, pages_named_in(self.store, text)) if mode == "hybrid" else []
        ranked = rank_blocks(self._vectors, query, allowed, limit, keyword=keyword, ranking=self.ranking,
                             named=named)
        return hits_for(self.store, with_unembedded(ranked, keyword, self._vectors.blocks, limit))

    def blocks(self, filters: Filters = Filters(), *, limit: int = 1000) -> list[Hit]:
        """Blocks the filters select, newest journal day first, with breadcrumbs (for plugins)."""
        return find_blocks(self.store, filters, limit=limit)

    def tags_in_context(self, rowids: list[int]) -> dict[int, list[str]]:
        """Each block's tags and its ancestors' (as the reader found them), nearest first."""
        if not rowids:
            return {}
        rows = self.store.db.execute(
            ancestors_sql(len(rowids)) + " SELECT up.start, t.tag FROM up JOIN tags t ON t.block = up.rowid ORDER BY up.start, up.depth",
            rowids).fetchall()
        found: dict[int, list[str]] = {rowid: [] for rowid in rowids}
        for start, tag in rows:
            if tag not in found[start]:
                found[start].append(tag)
        return found

    def referencing(self, uuid: str, *, reports: bool = False) -> list[Hit]:
        """Blocks that refer to the block with this ``id::`` (``((uuid))`` or ``{{embed ((uuid))}}``),
        in file order; generated reports only with ``reports`` (a report quoting a prediction is
        not a revisit of it)."""
        where, params = filter_sql(self.store, Filters(reports=reports))
        rows = self.store.db.execute(
            "SELECT DISTINCT r.block FROM block_refs r JOIN blocks b ON b.rowid = r.block WHERE r.target = ? "
            f"{''.join(' AND ' + w for w in where)} ORDER BY b.journal_day NULLS LAST, b.file, b.line",
            [uuid.lower(), *params]).fetchall()
        return hits_for(self.store, [(row[0], 0.0) for row in rows])

    def block(self, ref: str) -> Hit:
        """A block from its id, ``id::`` uuid or ``file:line``."""
        rowid = block_by_reference(self.store, ref)
        if rowid is None:
            raise NotegraphError(f"no block {ref!r} in this graph",
                                 "give a block id or uuid (from `notegraph search --json`) or FILE:LINE")
        return hits_for(self.store, [(rowid, 0.0)])[0]

    def similar(self, ref: str, filters: Filters = Filters(), *, limit: int = 10) -> tuple[Hit, list[Hit]]:
        """Blocks across the graph closest in meaning to the block ``ref``."""
        block = self.block(ref)
        self._vectors.refresh(self.store)
        vector = self._vectors.vector_of(self.store, block.rowid)
        if vector is None:
            raise NotegraphError(f"the block at {block.file}:{block.line} has no embedding yet",
                                 "run `notegraph index` to embed the graph")
        same_text = {r[0] for r in self.store.db.execute(
            "SELECT rowid FROM blocks WHERE content_hash = (SELECT content_hash FROM blocks WHERE rowid = ?)",
            [block.rowid]).fetchall()}
        ranked = rank_blocks(self._vectors, vector, allowed_blocks(self.store, filters), limit,
                             exclude=frozenset(same_text), outline=False)
        return block, hits_for(self.store, ranked)

    def related(self, text: str, file: str, *, limit: int = 8, floor: float = RELEVANT) -> list[Hit]:
        """Blocks elsewhere in the graph closest in meaning to ``text`` (the block being written in
        ``file``), for the related-notes pane: never from that page, and never blocks already
        linked either way — blocks that reference the page, blocks on or linking the pages
        ``text`` links (one step away already), the blocks it references. Blocks not embedded yet
        are not candidates."""
        words = clean_text(text)
        if len(words.split()) < 2:
            return []
        self._vectors.refresh(self.store)
        refs = scan_inline(text)
        # this page and the pages the text links: their blocks and their linked references are
        # one step away already
        pages = [r[0] for r in self.store.db.execute("SELECT key FROM pages WHERE file = ?", [file])]
        pages += [page_key(name) for name in refs.pages]
        marks = ", ".join("?" * len(pages)) or "NULL"
        generated, generated_params = filter_sql(self.store, Filters())  # reports quote notes: never "related"
        exclude = {r[0] for r in self.store.db.execute(
            f"SELECT rowid FROM blocks WHERE file = ? OR page_key IN ({marks}) "
            f"UNION SELECT block FROM refs WHERE page_key IN ({marks}) "
            f"UNION SELECT b.rowid FROM blocks b WHERE NOT ({' AND '.join(generated) or '0'})",
            [file, *pages, *pages, *generated_params])}
        for uuid in refs.block_refs:
            target = block_by_reference(self.store, uuid)
            if target is not None:
                exclude.add(target)
        vector = self.embedder.embed_query(words)
        ranked = rank_blocks(self._vectors, vector, None, limit * 2, exclude=frozenset(exclude), outline=False)
        return [h for h in hits_for(self.store, ranked) if (h.score or 0) >= floor][:limit]

    def tag_counts(self, filters: Filters = Filters()) -> dict[str, int]:
        return tag_counts(self.store, filters)

    def find_pages(self, typed: str, *, limit: int = 20) -> list[str]:
        """Page names and aliases for quick-open (fuzzy; see :func:`notegraph.search.find_pages`)."""
        return find_pages(self.store, typed, limit=limit)

    def complete(self, partial: str, *, tags: bool = False, limit: int = 8) -> list[str]:
        """Page names (or tags) matching what was typed after ``[[`` (or ``#``)."""
        return complete_names(self.store, partial, tags=tags, limit=limit)

    def link_unlinked(self, name: str) -> int:
        """Turn each plain-text mention of the page (or an alias) into a link, as Logseq's
        "Link" button does: the first mention in each block becomes ``[[as written]]``.
        Each file is saved through an edit session (atomic, merged with outside changes)."""
        info = self.page(name)
        names = sorted({info.name, *info.aliases}, key=len, reverse=True)
        pattern = re.compile(r"(?<![\w\[#])(" + "|".join(re.escape(n) for n in names) + r")(?![\w\]])",
                             re.IGNORECASE)
        by_file: dict[str, set[int]] = {}
        for group in unlinked_references(self.store, info):
            for hit in group.hits:
                by_file.setdefault(hit.file, set()).add(hit.line)
        linked = 0
        for rel, lines in by_file.items():
            session = self.edit_file(rel)
            for index, block in enumerate(session.base.blocks):
                if block.line in lines and not block.pre_block:
                    content = pattern.sub(lambda m: f"[[{m.group(1)}]]", block.content, count=1)
                    if content != block.content:
                        session.outline.set_content(index, content)
                        linked += 1
            session.save()
        if linked:
            self.fresh()
        return linked

    def neighbour_journal_day(self, day: dt.date, step: int) -> dt.date | None:
        """The day before (``step`` < 0) or after ``day`` that has a journal page or is today,
        skipping empty days; past the last of them, forward goes on one calendar day at a time
        (planning ahead). None when there is nothing earlier."""
        number = day.year * 10000 + day.month * 100 + day.day
        today = self.today()
        if step < 0:
            row = self.store.db.execute("SELECT max(journal_day) FROM pages WHERE journal_day < ?", [number]).fetchone()
            found = _date_of(row[0]) if row and row[0] else None
            candidates = [d for d in (found, today if today < day else None) if d is not None]
            return max(candidates) if candidates else None
        row = self.store.db.execute("SELECT min(journal_day) FROM pages WHERE journal_day > ?", [number]).fetchone()
        found = _date_of(row[0]) if row and row[0] else None
        candidates = [d for d in (found, today if today > day else None) if d is not None]
        return min(candidates) if candidates else day + dt.timedelta(days=1)

    def journal_days(self, limit: int = 60) -> list[dt.date]:
        """The most recent days that have a journal page, newest first."""
        rows = self.store.db.execute("SELECT journal_day FROM pages WHERE journal_day IS NOT NULL "
                                     "ORDER BY journal_day DESC LIMIT ?", [limit]).fetchall()
        return [dt.date(d // 10000, d // 100 % 100, d % 100) for (d,) in rows]

    def tag_tree(self, filters: Filters = Filters()) -> list[TagNode]:
        return tag_tree(tag_counts(self.store, filters))

    def namespace_children(self, name: str) -> list[str]:
        """Pages directly under ``name`` in its namespace (``a/b`` for ``a``)."""
        key = page_key(name)
        return [row[0] for row in self.store.db.execute(
            "SELECT name FROM pages WHERE namespace = ? ORDER BY key", [key]).fetchall()]

    def report_text(self, report: SprintReport) -> str:
        """The report as the Logseq page :meth:`write_report` would save."""
        return render_report(report, self.graph.config.bullet_indentation, self.today())

    def report_json(self, report: SprintReport) -> dict[str, object]:
        """Every fact of the report and its prose, for scripts."""
        return report_json(report, self.today())

    def edit_journal(self, day: dt.date) -> EditSession:
        """The journal of ``day`` open for editing (its file is created by the first save with text).
        A day with no file yet starts from ``:default-templates {:journals …}``, written only once
        the user changes something."""
        session = EditSession(journal_file_for(self.graph, day), self.graph.config)
        name = self.graph.config.journal_template
        if not session.exists and name:
            rows = self.template(name, format_date(day, self.graph.config.journal_title_format))
            if rows:
                session.start_from(rows)
        return session

    def templates(self) -> list[str]:
        """Names of the graph's templates (blocks with ``template::``)."""
        return template_names(self.store)

    def template(self, name: str, page: str) -> list[tuple[str, int]] | None:
        """The template called ``name`` as (content, level) rows for ``page``, placeholders filled."""
        try:
            tree = template_tree(self.store, name)
        except sqlite3.Error:
            return None  # the index is being created: no template this time
        if tree is None:
            return None
        title_format = self.graph.config.journal_title_format
        return [(fill_placeholders(content, self.today(), page, title_format), level) for level, content in tree]

    def edit_file(self, rel: str) -> EditSession:
        """A file of the graph (path relative to its root) open for editing."""
        return EditSession(self.graph.file(rel), self.graph.config)

    def query(self, text: str, *, exclude: Iterable[int] = ()) -> QueryResult:
        """A Logseq simple query (what goes inside ``{{query …}}``); see :mod:`notegraph.query`."""
        return run_query(self.store, text, self.today(), self.graph.config.journal_title_format, exclude=exclude)

    def agenda(self, day: dt.date | None = None) -> list[AgendaItem]:
        """Logseq's "Scheduled and deadline" for ``day`` (today): open tasks scheduled or due then,
        overdue, or within ``:scheduled/future-days``."""
        return agenda(self.store, day or self.today(), self.graph.config.scheduled_future_days)

    def embedded(self, target: str) -> list[tuple[int, str, str]]:
        """What ``{{embed [[page]]}}`` or ``{{embed ((uuid))}}`` shows: (depth from 0, content,
        block id) for the page's blocks or the block and its children, in file order."""
        target = target.strip()
        if target.startswith("((") and target.endswith("))"):
            rowid = block_by_reference(self.store, target)
            if rowid is None:
                return []
            tree = block_subtree(self.store, rowid)
            return [(level - tree[0][0], content, block_id) for level, content, block_id, _ in tree]
        name = target.removeprefix("[[").removesuffix("]]")
        info = resolve_page(self.store, name)
        if info is None:
            return []
        rows = self.store.db.execute("SELECT level, content, id FROM blocks WHERE page_key = ? AND pre_block = 0 "
                                     "ORDER BY file, position", [info.key]).fetchall()
        return [(r[0] - 1, r[1], r[2]) for r in rows]

    def plan_rename(self, old: str, new: str) -> RenamePlan:
        """What renaming the page ``old`` to ``new`` would change (see :mod:`notegraph.rename`)."""
        return plan_rename(self.graph, old, new)

    def rename_page(self, plan: RenamePlan) -> RenameReport:
        """Carry out a rename plan, then bring the index up to date."""
        report = apply_rename(self.graph, plan)
        self.fresh()
        return report

    def page(self, name: str) -> PageInfo:
        page = resolve_page(self.store, name)
        if page is None:
            raise NotegraphError(f"no page called {name!r} in this graph",
                                 "check the spelling, or list pages with `notegraph tags` / `notegraph search`")
        return page

    def backlinks(self, name: str, filters: Filters = Filters(), *,
                  limit: int = 500) -> tuple[PageInfo, list[PageGroup]]:
        page = self.page(name)
        return page, backlinks(self.store, page, filters, limit=limit)

    def unlinked(self, name: str) -> list[PageGroup]:
        return unlinked_references(self.store, self.page(name))

    def tasks(self, filters: Filters = Filters(), *, limit: int = 200) -> list[Hit]:
        return tasks(self.store, filters, limit=limit)

    # -- reading files ----------------------------------------------------------------------
    def pages(self) -> Iterator[Page]:
        """Every page of the graph, sorted by file path; unreadable files come with errors."""
        return self.graph.pages()

    def check(self) -> Iterator[FileCheck]:
        """For every file: does it read back byte for byte, and what did the reader notice?"""
        for file in self.graph.files():
            page = self.graph.read(file)
            errors = list(page.errors)
            try:
                original = read_note(file.path)
            except NotegraphError:
                original = None
            if original is None:
                yield FileCheck(file.rel, False, errors or ["could not be read"], 0)
                continue
            ok = page.writable and render(page) == original
            if page.writable and not ok:
                errors.append("re-rendering the parsed file does not reproduce its bytes")
            # An edit rewrites one block from its content; say where that would also
            # normalise the block's own layout (an org drawer becomes `key:: value` lines).
            drifting = [b.line for b in page.blocks
                        if page.writable and render_block_source(page, b, b.content) != page.text[b.start:b.end]]
            if drifting:
                errors.append(f"editing {len(drifting)} blocks would also rewrite their layout, "
                              f"as Logseq does (lines {', '.join(map(str, drifting[:5]))})")
            yield FileCheck(file.rel, ok, errors, len(page.blocks))

    # -- writing ------------------------------------------------------------------------
    def save_answer(self, result: Answer) -> Captured:
        """Keep an answer: the question and its answer as a block of today's journal, citations
        as references to the source blocks (an ``id::`` is added where one is missing)."""
        if result.found_nothing or not result.text.strip():
            raise NotegraphError("there is no answer to save", "ask a question the notes can answer first")
        ids: dict[int, str | None] = {}

        def block_id(source: Source) -> str | None:
            if source.n not in ids:
                ids[source.n] = source.uuid or self.block_id_for(source.hit)
            return ids[source.n]

        question, children = answer_blocks(result, block_id)
        return capture(self.graph, question, day=self.today(), children=children)

    def add(self, text: str, *, page: str | None = None, day: dt.date | None = None) -> Captured:
        """Quick capture: append ``text`` as a block to today's journal (or ``day``'s) or to ``page``."""
        return capture(self.graph, text, page=page, day=day or self.today())

    def summary(self) -> GraphSummary:
        summary = GraphSummary(self.root)
        for page in self.pages():
            summary.pages += 1
            if page.errors:
                summary.files_with_errors += 1
            if page.journal_date:
                summary.journals += 1
                day = page.journal_date
                if summary.first_journal is None or day < summary.first_journal:
                    summary.first_journal = day
                if summary.last_journal is None or day > summary.last_journal:
                    summary.last_journal = day
            for block in page.blocks:
                summary.blocks += 1
                if block.marker:
                    summary.markers[block.marker] += 1
                summary.tags.update(block.tags)
                # Logseq records a property's key as a ref (``type::`` links page "type"); an
                # overview of what the notes link is about their values, not the keys
                keys = {key.lower() for key in block.properties}
                summary.refs.update(ref for ref in block.refs if ref not in keys)
        return summary
