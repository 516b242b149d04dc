"""The user's note files on disk: reading them safely, and the one write protocol.

Every writer in notegraph (``add``, the app's saves and merges, ``link_unlinked``,
saved reports, page renames) changes a note through :func:`update_note`, and a rename
moves one through :func:`move_note`; nothing else opens a note for writing (a test
checks that). The protocol:

1. **Resolve.** A symlinked note is written where it really lives (the link stays a
   link). A dangling link, a folder, a FIFO/socket/device, a file without write
   permission (``chmod a-w``: refused for root too), a file with several hard links
   (an atomic replace would split them) and a folder without write permission are
   refused with a message; nothing is written.
2. **Lock** the note's folder with ``flock`` on the folder itself (no lock file in
   the graph). Every notegraph process and thread serialises its writes to a folder
   here, so two ``add`` processes never race each other.
3. **Sweep** temp files that a killed notegraph writer left in the folder: only
   notegraph's own (``.NAME.PID-HEX8.notegraph-tmp``) whose process is gone. With
   the lock held, no live notegraph writer can own one.
4. **Read** the file as it is now and ask the caller's ``change`` for the new bytes:
   the caller appends to, merges with, or refuses what it sees. Nothing to change:
   done, nothing written.
5. **Write** the new bytes to a temp file beside the note, with the note's mode
   (a new note: ``0666`` less the user's umask, like every editor) and owner, and
   fsync it.
6. **Exchange** the temp file with the note in one atomic step
   (``renameat2(RENAME_EXCHANGE)``) and read what was swapped out. If it is exactly
   what step 4 read, the write is done. If not, someone outside notegraph (Logseq,
   vim, a sync tool, ``echo >>``) changed the note between steps 4 and 6: exchange
   back, so their version is in place again untouched, and start over at step 4 —
   the caller now sees their change and merges it. A new note is linked in with
   ``link()``, which fails rather than replace a note someone created meanwhile.
7. **Sync** the folder and unlock.

What is left: a writer outside notegraph that opened the old file before step 6 and
writes to it *after* step 6 read it writes to a file that is no longer the note (the
same holds between any two editors that replace files); and on filesystems without
``RENAME_EXCHANGE`` (some network and FUSE mounts) the check in step 6 becomes a
comparison just before a plain rename, a window of microseconds.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from notegraph.errors import FileChangedOnDiskError, NotegraphError, UnsafeWriteError

TEMP_SUFFIX = ".notegraph-tmp"
_TEMP_NAME = re.compile(r"^\..*\.(\d+)-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + r"$")
# The temp files of notegraph before this protocol (mkstemp names): swept once they are an hour old.
_OLD_TEMP_NAME = re.compile(r"^\..*\.[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + r"$")
_OLD_TEMP_AGE = 3600.0

ATTEMPTS = 8
"""How many times a write starts over because the note changed under it before giving up."""
LOCK_TIMEOUT = 30.0
"""Seconds to wait for another notegraph process writing to the same folder."""

_RENAME_EXCHANGE = 2
_NO_EXCHANGE = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP})
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class NoteUnreadableError(NotegraphError):
    """The path names something that is not a readable regular file."""

    def __init__(self, path: Path | str, reason: str, hint: str) -> None:
        super().__init__(f"{path} {reason}", hint)
        self.reason = reason


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when we read it: used to detect outside changes."""

    size: int
    sha256: str

    @classmethod
    def of_bytes(cls, data: bytes) -> "FileStamp":
        return cls(len(data), hashlib.sha256(data).hexdigest())

    @classmethod
    def of(cls, data: bytes | None) -> "FileStamp | None":
        return None if data is None else cls.of_bytes(data)


@dataclass(frozen=True)
class NoteWrite:
    """What :func:`update_note` did."""

    path: Path
    """The file written: the note itself, or the file its symlink points at."""
    before: bytes | None
    """The note as it was when the change was made (None: it did not exist)."""
    after: bytes | None
    """What was written, or None when the change asked for nothing."""
    attempts: int = 1

    @property
    def written(self) -> bool:
        return self.after is not None

    @property
    def created(self) -> bool:
        return self.written and self.before is None


