"""An exception in a UI handler is a notification, never the end of the app.

Textual ends the app at the first unhandled exception in any handler, and stops the message
loop of the widget that raised it. A journaling app must not lose the user's place (or
unsaved text) to a bug in one key handler, so:

* every message handler of every widget runs inside a guard (:func:`install` wraps Textual's
  ``MessagePump._dispatch_message`` once, for notegraph's app only): the exception is written
  with its traceback to ``app-errors.log`` in the state folder, the user gets a notification,
  and the widget's loop goes on with its next message;
* exceptions Textual reports from elsewhere (timers, callbacks, workers) take the same path
  (:meth:`NotegraphApp._handle_exception`), once the app has painted; before that, a failure
  to start is still fatal.

Every error is also kept in :data:`RECORDED`, so the tests can fail on any of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import traceback
from pathlib import Path
from typing import Any

from textual._context import active_app
from textual.message_pump import MessagePump

RECORDED: list[BaseException] = []
"""Every exception a guard caught in this process (the tests look)."""

_installed = False


def install() -> None:
    """Guard every message handler of notegraph's app (once per process)."""
    global _installed
    if _installed:
        return
    original = MessagePump._dispatch_message

    async def guarded(self: MessagePump, message: Any) -> None:
        try:
            await original(self, message)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            app: Any = active_app.get(None)
            if app is None or not getattr(app, "survives_errors", False):
                raise
            app.report_error(error, where=type(self).__name__)

    MessagePump._dispatch_message = guarded  # type: ignore[method-assign]
    _installed = True


def log_error(folder: Path, error: BaseException, where: str) -> Path | None:
    """Append the traceback to ``folder/app-errors.log``; the file, or None if it cannot be written."""
    RECORDED.append(error)
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "app-errors.log"
        with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')} in {where}\n{text}\n")
        return path
    except OSError:
        return None
