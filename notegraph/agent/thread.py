"""A conversation over the notes: questions that build on the answers before them.

A follow-up ("and which of those can be checked soonest?") means nothing on its own, so it is
searched as a standalone question: a model that writes well (Ollama) rewrites it from the
conversation; otherwise the question is read together with the previous question and the first
line of its answer, which is what "those" points at. The sources cited earlier stay available
as sources of the follow-up. Threads are kept per graph as JSON files in the user's data
folder (never in the graph: they are ours, not the user's notes), so they can be reopened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from notegraph.errors import NotegraphError
from notegraph.llm import LLM, Message

REFERS_BACK = re.compile(r"\b(those|these|that|this|it|its|they|them|their|the same|which one|the other|"
                         r"above|earlier|previous|more|else|why|how come)\b", re.IGNORECASE)
SHORT = 6
"""A question this short after an answer is read as a follow-up even without "those"."""
KEPT_TURNS = 4
"""How many earlier turns the model sees when it rewrites a follow-up."""

REWRITE_SYSTEM = """Rewrite the user's last question so it can be understood without the conversation.
Replace words like "those", "it", "that" with what they refer to. Keep the user's words otherwise.
Reply with the rewritten question only."""


@dataclass
class Turn:
    question: str
    searched: str
    """The question as it was searched: the follow-up rewritten to stand alone."""
    answer: str
    cited: list[str] = field(default_factory=list)
    """Block ids of the cited sources: they stay available to the next question."""
    at: str = ""


@dataclass
class Thread:
    id: str
    graph: str
    turns: list[Turn] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.turns[0].question if self.turns else "(empty)"

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


def follows_up(question: str, thread: Thread) -> bool:
    """Whether ``question`` builds on the thread's last answer."""
    return thread.last is not None and (bool(REFERS_BACK.search(question)) or len(question.split()) <= SHORT)


def standalone(question: str, thread: Thread, llm: LLM | None = None) -> str:
    """The follow-up as a question that stands alone (unchanged when it is not a follow-up)."""
    last = thread.last
    if last is None or not follows_up(question, thread):
        return question
    if llm is not None and llm.backend != "embedded":
        turns = thread.turns[-KEPT_TURNS:]
        history = "\n".join(f"Q: {t.question}\nA: {' '.join(t.answer.split())[:400]}" for t in turns)
        try:
            written = "".join(llm.stream([Message("system", REWRITE_SYSTEM),
                                          Message("user", f"{history}\n\nLast question: {question}")],
                                         max_tokens=80)).strip().strip('"')
        except Exception:  # the rewrite is a help, not a requirement: fall back to reading both
            written = ""
        if written and "\n" not in written and len(written) < 4 * len(question) + 200:
            return written
    first_line = last.answer.strip().split("\n", 1)[0]
    first_line = re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", first_line)
    return f"{question} ({last.searched}: {first_line})"


class Threads:
    """The threads of one graph: ``DATA/threads/<graph digest>/<id>.json``."""

    def __init__(self, data_dir: Path, graph_root: Path) -> None:
        root = str(graph_root.resolve())
        if data_dir.resolve().is_relative_to(graph_root.resolve()):
            raise NotegraphError(f"the data folder {data_dir} is inside the graph: Ask threads would become notes",
                                 "set NOTEGRAPH_DATA_DIR to a folder outside the graph")
        self.graph = root
        self.folder = data_dir / "threads" / hashlib.sha1(root.encode("utf-8", "surrogateescape")).hexdigest()[:12]

    def new(self) -> Thread:
        return Thread(uuid.uuid4().hex[:12], self.graph)

    def save(self, thread: Thread) -> Path:
        """Write the thread atomically (a temp file renamed over the old one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{thread.id}.json"
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".thread-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(asdict(thread), out, ensure_ascii=False, indent=1)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path

    def load(self, thread_id: str) -> Thread | None:
        path = self.folder / f"{thread_id}.json"
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return Thread(data["id"], data["graph"], [Turn(**turn) for turn in data.get("turns", [])])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: a thread is a convenience, never worth a crash

    def recent(self, limit: int = 10) -> list[Thread]:
        """The most recently continued threads first."""
        if not self.folder.is_dir():
            return []
        paths = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        found = [self.load(p.stem) for p in paths[:limit]]
        return [t for t in found if t is not None and t.turns]

    def record(self, thread: Thread, question: str, searched: str, answer: str, cited: list[str]) -> None:
        thread.turns.append(Turn(question, searched, answer, cited, dt.datetime.now().isoformat(timespec="seconds")))
        self.save(thread)
