"""One line of a block, shortened for a breadcrumb or a list row without cutting a word or a link."""

from __future__ import annotations


def first_line_clipped(text: str, limit: int) -> str:
    """The first line of ``text`` in at most ``limit`` characters (plus "…" when cut): cut at a
    space, and before a ``[[link`` or ``((ref`` the cut would leave open ("[[RAG Protot")."""
    line = text.split("\n", 1)[0].strip()
    if len(line) <= limit:
        return line
    cut = line[:limit]
    for opener, closer in (("[[", "]]"), ("((", "))")):
        start = cut.rfind(opener)
        if start >= 0 and cut.find(closer, start) < 0:
            cut = cut[:start]
    if len(cut) == limit and line[limit] != " " and " " in cut:  # mid-word: back to the word's start
        cut = cut[:cut.rfind(" ")]
    return cut.rstrip(" ,;:—-") + "…"
