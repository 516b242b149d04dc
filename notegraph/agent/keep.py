"""A kept answer: the question and its answer as blocks of today's journal.

The question is the block; each line of the answer is a child. Every ``[n]`` becomes a Logseq
block reference with the number as its label — ``[1](((uuid)))`` reads as "1" and opens the
source block, in Logseq and here. Decision: cite blocks, not just pages. A source block without
an ``id::`` gets one (after its property lines, as Logseq itself does when a block is first
referenced): one added line in the source file buys a citation that survives edits and moves.
Everything else is made inert (:mod:`notegraph.logseq.inert`): the quoted notes and the model's
words create no tag, link, task or property.
"""

from __future__ import annotations

import re
from typing import Callable

from notegraph.agent.ask import CITATION, Answer
from notegraph.agent.sources import Source
from notegraph.logseq.inert import inert

QUESTION_WORDS = 40
QUESTION_PREFIX = "Q: "
ANSWERED_BY = "answered by"
"""The last child of a kept answer says which model wrote it: with the ``Q:`` block above, it is
how a kept answer is told from the notes (Ask does not cite earlier answers back)."""


def answer_blocks(result: Answer, block_id: Callable[[Source], str | None]) -> tuple[str, list[str]]:
    """The question block's text and its children's: ``[n]`` → ``[n](((uuid)))``, or the
    source's page link when its block could not be given an id."""
    by_n = {s.n: s for s in result.sources}

    def cite(m: re.Match[str]) -> str:
        out = []
        for n in (int(x) for x in re.split(r"\s*,\s*", m.group(1))):
            source = by_n.get(n)
            if source is None:
                continue
            uuid = block_id(source)
            out.append(f"[{n}](((" + uuid + ")))" if uuid else f"[{n}]([[{source.hit.page}]])")
        return " ".join(out)

    # A follow-up ("why was that?") is kept as it was searched, with what it refers to: alone in
    # the journal it would mean nothing.
    asked = result.searched if result.searched and result.searched != result.question else result.question
    words = asked.split()
    question = QUESTION_PREFIX + inert(" ".join(words[:QUESTION_WORDS]) + (" …" if len(words) > QUESTION_WORDS else ""))
    lines = [line.strip() for line in result.text.split("\n") if line.strip()]
    children = [CITATION.sub(cite, inert(line)) for line in lines]
    if result.backend or result.model:
        children.append(inert(f"{ANSWERED_BY} {result.backend}: {result.model}"))
    return question, children
