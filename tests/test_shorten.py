"""Breadcrumbs and rows are shortened at a word, never inside a link ("[[RAG Protot" was shown)."""

from __future__ import annotations

from notegraph.shorten import first_line_clipped


def test_a_long_line_is_cut_at_a_word_and_never_inside_a_link_or_ref() -> None:
    assert first_line_clipped("Reranker experiment for the [[RAG Prototype]] on the laptop", 40) \
        == "Reranker experiment for the…"
    assert first_line_clipped("Slide skeleton for [[Lab Meeting]], draft two of many", 40) \
        == "Slide skeleton for [[Lab Meeting]]…"
    assert first_line_clipped("see ((0123abcd-0000-4000-8000-000000000000)) for why", 20) == "see…"
    assert first_line_clipped("Latency on the laptop CPU\nsecond line", 40) == "Latency on the laptop CPU"
    assert first_line_clipped("x" * 50, 40) == "x" * 40 + "…"  # one long word: cut in it rather than nothing
