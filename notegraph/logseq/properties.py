"""Block and page properties (``key:: value``) the way Logseq 0.10 reads them.

A property line is ``key:: value`` (or ``key::`` at the end of a line) where
the key has no spaces or colons. Keys are lower-cased with ``_`` and spaces
turned into ``-``; keys that are not valid EDN keywords are dropped. Which
values create page references depends on the key: built-in keys like
``title`` or ``id`` never do, ``alias``/``tags`` (and keys configured in
``:property/separated-by-commas``) also split on commas, every other key takes
the links and tags written in its value. Property *names* become page
references too, unless built in or excluded in the config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notegraph.logseq.config import GraphConfig
from notegraph.logseq.inline import InlineRefs, scan_inline

# ``key:: value``: the value is group 2, without the spaces and the "\r" around it. It is
# read as "spaces, then one other character" steps, so that a run of spaces inside the value
# is read once, not again from each of its spaces (as ``(.*?)[ \t]*\r?$`` would).
PROPERTY_LINE = re.compile(r"[ \t]*+([^\s:]++)::(?:[ \t]++((?:[ \t]*+[^ \t\n])*?)|)[ \t]*+\r?$")

EDITABLE_LINKABLE = frozenset({"alias", "aliases", "tags"})
EDITABLE_BUILT_IN = frozenset({
    "title", "icon", "template", "template-including-parent", "public", "filters",
    "exclude-from-graph-view", "logseq.query/nlp-date", "logseq.color",
    "logseq.table.version", "logseq.table.compact", "logseq.table.headers",
    "logseq.table.hover", "logseq.table.borders", "logseq.table.stripes",
    "logseq.table.max-width", "macro", "filetags",
}) | EDITABLE_LINKABLE
HIDDEN_BUILT_IN = frozenset({
    "id", "custom-id", "background-color", "background_color", "heading", "collapsed",
    "created-at", "updated-at", "last-modified-at", "created_at", "last_modified_at",
    "query-table", "query-properties", "query-sort-by", "query-sort-desc", "ls-type",
    "hl-type", "hl-page", "hl-stamp", "hl-color", "logseq.macro-name",
    "logseq.macro-arguments", "logseq.order-list-type", "logseq.tldraw.page",
    "logseq.tldraw.shape", "todo", "doing", "now", "later", "done",
})
TYPED_BUILT_IN = frozenset({
    "template-including-parent", "public", "exclude-from-graph-view", "logseq.query/nlp-date",
    "heading", "collapsed", "created-at", "created_at", "updated-at", "last-modified-at",
    "last_modified_at", "query-table", "query-sort-desc", "hl-page", "hl-stamp",
    "todo", "doing", "now", "later", "done",
})
BUILT_IN = EDITABLE_BUILT_IN | HIDDEN_BUILT_IN
UNPARSED_BUILT_IN = BUILT_IN - EDITABLE_LINKABLE - TYPED_BUILT_IN
# Properties that are part of the file, not of the prose.
HIDDEN_FROM_TEXT = frozenset({"id", "collapsed", "heading", "custom-id", "background-color",
                              "created-at", "updated-at", "last-modified-at", "ls-type",
                              "hl-type", "hl-page", "hl-stamp", "hl-color", "logseq.order-list-type"})

# What an EDN reader accepts as a keyword name (after the colon).
_EDN_KEYWORD = re.compile(r"[^\s\"#,;@^`~\\(){}\[\]:'/][^\s\"#,;@^`~\\(){}\[\]]*"
                          r"(?:/[^\s\"#,;@^`~\\(){}\[\]/:][^\s\"#,;@^`~\\(){}\[\]/]*)?")
_INVALID_KEY_CHARS = re.compile(r"[\"|^(){}]")


@dataclass(slots=True)
class Property:
    key: str
    """Normalised key."""
    raw_key: str
    value: str
    """Value text as written, trimmed."""
    refs: frozenset[str]
    """Page names the value references (not normalised)."""
    block_refs: tuple[str, ...]


def normalise_key(raw_key: str) -> str | None:
    """Logseq's key normalisation; None for keys it rejects as invalid."""
    key = raw_key.lower().replace(" ", "-").replace("_", "-")
    if _INVALID_KEY_CHARS.search(key) or key.startswith("#") or "`" in key:
        return None
    if not _EDN_KEYWORD.fullmatch(key):
        return None
    if key in ("custom_id", "custom-id"):
        return "id"
    return key


