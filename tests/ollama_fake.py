"""An HTTP server on 127.0.0.1 that speaks Ollama's documented API, for what cannot run here.

Ollama itself cannot be installed on the test machines. This server answers the
endpoints notegraph uses with Ollama's request and response shapes (JSON bodies,
NDJSON streams, 404 with ``{"error": ...}`` for a model that is not pulled), so
the official ``ollama`` client talks to it unchanged. Embeddings are real:
all-MiniLM-L6-v2 computed in numpy.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "0.12.6"


class FakeOllama:
    def __init__(self, models: dict[str, str] | None = None) -> None:
        """``models``: name → kind ("embed", "chat", or "tools" for a chat model that calls tools)."""
        self.models = models if models is not None else {"nomic-embed-text:latest": "embed"}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: deque[str | list[dict[str, Any]]] = deque()
        """Scripted chat replies, in order: text (streamed a word at a time) or a list of tool calls."""
        self.die_after: int | None = None
        """Drop the connection after this many streamed chunks of the next reply."""
        self._encoder: Any = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeOllama":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def has(self, name: str) -> bool:
        return name in self.models or f"{name}:latest" in self.models

    def encode(self, texts: list[str]) -> list[list[float]]:
        if self._encoder is None:
            from notegraph.embed.minilm_numpy import NumpyMiniLM
            from notegraph.embed.sentence import MiniLMEmbedder

            self._encoder = NumpyMiniLM(MiniLMEmbedder.model_dir())
        return [[float(x) for x in row] for row in self._encoder.encode(texts)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append((self.path, {}))
                if self.path == "/api/version":
                    self._json(200, {"version": VERSION})
                elif self.path == "/api/tags":
                    self._json(200, {"models": [{"name": n, "model": n, "size": 1, "digest": "0" * 64,
                                                 "modified_at": "2026-11-01T00:00:00Z",
                                                 "details": {"family": "bert" if k == "embed" else "llama"}}
                                                for n, k in fake.models.items()]})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((self.path, body))
                model = body.get("model", "")
                if self.path == "/api/show":
                    if not fake.has(model):
                        self._json(404, {"error": f"model '{model}' not found"})
                        return
                    kind = fake.models.get(model) or fake.models.get(f"{model}:latest")
                    self._json(200, {"modelfile": "", "parameters": "", "template": "{{ .Prompt }}",
                                     "details": {"family": "llama"}, "model_info": {},
                                     "capabilities": {"embed": ["embedding"], "chat": ["completion"],
                                                      "tools": ["completion", "tools"]}[kind or "chat"]})
                elif self.path == "/api/chat":
                    if not fake.has(model):
                        self._json(404, {"error": f"model \"{model}\" not found, try pulling it first"})
                        return
                    self._chat(model, body)
                elif self.path == "/api/embed":
                    if not fake.has(model):
                        self._json(404, {"error": f"model \"{model}\" not found, try pulling it first"})
                        return
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    self._json(200, {"model": model, "embeddings": fake.encode(texts), "total_duration": 1000,
                                     "load_duration": 10, "prompt_eval_count": sum(len(t.split()) for t in texts)})
                else:
                    self._json(404, {"error": "not found"})

            def _chat(self, model: str, body: dict[str, Any]) -> None:
                reply = fake.replies.popleft() if fake.replies else "I have no scripted reply."
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                final = {"model": model, "created_at": stamp, "message": {"role": "assistant", "content": ""},
                         "done": True, "done_reason": "stop", "total_duration": 1000, "load_duration": 10,
                         "prompt_eval_count": 10, "prompt_eval_duration": 10, "eval_count": 5,
                         "eval_duration": 100}
                if isinstance(reply, list):
                    chunks = [{"model": model, "created_at": stamp, "done": False,
                               "message": {"role": "assistant", "content": "", "tool_calls": reply}}]
                else:
                    words = reply.split(" ")
                    chunks = [{"model": model, "created_at": stamp, "done": False,
                               "message": {"role": "assistant", "content": w + (" " if i < len(words) - 1 else "")}}
                              for i, w in enumerate(words)]
                if not body.get("stream", True):
                    text = "".join(c["message"]["content"] for c in chunks)
                    message = {"role": "assistant", "content": text}
                    if isinstance(reply, list):
                        message["tool_calls"] = reply
                    self._json(200, {**final, "message": message})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                die_after, fake.die_after = fake.die_after, None
                for n, chunk in enumerate([*chunks, final]):
                    if die_after is not None and n >= die_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the server dies mid-stream
                        return
                    line = json.dumps(chunk).encode() + b"\n"
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        return Handler
