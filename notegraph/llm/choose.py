"""Which model answers: ``auto`` prefers Ollama when it is there and has the model."""

from __future__ import annotations

from pathlib import Path

from notegraph.errors import NotegraphError
from notegraph.llm import DEFAULT_OLLAMA_MODEL, LLM, LLM_CHOICES, ModelStatus
from notegraph.llm.embedded import EmbeddedLLM
from notegraph.llm.ollama_llm import OllamaLLM

_EMBEDDED: dict[Path | None, EmbeddedLLM] = {}


def embedded(model_dir: Path | None = None) -> EmbeddedLLM:
    """One per process: the model takes memory and a second or so to load."""
    if model_dir not in _EMBEDDED:
        _EMBEDDED[model_dir] = EmbeddedLLM(model_dir=model_dir)
    return _EMBEDDED[model_dir]


def statuses(choice: str, ollama_model: str | None, host: str | None = None) -> list[ModelStatus]:
    """What is available: the Ollama model (unless the choice is ``embedded``) and the embedded one."""
    out = []
    if choice != "embedded":
        out.append(OllamaLLM(ollama_model or DEFAULT_OLLAMA_MODEL, host).status())
    out.append(EmbeddedLLM.status())
    return out


def choose_llm(choice: str | None, ollama_model: str | None, host: str | None = None,
               model_dir: Path | None = None) -> LLM:
    choice = choice or "auto"
    if choice not in LLM_CHOICES:
        raise NotegraphError(f"unknown model choice {choice!r}", f"use one of {', '.join(LLM_CHOICES)}")
    if choice in ("auto", "ollama"):
        remote = OllamaLLM(ollama_model or DEFAULT_OLLAMA_MODEL, host)
        status = remote.status()
        if status.available:
            return remote
        if choice == "ollama":
            raise NotegraphError(f"the configured Ollama model is not available: {status.detail}", status.fix)
    local = embedded(model_dir)
    status = local.status()
    if not status.available:
        raise NotegraphError(f"no model is available: the embedded model is {status.detail}", status.fix)
    return local
