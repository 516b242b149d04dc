"""Commands that build and keep the index: ``index`` and ``watch``."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
from typing import Any

import click

from notegraph.cli.common import graph_argument_or_option, index_option, open_notebook
from notegraph.index.embedding import EmbedReport
from notegraph.index.executor import IndexReport
from notegraph.notebook import Notebook


def describe(report: IndexReport) -> str:
    plan = report.plan
    parts = [f"{len(plan.new)} new", f"{len(plan.changed)} changed", f"{len(plan.deleted)} deleted"]
    if plan.moved:
        parts.append(f"{len(plan.moved)} moved")
    return (f"{', '.join(parts)}, {plan.unchanged} unchanged; {report.rows_written} rows written "
            f"in {report.seconds:.2f} s")


@click.command("index")
@graph_argument_or_option
@index_option
@click.option("--rebuild", is_flag=True, help="Forget the index and read every file again.")
@click.option("--no-embed", is_flag=True, help="Skip embedding (semantic search sees only what is embedded).")
def index(graph: str | None, index_path: str | None, rebuild: bool, no_embed: bool) -> None:
    """Bring the index of GRAPH up to date (only changed files are read again), then embed changed blocks."""
    notebook = open_notebook(graph, index_path)
    stderr = sys.stderr
    if stderr.isatty():
        bar: Any = click.progressbar(length=1, label="indexing", file=stderr, show_pos=True)
        with bar:
            def progress(done: int, total: int, rel: str) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = notebook.index(rebuild=rebuild, progress=progress)
    else:
        report = notebook.index(rebuild=rebuild)
    store = notebook.store
    for notice in store.notices:
        click.echo(f"notice: {notice}", err=True)
    for rel, error in sorted(report.errors.items()):
        click.echo(f"warning: {rel}: {error}", err=True)
    counts = store.counts()
    click.echo(f"{notebook.index_path}: {counts['files']} files, {counts['pages']} pages, {counts['blocks']} blocks")
    click.echo(describe(report))
    if not no_embed:
        embed_with_progress(notebook)


def describe_embedding(report: EmbedReport) -> str:
    text = f"embeddings ({report.model}): {report.embedded} texts embedded in {report.seconds:.1f} s"
    if report.pending_blocks:
        text += f"; {report.pending_blocks} blocks still pending"
    return text


def embed_with_progress(notebook: Notebook) -> EmbedReport:
    stderr = sys.stderr
    if stderr.isatty():
        bar: Any = click.progressbar(length=1, label="embedding", file=stderr, show_pos=True, show_eta=True)
        with bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = notebook.embed(progress=progress)
    else:
        report = notebook.embed()
    for notice in report.notices:
        click.echo(f"notice: {notice}", err=True)
    click.echo(describe_embedding(report))
    return report


@click.command("watch")
@graph_argument_or_option
@index_option
@click.option("--no-embed", is_flag=True, help="Do not embed changed blocks in the background.")
def watch(graph: str | None, index_path: str | None, no_embed: bool) -> None:
    """Keep the index of GRAPH live: re-index files as they change (and embed them), until Ctrl-C."""
    notebook = open_notebook(graph, index_path)
    first = notebook.index()
    click.echo(f"indexed {notebook.root}: {describe(first)}")
    stop = threading.Event()

    def on_embedded(report: EmbedReport) -> None:
        for notice in report.notices:
            click.echo(f"notice: {notice}", err=True)
        if report.embedded or report.pending_blocks:
            click.echo(f"{dt.datetime.now().strftime('%H:%M:%S')}  {describe_embedding(report)}")
            sys.stdout.flush()

    def on_embed_error(exc: BaseException) -> None:
        click.echo(f"error while embedding: {exc}", err=True)

    embedder = None if no_embed else notebook.embed_in_background(on_embedded, on_embed_error)

    def on_update(report: IndexReport) -> None:
        plan = report.plan
        changed = plan.new + plan.changed + [f"{a} → {b}" for a, b in plan.moved] + \
            [f"{d} (deleted)" for d in plan.deleted]
        if changed:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            click.echo(f"{stamp}  {', '.join(changed)}  ({report.rows_written} rows, {report.seconds * 1000:.0f} ms)")
            sys.stdout.flush()  # one line per update, also when piped
            if embedder is not None:
                embedder.wake()
        for rel, error in sorted(report.errors.items()):
            click.echo(f"warning: {rel}: {error}", err=True)

    def on_error(exc: BaseException) -> None:
        click.echo(f"error while indexing: {exc}", err=True)

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watcher = notebook.watch(on_update, on_error=on_error).start()
    click.echo("watching for changes; Ctrl-C to stop")
    sys.stdout.flush()
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        finished = embedder is None or embedder.stop(timeout=2.0)
    click.echo("stopped")
    if not finished:
        # The embedder is still loading torch or computing a chunk: its committed work
        # is safe in the index, and waiting could take seconds. Leave without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


COMMANDS = [index, watch]
