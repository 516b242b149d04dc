"""Pieces every command shares: the GRAPH argument and opening a notebook."""

from __future__ import annotations

import click

from notegraph.notebook import Notebook

graph_argument = click.argument("graph", required=False, type=click.Path(file_okay=True, dir_okay=True))


def open_notebook(graph: str | None) -> Notebook:
    """Open the graph and warn about a config.edn that could not be used."""
    notebook = Notebook.open(graph)
    for error in notebook.graph.config.errors:
        click.echo(f"warning: {error}", err=True)
    return notebook
