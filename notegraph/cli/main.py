"""``notegraph``: the entry point and the command group.

``notegraph [GRAPH]`` with no command opens the graph; commands live in
modules by group (``graph_commands``, ``capture``) and register here.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from notegraph import __version__
from notegraph.cli.common import forget_opened, give_graph_option, opened_index, recover_damaged_index
from notegraph.errors import NotegraphError
from notegraph.store import index_problem


EXIT_BROKEN_PIPE = 141
"""The output pipe closed early (128 + SIGPIPE, what a shell reports for any tool killed that way)."""
EXIT_BUG = 70
"""A bug in notegraph (sysexits' EX_SOFTWARE): the traceback goes to a file, not the terminal."""


_GROUP_OPTIONS = {"-h", "--help", "--version"}


class _GraphDefaultGroup(click.Group):
    """A group where an unknown first word is the GRAPH of the default ``open`` command."""

    default_command = "open"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `notegraph`, `notegraph GRAPH`, `notegraph --summary`, `notegraph -g GRAPH`: all `open`.
        # Only the group's own options (--help, --version) stay with the group.
        if not args or (args[0] not in self.commands and args[0] not in _GROUP_OPTIONS):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Errors people can act on: the message, the fix, and a documented exit code.

        A damaged index (a cache) is started afresh and the command run once more.
        """
        args = (list(ctx._protected_args), list(ctx.args))
        forget_opened()
        for attempt in (1, 2):
            try:
                return super().invoke(ctx)
            except NotegraphError as exc:
                _fail(ctx, exc)
            except sqlite3.DatabaseError as exc:
                if attempt == 1 and recover_damaged_index(exc):
                    click.echo("notice: the index was damaged; it was started afresh, running the command again",
                               err=True)
                    ctx._protected_args, ctx.args = list(args[0]), list(args[1])
                    continue
                _fail(ctx, index_problem(exc, opened_index() or Path("(index)")))
            except BrokenPipeError:
                _leave_quietly()
                ctx.exit(EXIT_BROKEN_PIPE)
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                _fail(ctx, NotegraphError(f"{where}{exc.strerror or exc}",
                                          "check that the path exists and that you may read and write it"))
        return None


def _leave_quietly() -> None:
    """The reader of our output went away (`notegraph tags | head`): stop as Unix tools do, and keep
    Python from complaining while it flushes stdout on the way out."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail(ctx: click.Context, exc: NotegraphError) -> None:
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
                               plugin_commands, query_commands, serve_command)

    for module in (graph_commands, capture, index_commands, query_commands, agent_commands, model_commands,
                   plugin_commands, serve_command):
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
    for name, command in cli.commands.items():
        if name not in builtin:
            give_graph_option(command)
    for warning in host.take_warnings():
        click.echo(f"warning: {warning}", err=True)


_register()


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        _register_plugins()
        return cli.main(args=argv, prog_name="notegraph")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        _leave_quietly()
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as exc:  # a bug: say so in one line, keep the details for the report
        report = _save_crash_report()
        click.echo(f"error: notegraph failed unexpectedly ({type(exc).__name__}: {exc})", err=True)
        click.echo(f"  hint: this is a bug in notegraph, not in your notes; the details are in {report}"
                   if report else "  hint: this is a bug in notegraph, not in your notes", err=True)
        sys.exit(EXIT_BUG)


def _save_crash_report() -> str | None:
    import datetime as dt
    import traceback

    import platformdirs

    text = traceback.format_exc()
    try:
        folder = Path(os.environ.get("NOTEGRAPH_CACHE_DIR") or platformdirs.user_cache_dir("notegraph")) / "crashes"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
        path.write_text(f"notegraph {__version__}\nargv: {sys.argv!r}\n\n{text}", encoding="utf-8",
                        errors="backslashreplace")
        return str(path)
    except OSError:
        sys.stderr.write(text)
        return None


if __name__ == "__main__":
    main()
