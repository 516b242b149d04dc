"""`notegraph serve`: the app in a real browser (Debian's Chromium, headless), served by the real command.

Each test runs `notegraph serve` in its own process group on a copy of the demo graph, on a free
port, and ends the whole group afterwards (the server and every tab's app). The browser is
driven over the DevTools protocol (tests/browser.py). Without Chromium the browser tests skip,
saying why; where `make test` could install it, it sets NOTEGRAPH_REQUIRE_BROWSER=1 and they fail
instead, so CI never skips them quietly.

Set NOTEGRAPH_SCREENSHOT=PATH to keep the journal screenshot there too (the README's
assets/notegraph-in-browser.png is made that way).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser import Browser, DevTools, Page, end_process_group, find_chromium, group_members
from tests.conftest import REPO, copy_demo
from tests.waiting import DEADLINE, wait_until

TODAY = "2026-11-23"
"""The day after the demo's last journal: today's page has no file until the first block is typed."""
DAY_FILE = "journals/2026_11_23.md"
URL = re.compile(r"http://\S+/\?token=\S+")


class Served:
    """`notegraph serve GRAPH --port 0 ARGS…` in a process group of its own; ``url`` is what it printed."""

    def __init__(self, root: Path, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.out, self.err = folder / "serve.out", folder / "serve.err"
        self.env = {**os.environ, "NOTEGRAPH_TODAY": TODAY, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
                    **(env or {})}
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "notegraph", "serve", str(root), *args],
                                            stdout=out, stderr=err, env=self.env, cwd=folder,
                                            start_new_session=True)
        self.url = ""

    def wait_for_url(self) -> str:
        assert wait_until(lambda: URL.search(self.stdout()) is not None or self.process.poll() is not None), \
            "notegraph serve printed no URL"
        found = URL.search(self.stdout())
        assert found, (self.process.returncode, self.stdout(), self.stderr())
        self.url = found.group(0)
        return self.url

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def finish(self) -> int:
        """Wait for a server that stops by itself; its exit status."""
        return self.process.wait(timeout=DEADLINE)

    def close(self) -> None:
        end_process_group(self.process)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return copy_demo(tmp_path / "demo")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[Served] = []

    def start(root: Path, *args: str, env: dict[str, str] | None = None) -> Served:
        served = Served(root, tmp_path / f"serve{len(started)}", *args, env=env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        reason = ("Chromium is not installed (`apt-get install chromium`; `make test` installs it where it can, "
                  "or name another with NOTEGRAPH_CHROMIUM)")
        if os.environ.get("NOTEGRAPH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"NOTEGRAPH_REQUIRE_BROWSER=1 (set by `make test` where it can install Chromium): {reason}")
        pytest.skip(reason)
    browser = Browser(executable, tmp_path_factory.mktemp("chromium"))
    yield browser
    browser.close()


def run(scenario: Any) -> None:
    asyncio.run(scenario)


async def open_app(devtools: DevTools, url: str) -> Page:
    """A new tab on the served app, once the app has drawn today's journal (ready to type)."""
    page = await devtools.new_page(url)
    assert await page.wait_for_text("November 23, 2026"), f"the app never drew the journal: {await page.received()!r}"
    await page.focus_terminal()
    return page


# -- in the browser -----------------------------------------------------------------------------


