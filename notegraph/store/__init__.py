"""The SQLite index: a rebuildable cache of the graph, outside the graph folder.

:class:`Store` owns one connection (one per thread: open another Store in a
worker). Opening checks that the file is a notegraph index for this graph (see
:class:`Store` for what happens when it is not); what it did is said in
:attr:`Store.notices`. SQLite errors become :class:`IndexUnusableError` with the
fix (:func:`index_problem`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from sqlite_utils import Database

from notegraph.errors import IndexUnusableError
from notegraph.logseq.dates import FALLBACK_TITLE_FORMATS
from notegraph.store.rows import CONTENT, PLACE, BlockRow, PageRows
from notegraph.store.schema import DEFERRED_INDEXES, FULLTEXT_TRIGGERS, migrations

T = TypeVar("T")

APP_ID = "notegraph-index"
SCHEMA_VERSION = "1"
_SQLITE_HEADER = b"SQLite format 3\x00"


_INSERT_BLOCK = (f"INSERT INTO blocks(rowid, id, file, {', '.join(PLACE + CONTENT)}) "
                 f"VALUES ({', '.join('?' * (3 + len(PLACE) + len(CONTENT)))})")


# Positions of the child-row fields in a block row (rows may arrive as plain tuples).
_REFS, _TAGS, _BLOCK_REFS, _PROPERTIES = (BlockRow._fields.index(f) for f in ("refs", "tags", "block_refs", "properties"))


IndexError_ = IndexUnusableError

_DAMAGED = ("malformed", "not a database", "file is encrypted", "database corrupt")


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether a SQLite error says the file itself is damaged (not locked, full or read-only)."""
    # SQLITE_CORRUPT and SQLITE_NOTADB arrive as the base class; its subclasses are other troubles
    # (IntegrityError is a bug, OperationalError is locked, full, read-only…).
    return type(exc) is sqlite3.DatabaseError or any(word in str(exc).lower() for word in _DAMAGED)


