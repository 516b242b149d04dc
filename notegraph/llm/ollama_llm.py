"""Chat models on an Ollama server, through the official ``ollama`` client."""

from __future__ import annotations

import threading
from typing import Any, Iterator, Sequence

from notegraph.ollama_api import make_client, ollama_errors, ollama_host
from notegraph.llm import Message, ModelStatus


def _same_model(wanted: str, name: str) -> bool:
    return name == wanted or name == f"{wanted}:latest" or name.split(":")[0] == wanted and ":" not in wanted


def probe(host: str, model: str, timeout: float = 0.5) -> ModelStatus:
    """Ask the server quickly: is it there (/api/version), and has it pulled the model (/api/tags)?"""
    import httpx

    try:
        version = httpx.get(f"{host.rstrip('/')}/api/version", timeout=timeout).json().get("version", "?")
        tags = httpx.get(f"{host.rstrip('/')}/api/tags", timeout=timeout).json().get("models", [])
    except (httpx.HTTPError, ValueError, OSError) as exc:
        return ModelStatus("ollama", model, False, f"no Ollama server answers at {host} ({type(exc).__name__})",
                           "start it with `ollama serve` (or set OLLAMA_HOST)")
    names = [str(m.get("name") or m.get("model")) for m in tags]
    if not any(_same_model(model, n) for n in names):
        return ModelStatus("ollama", model, False, f"Ollama {version} at {host} does not have {model}",
                           f"ollama pull {model}")
    return ModelStatus("ollama", model, True, f"Ollama {version} at {host}")


class OllamaLLM:
    backend = "ollama"

    def __init__(self, model: str, host: str | None = None, context_tokens: int = 8192,
                 timeout: float = 120.0) -> None:
        self.model = model
        self.host = host or ollama_host()
        self.context_tokens = context_tokens
        self.timeout = timeout
        self._client: Any = None

    def status(self) -> ModelStatus:
        return probe(self.host, self.model)

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.host, self.timeout)
        return self._client

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1  # Ollama exposes no tokenizer; 4 characters a token is the usual estimate

    def chat(self, messages: Sequence[dict[str, Any]], *, tools: Sequence[dict[str, Any]] | None = None,
             max_tokens: int = 512, stop: Sequence[str] = (), cancel: threading.Event | None = None) -> Iterator[Any]:
        """Raw streamed chat responses (for the tool-calling loop)."""
        options = {"num_predict": max_tokens, "num_ctx": self.context_tokens, "temperature": 0.2}
        if stop:
            options["stop"] = list(stop)  # type: ignore[assignment]
        with ollama_errors(self.host, self.model, self.timeout, "answer"):
            responses = self._get_client().chat(model=self.model, messages=list(messages), tools=tools,
                                                stream=True, options=options)
            for response in responses:
                if cancel is not None and cancel.is_set():
                    close = getattr(responses, "close", None)
                    if close:
                        close()
                    return
                yield response

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, stop: Sequence[str] = (),
               cancel: threading.Event | None = None) -> Iterator[str]:
        wire = [{"role": m.role, "content": m.content} for m in messages]
        for response in self.chat(wire, max_tokens=max_tokens, stop=stop, cancel=cancel):
            text = response.message.content
            if text:
                yield text
