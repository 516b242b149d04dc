"""Search by meaning: cosine over block vectors, and hybrid rank fusion with keyword search.

Vectors live in SQLite (:mod:`notegraph.store.vectors`); this module keeps them
in one numpy matrix in memory and reloads only what changed. Filters are applied
before ranking: the filter SQL picks the allowed blocks, and only their vectors
are scored.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from notegraph.search import Filters, filter_sql, fts_query
from notegraph.store import Store
from notegraph.store import vectors as sql

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

TEMPLATE_PAGES = 3
"""A block text written on this many pages or more is a template (a daily heading, a checklist)."""
TEMPLATE_PENALTY = 0.1
"""Cosine taken off a template block, so many copies of it cannot swamp a result list."""


class VectorCache:
    """All piece vectors of one index, in memory; reloads only what changed since last time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._dim = 0
        self._rows: dict[int, int] = {}  # vector rowid → row in _matrix
        self._matrix: Any = None
        self.piece_blocks: Any = None  # block rowid of each piece
        self.piece_rows: Any = None  # row in _matrix of each piece
        self.template_blocks: Any = None

    def refresh(self, store: Store) -> None:
        import numpy as np

        with self._lock:
            db = store.db
            current = sql.version(db)
            if current == self._version:
                return
            dim_text = store.get_meta(sql.DIM_KEY)
            dim = int(dim_text) if dim_text else 0
            pairs = sql.piece_vectors(db)
            if dim != self._dim or (len(self._rows) > 2 * len(pairs) and len(self._rows) > 10_000):
                # a new model, or mostly vectors no block uses any more: start over
                self._dim, self._rows, self._matrix = dim, {}, np.zeros((0, dim), dtype=np.float32)
            missing = sorted({v for _, v in pairs if v not in self._rows})
            if missing:
                fetched = sql.vector_blobs(db, missing)
                block = np.frombuffer(b"".join(blob for _, blob in fetched), dtype=np.float32).reshape(-1, dim)
                base = len(self._matrix)
                self._matrix = np.concatenate([self._matrix, block]) if base else block.copy()
                for i, (rowid, _) in enumerate(fetched):
                    self._rows[rowid] = base + i
            self.piece_blocks = np.fromiter((b for b, _ in pairs), dtype=np.int64, count=len(pairs))
            self.piece_rows = np.fromiter((self._rows[v] for _, v in pairs), dtype=np.int64, count=len(pairs))
            self.template_blocks = np.array(sorted(r[0] for r in db.execute(
                "SELECT rowid FROM blocks WHERE content_hash IN (SELECT content_hash FROM blocks "
                "GROUP BY content_hash HAVING count(DISTINCT page_key) >= ?)", [TEMPLATE_PAGES]).fetchall()),
                dtype=np.int64)
            self._version = current

    def scores(self, query: "npt.NDArray[np.float32]") -> "npt.NDArray[np.float32]":
        """Cosine of the query with every piece (vectors are unit length)."""
        import numpy as np

        if self._matrix is None or not len(self._rows) or self.piece_rows is None or not len(self.piece_rows):
            return np.zeros(0, dtype=np.float32)
        per_vector = self._matrix @ query.reshape(-1)
        return np.asarray(per_vector[self.piece_rows], dtype=np.float32)

    def vector_of(self, store: Store, block: int) -> "npt.NDArray[np.float32] | None":
        import numpy as np

        rowids = sql.block_vector_rowids(store.db, block)
        if not rowids:
            return None
        self.refresh(store)
        rows = [self._rows[r] for r in rowids if r in self._rows]
        if not rows:
            return None
        mean = self._matrix[rows].mean(axis=0)
        return np.asarray(mean / (np.linalg.norm(mean) or 1.0), dtype=np.float32)


def allowed_blocks(store: Store, filters: Filters) -> "npt.NDArray[np.int64] | None":
    """Rowids the filters allow (sorted), or None when there are no filters."""
    import numpy as np

    if filters.is_empty():
        return None
    where, params = filter_sql(store, filters)
    rows = store.db.execute(f"SELECT b.rowid FROM blocks b WHERE {' AND '.join(where)} ORDER BY b.rowid",
                            params).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def semantic_rank(cache: VectorCache, query: "npt.NDArray[np.float32]", allowed: "npt.NDArray[np.int64] | None",
                  limit: int, exclude: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
    """Blocks by cosine (best piece of each block), best first, among ``allowed`` blocks."""
    import numpy as np

    scores = cache.scores(query)
    if not len(scores):
        return []
    blocks = cache.piece_blocks
    if allowed is not None:
        mask = np.isin(blocks, allowed, assume_unique=False)
        scores = np.where(mask, scores, -np.inf)
    if cache.template_blocks is not None and len(cache.template_blocks):
        scores = scores - TEMPLATE_PENALTY * np.isin(blocks, cache.template_blocks)
    want = min(len(scores), max(limit * 4, limit + len(exclude) + 8))
    top = np.argpartition(-scores, want - 1)[:want] if want < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    out: list[tuple[int, float]] = []
    seen: set[int] = set()
    for i in top:
        score = float(scores[i])
        if score == -np.inf:
            break
        block = int(blocks[i])
        if block in seen or block in exclude:
            continue
        seen.add(block)
        out.append((block, score))
        if len(out) >= limit:
            break
    return out


_STOPWORDS = frozenset("""a about above after again all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself did didn't i'm i've we've what's anything
something thing things note notes wrote write written""".split())
_WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)


def any_words_query(text: str) -> str | None:
    """A question as a keyword query: its content words ORed (a question's words are rarely all in the note)."""
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    kept = list(dict.fromkeys(w for w in words if w and w not in _STOPWORDS and len(w) > 1))
    if not kept:
        return None
    return " OR ".join(q for q in (fts_query(w) for w in kept) if q) or None


def keyword_rank(store: Store, text: str, filters: Filters, limit: int) -> list[tuple[int, float]]:
    """Blocks by bm25 over the question's content words, filters applied first."""
    query = any_words_query(text)
    if query is None:
        return []
    where, params = filter_sql(store, filters)
    rows = store.db.execute(
        "SELECT b.rowid, bm25(blocks_fts) AS rank FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid "
        f"WHERE blocks_fts MATCH ? {''.join(' AND ' + w for w in where)} ORDER BY rank LIMIT ?",
        [query, *params, limit]).fetchall()
    return [(r[0], -float(r[1])) for r in rows]


@dataclass(frozen=True)
class Fusion:
    """Reciprocal rank fusion: score = Σ weight / (k + rank)."""

    k: float = 60.0
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    depth: int = 50
    """How deep each list is read."""

    def fuse(self, keyword: list[tuple[int, float]], semantic: list[tuple[int, float]]) -> list[tuple[int, float]]:
        fused: dict[int, float] = {}
        for weight, ranked in ((self.keyword_weight, keyword), (self.semantic_weight, semantic)):
            for rank, (block, _) in enumerate(ranked[:self.depth]):
                fused[block] = fused.get(block, 0.0) + weight / (self.k + rank + 1)
        return sorted(fused.items(), key=lambda kv: -kv[1])


DEFAULT_FUSION = Fusion()
