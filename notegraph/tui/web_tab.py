"""One browser tab of ``notegraph serve``: the terminal app, run by textual-serve in a process of its own.

textual-serve starts ``python -m notegraph.tui.web_tab GRAPH`` for every tab that connects and
speaks to it over stdin/stdout (Textual's web driver). Each tab is a whole app, with its own
edit sessions, writing through the same write protocol as the terminal app: two tabs on one
journal merge as the app and Logseq do.

The driver here differs from Textual's in two ways: the request to quit (a closed tab, a stopping
server) reaches the app behind the keys that came before it, never ahead; and when its input
ends (the server went away without saying goodbye, e.g. it was killed) the app is asked to exit
too, so it saves what was typed and leaves instead of running on with nobody to talk to.
"""

from __future__ import annotations

import sys

from textual import messages
from textual.drivers.web_driver import WebDriver


class TabDriver(WebDriver):
    """Textual's web driver, with the app's ending kept behind the keys typed before it."""

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == "quit":  # the tab closed, or the server is stopping
            self._send_exit()
            return
        super().on_meta(packet_type, payload)

    def run_input_thread(self) -> None:
        super().run_input_thread()
        # Returns when stdin closed or the server sent "exit" (then exit_event is set: leaving already).
        if not self.exit_event.is_set():
            self._send_exit()

    def _send_exit(self) -> None:
        # The way the keys go (send_message: a task per message, started in order), not Textual's
        # post_message from this thread, which takes one step fewer and so overtook the last keys
        # typed before a tab closed: they never reached the editor, and were lost.
        self.send_message(messages.ExitApp())


def main(argv: list[str]) -> None:
    from notegraph.errors import NotegraphError
    from notegraph.notebook import Notebook
    from notegraph.tui.app import run

    if len(argv) != 1:
        sys.exit("usage: python -m notegraph.tui.web_tab GRAPH (started by `notegraph serve`)")
    try:
        notebook = Notebook.open(argv[0])
    except NotegraphError as exc:  # the graph went away since `serve` checked it; textual-serve shows stderr
        sys.exit(f"error: {exc}")
    run(notebook, driver_class=TabDriver)  # textual-serve asked for Textual's WebDriver; ours extends it


if __name__ == "__main__":
    main(sys.argv[1:])
