"""``notegraph plugins``: what loaded, from where, which hooks, and what failed."""

from __future__ import annotations

import json

import click

from notegraph.cli.common import graph_option, open_notebook

from notegraph.plugins import REPOSITORY_PLUGINS
from notegraph.settings import load_settings


@click.command("plugins")
@graph_option
@click.option("--json", "as_json", is_flag=True, help="one JSON object per plugin")
def plugins_command(graph_opt: str | None, as_json: bool) -> None:
    """List plugins: where each came from, the hooks it implements, and why one is switched off.

    Models and plugins are the same for every graph: -g is taken (every command takes it) and
    only checked to be a graph.
    """
    if graph_opt:
        open_notebook(graph_opt)
    from notegraph.plugins import plugin_host

    settings = load_settings()
    host = plugin_host(settings.plugins_dir)
    if as_json:
        for info in host.plugins:
            click.echo(json.dumps({"name": info.name, "source": info.source, "hooks": info.hooks,
                                   "error": info.error}))
        return
    if not host.plugins:
        click.echo(f"no plugins (looked in {REPOSITORY_PLUGINS}"
                   f"{', ' + str(settings.plugins_dir) if settings.plugins_dir else ''} and entry points)")
    for info in host.plugins:
        state = click.style("off", fg="red") if info.error else click.style("on", fg="green")
        click.echo(f"{info.name:<16} {state:<3}  {info.source}")
        if info.hooks:
            click.echo(f"{'':<21}hooks: {', '.join(info.hooks)}")
        if info.error:
            click.echo(f"{'':<21}{info.error}")


COMMANDS = [plugins_command]
