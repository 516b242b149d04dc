"""Waiting for a condition, never for a fixed time: the tests must pass on a slow, busy machine.

Every wait here polls a condition and gives up only at a generous deadline, which
matters only when something is really broken.
"""

from __future__ import annotations

import time
from typing import Any, Callable

DEADLINE = 120.0
"""Seconds to wait for something that should happen: reached only when it never will."""


def wait_until(condition: Callable[[], bool], timeout: float = DEADLINE, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# -- Textual apps under a Pilot ----------------------------------------------------------------

async def until(pilot: Any, condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    """Let the app run until ``condition`` holds (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await pilot.pause(0.05)


def _pending_messages(app: Any) -> int:
    """Messages waiting in the queues of the app and of every widget on every screen."""
    count: int = app.message_queue_size
    for screen in app.screen_stack:
        count += sum(node.message_queue_size for node in screen.walk_children(with_self=True))
    return count


async def settle(pilot: Any, *, workers: bool = False, timeout: float = DEADLINE) -> None:
    """Wait until the app has handled every message posted so far, including the ones those
    posted in turn (a key forwarded to a widget, a message bubbling up to the app), and with
    ``workers`` until its workers have finished too. Fails at ``timeout``.

    Each round waits until the app and the widgets of the screen on top have handled what was
    in their queues when it began (``pilot.pause(0)``, no sleeping); two rounds in a row that
    end with every queue empty mean nothing was left in flight. Timers (a save shortly after
    typing stops) are not waited for: wait for what they do.
    """
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while quiet_rounds < 2:
        await pilot.pause(0)
        busy = _pending_messages(pilot.app) > 0
        if workers:
            busy = busy or any(not worker.is_finished for worker in pilot.app.workers)
        quiet_rounds = 0 if busy else quiet_rounds + 1
        assert time.monotonic() < deadline, "the app did not settle"


def palette_highlights(app: Any, text: str) -> bool:
    """The command palette is open with an option holding ``text`` highlighted (Enter runs it)."""
    from textual.command import CommandList, CommandPalette
    from textual.css.query import NoMatches

    screen = app.screen
    if not isinstance(screen, CommandPalette):
        return False
    try:
        options = screen.query_one(CommandList)
    except NoMatches:
        return False
    index = options.highlighted
    return index is not None and text in str(options.get_option_at_index(index).prompt)


def toast_shows(app: Any, text: str) -> bool:
    """A notification holding ``text`` is on screen (``App.notify`` shows one as a Toast; under
    ``run_test`` only with ``notifications=True``)."""
    return any(text in str(toast.render()) for toast in app.screen.query("Toast"))


async def burst(pilot: Any, *keys: str) -> None:
    """Send keys the way a terminal does when they are typed fast or the machine is busy: all at
    once, none waiting for the one before; then let the app handle everything they set off."""
    from textual.app import App

    app = pilot.app
    events = [_key_event(key) for key in keys]
    for event in events:
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)
    # keys the app holds back (a screen opening, a key in flight) are handed over by a timer
    deadline = time.monotonic() + DEADLINE
    while getattr(getattr(app, "_keys", None), "held", None):
        assert time.monotonic() < deadline, "the app never took the keys it held"
        await pilot.pause(0.01)
        await settle(pilot)
    assert isinstance(app, App)


def _key_event(key: str) -> Any:
    """A Key event for ``key`` (a key name like "down" or "ctrl+a", or one character), built as
    Textual's own Pilot builds it."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)
