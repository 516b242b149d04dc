"""``notegraph serve``'s web server: textual-serve's, behind a token, with a page of notegraph's own.

textual-serve (aiohttp) starts one app process per websocket, that is per browser tab, and relays
its screen and keys. What this module changes:

* **a token**: every request but the public static files must carry the token, in the query
  (``/?token=…``) or in the websocket's path (``/ws/<token>``: textual.js appends ``?width=…``
  to the websocket URL the page gives it, so the token cannot go in that one's query). Anyone else on
  the machine can connect to a loopback port; without the token they get a 403 and no notes.
  No cookie: cookies are shared by every port of 127.0.0.1, so another local server could read it.
* **the page**: a title naming the graph, notegraph's favicon, the font textual-serve ships
  (its own page fetches one from Google, which fails offline), and no referrer sent anywhere.
* **the app command**: ``python -m notegraph.tui.web_tab GRAPH`` with this interpreter.

The listening socket is made by the caller (``notegraph/cli/serve_command.py``): a port in use
is a message there, before anything starts.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import html
import logging
import shlex
import socket
import sys
from pathlib import Path
from string import Template
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from textual_serve.server import Server

TOKEN = "token"
"""The query parameter (and websocket path part) that carries the token."""

PUBLIC = ("/static/",)
"""textual-serve's JavaScript, CSS and fonts: the same in every install, no notes in them."""

FAVICON = "/favicon.svg"

PAGE = Template((Path(__file__).parent / "web_page.html").read_text(encoding="utf-8"))

REFUSED = ("403 Forbidden: this notegraph needs the token from its URL.\n"
           "Open the exact URL `notegraph serve` printed (it ends in ?token=...).\n")


def favicon_path() -> Path | None:
    """assets/favicon.svg: inside the package when installed from a wheel, else at the repository's top."""
    here = Path(__file__).resolve().parent.parent  # the notegraph package
    for folder in (here / "assets", here.parent / "assets"):
        if (folder / "favicon.svg").is_file():
            return folder / "favicon.svg"
    return None


def token_guard(token: str) -> Middleware:
    """An aiohttp middleware refusing every request without ``token`` (but the public files)."""
    expected = token.encode()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path == FAVICON or path.startswith(PUBLIC):
            return await handler(request)
        given = request.match_info.get(TOKEN) or request.query.get(TOKEN) or ""
        # compare_digest: the time taken says nothing about how much of a guess was right
        if not hmac.compare_digest(given.encode(), expected):
            return web.Response(status=403, text=REFUSED)
        return await handler(request)

    return guard


class NotegraphServer(Server):
    """textual-serve's server for one graph, behind ``token``."""

    def __init__(self, graph: Path, token: str) -> None:
        # exec: the app replaces the shell textual-serve starts it with, so signals reach the app
        command = "exec " + shlex.join([sys.executable, "-m", "notegraph.tui.web_tab", str(graph)])
        super().__init__(command, title=f"notegraph — {graph.name}")
        self.token = token
        self.favicon = favicon_path()
        self.tabs: set[asyncio.Task[object]] = set()
        """The handlers of the tabs' websockets, each running one tab's app."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_guard(self.token))
        app.router.add_get(f"/ws/{{{TOKEN}}}", self.handle_websocket, name="tab-websocket")
        app.router.add_get(FAVICON, self.handle_favicon)
        app.on_cleanup.append(self._collect_garbage)
        return app

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's: start the tab's app and relay it until either side closes (kept in
        :attr:`tabs` meanwhile, for :meth:`on_shutdown`)."""
        task = asyncio.current_task()
        assert task is not None
        self.tabs.add(task)
        try:
            response: web.WebSocketResponse = await super().handle_websocket(request)
            return response
        finally:
            self.tabs.discard(task)

    async def on_shutdown(self, app: web.Application) -> None:
        """Stopping: end every tab now, while its browser is still connected. textual-serve then tells
        the tab's app to quit (it saves) and waits for it, and closes the websocket (the tab shows
        that the session ended). Left to aiohttp, the handlers would be cancelled only after
        ``shutdown_timeout``, and each close would then wait 10 s for a connection already gone."""
        tabs = list(self.tabs)
        for task in tabs:
            task.cancel()  # textual-serve's handler takes the cancellation as "stop" and returns
        await asyncio.gather(*tabs, return_exceptions=True)

    async def _collect_garbage(self, app: web.Application) -> None:
        # textual-serve leaves each ended app's pipes to the garbage collector; collected after the
        # event loop has closed, they print a traceback ("Event loop is closed") on the way out.
        gc.collect()

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page: the terminal, and the websocket URL with the token in its path."""
        scheme = "wss" if request.secure else "ws"
        websocket_url = f"{scheme}://{request.host}/ws/{quote(self.token, safe='')}"
        try:
            font_size = min(max(int(request.query.get("fontsize", "16")), 6), 48)
        except ValueError:
            font_size = 16
        page = PAGE.substitute(title=html.escape(self.title), websocket_url=html.escape(websocket_url),
                               font_size=font_size)
        return web.Response(text=page, content_type="text/html", headers={
            "Cache-Control": "no-store",  # the token is in the URL: keep the page out of caches
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",  # no other site may frame it and steer the clicks
        })

    async def handle_favicon(self, request: web.Request) -> web.StreamResponse:
        if self.favicon is None:
            raise web.HTTPNotFound()
        return web.FileResponse(self.favicon, headers={"Content-Type": "image/svg+xml"})

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its logo and URL here; `notegraph serve` has printed its own."""


def serve_forever(graph: Path, sock: socket.socket, token: str) -> None:
    """Serve ``graph`` on the listening ``sock`` until SIGINT or SIGTERM, then stop each tab's app
    (they save first) and return."""
    # textual-serve reports an app that failed to start (with its stderr) through this logger
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("notegraph serve: %(message)s"))
    for name in ("textual-serve", "aiohttp.server", "aiohttp.web"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
    server = NotegraphServer(graph, token)
    web.run_app(server._make_app(), sock=sock, print=None, access_log=None, handle_signals=True,
                shutdown_timeout=10.0)
