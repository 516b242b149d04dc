"""``notegraph models``: which language models are there, and which one answers."""

from __future__ import annotations

import json

import click

from notegraph.cli.common import graph_option, open_notebook

from notegraph.errors import NotegraphError
from notegraph.llm.choose import choose_llm, statuses
from notegraph.settings import load_settings


@click.command("models")
@graph_option
@click.option("--json", "as_json", is_flag=True, help="Print the statuses as JSON.")
def models(graph_opt: str | None, as_json: bool) -> None:
    """Show the language models notegraph can use and the one it will use.

    Models and plugins are the same for every graph: -g is taken (every command takes it) and
    only checked to be a graph.
    """
    if graph_opt:
        open_notebook(graph_opt)
    settings = load_settings()
    rows = statuses(settings.llm or "auto", settings.ollama_model)
    try:
        chosen = choose_llm(settings.llm, settings.ollama_model)
        using = f"{chosen.backend}: {chosen.model}"
    except NotegraphError as exc:
        using = f"none ({exc.message})"
    if as_json:
        click.echo(json.dumps({"models": [row.__dict__ for row in rows], "using": using}))
        return
    for row in rows:
        mark = click.style("available", fg="green") if row.available else click.style("unavailable", fg="red")
        click.echo(f"{row.backend:<9} {row.model:<34} {mark}  {row.detail}")
        if row.fix and not row.available:
            click.echo(f"          fix: {row.fix}")
    click.echo(f"using: {using} (choose with `llm = \"auto|ollama|embedded\"` in config.toml or NOTEGRAPH_LLM)")


COMMANDS = [models]