def index_problem(exc: sqlite3.DatabaseError, path: Path) -> IndexUnusableError:
    """A SQLite error on the index as a message that says where, why, and what fixes it."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return IndexUnusableError(f"the index {path} is busy: another notegraph process is writing it",
                                  "wait a moment and try again; if it stays busy, close the other notegraph")
    if "readonly" in text or "read-only" in text:
        return IndexUnusableError(f"the index {path} cannot be written (it or its folder is read-only)",
                                  f"make them writable (`chmod u+w {path} {path.parent}`), or put the index "
                                  "elsewhere with NOTEGRAPH_CACHE_DIR=DIR or --index FILE")
    if "full" in text:
        return IndexUnusableError(f"the disk that holds the index {path} is full (your notes are not affected)",
                                  "free some space there, or put the index on another disk with "
                                  "NOTEGRAPH_CACHE_DIR=DIR")
    if "unable to open" in text:
        return IndexUnusableError(f"the index {path} cannot be opened or created",
                                  f"check that {path.parent} exists and is writable, or put the index elsewhere "
                                  "with NOTEGRAPH_CACHE_DIR=DIR or --index FILE")
    if is_damage(exc):
        return IndexUnusableError(f"the index {path} is damaged ({exc}); your notes are not affected",
                                  "run `notegraph index --rebuild`: it starts the index afresh")
    return IndexUnusableError(f"the index {path} could not be used ({exc})",
                              "run `notegraph index --rebuild`; if that fails too, delete the file (it is a cache)")


def _retry_locked(fn: Callable[[], T], attempts: int = 8) -> T:
    """Retry an operation while another process holds the database lock."""
    delay = 0.05
    for attempt in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")


class Store:
    """The index file of one graph.

    ``owned`` says the file is at notegraph's own place for it (the cache folder):
    there a file that is not our index, or is damaged, is moved aside and a fresh
    index is made. At a place the user chose (``--index``, ``$NOTEGRAPH_INDEX``)
    such a file is refused, never moved: it may be anything of theirs. Our own
    index of another graph is replaced in both places: it is a cache.
    """

    def __init__(self, path: Path, graph_root: Path, *, owned: bool = False,
                 journal_formats: tuple[str, ...] = ()) -> None:
        self.path = path
        self.graph_root = graph_root
        self.owned = owned
        self.journal_formats = tuple(dict.fromkeys((*journal_formats, *FALLBACK_TITLE_FORMATS)))
        """How this graph names a day (``[[Mar 28th, 2023]]``): a link to one dates the block."""
        self.notices: list[str] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnusableError(
                f"the folder for the index, {path.parent}, cannot be created ({exc.strerror or exc})",
                "set NOTEGRAPH_CACHE_DIR to a folder you can write, or pass --index FILE") from None
        self.db = self._open()

    # -- opening -------------------------------------------------------------------
    def _connect(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
        db = Database(conn)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=10000")
            # A big page cache: inserts into the refs and tags trees land all over them.
            db.execute("PRAGMA cache_size=-65536")
            db.execute("PRAGMA temp_store=MEMORY")
        except BaseException:
            conn.close()
            raise
        return db

    def _open(self) -> Database:
        meta = self._identify()
        root = str(self.graph_root)
        if meta.get("graph") not in (None, root):
            self._replace_ours(f"it was the index of another graph ({meta.get('graph')})")
            meta = {}
        try:
            db = self._connect()
        except sqlite3.DatabaseError as exc:
            raise index_problem(exc, self.path) from None
        try:
            _retry_locked(lambda: migrations.apply(db))
            if not meta:
                with db.atomic():
                    db.conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                        [("app", APP_ID), ("graph", root), ("schema", SCHEMA_VERSION)])
        except sqlite3.DatabaseError as exc:
            db.conn.close()
            if is_damage(exc):
                self._set_aside(f"it could not be read ({exc})")
                return self._open()
            raise index_problem(exc, self.path) from None
        return db

    def _identify(self) -> dict[str, str]:
        """The file's meta when it is a notegraph index (empty: no file, an empty one, or ours from a run
        killed before it wrote its meta). Anything else is set aside or refused before SQLite writes a byte
        to it: this look is read-only and leaves no -wal/-shm files (``immutable``)."""
        self._inspect()
        if not self.path.exists() or self.path.stat().st_size == 0:
            return {}
        try:
            conn = sqlite3.connect(self.path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
            try:
                tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")} \
                    if "meta" in tables else {}
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise index_problem(exc, self.path) from None
            self._set_aside(f"it could not be read ({exc})")
            return {}
        if not tables or meta.get("app") == APP_ID or ("meta" in tables and "_sqlite_migrations" in tables
                                                      and not meta):
            return meta
        self._set_aside("it is a SQLite database but not a notegraph index")
        return {}

    def _inspect(self) -> None:
        """Refuse or set aside what cannot be our index before SQLite touches it."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise IndexUnusableError(f"the index {self.path} cannot be opened ({exc.strerror})",
                                     "check its permissions, or pass another location with --index FILE") from None
        if not stat.S_ISREG(st.st_mode):
            raise IndexUnusableError(f"the index path {self.path} is not a file; notegraph leaves it alone",
                                     "pass the path of an index file with --index FILE (or fix NOTEGRAPH_INDEX)")
        if not os.access(self.path, os.R_OK | os.W_OK):
            raise IndexUnusableError(f"the index {self.path} is read-only (or unreadable) for you",
                                     f"make it writable (`chmod u+rw {self.path}`), or delete it: it is a cache "
                                     "and notegraph rebuilds it")
        try:
            with open(self.path, "rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise IndexUnusableError(f"the index {self.path} cannot be read ({exc.strerror})",
                                     "check the disk, or pass another location with --index FILE") from None
        if header and header != _SQLITE_HEADER:
            self._set_aside("it is not a SQLite database")

    def _set_aside(self, why: str) -> None:
        """A file at the index path that is not a usable index of ours: moved aside if the place is ours, else
        refused (it may be a note or another program's database)."""
        if not self.owned:
            raise IndexUnusableError(
                f"{self.path} is not a notegraph index ({why}); notegraph leaves it alone",
                "check --index / NOTEGRAPH_INDEX (the index must be a file of its own, outside the graph); "
                f"if it is an old notegraph index, delete it: rm '{self.path}'")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for older in self.path.parent.glob(self.path.name + ".broken-*"):
            older.unlink(missing_ok=True)  # keep only the latest damaged copy: it is a cache
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.rename(Path(f"{self.path}.broken-{stamp}{suffix}"))
        self.notices.append(f"the index {self.path} was unusable ({why}); it was moved aside and is rebuilt now")

    def _replace_ours(self, why: str) -> None:
        """Delete our own index file (a cache) to start afresh."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self.notices.append(f"the index {self.path} is rebuilt: {why}")

    def damaged(self) -> str | None:
        """What SQLite's ``quick_check`` finds wrong with the file, or None when it is sound."""
        try:
            rows = [str(row[0]) for row in self.db.execute("PRAGMA quick_check(100)").fetchall()]
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            return str(exc)
        if rows == ["ok"]:
            return None
        found = [line for row in rows for line in row.splitlines() if line.strip() and "***" not in line]
        return f"{len(found)} problems, e.g. {found[0][:100]}" if found else "quick_check failed"

    def reset(self, why: str) -> None:
        """Give up on this index file (it is damaged) and start a fresh one; refused where the file is not ours
        to move (then the error says what to do)."""
        self.db.conn.close()
        if self.owned:
            self._set_aside(why)
        else:
            self._replace_ours(why)
        self.db = self._open()

    def close(self) -> None:
        self.db.conn.close()

    # -- bulk loading ------------------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Load many files fast: the costly indexes and full-text triggers wait, then are built once.

        The ``bulk`` flag in ``meta`` is set first; if the process dies before the
        end, the next open finds the flag and finishes the job (see :meth:`repair`).
        """
        with self.db.atomic():
            self.set_meta("bulk", "1")
            for name in FULLTEXT_TRIGGERS:
                self.db.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in DEFERRED_INDEXES:
                self.db.execute(f"DROP INDEX IF EXISTS {name}")
        self.db.execute("PRAGMA synchronous=OFF")  # a cache: after a power cut it is rebuilt
        try:
            yield
        finally:
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._finish_bulk()

    def _finish_bulk(self) -> None:
        with self.db.atomic():
            for ddl in DEFERRED_INDEXES.values():
                self.db.execute(ddl)
            self.db.execute("INSERT INTO blocks_fts(blocks_fts) VALUES ('rebuild')")
            self.db.execute("INSERT INTO pages_fts(pages_fts) VALUES ('rebuild')")
            for ddl in FULLTEXT_TRIGGERS.values():
                self.db.execute(ddl)
            self.db.execute("DELETE FROM meta WHERE key = 'bulk'")

    def repair(self) -> None:
        """Finish what an interrupted bulk load left undone."""
        if self.get_meta("bulk") is not None:
            self.notices.append("the last indexing run was interrupted; its indexes are rebuilt")
            self._finish_bulk()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = list(self.db.query("SELECT value FROM meta WHERE key = ?", [key]))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])

    # -- files ------------------------------------------------------------------------
    def indexed_files(self) -> dict[str, tuple[int, int, str]]:
        """Every indexed file: path → (size, mtime_ns, sha256)."""
        return {row[0]: (row[1], row[2], row[3])
                for row in self.db.execute("SELECT path, size, mtime_ns, sha256 FROM files").fetchall()}

    def counts(self) -> dict[str, int]:
        return {table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("files", "pages", "blocks")}

    # -- writing one file ---------------------------------------------------------------
    def write_file(self, rows: PageRows, stamp: tuple[int, int, str], error: str | None = None,
                   moved_from: str | None = None, fresh: bool = False) -> int:
        """Bring one file's rows in line with ``rows``, in one transaction. Returns rows written.

        ``fresh`` promises the index holds nothing of this file yet (a new file): its
        rows are inserted without looking for old ones.
        """
        return _retry_locked(lambda: self._write_file(rows, stamp, error, moved_from, fresh))

    def _write_file(self, rows: PageRows, stamp: tuple[int, int, str], error: str | None,
                    moved_from: str | None, fresh: bool) -> int:
        db = self.db
        written = 0
        with db.atomic():
            if moved_from is not None:
                db.execute("DELETE FROM files WHERE path = ?", [moved_from])
                db.execute("UPDATE blocks SET file = ? WHERE file = ?", [rows.file, moved_from])
                db.execute("DELETE FROM pages WHERE file = ?", [moved_from])
            size, mtime_ns, sha = stamp
            page_key = rows.page["key"] if rows.page else None
            db.execute(
                "INSERT INTO files(path, size, mtime_ns, sha256, page_key, error) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "sha256 = excluded.sha256, page_key = excluded.page_key, error = excluded.error",
                [rows.file, size, mtime_ns, sha, page_key, error])
            page_tags_before = None if fresh else self._page_tags(rows.file)
            written += self._write_page(rows, fresh)
            written += self._insert_all(rows) if fresh else self._write_blocks(rows)
            if page_tags_before is not None and page_tags_before != self._page_tags(rows.file):
                self._retag_blocks(rows)  # every block carries the page's tags, changed or not
        return written

    def _page_tags(self, file: str) -> list[str]:
        row = self.db.execute("SELECT properties FROM pages WHERE file = ?", [file]).fetchone()
        return [json.loads(row[0]).get("tags", "")] if row else []

    def _retag_blocks(self, rows: PageRows) -> None:
        rowid_of = dict(self.db.execute("SELECT id, rowid FROM blocks WHERE file = ?", [rows.file]).fetchall())
        self.db.execute("DELETE FROM tags WHERE block IN (SELECT rowid FROM blocks WHERE file = ?)", [rows.file])
        self.db.conn.executemany("INSERT INTO tags(block, tag) VALUES (?, ?)",
                                 [(rowid_of[b[0]], tag) for b in rows.blocks if b[0] in rowid_of for tag in b[_TAGS]])

    def _write_page(self, rows: PageRows, fresh: bool = False) -> int:
        db = self.db
        old = [] if fresh else db.execute(
            "SELECT key, name, journal_day, namespace, properties, aliases FROM pages WHERE file = ?",
            [rows.file]).fetchall()
        new = rows.page
        if new is None:
            if old:
                db.execute("DELETE FROM pages WHERE file = ?", [rows.file])
                db.execute("DELETE FROM aliases WHERE page_key = ?", [old[0][0]])
                return 1
            return 0
        same = old and old[0] == (new["key"], new["name"], new["journal_day"], new["namespace"],
                                  new["properties"], new["aliases"])
        if same:
            return 0
        if old:
            db.execute("DELETE FROM aliases WHERE page_key = ?", [old[0][0]])
            if old[0][0] != new["key"]:
                db.execute("DELETE FROM pages WHERE file = ?", [rows.file])
        # Two files can claim one page (a title:: collision): the later file wins the row.
        db.execute(
            "INSERT INTO pages(key, name, file, journal_day, namespace, properties, aliases) "
            "VALUES (:key, :name, :file, :journal_day, :namespace, :properties, :aliases) "
            "ON CONFLICT(key) DO UPDATE SET name = excluded.name, file = excluded.file, "
            "journal_day = excluded.journal_day, namespace = excluded.namespace, "
            "properties = excluded.properties, aliases = excluded.aliases", new)
        db.conn.executemany("INSERT OR IGNORE INTO aliases(alias, page_key) VALUES (?, ?)",
                       [(alias, new["key"]) for alias in rows.aliases])
        return 1

    def _write_blocks(self, rows: PageRows) -> int:
        """Diff the file's block rows against the new ones: unchanged rows are not touched.

        A block is matched by its id, else by its content (same text, new id: the page
        was renamed), so its rowid — and everything keyed by it — survives.
        """
        db = self.db
        if not db.execute("SELECT 1 FROM blocks WHERE file = ? LIMIT 1", [rows.file]).fetchone():
            return self._insert_all(rows)
        existing: dict[str, list[tuple[Any, ...]]] = {}
        by_hash: dict[str, list[tuple[Any, ...]]] = {}
        cursor = db.execute(f"SELECT rowid, id, {', '.join(PLACE + CONTENT)} FROM blocks "
                            "WHERE file = ?", [rows.file])
        for row in cursor.fetchall():
            existing.setdefault(row[1], []).append(row)
        written = 0
        unmatched: list[BlockRow] = []
        kept: set[int] = set()
        place_n = len(PLACE)
        for block in map(BlockRow._make, rows.blocks):
            candidates = existing.get(block.id)
            if candidates:
                old = candidates.pop(0)
                kept.add(old[0])
                written += self._update_block(old, block, place_n)
            else:
                unmatched.append(block)
        leftovers = [row for rows_ in existing.values() for row in rows_]
        for row in leftovers:
            by_hash.setdefault(row[2 + place_n + CONTENT.index("content_hash")], []).append(row)
        position_of = 2 + PLACE.index("position")
        by_position = {row[position_of]: row for row in leftovers}
        for block in unmatched:
            same_text = [row for row in by_hash.get(block.content_hash, []) if row[0] not in kept]
            same_place = by_position.get(block.position)
            # same text under a new id (the page was renamed), or the block edited in place
            reuse = same_text[0] if same_text else same_place if same_place and same_place[0] not in kept else None
            if reuse is not None:
                kept.add(reuse[0])
                db.execute("UPDATE blocks SET id = ? WHERE rowid = ?", [block.id, reuse[0]])
                written += 1 + self._update_block(reuse, block, place_n)
            else:
                written += self._insert_block(rows.file, block)
        gone = [row[0] for row in leftovers if row[0] not in kept]
        if gone:
            self._delete_blocks(gone)
            written += len(gone)
        return written

    def _insert_all(self, rows: PageRows) -> int:
        """A file new to the index: every row in a few statements, row ids given up front."""
        if not rows.blocks:
            return 0
        conn = self.db.conn
        first = (conn.execute("SELECT max(rowid) FROM blocks").fetchone()[0] or 0) + 1
        file = rows.file
        conn.executemany(_INSERT_BLOCK, [(first + i, b[0], file, *b[1:17]) for i, b in enumerate(rows.blocks)])
        blocks = list(enumerate(rows.blocks, start=first))
        conn.executemany("INSERT INTO refs(block, page_key) VALUES (?, ?)",
                         [(rowid, ref) for rowid, b in blocks for ref in b[_REFS]])
        conn.executemany("INSERT INTO tags(block, tag) VALUES (?, ?)",
                         [(rowid, tag) for rowid, b in blocks for tag in b[_TAGS]])
        conn.executemany("INSERT INTO block_refs(block, target) VALUES (?, ?)",
                         [(rowid, target) for rowid, b in blocks for target in b[_BLOCK_REFS]])
        conn.executemany("INSERT INTO properties(block, key, value) VALUES (?, ?, ?)",
                         [(rowid, key, value) for rowid, b in blocks for key, value in b[_PROPERTIES]])
        return len(rows.blocks)

    def _update_block(self, old: tuple[Any, ...], block: BlockRow, place_n: int) -> int:
        rowid = old[0]
        place = block.columns(PLACE)
        content = block.columns(CONTENT)
        written = 0
        if tuple(place.values()) != old[2:2 + place_n]:
            self._update(rowid, place)
            written += 1
        if tuple(content.values()) != old[2 + place_n:]:
            self._update(rowid, content)
            self._replace_children(rowid, block)
            written += 1
        return written

    def _update(self, rowid: int, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        self.db.execute(f"UPDATE blocks SET {assignments} WHERE rowid = :rowid", {**values, "rowid": rowid})

    def _insert_block(self, file: str, block: BlockRow) -> int:
        values = {"id": block.id, "file": file, **block.columns(PLACE), **block.columns(CONTENT)}
        names = ", ".join(values)
        cursor = self.db.execute(f"INSERT INTO blocks({names}) VALUES ({', '.join(':' + n for n in values)})",
                                 values)
        rowid = cursor.lastrowid
        assert rowid is not None
        self._insert_children(rowid, block)
        return 1

    def _insert_children(self, rowid: int, block: BlockRow) -> None:
        db = self.db
        if block.refs:
            db.conn.executemany("INSERT INTO refs(block, page_key) VALUES (?, ?)",
                           [(rowid, ref) for ref in block.refs])
        if block.tags:
            db.conn.executemany("INSERT INTO tags(block, tag) VALUES (?, ?)",
                           [(rowid, tag) for tag in block.tags])
        if block.block_refs:
            db.conn.executemany("INSERT INTO block_refs(block, target) VALUES (?, ?)",
                           [(rowid, target) for target in block.block_refs])
        if block.properties:
            db.conn.executemany("INSERT INTO properties(block, key, value) VALUES (?, ?, ?)",
                           [(rowid, key, value) for key, value in block.properties])

    def _replace_children(self, rowid: int, block: BlockRow) -> None:
        for table in ("refs", "tags", "block_refs", "properties"):
            self.db.execute(f"DELETE FROM {table} WHERE block = ?", [rowid])
        self._insert_children(rowid, block)

    def _delete_blocks(self, rowids: Iterable[int]) -> None:
        ids = list(rowids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for table in ("refs", "tags", "block_refs", "properties", "block_pieces"):
                self.db.execute(f"DELETE FROM {table} WHERE block IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM blocks WHERE rowid IN ({marks})", chunk)

    def delete_file(self, path: str) -> int:
        def run() -> int:
            with self.db.atomic():
                rowids = [r[0] for r in self.db.execute("SELECT rowid FROM blocks WHERE file = ?", [path]).fetchall()]
                self._delete_blocks(rowids)
                keys = [r[0] for r in self.db.execute("SELECT key FROM pages WHERE file = ?", [path]).fetchall()]
                for key in keys:
                    self.db.execute("DELETE FROM aliases WHERE page_key = ?", [key])
                self.db.execute("DELETE FROM pages WHERE file = ?", [path])
                self.db.execute("DELETE FROM files WHERE path = ?", [path])
                return len(rowids) + 1
        return _retry_locked(run)

    def clear(self) -> None:
        """Forget everything indexed (for --rebuild)."""
        with self.db.atomic():
            # Vectors stay: they are keyed by the text embedded, so a rebuild reuses them.
            for table in ("refs", "tags", "block_refs", "properties", "aliases", "blocks", "pages", "files",
                          "block_pieces", "embed_files", "embed_queue"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("INSERT INTO blocks_fts(blocks_fts) VALUES ('rebuild')")
            self.db.execute("INSERT INTO pages_fts(pages_fts) VALUES ('rebuild')")

    def dump(self) -> dict[str, Any]:
        """The index content without row ids: two indexes of one folder dump equal.

        Read in one transaction: a snapshot, even while another connection writes.
        """
        with self.db.atomic():
            return self._dump()

    def _dump(self) -> dict[str, Any]:
        db = self.db
        columns = ["id", "file", *PLACE, *CONTENT]
        blocks = {r[0]: r[1:] for r in db.execute(f"SELECT rowid, {', '.join(columns)} FROM blocks").fetchall()}

        def block_key(rowid: int) -> tuple[Any, ...]:
            row = blocks[rowid]
            return (row[0], row[1], row[4])  # id, file, position

        out: dict[str, Any] = {
            "files": sorted(db.execute("SELECT * FROM files").fetchall()),
            "pages": sorted(r[1:] for r in db.execute("SELECT * FROM pages").fetchall()),
            "aliases": sorted(db.execute("SELECT * FROM aliases").fetchall()),
            "blocks": sorted(blocks.values()),
        }
        for table, cols in (("refs", "page_key"), ("tags", "tag"), ("block_refs", "target"),
                            ("properties", "key, value")):
            out[table] = sorted((block_key(r[0]), *r[1:])
                                for r in db.execute(f"SELECT block, {cols} FROM {table}").fetchall())
        fts = db.execute("SELECT rowid, text FROM blocks_fts").fetchall()
        out["fts"] = sorted((block_key(r[0]), r[1]) for r in fts if r[0] in blocks)
        out["fts_orphans"] = sorted(r[0] for r in fts if r[0] not in blocks)
        normalised: dict[str, Any] = json.loads(json.dumps(out, default=str))
        return normalised
