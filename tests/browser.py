"""A real browser for the tests: the system's Chromium, headless, driven over the DevTools protocol.

Nothing is downloaded: the browser is Debian's ``chromium`` (``make test`` installs it where it
can; ``$NOTEGRAPH_CHROMIUM`` names another). The protocol is spoken directly over a websocket
(aiohttp, which textual-serve brings): a page is opened, JavaScript evaluated, keys dispatched
as a keyboard would, and screenshots taken. Every wait polls a condition (tests/waiting.py).

Pages opened here record the bytes their websockets receive (``window.__received``, decoded as
UTF-8): what the served app drew, escape sequences and all. A test waits for text to appear in it.
They also record what they send (``window.__sent``): the keys as the page passes them on, which
``window.__hold_keys = true`` keeps from the app.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.waiting import DEADLINE, wait_until

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

RECORD_WEBSOCKETS = """
(() => {
  const decoder = new TextDecoder();
  window.__received = "";
  window.__sent = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") {
          window.__received += decoder.decode(new Uint8Array(event.data), {stream: true});
        }
      });
    }
    send(data) {
      window.__sent.push(data);
      if (window.__hold_keys && typeof data === "string" && data.startsWith('["stdin"')) return;
      return super.send(data);
    }
  };
})();
"""

# What a US keyboard sends for the keys the tests press (as the DevTools protocol wants them).
KEYS: dict[str, dict[str, Any]] = {
    "Enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
    "Escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "Backspace": {"key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8},
    "PageUp": {"key": "PageUp", "code": "PageUp", "windowsVirtualKeyCode": 33},
    "PageDown": {"key": "PageDown", "code": "PageDown", "windowsVirtualKeyCode": 34},
    **{f"Arrow{d}": {"key": f"Arrow{d}", "code": f"Arrow{d}", "windowsVirtualKeyCode": code}
       for d, code in (("Left", 37), ("Up", 38), ("Right", 39), ("Down", 40))},
    **{f"F{n}": {"key": f"F{n}", "code": f"F{n}", "windowsVirtualKeyCode": 111 + n} for n in range(1, 13)},
}
MODIFIERS = {"Alt": 1, "Ctrl": 2, "Meta": 4, "Shift": 8}


def find_chromium() -> str | None:
    named = os.environ.get("NOTEGRAPH_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((path for name in NAMES if (path := shutil.which(name))), None)


class Browser:
    """Chromium, headless, with a profile of its own in ``folder``; ``close()`` ends it for sure."""

    def __init__(self, executable: str, folder: Path, *, width: int = 1280, height: int = 800) -> None:
        self.folder = folder
        profile = folder / "profile"
        profile.mkdir(parents=True, exist_ok=True)
        self.log = folder / "chromium.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [executable, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile}",
                 "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-sandbox",  # the tests may run as root, where Chromium's sandbox refuses to start
                 f"--window-size={width},{height}", "about:blank"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        # Chromium writes its DevTools port here once it listens (port 0: any free one).
        active = profile / "DevToolsActivePort"
        if not wait_until(lambda: active.exists() and len(active.read_text().split()) >= 2
                          or self.process.poll() is not None):
            raise RuntimeError(f"Chromium did not start in {DEADLINE:.0f} s; see {self.log}")
        if self.process.poll() is not None:
            raise RuntimeError(f"Chromium exited with status {self.process.returncode}: "
                               f"{self.log.read_text(errors='replace')[-2000:]}")
        port, path = active.read_text().split()[:2]
        self.endpoint = f"ws://127.0.0.1:{port}{path}"

    def close(self) -> None:
        """Stop Chromium and every process it started."""
        end_process_group(self.process)


def end_process_group(process: subprocess.Popen[Any], grace: float = 20.0) -> None:
    """End ``process`` and every process of its group (started with ``start_new_session``): SIGTERM,
    then SIGKILL to whatever is still alive after ``grace`` seconds. Reaps the leader."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if not wait_until(lambda: process.poll() is not None and not group_members(process.pid), timeout=grace):
        for pid in group_members(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    process.wait(timeout=DEADLINE)


def group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid`` (zombies, which only wait to be reaped, left out)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        state, _, pgrp = stat.rsplit(")", 1)[1].split()[:3]  # the name, in parentheses, may hold spaces
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry))
    return members


class DevToolsError(RuntimeError):
    pass


class DevTools:
    """One DevTools connection: commands by id, answers matched by a reader task."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._session = session
        self._ws = ws
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, endpoint: str) -> DevTools:
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(endpoint, max_msg_size=0)  # screenshots are large
        return cls(session, ws)

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(DevToolsError("the browser closed the DevTools connection"))

    async def send(self, method: str, params: dict[str, Any] | None = None, *,
                   session: str | None = None) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self._ws.send_str(json.dumps(message))
        answer = await asyncio.wait_for(future, DEADLINE)
        if "error" in answer:
            raise DevToolsError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def new_page(self, url: str) -> Page:
        """A new tab, recording its websockets, at ``url``."""
        target = (await self.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await self.send("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        page = Page(self, session, target)
        await page.send("Page.enable")
        await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_WEBSOCKETS})
        await page.send("Page.navigate", {"url": url})
        return page

    async def close(self) -> None:
        await self._ws.close()
        await self._session.close()
        self._reader.cancel()


class Page:
    def __init__(self, devtools: DevTools, session: str, target: str) -> None:
        self.devtools = devtools
        self.session = session
        self.target = target

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.devtools.send(method, params, session=self.session)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "awaitPromise": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = DEADLINE) -> bool:
        """Poll the JavaScript ``expression`` until it is true (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if await self.evaluate(expression):
                    return True
            except DevToolsError:  # the page is navigating: its context is being replaced
                pass
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)

    async def received(self) -> str:
        """Everything the page's websockets received so far (what the app drew), decoded."""
        return str(await self.evaluate("window.__received || ''"))

    async def wait_for_text(self, text: str, timeout: float = DEADLINE) -> bool:
        return await self.wait_for(f"(window.__received || '').includes({json.dumps(text)})", timeout)

    async def focus_terminal(self) -> None:
        """Keys go where a click would send them: xterm.js's hidden text area."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")

    async def type(self, text: str) -> None:
        """Type ``text`` key by key, as a keyboard does (keydown with the character, keyup)."""
        for char in text:
            await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": char, "text": char})
            await self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})

    async def press(self, key: str) -> None:
        """Press a named key, with modifiers written before it: ``Enter``, ``Ctrl+T``, ``Shift+Tab``."""
        *mods, name = key.split("+")
        modifiers = sum(MODIFIERS[m] for m in mods)
        if name in KEYS:
            event = dict(KEYS[name])
        else:  # a letter or digit with a modifier
            event = {"key": name.lower() if "Shift" not in mods else name.upper(), "code": f"Key{name.upper()}",
                     "windowsVirtualKeyCode": ord(name.upper())}
        if modifiers & (MODIFIERS["Ctrl"] | MODIFIERS["Alt"] | MODIFIERS["Meta"]):
            event.pop("text", None)  # a chord types no character
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "modifiers": modifiers, **event})
        event.pop("text", None)
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", "modifiers": modifiers, **event})

    async def screenshot(self, path: Path) -> None:
        # two animation frames: what the terminal was given last is drawn
        await self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        data = (await self.send("Page.captureScreenshot", {"format": "png"}))["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    async def close(self) -> None:
        await self.devtools.send("Target.closeTarget", {"targetId": self.target})
