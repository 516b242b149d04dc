"""Commands that ask the local model: ``ask``, ``summarize``, ``report``."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import click

from notegraph.agent.ask import Answer
from notegraph.agent.sources import Source
from notegraph.agent.tools import describe
from notegraph.cli.common import filter_options, graph_option, index_option, make_filters, open_fresh
from notegraph.errors import NotegraphError
from notegraph.shorten import first_line_clipped


def print_source_list(sources: list[Source], cited: set[int], heading: str) -> None:
    click.echo(click.style("Sources", bold=True) + click.style(f"  ({heading})", dim=True))
    for source in sources:
        hit = source.hit
        mark = click.style(f"[{source.n}]", fg="green" if source.n in cited else None, bold=source.n in cited)
        trail = " › ".join(first_line_clipped(line, 40) for line in hit.breadcrumb)
        where = click.style(f"{hit.file}:{hit.line}" + (f" (({source.uuid}))" if source.uuid else ""), dim=True)
        click.echo(f"{mark} {click.style(hit.page, fg='cyan')}{' › ' + trail if trail else ''}")
        click.echo(f"    {hit.content.splitlines()[0] if hit.content else ''}  {where}")


def warn_removed(result: Answer) -> None:
    if result.removed_citations:
        numbers = ", ".join(f"[{n}]" for n in result.removed_citations)
        click.echo(click.style(f"removed {numbers} from the answer: the model cited sources it was not given",
                               fg="yellow"), err=True)


def print_sources(result: Answer) -> None:
    click.echo()
    print_source_list(result.sources, {s.n for s in result.citations}, f"{result.backend}: {result.model}")
    warn_removed(result)


@click.command("ask")
@click.argument("question", nargs=-1, required=True)
@graph_option
@index_option
@filter_options
@click.option("--no-agent", is_flag=True, help="Never let the model call tools; retrieve, then answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer, citations and sources as one JSON object.")
@click.option("--save", is_flag=True, help="Keep the answer: write it into today's journal, citations as block references.")
@click.option("-c", "--continue", "continue_", is_flag=True,
              help="A follow-up in the last Ask thread of this graph (app or CLI): \"those\" means the last answer.")
def ask(question: tuple[str, ...], graph_opt: str | None, index_path: str | None, tags: tuple[str, ...],
        exact_tag: bool, pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...],
        since: str | None, from_: str | None, to: str | None, no_agent: bool, as_json: bool, save: bool,
        continue_: bool) -> None:
    """Answer QUESTION from your notes, citing them as [n]; time words ("last week") filter the journal."""
    notebook = open_fresh(graph_opt, index_path)
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)
    cancel = threading.Event()

    shown_first: list[Source] = []
    answering: list[bool] = []

    def show(piece: str) -> None:
        if shown_first and not answering:
            click.echo(click.style("\nAnswer", bold=True))
        answering.append(piece.endswith("\n"))
        sys.stdout.write(piece)
        sys.stdout.flush()

    def sources_first(found: list[Source]) -> None:
        """The sources before the answer: they are ready in a second, the model's words take longer.
        A model that looks things up itself finds them in rounds: each round prints the new ones."""
        new = [source for source in found if source not in shown_first]
        if new and not answering:
            heading = "found by the model's next lookup" if shown_first else "found; the answer follows"
            shown_first.extend(new)
            print_source_list(new, set(), heading)

    threads = notebook.threads
    thread = next(iter(threads.recent(1)), None) if continue_ else None
    if continue_ and thread is None:
        click.echo(click.style("no earlier Ask thread for this graph: starting a new one", fg="yellow"), err=True)
    thread = thread or threads.new()
    try:
        result = notebook.ask(" ".join(question), filters, on_token=None if as_json else show, cancel=cancel,
                              on_step=lambda step: click.echo(click.style(f"→ {describe(step)}", dim=True), err=True),
                              agent=not no_agent, on_sources=None if as_json else sources_first, thread=thread)
    except KeyboardInterrupt:
        cancel.set()
        raise
    saved = notebook.save_answer(result) if save and not result.found_nothing else None
    if as_json:
        click.echo(json.dumps({**result.as_json(), "thread": thread.id, "turn": len(thread.turns),
                               **({"saved": {"file": saved.rel, "line": saved.line}} if saved else {})},
                              ensure_ascii=False))
        return
    if not answering or not answering[-1]:  # end the answer's last line
        click.echo()
    facts = [f"{result.backend}: {result.model}"]
    if result.searched and result.searched != result.question:
        facts.append(f"searched as: {result.searched}")
    if result.citations:
        facts.append("cites " + ", ".join(f"[{s.n}]" for s in result.citations))
    if result.window:
        facts.append(f"journal days {result.window.describe()}")
    if result.rejected_prose:
        facts.append("the model's own wording failed the checks and is not shown")
    click.echo(click.style(" · ".join(facts), dim=True))
    if result.sources and not shown_first:  # a tool-calling model found them as it went
        print_sources(result)
    else:
        warn_removed(result)
    if saved:
        click.echo(f"saved to {saved.rel}:{saved.line}")
    elif save:
        click.echo("nothing saved: the notes hold no answer to this", err=True)


@click.command("summarize")
@click.argument("page", required=False)
@graph_option
@index_option
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary, citations and sources as JSON.")
def summarize(page: str | None, graph_opt: str | None, index_path: str | None, tags: tuple[str, ...],
              exact_tag: bool, pages: tuple[str, ...], refs: tuple[str, ...], markers: tuple[str, ...],
              since: str | None, from_: str | None, to: str | None, as_json: bool) -> None:
    """Summarise PAGE, or the blocks of a --tag / --since window, citing them as [n]."""
    notebook = open_fresh(graph_opt, index_path)
    filters = make_filters(notebook, tags, exact_tag, pages, refs, markers, since, from_, to)

    def show(piece: str) -> None:
        sys.stdout.write(piece)
        sys.stdout.flush()

    result = notebook.summarize(page, filters, on_token=None if as_json else show)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    click.echo()
    if not result.text and not result.found_nothing:
        click.echo(click.style(f"({result.model} wrote no usable summary; the sources below are the material)",
                               fg="yellow"), err=True)
    print_sources(result)


@click.group("report")
def report() -> None:
    """Research-sprint reports: facts computed from the journal, prose by the local model."""


def report_options(fn: Any) -> Any:
    """The options ``report sprint`` and ``report week`` share."""
    for option in reversed([
        graph_option, index_option,
        click.option("--end", "end", help="The last day (YYYY-MM-DD, yesterday, -7…; default today)."),
        click.option("--write", is_flag=True, help="Save the report as a page of the graph (Sprint Report/START to END)."),
        click.option("--force", is_flag=True, help="With --write: replace a report page that exists already."),
        click.option("--json", "as_json", is_flag=True, help="Print every computed fact and the prose as one JSON object."),
        click.option("--no-model", is_flag=True, help="Facts only: never ask a language model for prose."),
    ]):
        fn = option(fn)
    return fn


@report.command("sprint")
@report_options
@click.option("--weeks", type=int, help="How many weeks (default: the sprint length in config.edn, else 2).")
def report_sprint(graph_opt: str | None, index_path: str | None, end: str | None, write: bool, force: bool,
                  as_json: bool, no_model: bool, weeks: int | None) -> None:
    """The research-sprint report: goals and questions, what was read, built, failed and learned, what is
    open and next, for the sprint ending on --end."""
    if weeks is not None and weeks < 1:
        raise NotegraphError("--weeks must be at least 1", "e.g. --weeks 2")
    run_report(graph_opt, index_path, end, write, force, as_json, no_model, weeks=weeks)


@report.command("week")
@report_options
def report_week(graph_opt: str | None, index_path: str | None, end: str | None, write: bool, force: bool,
                as_json: bool, no_model: bool) -> None:
    """The report of the seven days ending on --end: the sprint report, one week at a time."""
    run_report(graph_opt, index_path, end, write, force, as_json, no_model, days=7)


def run_report(graph_opt: str | None, index_path: str | None, end: str | None, write: bool, force: bool,
               as_json: bool, no_model: bool, *, weeks: int | None = None, days: int | None = None) -> None:
    import time

    from notegraph.timewindow import parse_day

    notebook = open_fresh(graph_opt, index_path)
    try:
        last = parse_day(end, notebook.today(), notebook.sprints()) if end else None
    except NotegraphError:
        raise NotegraphError(f"--end {end!r} is not a day", "write a date like 2026-11-22, or yesterday, -7") from None
    window = notebook.report_window(weeks=weeks, days=days, end=last)
    if write and not force:
        notebook.refuse_existing_report(window)  # before any model call: exit 3 at once

    def progress(title: str) -> None:
        click.echo(click.style(f"writing: {title}", dim=True), err=True)

    started = time.perf_counter()
    cancel = threading.Event()
    try:
        result = notebook.sprint_report(weeks=weeks, days=days, end=last, prose=not no_model, on_section=progress,
                                        cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        raise
    took = time.perf_counter() - started
    if result.prose_error:
        click.echo(click.style(f"no prose: {result.prose_error}; the facts are complete", fg="yellow"), err=True)
    path = notebook.write_report(result, force=force) if write else None
    if as_json:
        click.echo(json.dumps({**notebook.report_json(result), "seconds": round(took, 2),
                               **({"written": str(path.relative_to(notebook.root))} if path else {})},
                              ensure_ascii=False))
        return
    if path is not None:
        model = f"{result.backend}: {result.model}" if result.backend else "facts only"
        click.echo(f"wrote {path.relative_to(notebook.root)} ([[{result.title}]]; {model}; {took:.1f} s)")
        return
    click.echo(notebook.report_text(result), nl=False)


COMMANDS = [ask, summarize, report]
