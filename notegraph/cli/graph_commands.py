"""Commands on a whole graph: open (summary), export, check, rename."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TextIO

import click

from notegraph.cli.common import graph_argument_or_option, graph_option, open_notebook
from notegraph.errors import NotegraphError
from notegraph.logseq.export import page_record
from notegraph.notebook import Notebook


@click.command("open")
@graph_argument_or_option
@click.option("--summary", is_flag=True, help="Print an overview of the graph instead of opening the app.")
def open_graph(graph: str | None, summary: bool) -> None:
    """Open GRAPH in the terminal app (or print an overview with --summary, or when not in a terminal)."""
    notebook = open_notebook(graph)
    if not summary and sys.stdout.isatty() and sys.stdin.isatty():
        # Textual costs ~0.3 s to import: only when the app really opens.
        from notegraph.tui.app import run

        run(notebook)
        return
    print_summary(notebook)


def print_summary(notebook: Notebook) -> None:
    summary = notebook.summary()
    click.echo(f"graph    {summary.root}")
    click.echo(f"pages    {summary.pages} files, {summary.journals} journal days"
               + (f" ({summary.first_journal} .. {summary.last_journal})" if summary.first_journal else ""))
    click.echo(f"blocks   {summary.blocks}")
    if summary.markers:
        click.echo("tasks    " + ", ".join(f"{m} {n}" for m, n in summary.markers.most_common()))
    if summary.tags:
        click.echo("tags     " + ", ".join(f"#{t} ({n})" for t, n in summary.tags.most_common(8)))
    top_refs = [(r, n) for r, n in summary.refs.most_common(20) if r.lower() not in {"todo", "done", "later", "now",
                                                                                   "doing", "a", "b", "c"}][:8]
    if top_refs:
        click.echo("linked   " + ", ".join(f"[[{r}]] ({n})" for r, n in top_refs))
    if summary.files_with_errors:
        click.echo(f"problems {summary.files_with_errors} files; run `notegraph check {summary.root}`")


@click.command("export")
@graph_argument_or_option
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="Output format: one JSON object per file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write here instead of standard output (never a file of the graph).")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any file had errors.")
def export(graph: str | None, fmt: str, output: str, strict: bool) -> None:
    """Print every page of GRAPH as JSON lines, sorted by file path."""
    notebook = open_notebook(graph)
    if output == "-":
        _export(notebook, sys.stdout, strict)
        return
    refuse_output_in_graph(Path(output), notebook)
    try:
        with open(output, "w", encoding="utf-8") as fh:
            _export(notebook, fh, strict)
    except OSError as exc:
        raise NotegraphError(f"{output} could not be written ({exc.strerror or exc})",
                             "pass -o a path in a folder you can write") from None


def refuse_output_in_graph(path: Path, notebook: Notebook) -> None:
    """An export (or any output file) must not replace a note, the config, or land among the pages."""
    real = Path(os.path.realpath(path))
    root = notebook.root
    if root not in real.parents:
        return
    config = notebook.graph.config
    top = real.relative_to(root).parts[0]
    if real.exists() or top in (config.journals_dir.split("/")[0], config.pages_dir.split("/")[0], "logseq"):
        raise NotegraphError(f"{path} is inside the graph {root}; the output would replace or join your notes",
                             "write it outside the graph folder, e.g. -o ~/graph-export.jsonl")


def _export(notebook: Notebook, output: TextIO, strict: bool) -> None:
    failed = 0
    for page in notebook.pages():
        for error in page.errors:
            click.echo(f"warning: {page.file}: {error}", err=True)
        failed += bool(page.errors)
        output.write(json.dumps(page_record(page), ensure_ascii=False) + "\n")
    output.flush()
    if strict and failed:
        click.echo(f"{failed} files had errors", err=True)
        sys.exit(1)


@click.command("check")
@graph_argument_or_option
@click.option("-v", "--verbose", is_flag=True, help="List every file, not only the ones with problems.")
def check(graph: str | None, verbose: bool) -> None:
    """Tell whether notegraph can safely edit GRAPH: every file must read back byte for byte.

    Exits with status 0 only when all files do.
    """
    notebook = open_notebook(graph)
    files = bad = warned = blocks = 0
    for result in notebook.check():
        files += 1
        blocks += result.blocks
        if not result.round_trips:
            bad += 1
        if result.errors:
            warned += 1
        if verbose or not result.round_trips or result.errors:
            status = "ok  " if result.round_trips else "FAIL"
            click.echo(f"{status} {result.file} ({result.blocks} blocks)")
            for error in result.errors:
                click.echo(f"     {error}")
    click.echo(f"{files} files, {blocks} blocks: {files - bad} round-trip byte for byte, "
               f"{bad} do not; {warned} with warnings")
    if bad:
        click.echo("notegraph will not write to the files marked FAIL.", err=True)
        sys.exit(1)


@click.command("rename")
@click.argument("old")
@click.argument("new")
@graph_option
@click.option("-n", "--dry-run", is_flag=True, help="Show the plan (files and counts) and change nothing.")
def rename(old: str, new: str, graph_opt: str | None, dry_run: bool) -> None:
    """Rename the page OLD to NEW: its file (in the graph's file-name format), every [[OLD]], #OLD,
    tags::/alias:: mention and title:: across the graph, and the pages under OLD/.

    The plan is printed first. Each file is written atomically; if a write fails, the files
    already done and the ones left are listed (exit status 3) and running it again finishes.
    """
    notebook = open_notebook(graph_opt)
    plan = notebook.plan_rename(old, new)
    click.echo(f"rename {plan.old} → {plan.new}: {plan.references} references in {len(plan.changes)} files")
    for change in plan.changes:
        moved = f"  → {change.move_to}" if change.move_to else ""
        click.echo(f"  {change.rel}: {change.references} references{moved}")
    for rel in plan.unreadable:
        click.echo(f"warning: {rel} mentions {plan.old} but is an org-mode file, which notegraph does not "
                   "edit: change it by hand", err=True)
    if dry_run:
        click.echo("dry run: nothing was changed")
        return
    report = notebook.rename_page(plan)
    if report.error is not None:
        click.echo(f"done: {', '.join(report.done) or 'none'}", err=True)
        click.echo(f"not done: {', '.join([report.failed or '', *report.not_done]).strip(', ')}", err=True)
        raise report.error
    click.echo(f"renamed: {len(report.done)} files written")


COMMANDS = [open_graph, export, check, rename]