def test_typing_in_the_browser_writes_todays_journal_as_the_terminal_app_does(
        chromium: Browser, demo: Path, serve: Any, tmp_path: Path) -> None:
    served = serve(demo, "--port", "0")
    url = served.wait_for_url()
    day = demo / DAY_FILE

    async def scenario() -> None:
        devtools = await DevTools.connect(chromium.endpoint)
        try:
            page = await open_app(devtools, url)
            assert await page.evaluate("document.title") == "notegraph — demo"
            # the keys of test_tui's test_typing_a_new_day_writes_exactly_the_expected_bytes
            await page.type("Reading group #papers")
            await page.press("Enter")
            await page.type("chapter 3")
            await page.press("Tab")
            await page.press("Ctrl+R")
            await page.press("Enter")
            await page.type("next week")
            await page.press("Shift+Tab")
            # the demo graph's workflow is TODO/DOING/DONE and its indentation a tab
            expected = b"- Reading group #papers\n\t- TODO chapter 3\n- next week\n"
            assert wait_until(lambda: day.exists() and day.read_bytes() == expected), \
                day.read_bytes() if day.exists() else "no file"
            assert await page.wait_for_text("next week")
            shot = tmp_path / "journal-in-browser.png"
            await page.screenshot(shot)
            assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
            if os.environ.get("NOTEGRAPH_SCREENSHOT"):
                await page.screenshot(Path(os.environ["NOTEGRAPH_SCREENSHOT"]))
            # Ctrl+Q ends this tab's app; the page says so and offers to reload
            apps = len(group_members(served.process.pid))
            await page.press("Ctrl+Q")
            assert await page.wait_for("document.body.classList.contains('-closed')")
            assert wait_until(lambda: len(group_members(served.process.pid)) == apps - 1)
        finally:
            await devtools.close()

    run(scenario())
    # Stopping the server (SIGTERM, as Ctrl+C does) ends every tab's app too, and nothing is lost.
    served.process.send_signal(signal.SIGTERM)
    assert served.finish() == 0, served.stderr()
    assert "stopped" in served.stdout()
    assert wait_until(lambda: not group_members(served.process.pid)), "a tab's app outlived the server"
    assert day.read_bytes() == b"- Reading group #papers\n\t- TODO chapter 3\n- next week\n"
    assert "Traceback" not in served.stderr(), served.stderr()


def test_two_tabs_typing_into_one_journal_lose_nothing(chromium: Browser, demo: Path, serve: Any) -> None:
    """Two tabs are two apps, each with its own edit session: the second to save merges the first's
    block in, as the app does with Logseq's changes. Which saves first, and whether the other has
    reloaded by then, depends on timing: every outcome must keep both texts, once each."""
    url = serve(demo, "--port", "0").wait_for_url()
    day = demo / DAY_FILE

    async def scenario() -> None:
        devtools = await DevTools.connect(chromium.endpoint)
        try:
            first, second = await open_app(devtools, url), await open_app(devtools, url)
            await first.focus_terminal()
            await first.type("typed in the first tab")
            await second.focus_terminal()
            await second.type("typed in the second tab")

            def both() -> bool:
                text = day.read_text() if day.exists() else ""
                return "typed in the first tab" in text and "typed in the second tab" in text

            assert wait_until(both), day.read_text() if day.exists() else "no file"
            text = day.read_text()
            assert text.count("typed in the first tab") == 1 and text.count("typed in the second tab") == 1, text
            # a tab closed right after typing (before the save delay is up) keeps what it typed
            await second.type(" and closed")
            await second.close()
            assert wait_until(lambda: "and closed" in day.read_text()), day.read_text()
            assert day.read_text().count("and closed") == 1
        finally:
            await devtools.close()

    run(scenario())


# What the page passes on to the app for each key (xterm.js's encoding, read by Textual as a
# terminal's). The README's "Keys in a browser" table rests on this. Not here: the shortcuts
# Chromium keeps for itself in a real window (Ctrl+T, Ctrl+N, Ctrl+W, Ctrl+Tab, Ctrl+PgUp/PgDn),
# which a headless browser, having no tabs, hands to the page.
KEYS_AS_SENT = {
    "Ctrl+Enter": "\r", "Shift+Enter": "\r",  # both arrive as Enter
    "Alt+ArrowUp": "\x1b[1;5A", "Alt+ArrowDown": "\x1b[1;5B",  # as Ctrl+Up / Ctrl+Down
    "Alt+ArrowLeft": "\x1b[1;5D", "Alt+ArrowRight": "\x1b[1;5C",  # as Ctrl+Left / Ctrl+Right
    "Ctrl+Shift+Z": "",  # nothing
    # as in a terminal, though a browser has uses for some of them
    "Ctrl+J": "\n", "Ctrl+R": "\x12", "Ctrl+Y": "\x19", "Ctrl+Z": "\x1a", "Ctrl+ArrowUp": "\x1b[1;5A",
    "Ctrl+ArrowDown": "\x1b[1;5B", "Tab": "\t", "Shift+Tab": "\x1b[Z", "Escape": "\x1b",
    "F1": "\x1bOP", "F2": "\x1bOQ", "F3": "\x1bOR", "F4": "\x1bOS", "F5": "\x1b[15~", "F6": "\x1b[17~",
    "F7": "\x1b[18~", "Ctrl+F": "\x06", "Ctrl+E": "\x05", "Ctrl+G": "\x07", "Ctrl+L": "\x0c", "Ctrl+B": "\x02",
    "Ctrl+V": "\x16", "Ctrl+S": "\x13", "Ctrl+P": "\x10", "Ctrl+O": "\x0f", "Ctrl+Q": "\x11",
    "Ctrl+PageUp": "\x1b[5;5~", "Ctrl+PageDown": "\x1b[6;5~", "Ctrl+T": "\x14", "Ctrl+N": "\x0e",
}


