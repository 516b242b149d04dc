"""The answer the notes themselves give: the sentence(s) of the retrieved blocks that answer a question.

A small local model does not write answers worth reading: on held-out questions Gemma 3 270M
(the embedded model) echoed its notes for 24 of 24 and answered none correctly. So with that
model the answer leads with what the user wrote: each sentence of the best sources is scored
against the question — by meaning (the embedding model, the sentence read with its parent,
because "big search vendors" means nothing without "We are not directly competing with:"),
by the question's words it holds, and by its source's rank — and the best one or two are
shown, cited, with the parent they depend on. Pure functions; the caller passes similarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from notegraph.agent.sources import Source
from notegraph.embed.context import clean_text
from notegraph.semantic import content_words

Similarity = Callable[[str, list[str]], list[float]]
"""(question, texts) → cosine similarity of each text to the question."""

_PROPERTY_LINE = re.compile(r"^\s*[A-Za-z0-9_\-]+::")
_DRAWER = re.compile(r"(?ms)^\s*:LOGBOOK:.*?^\s*:END:\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_MARKER = re.compile(r"^(TODO|DOING|DONE|LATER|NOW|WAITING|WAIT|CANCELED|CANCELLED|IN-PROGRESS)\s+")
MEANING, WORDS, RANK = 0.55, 0.3, 0.15
"""How a sentence's score is made (each part is 0–1)."""
SECOND = 0.9
"""A second sentence (from another block) is shown when it scores at least this share of the best."""
QUESTION = 0.7
"""A sentence that asks something is worth this share of its score as an answer."""
SHORT = 6
"""A block with this few words or fewer is read with its parent (it rarely stands alone)."""


@dataclass(frozen=True)
class Sentence:
    source: Source
    text: str
    context: str
    """The parent's first line when the sentence depends on it ("" when it stands alone)."""
    score: float = 0.0

    def line(self) -> str:
        head = f"{self.context} — " if self.context and not self.context.endswith(":") else (
            f"{self.context} " if self.context else "")
        return f"{head}{self.text} [{self.source.n}]"


def visible_lines(content: str) -> list[str]:
    """A block's lines as a reader sees them: no properties, drawers or scheduling lines."""
    content = _DRAWER.sub("", content)
    lines = [line for line in content.split("\n") if line.strip() and not _PROPERTY_LINE.match(line)]
    return [text for text in (clean_text(line) for line in lines) if text]


def _parent(source: Source) -> str:
    if not source.hit.breadcrumb:
        return ""
    lines = visible_lines(source.hit.breadcrumb[-1])
    return _clipped(lines[0]) if lines else ""


def _clipped(text: str, words: int = 16) -> str:
    """The first ``words`` words, with "…" when there were more (never a sentence cut silently)."""
    kept = text.split()
    return " ".join(kept[:words]) + (" …" if len(kept) > words else "")


def sentences_of(source: Source, children: Sequence[str] = ()) -> list[Sentence]:
    """The sentences of a source block; for a block that asks a question ("Do we ship a dark
    theme?"), also those of its ``children``, where the answer usually is, read with the question."""
    parent = _parent(source)
    out = []
    lines = visible_lines(source.hit.content)
    if lines and lines[0].rstrip().endswith("?"):
        asked = _clipped(lines[0])
        for child in children:
            for line in visible_lines(child):
                out += [Sentence(source, _MARKER.sub("", text.strip()), asked) for text in _SENTENCE_END.split(line)
                        if len(text.split()) >= 2]
    for line in lines:
        for text in _SENTENCE_END.split(line):
            text = _MARKER.sub("", text.strip())
            if len(text.split()) < 2 and not any(c.isdigit() for c in text):
                continue
            depends = parent and (len(text.split()) <= SHORT or parent.endswith((":", "?")))
            out.append(Sentence(source, text, parent if depends else ""))
    return out


def _stem(word: str) -> str:
    return word[:5]


def word_share(question: str, text: str) -> float:
    """The share of the question's content words (numbers count double) that ``text`` holds."""
    asked = content_words(question)
    if not asked:
        return 0.0
    have = {_stem(w) for w in content_words(text)}
    weight = {w: 2.0 if any(c.isdigit() for c in w) else 1.0 for w in asked}
    return sum(weight[w] for w in asked if _stem(w) in have) / sum(weight.values())


def extract(question: str, sources: Sequence[Source], similarity: Similarity | None = None,
            limit: int = 2, children: Callable[[Source], list[str]] | None = None) -> list[Sentence]:
    """The best one or two sentences that answer ``question`` (best first), or [] when none.
    A sentence that is itself a question scores less: it is rarely the answer."""
    candidates = [s for source in sources for s in sentences_of(source, children(source) if children else ())]
    if not candidates:
        return []
    read = [f"{s.context} {s.text}".strip() for s in candidates]
    meaning = similarity(question, read) if similarity is not None else [0.0] * len(read)
    scored = []
    for sentence, text, sim in zip(candidates, read, meaning):
        rank = 1.0 / (1.0 + 0.25 * (sentence.source.n - 1))
        share = word_share(question, text)
        weights = (MEANING, WORDS, RANK) if similarity is not None else (0.0, 0.7, 0.3)
        score = weights[0] * max(0.0, sim) + weights[1] * share + weights[2] * rank
        if sentence.text.rstrip().endswith("?"):
            score *= QUESTION
        scored.append(Sentence(sentence.source, sentence.text, sentence.context, score))
    scored.sort(key=lambda s: (-s.score, s.source.n))
    best = [scored[0]]
    for other in scored[1:]:
        if len(best) >= limit or other.score < SECOND * best[0].score:
            break
        if other.source.hit.id != best[0].source.hit.id and other.text != best[0].text:
            best.append(other)
    return best


def listing(sources: Sequence[Source], limit: int = 3) -> list[str]:
    """For a question that is only a time window ("what did I do last week?"): the first
    sentence of each of the first sources, cited."""
    out = []
    for source in sources[:limit]:
        found = sentences_of(source)
        if found:
            out.append(f"{found[0].text} [{source.n}]")
    return out


def whole_sentences(text: str) -> str:
    """``text`` cut back to its last complete sentence ("" when it has none): a model stopped by
    its token limit never shows a word cut in half."""
    text = text.strip()
    if re.search(r"[.!?](\s*\[\d+(?:\s*,\s*\d+)*\])*[\"')]?$", text):
        return text
    ends = list(re.finditer(r"[.!?](\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s)", text))
    return text[:ends[-1].end()].strip() if ends else ""


_SOURCE_HEADER = re.compile(r"\[\d+\]\s*\(")


def is_prose(text: str, sources: Sequence[Source]) -> bool:
    """Whether the model wrote a summary rather than echoing its notes back.

    Small models often copy the numbered notes verbatim ("[1] (Nov 5th › …) …"); a copy adds
    nothing to the evidence bullets below it, so it is dropped rather than shown as prose.
    """
    words = set(re.findall(r"\w+", text.lower()))
    if len(words) < 4 or _SOURCE_HEADER.search(text):
        return False
    for source in sources:
        theirs = set(re.findall(r"\w+", source.hit.content.lower()))
        if theirs and len(words & theirs) / len(words) > 0.7:
            return False
    return True