# ---------------------------------------------------------------------------
# reading


def describe_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_note(path: Path | str, *, dir_fd: int | None = None, follow: bool = True) -> bytes | None:
    """The bytes of a note, or None when it does not exist.

    Never blocks on a FIFO and never reads a device: anything but a regular file
    raises :class:`NoteUnreadableError`, as do permission and I/O errors.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        st = os.stat(path, dir_fd=dir_fd, follow_symlinks=follow)
        if not stat.S_ISREG(st.st_mode):
            raise NoteUnreadableError(path, f"is {describe_kind(st.st_mode)}, not a note",
                                      "rename or remove it; notegraph reads only regular files")
        fd = os.open(path, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    try:
        st = os.fstat(fd)  # it may have been swapped for something else since the stat
        if not stat.S_ISREG(st.st_mode):
            raise NoteUnreadableError(path, f"is {describe_kind(st.st_mode)}, not a note",
                                      "rename or remove it; notegraph reads only regular files")
        chunks = []
        while chunk := os.read(fd, max(st.st_size + 1, 65536)):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        os.close(fd)


def _unreadable(path: Path | str, exc: OSError) -> NoteUnreadableError:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NoteUnreadableError(path, "cannot be read: permission denied", f"chmod u+r '{path}'")
    if exc.errno == errno.ELOOP:
        return NoteUnreadableError(path, "is a symlink loop", "fix or remove the link")
    if exc.errno == errno.EISDIR:
        return NoteUnreadableError(path, "is a folder, not a note", "rename the folder")
    return NoteUnreadableError(path, f"could not be read ({exc.strerror or exc})", "check the disk and the file")


def stamp_file(path: Path) -> FileStamp | None:
    return FileStamp.of(read_note(path))


# ---------------------------------------------------------------------------
# writing


Change = Callable[[bytes | None], bytes | None]
"""Given the note's bytes now (None: no such file), the bytes to write (None: nothing)."""


def update_note(path: Path, change: Change, *, attempts: int = ATTEMPTS) -> NoteWrite:
    """Change the note at ``path`` through the write protocol (see the module docstring).

    ``change`` may be called more than once: again each time the note changed
    under the write. It raises to refuse. Raises :class:`UnsafeWriteError` (and
    its subclasses) when the write is refused; nothing is written then.
    """
    target = _resolve(path)
    folder = target.parent
    _ensure_folder(folder)
    dir_fd = _open_folder(folder)
    try:
        _lock(dir_fd, folder)
        _sweep_temp_files(dir_fd)
        for attempt in range(1, attempts + 1):
            before = _read_current(dir_fd, target)
            after = change(before)
            if after is None or after == before:
                return NoteWrite(target, before, None, attempt)
            if _commit(dir_fd, target, before, after):
                _fsync(dir_fd)
                return NoteWrite(target, before, after, attempt)
        raise FileChangedOnDiskError(
            f"{target} kept changing while notegraph tried to write it ({attempts} times); nothing was written",
            "wait until the program that is writing it (a sync tool?) is done, then try again")
    finally:
        os.close(dir_fd)  # closing the folder releases the lock


def move_note(source: Path, target: Path) -> None:
    """Rename a note (a page rename) under the same protocol: both folders locked, the note a
    regular writable file with one link (never a symlink: which name would move?), and never
    over an existing file — ``link()`` fails rather than replace one created meanwhile; then the
    old name goes. Raises :class:`UnsafeWriteError`; nothing is moved then."""
    try:
        st = os.lstat(source)
    except OSError as exc:
        raise _unwritable(source, exc) from exc
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeWriteError(f"{source} is a symlink; notegraph does not rename it",
                               "rename the file it points to yourself, then run the rename again")
    _check_writable(source, st)
    _ensure_folder(target.parent)
    folders = sorted({Path(os.path.realpath(source.parent)), Path(os.path.realpath(target.parent))})
    fds = [_open_folder(folder) for folder in folders]
    try:
        for fd, folder in zip(fds, folders):
            _lock(fd, folder)
        if os.path.lexists(target):
            raise UnsafeWriteError(f"{target} exists; nothing was renamed", "choose another name, or merge the pages by hand")
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            raise UnsafeWriteError(f"{target} was created meanwhile; nothing was renamed", "try again") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
                raise _unwritable(target, exc) from exc
            os.rename(source, target)  # no hard links here: checked just above, under the lock
        else:
            os.unlink(source)
        for fd in fds:
            _fsync(fd)
    finally:
        for fd in fds:
            os.close(fd)


