"""Commands that build and keep the index: ``index`` and ``watch``."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from typing import Any

import click

from notegraph.cli.common import graph_argument, graph_option, index_option, open_notebook
from notegraph.index.executor import IndexReport


def describe(report: IndexReport) -> str:
    plan = report.plan
    parts = [f"{len(plan.new)} new", f"{len(plan.changed)} changed", f"{len(plan.deleted)} deleted"]
    if plan.moved:
        parts.append(f"{len(plan.moved)} moved")
    return (f"{', '.join(parts)}, {plan.unchanged} unchanged; {report.rows_written} rows written "
            f"in {report.seconds:.2f} s")


@click.command("index")
@graph_argument
@graph_option
@index_option
@click.option("--rebuild", is_flag=True, help="Forget the index and read every file again.")
def index(graph: str | None, graph_opt: str | None, index_path: str | None, rebuild: bool) -> None:
    """Bring the index of GRAPH up to date (only changed files are read again)."""
    notebook = open_notebook(graph or graph_opt, index_path)
    store = notebook.store
    for notice in store.notices:
        click.echo(f"notice: {notice}", err=True)
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
    for rel, error in sorted(report.errors.items()):
        click.echo(f"warning: {rel}: {error}", err=True)
    counts = store.counts()
    click.echo(f"{notebook.index_path}: {counts['files']} files, {counts['pages']} pages, {counts['blocks']} blocks")
    click.echo(describe(report))


@click.command("watch")
@graph_argument
@graph_option
@index_option
def watch(graph: str | None, graph_opt: str | None, index_path: str | None) -> None:
    """Keep the index of GRAPH live: re-index files as they change, until Ctrl-C."""
    notebook = open_notebook(graph or graph_opt, index_path)
    first = notebook.index()
    click.echo(f"indexed {notebook.root}: {describe(first)}")
    stop = threading.Event()

    def on_update(report: IndexReport) -> None:
        plan = report.plan
        changed = plan.new + plan.changed + [f"{a} → {b}" for a, b in plan.moved] + \
            [f"{d} (deleted)" for d in plan.deleted]
        if changed:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            click.echo(f"{stamp}  {', '.join(changed)}  ({report.rows_written} rows, {report.seconds * 1000:.0f} ms)")
            sys.stdout.flush()  # one line per update, also when piped
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
    click.echo("stopped")


COMMANDS = [index, watch]
