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
from typing import TYPE_CHECKING, Any, Sequence

from notegraph.search import Filters, filter_sql, fts_query, has_generated_pages
from notegraph.store import Store
from notegraph.store import vectors as sql

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

TEMPLATE_PAGES = 3
"""A block text written on this many pages or more is a template (a daily heading, a checklist)."""


@dataclass(frozen=True)
class Ranking:
    """How block scores are formed; tuned on the question set of ``python -m bench.retrieval``."""

    inherit: float = 0.1
    """Share of the parent's cosine a block adds to its own: an outline child is about its parent."""
    answer_margin: float = 0.01
    """A block under a question (``Do you have a dark theme?``) scores at least the question plus this:
    whoever asks the question wants the answer, not the question back."""
    keyword_weight: float = 0.05
    """Hybrid: bm25 of a block, squashed to 0..1 by ``bm25 / (bm25 + keyword_saturation)``, times this."""
    keyword_saturation: float = 10.0
    keyword_depth: int = 100
    template_penalty: float = 0.15
    """Cosine taken off a template block, so many copies of it cannot swamp a result list."""
    title_weight: float = 0.05
    """Added to blocks on (or linking) a page the question names: "the banana bread" is about that page."""


DEFAULT_RANKING = Ranking()


class VectorCache:
    """All block vectors of one index in memory, with the outline facts ranking needs.

    Reloads only what changed since last time (``vectors_version`` in meta).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._dim = 0
        self._rows: dict[int, int] = {}  # vector rowid → row in _matrix
        self._matrix: Any = None
        self.piece_rows: Any = None  # per piece: row in _matrix
        self.piece_starts: Any = None  # per block: index of its first piece
        self.single_piece = True
        self.blocks: Any = None  # block rowids that have a vector, sorted
        self.parent: Any = None  # per block: index of its parent in blocks, or -1
        self.question: Any = None  # per block: its text ends with "?"
        self.template: Any = None  # per block: its text repeats on many pages
        self.template_group: Any = None  # per block: which repeated text it is (-1: not a template)

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
            pairs.sort()
            piece_blocks = np.fromiter((b for b, _ in pairs), dtype=np.int64, count=len(pairs))
            self.piece_rows = np.fromiter((self._rows[v] for _, v in pairs), dtype=np.int64, count=len(pairs))
            # pieces sorted by block: each block's pieces are one run, reduced with maximum.reduceat
            self.blocks, self.piece_starts = np.unique(piece_blocks, return_index=True)
            self.single_piece = len(self.blocks) == len(pairs)
            outline = sql.outline_facts(db, TEMPLATE_PAGES)
            index_of = {int(b): i for i, b in enumerate(self.blocks)}
            n = len(self.blocks)
            self.parent = np.full(n, -1, dtype=np.int64)
            self.question = np.zeros(n, dtype=bool)
            self.template = np.zeros(n, dtype=bool)
            self.template_group = np.full(n, -1, dtype=np.int64)
            groups: dict[str, int] = {}
            for rowid, parent, is_question, template_hash in outline:
                at = index_of.get(rowid)
                if at is None:
                    continue
                self.parent[at] = index_of.get(parent, -1) if parent is not None else -1
                self.question[at] = bool(is_question)
                if template_hash is not None:
                    self.template[at] = True
                    self.template_group[at] = groups.setdefault(template_hash, len(groups))
            self._version = current

    def block_scores(self, query: "npt.NDArray[np.float32]") -> "npt.NDArray[np.float32]":
        """Cosine of the query with each block: its best piece (vectors are unit length)."""
        import numpy as np

        if self.blocks is None or not len(self.blocks):
            return np.zeros(0, dtype=np.float32)
        per_piece = (self._matrix @ query.reshape(-1))[self.piece_rows]
        if self.single_piece:
            return np.asarray(per_piece, dtype=np.float32)
        return np.asarray(np.maximum.reduceat(per_piece, self.piece_starts), dtype=np.float32)

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
    """Rowids the filters allow (sorted), or None when every block is allowed."""
    import numpy as np

    if filters.is_empty() and (filters.reports or not has_generated_pages(store)):
        return None
    where, params = filter_sql(store, filters)
    rows = store.db.execute(f"SELECT b.rowid FROM blocks b WHERE {' AND '.join(where)} ORDER BY b.rowid",
                            params).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def with_unembedded(ranked: list[tuple[int, float]], keyword: Sequence[tuple[int, float]],
                    embedded: "npt.NDArray[np.int64] | None", limit: int) -> list[tuple[int, float]]:
    """Hybrid results while embedding is under way: keyword matches among blocks not embedded yet
    are interleaved with the ranked ones (the ranking cannot see them); with nothing embedded,
    hybrid search is keyword search rather than nothing."""
    import numpy as np

    known = embedded if embedded is not None else np.zeros(0, dtype=np.int64)
    seen = np.isin(np.array([block for block, _ in keyword], dtype=np.int64), known)
    waiting = [pair for pair, known in zip(keyword, seen) if not known]
    if not waiting:
        return ranked[:limit]
    out: list[tuple[int, float]] = []
    for pair in zip(ranked, waiting):
        out.extend(pair)
    longer = ranked if len(ranked) > len(waiting) else waiting
    out.extend(longer[min(len(ranked), len(waiting)):])
    return out[:limit]


def rank_blocks(cache: VectorCache, query: "npt.NDArray[np.float32]", allowed: "npt.NDArray[np.int64] | None",
                limit: int, *, keyword: Sequence[tuple[int, float]] = (),
                ranking: Ranking = DEFAULT_RANKING, exclude: frozenset[int] = frozenset(),
                outline: bool = True, named: Sequence[int] = ()) -> list[tuple[int, float]]:
    """Blocks best first among ``allowed``: cosine, the outline rules, and (hybrid) bm25.

    ``keyword`` holds (rowid, bm25) pairs of a keyword search run with the same filters;
    ``named``, the blocks about a page the question names (:func:`notegraph.search.pages_named_in`).
    """
    import numpy as np

    scores: Any = cache.block_scores(query)
    if not len(scores):
        return []
    has_parent = cache.parent >= 0
    if outline and ranking.inherit:
        scores = scores + ranking.inherit * np.where(has_parent, scores[np.maximum(cache.parent, 0)], 0)
    if keyword:
        where = np.searchsorted(cache.blocks, [b for b, _ in keyword])
        for (block, bm25), i in zip(keyword, where):
            if i < len(cache.blocks) and cache.blocks[i] == block:
                scores[i] += ranking.keyword_weight * bm25 / (bm25 + ranking.keyword_saturation)
    if outline:
        answers = has_parent & cache.question[np.maximum(cache.parent, 0)]
        scores = np.where(answers, np.maximum(scores, scores[np.maximum(cache.parent, 0)] + ranking.answer_margin),
                          scores)
    if len(named):
        scores = scores + ranking.title_weight * np.isin(cache.blocks, np.asarray(named, dtype=np.int64))
    scores = scores - ranking.template_penalty * cache.template
    if allowed is not None:
        scores = np.where(np.isin(cache.blocks, allowed), scores, -np.inf)
    # read past the limit: excluded blocks and extra copies of a template are skipped below
    want = min(len(scores), 2 * limit + len(exclude) + 16)
    top = np.argpartition(-scores, want - 1)[:want] if want < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    out: list[tuple[int, float]] = []
    shown_templates: set[int] = set()
    for i in top:
        score = float(scores[i])
        block = int(cache.blocks[i])
        if score == -np.inf or len(out) >= limit:
            break
        group = int(cache.template_group[i])
        if block in exclude or group in shown_templates:
            continue  # one copy of a repeated text is enough
        if group >= 0:
            shown_templates.add(group)
        out.append((block, score))
    return out


_STOPWORDS = frozenset("""a about above after again all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself did didn't i'm i've we've what's anything
something thing things note notes wrote write written""".split())
_WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)


def content_words(text: str) -> list[str]:
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    return list(dict.fromkeys(w for w in words if w and w not in _STOPWORDS and len(w) > 1))


COMMON_SHARE = 0.05
"""In a big graph, a word in more than this share of blocks is left out of hybrid's keyword side:
bm25 gives it almost no weight, yet ranking every block that has it is what costs time."""
BIG_GRAPH = 20_000


def _common_words(store: Store, text: str) -> frozenset[str]:
    blocks = store.db.execute("SELECT max(rowid) FROM blocks").fetchone()[0] or 0
    if blocks < BIG_GRAPH:
        return frozenset()
    cap = int(blocks * COMMON_SHARE)
    counts = {}
    for word in content_words(text):
        query = fts_query(word)
        if query:
            counts[word] = store.db.execute("SELECT count(*) FROM (SELECT rowid FROM blocks_fts WHERE blocks_fts "
                                            "MATCH ? LIMIT ?)", [query, cap]).fetchone()[0]
    common = {w for w, n in counts.items() if n >= cap}
    if common and common == set(counts):
        common.discard(min(counts, key=lambda w: counts[w]))  # keep one word rather than none
    return frozenset(common)


def any_words_query(text: str, leave_out: frozenset[str] = frozenset()) -> str | None:
    """A question as a keyword query: its content words ORed (a question's words are rarely all in the note)."""
    kept = [w for w in content_words(text) if w not in leave_out]
    if not kept:
        return None
    return " OR ".join(q for q in (fts_query(w) for w in kept) if q) or None


def keyword_rank(store: Store, text: str, filters: Filters, limit: int) -> list[tuple[int, float]]:
    """Blocks by bm25 over the question's content words, filters applied first."""
    query = any_words_query(text, _common_words(store, text))
    if query is None:
        return []
    where, params = filter_sql(store, filters)
    rows = store.db.execute(
        "SELECT b.rowid, bm25(blocks_fts) AS rank FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid "
        f"WHERE blocks_fts MATCH ? {''.join(' AND ' + w for w in where)} ORDER BY rank LIMIT ?",
        [query, *params, limit]).fetchall()
    return [(r[0], -float(r[1])) for r in rows]