def _resolve(path: Path) -> Path:
    """The file a write to ``path`` must change: a symlink's target; refusals for what must not be written."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Path(os.path.realpath(path.parent)) / path.name
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    if stat.S_ISLNK(st.st_mode):
        real = Path(os.path.realpath(path))
        try:
            st = os.stat(real)
        except OSError:
            raise UnsafeWriteError(f"{path} is a symlink to {real}, which does not exist; nothing was written",
                                   f"fix or remove the link (`ls -l '{path}'`)") from None
        target = real
    else:
        target = Path(os.path.realpath(path.parent)) / path.name
    _check_writable(target, st)
    return target


def _check_writable(target: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeWriteError(f"{target} is {describe_kind(st.st_mode)}, not a note; nothing was written",
                               "rename it, or write to another page")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise UnsafeWriteError(f"{target} is read-only; notegraph leaves it as it is",
                               f"to let notegraph write it: chmod u+w '{target}'")
    if st.st_nlink > 1:
        raise UnsafeWriteError(
            f"{target} has {st.st_nlink} hard links; replacing it atomically would split them, "
            "so nothing was written",
            "edit it in place with another editor, or give it a single link")


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UnsafeWriteError(f"{folder} is a file where a folder should be; nothing was written",
                               "rename it") from None
    except OSError as exc:
        raise _unwritable(folder, exc) from exc
    st = os.stat(folder)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeWriteError(f"{folder} is not a folder; nothing was written", "rename it")
    if not st.st_mode & 0o222 or not os.access(folder, os.W_OK):
        raise UnsafeWriteError(f"the folder {folder} is read-only; nothing was written",
                               f"to let notegraph write there: chmod u+w '{folder}'")


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _unwritable(folder, exc) from exc


def _lock(dir_fd: int, folder: Path) -> None:
    deadline = time.monotonic() + LOCK_TIMEOUT
    delay = 0.001
    while True:
        try:
            fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                # No flock on this filesystem (NFS emulates it with write locks a folder cannot take):
                # go on without it; the exchange in step 6 still refuses to write over a change.
                return
            if time.monotonic() > deadline:
                raise UnsafeWriteError(
                    f"another notegraph process has been writing in {folder} for {LOCK_TIMEOUT:.0f} s; "
                    "nothing was written",
                    "see whether a notegraph process is stuck (`pgrep -a notegraph`), then try again") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def _sweep_temp_files(dir_fd: int) -> None:
    """Remove temp files a killed notegraph writer left (we hold the folder's lock)."""
    now = time.time()
    with os.scandir(dir_fd) as entries:
        names = [e.name for e in entries if e.name.endswith(TEMP_SUFFIX) and e.name.startswith(".")]
    for name in names:
        match = _TEMP_NAME.match(name)
        try:
            if match:
                if process_alive(int(match.group(1))):
                    continue
            elif not _OLD_TEMP_NAME.match(name) or \
                    now - os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mtime < _OLD_TEMP_AGE:
                continue
            os.unlink(name, dir_fd=dir_fd)
        except OSError:
            continue


def process_alive(pid: int) -> bool:
    """Whether another process with this pid exists (our own pid counts as gone: a leftover of ours)."""
    if pid == os.getpid():
        return False  # ours, from an earlier write that failed to clean up
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:  # a killed process its parent has not reaped yet (a zombie) is gone too
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[-1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def _read_current(dir_fd: int, target: Path) -> bytes | None:
    try:
        st = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    _check_writable(target, st)
    try:
        return read_note(target.name, dir_fd=dir_fd, follow=False)
    except NoteUnreadableError as exc:
        raise UnsafeWriteError(f"{exc.message}; nothing was written", exc.hint) from None


def _commit(dir_fd: int, target: Path, before: bytes | None, after: bytes) -> bool:
    """Put ``after`` in place if the note is still ``before``; False when it changed meanwhile."""
    temp = _write_temp(dir_fd, target, before, after)
    try:
        if before is None:
            try:
                os.link(temp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
            except FileExistsError:
                return False  # created meanwhile: read it and change that
            except OSError as exc:
                raise _unwritable(target, exc) from exc
            return True
        exchanged = _exchange(dir_fd, temp, target.name)
        if exchanged is None:
            # No RENAME_EXCHANGE here: compare at the last moment, then replace.
            if _read_current(dir_fd, target) != before:
                return False
            try:
                os.rename(temp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except OSError as exc:
                raise _unwritable(target, exc) from exc
            return True
        if not exchanged:
            return False  # the note vanished meanwhile: start over (it is a new file now)
        try:
            swapped_out = read_note(temp, dir_fd=dir_fd, follow=False)
        except NoteUnreadableError:
            swapped_out = None
        if swapped_out == before:
            return True
        # Changed by someone else between our read and the exchange: put theirs back.
        _exchange(dir_fd, temp, target.name)
        return False
    finally:
        try:
            os.unlink(temp, dir_fd=dir_fd)
        except FileNotFoundError:
            pass


def _write_temp(dir_fd: int, target: Path, before: bytes | None, data: bytes) -> str:
    name = f".{target.name[:80]}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}"
    current = None if before is None else os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
    mode = 0o666 if current is None else 0o600  # a new note: the umask decides, as for any editor
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                     dir_fd=dir_fd)
    except OSError as exc:
        raise _unwritable(target.parent, exc) from exc
    try:
        try:
            if current is not None:
                os.fchmod(fd, stat.S_IMODE(current.st_mode))
                if (current.st_uid, current.st_gid) != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(fd, current.st_uid, current.st_gid)
                    except PermissionError:
                        pass  # only root can give a file away; the note keeps its mode anyway
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        try:
            os.unlink(name, dir_fd=dir_fd)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _unwritable(target, exc) from exc
        raise
    return name


_libc: ctypes.CDLL | None = None


def _exchange(dir_fd: int, a: str, b: str) -> bool | None:
    """Swap two names in one folder atomically. None: not supported here; False: one of them is gone."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return None
    result = renameat2(dir_fd, os.fsencode(a), dir_fd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return None
    if err == errno.ENOENT:
        return False
    raise _unwritable(Path(b), OSError(err, os.strerror(err)))


def _fsync(dir_fd: int) -> None:
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some filesystems cannot sync a folder; the rename itself is done


def _unwritable(path: Path, exc: OSError) -> UnsafeWriteError:
    """An OS error while writing, as a message that says nothing was lost and what to do."""
    if exc.errno in _DISK_FULL:
        return UnsafeWriteError(f"the disk is full: nothing was written, {path} is as it was",
                                f"free some space on the disk that holds {path}, then try again")
    if exc.errno == errno.EROFS:
        return UnsafeWriteError(f"{path} is on a read-only filesystem; nothing was written",
                                "remount it read-write, or copy the graph somewhere writable")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UnsafeWriteError(f"permission denied writing {path}; nothing was written",
                                f"check who owns it: ls -ld '{path}'")
    if exc.errno == errno.ENAMETOOLONG:
        return UnsafeWriteError(f"the file name {path.name!r} is too long for this filesystem; nothing was written",
                                "use a shorter page title")
    if exc.errno == errno.ENOTDIR:
        return UnsafeWriteError(f"a part of {path} is a file, not a folder; nothing was written",
                                "rename the file that is in the way")
    return UnsafeWriteError(f"{path} could not be written ({exc.strerror or exc}); nothing was written",
                            "check the disk and the folder's permissions, then try again")
