"""What gets embedded for a block: its page, its ancestors, then the block itself.

A short bullet's meaning often lives in its parent ("Yes, three of them" under
"Do you have a dark theme?"), so each block is embedded with its outline
context. Pure functions, no I/O: the embedding job feeds them rows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from notegraph.logseq.inline import UUID_RE

_QUERY_MACRO = re.compile(r"\{\{query\b.*?\}\}", re.DOTALL)
_QUERY_BLOCK = re.compile(r"(?ims)^[ \t]*#\+BEGIN_QUERY.*?^[ \t]*#\+END_QUERY[ \t]*$")
_EMBED_MACRO = re.compile(r"\{\{embed\s+(.*?)\}\}")
_OTHER_MACRO = re.compile(r"\{\{[^{}]*\}\}")
_BLOCK_REF = re.compile(r"\(\((" + UUID_RE.pattern + r")\)\)")
TAG_LINK = re.compile(r"#\[\[([^\]]+)\]\]")
_LINK = re.compile(r"\[\[([^\]]+)\]\]")
TAG = re.compile(r"(?<![\w#])#([^\s#,!?'\":\[\]()]+)")
_PROPERTY = re.compile(r"(?m)^([A-Za-z0-9_\-]+)::[ \t]*")
_TIMESTAMP_LINE = re.compile(r"(?m)^[ \t]*(SCHEDULED|DEADLINE):[ \t]*<[^>]*>[ \t]*$")
_MARKUP = re.compile(r"\*\*|__|~~|\^\^|==|`{3}[\w+-]*")
_HEADING = re.compile(r"(?m)^#{1,6}[ \t]+")
_SPACES = re.compile(r"\s+")

ANCESTOR_WORDS = 24
"""Each ancestor contributes at most this many words: enough for its gist."""
ANCESTORS = 3
"""The nearest ancestors that count: long paths swamp short blocks."""
NEAR_EMPTY_WORDS = 3
"""A block with fewer words of its own (a lone link or tag) borrows its children's words."""
CHILD_WORDS = 30


def clean_text(text: str, resolve_ref: Callable[[str], str | None] = lambda uuid: None) -> str:
    """A block's text as words for a model: markup and hidden machinery gone, refs expanded."""
    text = _QUERY_BLOCK.sub(" ", text)
    text = _QUERY_MACRO.sub(" ", text)
    text = _TIMESTAMP_LINE.sub(" ", text)
    text = _EMBED_MACRO.sub(lambda m: m.group(1), text)
    text = _BLOCK_REF.sub(lambda m: resolve_ref(m.group(1).lower()) or " ", text)
    text = _OTHER_MACRO.sub(" ", text)
    text = TAG_LINK.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = TAG.sub(lambda m: m.group(1).replace("/", " / "), text)
    text = _PROPERTY.sub(lambda m: m.group(1).replace("-", " ") + ": ", text)
    text = _HEADING.sub("", text)
    text = _MARKUP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _words(text: str, limit: int) -> str:
    words = text.split(" ")
    return text if len(words) <= limit else " ".join(words[:limit]) + " …"


@dataclass(frozen=True)
class OutlineBlock:
    """What the context builder needs of one block; blocks come in file order."""

    rowid: int
    id: str
    parent_id: str | None
    text: str
    """The block's search text (hidden properties and logbooks already gone)."""


@dataclass(frozen=True)
class Piece:
    block: int
    piece: int
    text: str

    @property
    def key(self) -> str:
        return text_key(self.text)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def block_pieces(title: str, blocks: Sequence[OutlineBlock], max_words: int,
                 resolve_ref: Callable[[str], str | None] = lambda uuid: None) -> list[Piece]:
    """The texts to embed for every block of one page, each prefixed with its context.

    ``page title › ancestor › ancestor › ancestor`` on the first line (the title
    left out when empty, as for journal days), the block's own text below.

    A block whose text does not fit ``max_words`` is cut into overlapping windows;
    every window keeps the prefix, so each piece still says where it sits.
    """
    cleaned = {b.id: clean_text(b.text, resolve_ref) for b in blocks}
    parent = {b.id: b.parent_id for b in blocks}
    children: dict[str, list[str]] = {}
    for b in blocks:
        if b.parent_id:
            children.setdefault(b.parent_id, []).append(b.id)
    pieces: list[Piece] = []
    for b in blocks:
        own = cleaned[b.id]
        trail: list[str] = []
        node = b.parent_id
        while node and node in cleaned and len(trail) < ANCESTORS:
            if cleaned[node]:
                trail.append(_words(cleaned[node], ANCESTOR_WORDS))
            node = parent.get(node)
        if len(own.split()) < NEAR_EMPTY_WORDS:
            kids = [cleaned[c] for c in children.get(b.id, ()) if cleaned[c]]
            if kids:
                own = (own + " — " if own else "") + _words("; ".join(kids), CHILD_WORDS)
        if not own and not trail:
            continue
        context = [part for part in (title, *reversed(trail)) if part]
        prefix = " › ".join(context) + "\n" if context else ""
        for n, window in enumerate(_windows(own, max(24, max_words - len(prefix.split())))):
            pieces.append(Piece(b.rowid, n, prefix + window))
    return pieces


def _windows(text: str, size: int) -> Iterable[str]:
    words = text.split(" ")
    if len(words) <= size:
        yield text
        return
    step = max(1, size * 3 // 4)  # a quarter overlaps: a sentence cut at one edge is whole in the next
    for start in range(0, len(words), step):
        yield " ".join(words[start:start + size])
        if start + size >= len(words):
            break
