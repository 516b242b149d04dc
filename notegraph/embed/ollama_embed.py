"""Embeddings from an Ollama server (``/api/embed``) through the official client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from notegraph.errors import NotegraphError
from notegraph.ollama_api import make_client, ollama_errors, ollama_host

if TYPE_CHECKING:
    from notegraph.embed import Matrix

# Models trained with task prefixes want them (nomic-embed-text's model card).
_PREFIXES = {"nomic-embed-text": ("search_document: ", "search_query: ")}


class OllamaEmbedder:
    max_words = 1500  # nomic-embed-text reads 8,192 tokens; other models at least 2,048
    batch_size = 32

    def __init__(self, model: str, host: str | None = None, timeout: float = 60.0) -> None:
        self.model = model
        self.name = f"ollama:{model}"
        self.host = host or ollama_host()
        self.timeout = timeout
        self._client: Any = None
        self._dim: int | None = None
        base = model.split(":")[0]
        self._doc_prefix, self._query_prefix = _PREFIXES.get(base, ("", ""))

    def _call(self, texts: list[str]) -> "Matrix":
        import numpy as np

        if self._client is None:
            self._client = make_client(self.host, self.timeout)
        with ollama_errors(self.host, self.model, self.timeout, "embed"):
            response = self._client.embed(model=self.model, input=texts)
        vectors = np.asarray(response["embeddings"], dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise NotegraphError(f"Ollama returned {len(vectors)} embeddings for {len(texts)} texts",
                                 "update Ollama (`ollama --version`)")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self._dim = vectors.shape[1]
        return np.ascontiguousarray(vectors / norms, dtype=np.float32)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._call(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> "Matrix":
        import numpy as np

        out = [self._call([self._doc_prefix + t for t in texts[i:i + self.batch_size]])
               for i in range(0, len(texts), self.batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> "Matrix":
        return self._call([self._query_prefix + text])
