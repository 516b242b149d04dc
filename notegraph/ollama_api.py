"""What the embedder and the chat model share about Ollama: where it is, and errors people can act on."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from notegraph.errors import NotegraphError


def ollama_host() -> str:
    return os.environ.get("OLLAMA_HOST") or "http://127.0.0.1:11434"


def make_client(host: str, timeout: float) -> Any:
    import ollama  # the official client; imported only when Ollama is really used

    return ollama.Client(host=host, timeout=timeout)


@contextlib.contextmanager
def ollama_errors(host: str, model: str, timeout: float, doing: str) -> Iterator[None]:
    """Turn the client's and httpx's exceptions into what happened and the command that fixes it."""
    import httpx
    import ollama

    try:
        yield
    except ollama.ResponseError as exc:
        if exc.status_code == 404:
            raise NotegraphError(f"the Ollama server at {host} does not have the model {model}",
                                 f"ollama pull {model}") from exc
        raise NotegraphError(f"Ollama could not {doing} with {model}: {exc.error}",
                             "check `ollama ps` and the server log") from exc
    except (ConnectionError, httpx.ConnectError) as exc:
        raise NotegraphError(f"no Ollama server answers at {host}",
                             "start it with `ollama serve`, or set OLLAMA_HOST") from exc
    except httpx.TimeoutException as exc:
        raise NotegraphError(f"the Ollama server at {host} did not answer within {timeout:.0f} s",
                             f"check `ollama ps`; a first call loads {model}, which can take a while") from exc
    except httpx.HTTPError as exc:
        raise NotegraphError(f"the Ollama server at {host} stopped answering mid-answer ({exc})",
                             "check the server log, then try again") from exc
