"""``notegraph serve``: the terminal app in a web browser, each tab an app of its own.

This module only checks the graph, opens the listening socket (so a port in use is a message,
not a traceback from deep inside aiohttp), makes the token and prints the URL. The server itself
is :mod:`notegraph.tui.web_server`, imported only when serving: it brings Textual, Rich and aiohttp.
"""

from __future__ import annotations

import errno
import ipaddress
import secrets
import socket
import sys
import threading
import webbrowser

import click

from notegraph.cli.common import graph_argument_or_option, open_notebook
from notegraph.errors import NotegraphError

DEFAULT_PORT = 8737
"""Not 8000 or 8080, which many development servers take."""

LOOPBACK = "127.0.0.1"


@click.command("serve")
@graph_argument_or_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on; 0 takes any free one.")
@click.option("--host", help=f"Address to listen on (default {LOOPBACK}: this machine only). Any other "
                             "lets whoever reaches it and learns the URL read and change your notes.")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the default web browser.")
def serve(graph: str | None, port: int, host: str | None, open_browser: bool) -> None:
    """Serve the app to web browsers on this machine: every browser tab runs its own app on GRAPH.

    Prints the URL to open; it carries a random token, and a request without it is refused.
    Ctrl+C stops the server and every tab's app (each saves first).
    """
    notebook = open_notebook(graph)  # a bad graph fails here, as for every command
    root = notebook.root
    notebook.close()
    sock = listen(host or LOOPBACK, port)
    bound = sock.getsockname()
    address = ipaddress.ip_address(bound[0])
    if not address.is_loopback:
        click.echo(f"warning: listening on {bound[0]}, not only on this machine: anyone who can reach it and "
                   "learns the URL can read and change your notes, and http is not encrypted (leave out "
                   "--host to serve this machine only)", err=True)
    token = secrets.token_urlsafe(24)
    url = f"http://{url_host(address)}:{bound[1]}/?token={token}"
    click.echo(f"notegraph: serving {root} at")
    click.echo(f"  {url}")
    click.echo("Each browser tab runs its own app; the token keeps other users of this machine out. "
               "Ctrl+C stops.")
    sys.stdout.flush()
    if open_browser:
        # In a thread: a console browser ($BROWSER=w3m) would hold this one until it quits. The
        # socket already listens, so the browser's first request waits for the server.
        threading.Thread(target=open_in_browser, args=(url,), daemon=True).start()

    from notegraph.tui.web_server import serve_forever  # Textual, Rich, aiohttp: ~0.5 s, only here

    serve_forever(root, sock, token)
    click.echo("stopped")


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port``, or a NotegraphError saying why not and what to do."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise NotegraphError(f"cannot listen on {host!r}: {exc.strerror}",
                             f"give --host an address of this machine, or leave it out ({LOOPBACK})") from None
    sock = socket.socket(family, kind, proto)
    # A server stopped a moment ago leaves connections in TIME_WAIT; they must not block a restart
    # (this does not let two servers listen on one port: that is still EADDRINUSE).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        where = f"port {port} on {host}"
        if exc.errno == errno.EADDRINUSE:
            raise NotegraphError(f"{where} is already in use (another `notegraph serve`, or another program)",
                                 f"choose another port: `notegraph serve --port {port + 1 if port < 65535 else 0}`"
                                 " (or --port 0 for any free one)") from None
        if exc.errno == errno.EACCES:
            raise NotegraphError(f"{where} needs privileges this user lacks (ports below 1024 usually do)",
                                 f"use a higher port: `notegraph serve --port {DEFAULT_PORT}`") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise NotegraphError(f"{host} is not an address of this machine",
                                 f"leave out --host ({LOOPBACK}), or give one of this machine's addresses") from None
        raise NotegraphError(f"cannot listen on {where}: {exc.strerror or exc}",
                             f"try another port (`--port 0` takes any free one) or leave out --host") from None
    return sock


def url_host(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The address as a URL's host; the wildcard (all addresses) as this machine's loopback."""
    if address.is_unspecified:
        return LOOPBACK if address.version == 4 else "[::1]"
    return str(address) if address.version == 4 else f"[{address}]"


def open_in_browser(url: str) -> None:
    try:
        opened = webbrowser.open(url)
    except Exception:  # webbrowser raises what the browser's launcher raised
        opened = False
    if not opened:
        click.echo("warning: no web browser could be started (none found, or it failed): open the URL above "
                   "yourself, or name one: `BROWSER=chromium notegraph serve --open`", err=True)


COMMANDS = [serve]
