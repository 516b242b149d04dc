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
                               query_commands)

    for module in (graph_commands, capture, index_commands, query_commands, agent_commands, model_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        return cli.main(args=argv, prog_name="notegraph")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
