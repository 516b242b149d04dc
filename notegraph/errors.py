"""One error base class for everything a user can act on.

Every error carries what happened (``message``) and what to do about it
(``hint``, usually a command). The CLI prints both to stderr and exits with
``exit_code`` (1 bad input, 2 no such graph, 3 a write refused, 4 the index cannot
be used); the TUI shows them in a notification.
"""

from __future__ import annotations


class NotegraphError(Exception):
    """An error with a message for people and a hint that fixes it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class GraphNotFoundError(NotegraphError):
    """The folder given as a graph does not exist or is not a folder."""

    exit_code = 2


class UnsafeWriteError(NotegraphError):
    """A write was refused because it could lose or corrupt the user's bytes."""

    exit_code = 3


class FileChangedOnDiskError(UnsafeWriteError):
    """The file changed on disk after we read it; writing would clobber that change."""


class IndexUnusableError(NotegraphError):
    """The index cannot be created, opened or written where it is (the notes are not affected)."""

    exit_code = 4
