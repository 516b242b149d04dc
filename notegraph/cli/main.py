"""``notegraph``: the entry point and the command group.

``notegraph [GRAPH]`` with no command opens the graph; commands live in
modules by group (``graph_commands``, ``capture``) and register here.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from notegraph import __version__
from notegraph.errors import NotegraphError


class _GraphDefaultGroup(click.Group):
    """A group where an unknown first word is the GRAPH of the default ``open`` command."""

    default_command = "open"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and not args[0].startswith("-")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Errors people can act on: the message, the fix, and a documented exit code."""
        try:
            return super().invoke(ctx)
        except NotegraphError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_GraphDefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="notegraph")
def cli() -> None:
    """A research notebook over a Logseq graph.

    Run `notegraph [GRAPH]` to open a graph folder (default: $NOTEGRAPH_GRAPH, or the
    current folder when it holds journals/ or pages/).
    """


def _register() -> None:
    from notegraph.cli import (agent_commands, capture, graph_commands, index_commands, model_commands,
                               plugin_commands, query_commands)

    for module in (graph_commands, capture, index_commands, query_commands, agent_commands, model_commands,
                   plugin_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


def _register_plugins() -> None:
    """Commands from plugins; a plugin that fails is reported on stderr and left out."""
    from notegraph.plugins import plugin_host
    from notegraph.settings import load_settings

    try:
        host = plugin_host(load_settings().plugins_dir)
    except NotegraphError:
        return  # a broken config.toml: the command itself will say so
    builtin = dict(cli.commands)
    host.call("register_commands", cli=cli)
    for name, command in builtin.items():  # a plugin may add commands, not replace ours
        if cli.commands.get(name) is not command:
            cli.add_command(command)
            click.echo(f"warning: a plugin tried to replace `notegraph {name}`; kept the built-in", err=True)
    for warning in host.take_warnings():
        click.echo(f"warning: {warning}", err=True)


_register()


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    _register_plugins()
    try:
        return cli.main(args=argv, prog_name="notegraph")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
