"""Ordered input: every key acts, in order, on what has focus once the previous key's effects are done.

Textual, left alone, reorders keys that arrive in a burst (typed fast, or on a busy machine):

* A widget's ordinary bindings (a text area's Up/Down/Home/End/Backspace, an input's Ctrl+A and
  Ctrl+K, a list's Down) run only after the key has bubbled from the focused widget up to the
  app, one message hop per level, while the *next* key is already being handled by the focused
  widget: ``Down`` then ``X`` typed the X into the block above.
* Priority bindings run when the app takes a key off its queue, before keys it forwarded
  earlier have reached the focused widget.
* The app forwards each key to whatever has focus when it takes the key, which may be before
  the previous key's effect moved the focus; and ``Widget.focus()`` itself takes effect later
  (``call_later``): keys typed right after F3, Enter on a result or Ctrl+O went to the old widget.
* A screen that is opening (the command palette, a modal) has nothing focused until it has
  mounted: typed text went into the note instead.

So the app hands keys over one at a time (:class:`KeyGate`):

1. A key goes to the focused widget only once the previous key is done. Widgets that take
   keys (:class:`OrderedKeys`: the block editor, the inputs, the lists, the tag tree) run the
   key's whole binding chain in their own turn — the app's global keys, their own bindings,
   then their ancestors' — synchronously, and the key goes no further (never bubbling up to be
   matched later against a focus that has moved on), act on the result directly (a submitted search, an
   opened result) rather than through a message handled later, and then report the key done
   (:class:`KeyDone`). Only then does the app forward the next key, to what has focus *now*.
2. Focus moves with :func:`focus_now` (``Screen.set_focus`` at once).
3. While a screen that just came on top is not ready to take keys (not mounted, or nothing
   focused yet when it has something to focus), keys are held; they are handed over, in
   order, once it is.

Widgets that are not ours (the command palette's input) get each key the way Textual gives it,
and the next key waits until the screen on top has nothing left to handle (its bindings run, a
closing screen gone). A key in flight that is never reported done (its widget went away) stops
holding the others after :data:`STUCK_KEY_SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, cast

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, ListItem, ListView, TabbedContent, TabPane, Tabs, Tree

STUCK_KEY_SECONDS = 5.0


class KeyDone(Message):
    """An :class:`OrderedKeys` widget has handled a key, with everything it set off."""

    def __init__(self, key: events.Key) -> None:
        super().__init__()
        self.key = key


class OrderedKeys:
    """Mix in before a Textual widget class: the widget handles each key completely, in its turn.

    Not a Widget subclass itself: Textual gathers a widget's CSS and component classes along
    the first widget base of each class, which must stay the real widget class."""

    async def on_event(self, event: events.Event) -> None:
        widget = cast(Widget, self)
        try:
            await super().on_event(event)  # type: ignore[misc]
        finally:
            if isinstance(event, events.Key):
                # Its bindings all ran here (run_bindings_now). Bubbling on, it would reach the app
                # later and be matched again against whatever has the focus *then*: a Shift+Enter
                # left unused in a selection became a line break in the next day's editor.
                event.stop()
                widget.app.post_message(KeyDone(event))

    async def _on_key(self, event: events.Key) -> None:
        # Handled here, the key stops; otherwise Textual calls the widget's own _on_key next
        # (a text area inserting a printable character).
        await run_bindings_now(cast(Widget, self), event)


async def run_bindings_now(widget: Widget, event: events.Key) -> bool:
    """Run the binding for this key now, as Textual would later: the app's priority bindings, the
    widget's own, then (for keys that do not type a character) its ancestors'. True when one acted."""
    app: Any = widget.app
    handled = await app._check_bindings(event.key, priority=True)
    if not handled:
        for binding in widget._bindings.key_to_bindings.get(event.key, ()):
            if await app.run_action(binding.action, widget):
                handled = True
                break
    if not handled and not event.is_printable:
        handled = await app._check_bindings(event.key)
    if handled:
        event.stop()
        event.prevent_default()
    return bool(handled)


def on_hidden_tab(widget: Widget) -> bool:
    """Whether ``widget`` is on a tab that is not shown. (Only tabs: other containers hide for a
    moment by design, such as the command palette's while it opens.)"""
    return any(isinstance(node, TabPane) and not node.display for node in widget.ancestors_with_self)


def focus_now(widget: Widget) -> None:
    """Give ``widget`` the focus at once (rule 2); the next key goes to it."""
    try:
        widget.screen.set_focus(widget)
    except Exception:  # not on a screen (any more): nothing to focus
        return


@dataclass
class _InFlight:
    key: events.Key
    widget: Widget | None
    """The ordered widget that will report the key done; None for a widget that is not ours."""
    since: float
    quiet: int = 0
    """For a widget not ours: how many looks in a row found the screen with nothing left to do."""


class KeyGate:
    """The app's side of rules 1 and 3: which key may go now, and which wait."""

    def __init__(self) -> None:
        self.held: list[events.Key] = []
        self.in_flight: _InFlight | None = None
        self._settled: Any = None
        """The screen on top the last time it was ready."""

    def busy(self, app: Any) -> bool:
        """Whether the next key has to wait: for the key in flight, or for a screen to get ready."""
        flight = self.in_flight
        if flight is not None:
            if time.monotonic() - flight.since >= STUCK_KEY_SECONDS:
                self.in_flight = None  # never answered: stop waiting for it
            elif flight.widget is not None:
                if flight.widget.is_attached:
                    return True
                self.in_flight = None  # its widget went away
            else:
                # A widget not ours cannot say when it is done: the key is done once the app and the
                # screen on top have had nothing left to handle twice in a row (the key bubbling up
                # to its binding, a screen closing).
                flight.quiet = flight.quiet + 1 if app.message_queue_size == 0 and screen_quiet(app.screen) else 0
                if flight.quiet < 2:
                    return True
                self.in_flight = None
        return not self._screen_ready(app)

    def sent(self, key: events.Key, widget: Widget | None) -> None:
        self.in_flight = _InFlight(key, widget, time.monotonic())

    def done(self, key: events.Key) -> None:
        """``key`` was handled (a key bubbling to an ordered parent reports again: ignored)."""
        if self.in_flight is not None and self.in_flight.key is key:
            self.in_flight = None

    def _screen_ready(self, app: Any) -> bool:
        screen = app.screen
        if screen is self._settled:
            return True
        if screen_ready(screen):
            self._settled = screen
            return True
        return False


def screen_quiet(screen: Any) -> bool:
    """Nothing is waiting in the message queues of the screen and its widgets."""
    try:
        return all(node.message_queue_size == 0 for node in screen.walk_children(with_self=True))
    except Exception:
        return True


def screen_ready(screen: Any) -> bool:
    """A screen takes keys once it is mounted and, if it has anything to focus, has focused it."""
    if not screen.is_mounted:
        return False
    if screen.focused is not None:
        return True
    try:
        return not any(widget.focusable for widget in screen.query("*"))
    except Exception:
        return True


# -- the app's key-taking widgets ------------------------------------------------------------------


class OrderedTabs(TabbedContent):
    """Tabs that switch only when told to, at once: never back to a tab left since.

    Textual's TabbedContent also switches on two messages handled later: a pane reporting that a
    widget in it got the focus, and the tab strip reporting its new active tab. With keys in a
    burst, both arrive after the next key has switched tabs again (Ctrl+O to a page, then
    Alt+Left to the day before), and showed the page again under the journal's editor: the
    next key found its widget hidden. A message about a tab that is no longer the one wanted is
    ignored here; one from a click still switches.
    """

    # Textual calls these handlers for each class of the widget, this one first; prevent_default()
    # keeps TabbedContent's own from running.
    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.app.focused
        if focused is None or event.tab_pane not in focused.ancestors:
            event.stop()  # the focus has left that pane since
            event.prevent_default()

    def _on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab.id != event.tabs.active:
            event.stop()  # the strip has moved on since (a later switch)
            event.prevent_default()


class OrderedInput(OrderedKeys, Input):
    """An input whose Enter acts at once (``on_submit``), not through a message handled later;
    Down calls ``on_down`` (the list under a search box takes the focus)."""

    BINDINGS = [Binding("down", "down", "To the results", show=False)]

    def __init__(self, *args: Any, on_submit: Callable[[str], None] | None = None,
                 on_down: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_submit = on_submit
        self.on_down = on_down

    def action_down(self) -> None:
        if self.on_down is not None:
            self.on_down()

    async def action_submit(self) -> None:
        if self.on_submit is None:
            await super().action_submit()
        else:
            self.on_submit(self.value)


class OrderedList(OrderedKeys, ListView):
    """A list whose Enter opens the highlighted item at once (``on_choose``); Up on the first
    item calls ``on_up_from_top`` (back to the box above)."""

    def __init__(self, *args: Any, on_choose: Callable[[ListItem], None] | None = None,
                 on_up_from_top: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_choose = on_choose
        self.on_up_from_top = on_up_from_top

    def action_cursor_up(self) -> None:
        if self.on_up_from_top is not None and not self.index:
            self.on_up_from_top()
        else:
            super().action_cursor_up()

    def action_select_cursor(self) -> None:
        item = self.highlighted_child
        if self.on_choose is None or item is None:
            super().action_select_cursor()
        else:
            self.on_choose(item)


class OrderedTree(OrderedKeys, Tree[Any]):
    """A tree whose Enter chooses the node at once (``on_choose``)."""

    def __init__(self, *args: Any, on_choose: Callable[[Any], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_choose = on_choose

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if self.on_choose is None or node is None:
            super().action_select_cursor()
        else:
            self.on_choose(node)