def _wrapped_by_quotes(value: str) -> bool:
    return len(value) >= 2 and value[0] == '"' and value[-1] == '"'


def _comma_parts(value: str) -> set[str]:
    """The comma-separated plain words of a value, ignoring links and tags."""
    parts: set[str] = set()
    for chunk in _without_links(value).split("\x00"):
        for piece in re.split(r"[,，]", chunk):
            piece = piece.strip()
            if piece:
                parts.add(piece)
    return parts


_LINK_OR_CODE_START = re.compile(r"[#\[`]")
_NON_SPACE_RUN = re.compile(r"\S+")


def _without_links(value: str) -> str:
    """``re.sub(r"#\\[\\[.*?\\]\\]|\\[\\[.*?\\]\\]|#\\S+|`[^`]*`", "\\x00", value)``, in linear time.

    That regex reads on from every ``[[`` to the line's end when no ``]]`` follows;
    here each closer is looked for once from where the last search for it began.
    """
    pieces: list[str] = []
    copied = 0
    pos = 0
    n = len(value)
    next_close: dict[str, tuple[int, int]] = {}  # closer -> (searched from, found at)

    def find(closer: str, start: int) -> int:
        cached = next_close.get(closer)
        if cached is not None and cached[0] <= start and (cached[1] == -1 or cached[1] >= start):
            return cached[1]
        found = value.find(closer, start)
        next_close[closer] = (start, found)
        return found

    def link_end(start: int) -> int:
        close = find("]]", start)
        if close == -1:
            return -1
        newline = find("\n", start)
        return -1 if newline != -1 and newline < close else close + 2

    while True:
        m = _LINK_OR_CODE_START.search(value, pos)
        if m is None:
            break
        p = m.start()
        end = -1
        if value[p] == "#":
            if value.startswith("#[[", p):
                end = link_end(p + 3)
            if end == -1 and p + 1 < n:
                run = _NON_SPACE_RUN.match(value, p + 1)
                if run is not None:
                    end = run.end()
        elif value[p] == "[":
            if value.startswith("[[", p):
                end = link_end(p + 2)
        else:
            close = find("`", p + 1)
            if close != -1:
                end = close + 1
        if end == -1:
            pos = p + 1
            continue
        pieces.append(value[copied:p])
        pieces.append("\x00")
        copied = pos = end
    pieces.append(value[copied:])
    return "".join(pieces)


# Links to local assets and drawings are files, not pages.
_LOCAL_FILE = re.compile(r"^(?:[./]*assets|draws)")


def value_refs(value: str) -> InlineRefs:
    return scan_inline(value, property_value=True)


def parse_property(raw_key: str, value: str, config: GraphConfig) -> Property | None:
    key = normalise_key(raw_key)
    if key is None:
        return None
    refs: frozenset[str] = frozenset()
    inline = value_refs(value) if value else InlineRefs()
    if (key not in UNPARSED_BUILT_IN and key not in config.ignored_page_references_keywords
            and not _wrapped_by_quotes(value)):
        found = {p.strip() for p in inline.pages if not _LOCAL_FILE.match(p)}
        if key in EDITABLE_LINKABLE or key in config.separated_by_commas:
            found |= _comma_parts(value)
        refs = frozenset(r for r in found if r)
    return Property(key, raw_key, value, refs, tuple(inline.block_refs))


def page_refs_of_properties(props: list[Property], config: GraphConfig) -> list[str]:
    """Pages that a block's properties reference: values, then property names."""
    out: list[str] = []
    for prop in props:
        # Logseq filters keys here but then adds the parsed values of *every* key
        # back in, so a `heading:: [[x]]` still references x.
        out.extend(sorted(prop.refs))
    if config.property_pages_enabled:
        for prop in props:
            if prop.key not in BUILT_IN and prop.key not in config.property_pages_excludelist:
                out.append(prop.key)
    return out
