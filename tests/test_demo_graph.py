"""The bundled demo graph has what the product needs to show off, and reads cleanly."""

from __future__ import annotations

from collections import Counter

from notegraph.logseq.graph import Graph
from tests.conftest import REPO


def test_demo_graph_content() -> None:
    graph = Graph.open(REPO)
    pages = list(graph.pages())
    days = sorted(p.journal_date for p in pages if p.journal_date)
    assert len(days) >= 21 and (days[-1] - days[0]).days >= 21
    assert all(not p.errors for p in pages)
    blocks = [b for p in pages for b in p.blocks]
    tags = Counter(t for b in blocks for t in b.tags)
    assert tags["ai/predictions"] >= 6 and tags["golang/libraries"] >= 5 and tags["rust/libraries"] >= 5
    markers = Counter(b.marker for b in blocks if b.marker)
    assert {"TODO", "LATER", "DONE"} <= set(markers)
    ids = {b.uuid for b in blocks if b.uuid}
    referenced = {r for b in blocks for r in b.block_refs}
    assert referenced and referenced <= ids  # every block ref resolves
    assert any("```" in b.content for b in blocks)
    assert any(b.properties for b in blocks)
    assert any(b.content.count("\n") >= 2 and "::" not in b.content for b in blocks)  # a multi-line block
    assert any("rag prototype" in b.refs for b in blocks)
    assert any("https://github.com/" in b.content and "golang/libraries" in b.tags for b in blocks)


def test_block_ids_are_unique_and_stable_across_reads() -> None:
    graph = Graph.open(REPO)
    first = [b.id for p in graph.pages() for b in p.blocks]
    second = [b.id for p in graph.pages() for b in p.blocks]
    assert first == second and len(set(first)) == len(first)
