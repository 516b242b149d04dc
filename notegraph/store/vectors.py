"""SQL for embeddings: which files need new pieces, the queue of texts to embed, the vectors.

Vectors are float32 blobs in SQLite, searched with numpy in memory (see
:mod:`notegraph.semantic`). Every write bumps ``vectors_version`` in ``meta`` so
readers know when to reload.
"""

from __future__ import annotations

import contextlib
from typing import Iterable, Iterator, Sequence

from sqlite_utils import Database

from notegraph.embed.context import Piece

VERSION_KEY = "vectors_version"
MODEL_KEY = "embed_model"
DIM_KEY = "embed_dim"


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """BEGIN IMMEDIATE: take the write lock before reading, so a concurrent indexer cannot
    invalidate what this transaction read (a deferred one would fail with SQLITE_BUSY_SNAPSHOT)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def bump_version(db: Database) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, '1') "
               "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", [VERSION_KEY])


def version(db: Database) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [VERSION_KEY]).fetchone()
    return int(row[0]) if row else 0


_SIGNATURES = "SELECT f.path, f.sha256 || char(0) || coalesce(p.name, '') FROM files f " \
              "LEFT JOIN pages p ON p.file = f.path"


def file_signatures(db: Database) -> dict[str, str]:
    """What each indexed file's pieces must be built from: its content and its page's name."""
    return dict(db.execute(_SIGNATURES).fetchall())


def file_signatures_for(db: Database, file: str) -> str | None:
    row = db.execute(_SIGNATURES + " WHERE f.path = ?", [file]).fetchone()
    return str(row[1]) if row else None


def embedded_signatures(db: Database) -> dict[str, str]:
    return dict(db.execute("SELECT file, signature FROM embed_files").fetchall())


def files_referencing(db: Database, files: Sequence[str]) -> set[str]:
    """Files with blocks that ``((ref))`` a block in ``files``: their expanded text may have changed."""
    found: set[str] = set()
    for start in range(0, len(files), 500):
        chunk = files[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            "SELECT DISTINCT b.file FROM block_refs r JOIN blocks b ON b.rowid = r.block WHERE r.target IN "
            f"(SELECT uuid FROM blocks WHERE file IN ({marks}) AND uuid IS NOT NULL)", chunk).fetchall()
        found.update(r[0] for r in rows)
    return found


def page_of_file(db: Database, file: str) -> tuple[str, int | None, list[tuple[int, str, str | None, str]]]:
    """The page title, its journal day, and the blocks (rowid, id, parent id, search text) of one file."""
    row = db.execute("SELECT name, journal_day FROM pages WHERE file = ?", [file]).fetchone()
    blocks = db.execute("SELECT rowid, id, parent_id, text FROM blocks WHERE file = ? ORDER BY position",
                        [file]).fetchall()
    if row is None:
        return file.rsplit("/", 1)[-1].removesuffix(".md"), None, blocks
    return row[0], row[1], blocks


def texts_by_uuid(db: Database, uuids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(uuids))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = db.execute(f"SELECT uuid, text FROM blocks WHERE uuid IN ({', '.join('?' * len(chunk))})",
                          chunk).fetchall()
        out.update({u: t for u, t in rows})
    return out


def replace_pieces(db: Database, file: str, signature: str, pieces: Sequence[Piece]) -> int:
    """Point the blocks of ``file`` at new pieces; queue the texts that have no vector. Returns how many."""
    db.execute("DELETE FROM block_pieces WHERE block IN (SELECT rowid FROM blocks WHERE file = ?)", [file])
    db.conn.executemany("INSERT OR REPLACE INTO block_pieces(block, piece, key) VALUES (?, ?, ?)",
                        [(p.block, p.piece, p.key) for p in pieces])
    before = db.conn.total_changes
    db.conn.executemany("INSERT OR IGNORE INTO embed_queue(key, text) SELECT ?, ? "
                        "WHERE NOT EXISTS (SELECT 1 FROM vectors WHERE key = ?)",
                        [(p.key, p.text, p.key) for p in pieces])
    queued = db.conn.total_changes - before
    db.execute("INSERT OR REPLACE INTO embed_files(file, signature) VALUES (?, ?)", [file, signature])
    return queued


def forget_files(db: Database, files: Iterable[str]) -> None:
    db.conn.executemany("DELETE FROM embed_files WHERE file = ?", [(f,) for f in files])


def drop_unused_queue(db: Database) -> None:
    """Texts queued for a block that has changed again (or gone) before they were embedded."""
    db.execute("DELETE FROM embed_queue WHERE key NOT IN (SELECT key FROM block_pieces)")


def queued_texts(db: Database) -> list[tuple[str, str]]:
    return db.execute("SELECT key, text FROM embed_queue").fetchall()


def store_vectors(db: Database, keys: Sequence[str], blobs: Sequence[bytes]) -> None:
    db.conn.executemany("INSERT OR REPLACE INTO vectors(key, vector) VALUES (?, ?)", list(zip(keys, blobs)))
    db.conn.executemany("DELETE FROM embed_queue WHERE key = ?", [(k,) for k in keys])


def pending_blocks(db: Database) -> int:
    """Blocks with a piece still waiting for its vector."""
    row = db.execute("SELECT count(DISTINCT bp.block) FROM block_pieces bp "
                     "JOIN embed_queue q ON q.key = bp.key").fetchone()
    return int(row[0])


def embedded_blocks(db: Database) -> int:
    row = db.execute("SELECT count(DISTINCT bp.block) FROM block_pieces bp "
                     "WHERE NOT EXISTS (SELECT 1 FROM embed_queue q WHERE q.key = bp.key)").fetchone()
    return int(row[0])


def forget_all_vectors(db: Database) -> None:
    for table in ("vectors", "block_pieces", "embed_files", "embed_queue"):
        db.execute(f"DELETE FROM {table}")


def drop_orphan_vectors(db: Database, keep_fraction: float = 0.2) -> int:
    """Vectors no block uses any more: kept while few (an undo finds its vector again), then dropped."""
    total = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    orphans = db.execute("SELECT count(*) FROM vectors WHERE key NOT IN (SELECT key FROM block_pieces)").fetchone()[0]
    if orphans > max(1000, keep_fraction * total):
        db.execute("DELETE FROM vectors WHERE key NOT IN (SELECT key FROM block_pieces)")
        return int(orphans)
    return 0


def piece_vectors(db: Database) -> list[tuple[int, int]]:
    """(block rowid, vector rowid) for every piece that has its vector."""
    return db.execute("SELECT bp.block, v.rowid FROM block_pieces bp JOIN vectors v ON v.key = bp.key").fetchall()


def vector_blobs(db: Database, rowids: Sequence[int]) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    for start in range(0, len(rowids), 900):
        chunk = rowids[start:start + 900]
        out += db.execute(f"SELECT rowid, vector FROM vectors WHERE rowid IN ({', '.join('?' * len(chunk))})",
                          chunk).fetchall()
    return out


def block_vector_rowids(db: Database, block: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT v.rowid FROM block_pieces bp JOIN vectors v ON v.key = bp.key "
                                     "WHERE bp.block = ? ORDER BY bp.piece", [block]).fetchall()]


def outline_facts(db: Database, template_pages: int) -> list[tuple[int, int | None, int, str | None]]:
    """Per block: (rowid, parent rowid, is its text a question, its hash when the text repeats on many pages)."""
    return db.execute(
        "WITH templates AS (SELECT content_hash FROM blocks GROUP BY content_hash "
        "                   HAVING count(DISTINCT page_key) >= ?) "
        "SELECT b.rowid, p.rowid, rtrim(b.text) LIKE '%?', "
        "CASE WHEN b.content_hash IN templates THEN b.content_hash END "
        "FROM blocks b LEFT JOIN blocks p ON p.id = b.parent_id AND p.file = b.file", [template_pages]).fetchall()