def test_keys_reach_the_app_as_the_readme_says(chromium: Browser, demo: Path, serve: Any) -> None:
    url = serve(demo, "--port", "0").wait_for_url()

    async def scenario() -> None:
        devtools = await DevTools.connect(chromium.endpoint)
        try:
            page = await open_app(devtools, url)
            await page.evaluate("window.__hold_keys = true")  # recorded, not sent: the app is left alone
            sent = {}
            for key in KEYS_AS_SENT:
                await page.evaluate("window.__sent = []")
                await page.press(key)
                # the key's own events are handled before the page answers the next command
                messages = await page.evaluate("window.__sent.map(m => JSON.parse(m))"
                                               ".filter(m => m[0] === 'stdin').map(m => m[1])")
                sent[key] = "".join(messages)
            assert sent == KEYS_AS_SENT
        finally:
            await devtools.close()

    run(scenario())


def test_a_tab_closing_right_behind_the_last_keys_keeps_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a tab (or stopping the server) reaches the tab's app as Textual's ExitApp, right behind
    the last keys typed: before the save delay, maybe before the keys reached the editor. The app
    lets the keys land, saves, then exits. (Textual's Pilot, as textual-serve's "quit" would arrive.)"""
    from textual import messages

    from notegraph.notebook import Notebook
    from notegraph.tui.app import NotegraphApp
    from tests.waiting import _key_event, settle

    monkeypatch.setenv("NOTEGRAPH_TODAY", TODAY)
    notebook = Notebook.open(copy_demo(tmp_path / "demo"))
    day = notebook.root / DAY_FILE

    async def scenario() -> None:
        app = NotegraphApp(notebook, watch=False)
        async with app.run_test() as pilot:
            await settle(pilot)
            for key in "kept":  # as the web driver hands them over: all at once, nothing waits
                event = _key_event(key)
                event.set_sender(app)
                app._driver.send_message(event)
            app._driver.send_message(messages.ExitApp())  # textual-serve's "quit", behind the keys
            deadline = asyncio.get_running_loop().time() + DEADLINE
            while app.is_running and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)  # the app is ending: no Pilot pauses, just time
            assert not app.is_running, "the app did not exit"
        assert day.exists() and day.read_bytes() == b"- kept\n"

    run(scenario())
    notebook.close()


def packet(kind: bytes, payload: bytes) -> bytes:
    """textual-serve's framing on a tab app's stdin: a type byte, a 4-byte big-endian length, the data."""
    return kind + len(payload).to_bytes(4, "big") + payload


def test_a_tab_app_told_to_quit_right_behind_keys_saves_them_all(demo: Path, tmp_path: Path) -> None:
    """The tab's app process as textual-serve runs it, given keys and the quit in one write (a tab
    closed right after typing): each key reaches the editor before the quit, and all are saved."""
    screen = tmp_path / "screen.out"
    env = {**os.environ, "NOTEGRAPH_TODAY": TODAY, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
           "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "COLUMNS": "100", "ROWS": "30"}
    with open(screen, "wb") as out:
        app = subprocess.Popen([sys.executable, "-m", "notegraph.tui.web_tab", str(demo)], stdin=subprocess.PIPE,
                               stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        assert wait_until(lambda: b"November 23, 2026" in screen.read_bytes() or app.poll() is not None), \
            screen.read_bytes()[-2000:]
        assert app.stdin is not None
        typed = "typed, then the tab closed"
        app.stdin.write(packet(b"M", b'{"type": "focus"}')  # the page has the focus (else keys are ignored)
                        + b"".join(packet(b"D", char.encode()) for char in typed)
                        + packet(b"M", b'{"type": "quit"}'))
        app.stdin.flush()
        assert app.wait(timeout=DEADLINE) == 0
        day = demo / DAY_FILE
        assert day.read_text() == f"- {typed}\n"
    finally:
        end_process_group(app)


# -- the server ---------------------------------------------------------------------------------


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def listening_addresses(port: int) -> list[str]:
    """The local addresses of sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_the_token_is_required_and_only_loopback_listens_by_default(demo: Path, serve: Any) -> None:
    served = serve(demo, "--port", "0")
    url = served.wait_for_url()
    base, token = url.split("/?token=")
    assert base.startswith("http://127.0.0.1:")
    port = int(base.rsplit(":", 1)[1])
    assert listening_addresses(port) == ["127.0.0.1"]

    status, page = get(url)
    assert status == 200 and "notegraph — demo" in page and f"/ws/{token}" in page
    almost = token[:-1] + ("a" if token[-1] != "a" else "b")  # one character off
    for refused in (base + "/", base + "/?token=", base + "/?token=" + almost, base + "/?token=" + token + "a",
                    base + "/ws", base + "/ws/" + almost, base + "/download/anything"):
        status, text = get(refused)
        assert status == 403, refused
        assert "token" in text and "notegraph serve" in text
    # what holds no notes needs no token: textual-serve's script, the icon
    assert get(base + "/static/js/textual.js")[0] == 200
    assert get(base + "/favicon.svg")[0] == 200
    assert "warning" not in served.stderr()


def test_a_port_in_use_is_a_message_with_a_hint(demo: Path, serve: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = serve(demo, "--port", str(port))
        assert served.finish() == 1
    err = served.stderr()
    assert f"error: port {port} on 127.0.0.1 is already in use" in err
    assert "hint: choose another port: `notegraph serve --port" in err and "Traceback" not in err


def test_a_bad_graph_or_host_is_refused_as_by_every_command(demo: Path, serve: Any, tmp_path: Path) -> None:
    missing = serve(tmp_path / "no-such-graph", "--port", "0")
    assert missing.finish() == 2
    assert "error: " in missing.stderr() and "hint: " in missing.stderr()
    elsewhere = serve(demo, "--port", "0", "--host", "192.0.2.1")  # TEST-NET-1: never this machine's
    assert elsewhere.finish() == 1
    assert "error: 192.0.2.1 is not an address of this machine" in elsewhere.stderr()
    for served in (missing, elsewhere):
        assert "Traceback" not in served.stderr() and served.stdout() == ""


def test_another_host_is_served_with_a_warning(demo: Path, serve: Any) -> None:
    served = serve(demo, "--port", "0", "--host", "0.0.0.0")
    url = served.wait_for_url()
    assert url.startswith("http://127.0.0.1:")  # the wildcard, opened from this machine
    assert "warning: listening on 0.0.0.0, not only on this machine" in served.stderr()


def test_open_starts_the_browser_on_the_url_with_its_token(demo: Path, serve: Any, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    url = serve(demo, "--port", "0", "--open", env={"BROWSER": str(browser)}).wait_for_url()
    assert wait_until(lambda: opened.exists() and opened.read_text().strip() == url)


def test_open_without_a_browser_says_so_and_serves_anyway(demo: Path, serve: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"BROWSER": "no-such-browser", "PATH": str(empty), "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    served = serve(demo, "--port", "0", "--open", env=env)
    url = served.wait_for_url()
    assert wait_until(lambda: "warning: no web browser could be started" in served.stderr()), served.stderr()
    assert "BROWSER=" in served.stderr()
    assert get(url)[0] == 200
