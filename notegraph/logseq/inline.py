"""Find page refs, tags, block refs and embeds in one line of Logseq markdown.

This follows the inline grammar of mldoc (the parser Logseq calls) only as far
as it decides what is a reference: what starts a construct, what a construct
swallows (code, math, URLs, HTML, macros), and where a plain-text run ends.
Scanning goes left to right with the same precedence as mldoc's
``inline_choices``: at each position the construct keyed by the current
character is tried first, then a URL, then plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters that end a plain-text run in mldoc's markdown mode.
PLAIN_DELIMS = frozenset("\\_^[*~`=$# \t\n\r\x0c")
_PLAIN_RUN = re.compile(r"[^\\_^\[*~`=$# \t\n\r\x0c]+")
_WS_RUN = re.compile(r"[ \t\x0c]+")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URL_HEAD = re.compile(r"[A-Za-z0-9]+://")
# The escapable characters of CommonMark: "\#" is a literal '#', not a tag.
_MD_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# A tag name ends at whitespace or one of these; a trailing "." or ";" is not part of it.
_TAG_STOP = frozenset(" \t\n\r\x0c,!?'\":#")
_TAG_TRAIL = ".;"


@dataclass(slots=True)
class InlineRefs:
    """What one piece of text references, in order of appearance."""

    pages: list[str] = field(default_factory=list)
    """Page names as written (links, tags, embeds), not yet normalised."""
    tags: list[str] = field(default_factory=list)
    """Names written as ``#tag`` / ``#[[tag]]``."""
    block_refs: list[str] = field(default_factory=list)
    """UUIDs from ``((uuid))``, ``[label](((uuid)))`` and ``{{embed ((uuid))}}``."""
    page_embeds: list[str] = field(default_factory=list)
    """Pages embedded with ``{{embed [[page]]}}``."""
    macros: list[str] = field(default_factory=list)
    """Names of ``{{macro ...}}`` calls (``query``, ``embed``, ``video`` ...)."""


def _bracket_end(s: str, i: int) -> tuple[int, bool] | None:
    """End of a ``[[...]]`` starting at ``i`` (balanced), and whether it nests another."""
    close = s.find("]]", i + 2)
    if close != -1:
        inner = s[i + 2:close]
        if "[[" not in inner and "\n" not in inner and "\r" not in inner:
            return close + 2, False  # the usual case: [[a page]], nothing nested
    n = len(s)
    depth = 0
    nested = False
    j = i
    while j < n - 1:
        c = s[j]
        if c == "\n" or c == "\r":
            return None
        if c == "[" and s[j + 1] == "[":
            depth += 1
            if depth > 1:
                nested = True
            j += 2
            continue
        if c == "]" and s[j + 1] == "]":
            depth -= 1
            j += 2
            if depth == 0:
                return j, nested
            continue
        j += 1
    return None


def _balanced(s: str, i: int, open_c: str, close_c: str) -> int | None:
    """Index just past the ``close_c`` matching the ``open_c`` at ``i`` on this line."""
    depth = 0
    for j in range(i, len(s)):
        c = s[j]
        if c == "\n":
            return None
        if c == "\\":
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def _macro_arguments(text: str) -> list[str]:
    """Split macro arguments on commas, keeping [[...]], ((...)) and "..." whole."""
    args: list[str] = []
    current: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        for opener, closer in (("[[", "]]"), ("((", "))"), ('"', '"')):
            if text.startswith(opener, i):
                close = text.find(closer, i + len(opener))
                if close != -1:
                    current.append(text[i:close + len(closer)])
                    i = close + len(closer)
                    break
        else:
            if text[i] == ",":
                args.append("".join(current))
                current = []
            else:
                current.append(text[i])
            i += 1
    if current or args:
        args.append("".join(current))
    return [a.strip() for a in args if a.strip()]


def un_bracket(name: str) -> str:
    """``[[x]]`` → ``x`` (Logseq's ``page-ref-un-brackets!``), anything else unchanged."""
    if name.startswith("[[") and name.endswith("]]") and len(name) >= 4:
        return name[2:-2]
    return name


class _Scanner:
    def __init__(self, refs: InlineRefs, *, property_value: bool = False) -> None:
        self.refs = refs
        # Logseq reads a property value's references from a flat list of its links
        # and tags: macros are plain text, emphasis hides what it wraps, a nested
        # link counts once, and only [[page]] links (not file links) count.
        self.property_value = property_value

    # -- constructs -----------------------------------------------------------------
    def page_ref_or_nested(self, s: str, i: int, *, record: bool = True) -> int | None:
        found = _bracket_end(s, i)
        if found is None:
            return None
        end, nested = found
        inner = s[i + 2:end - 2]
        if not inner:
            return None
        if record:
            self.refs.pages.append(inner)
            if nested and not self.property_value:
                # The parts of a nested link are links too: [[a [[b]]]] refers to "a [[b]]" and "b".
                self._nested_parts(inner)
        return end

    def _nested_parts(self, inner: str) -> None:
        j = 0
        while True:
            k = inner.find("[[", j)
            if k == -1:
                return
            found = _bracket_end(inner, k)
            if found is None:
                return
            end, nested = found
            part = inner[k + 2:end - 2]
            if part:
                self.refs.pages.append(part)
                if nested:
                    self._nested_parts(part)
            j = end

    def markdown_link(self, s: str, i: int) -> int | None:
        """``[label](target)``; a target of ``[[page]]`` or ``((uuid))`` is a reference."""
        label_end = _balanced(s, i, "[", "]")
        if label_end is None or label_end >= len(s) or s[label_end] != "(":
            return None
        url_end = _balanced(s, label_end, "(", ")")
        if url_end is None:
            return None
        target = s[label_end + 1:url_end - 1].strip()
        if (len(target) > 3 and target.lower().endswith((".md", ".markdown"))
                and not _URL_HEAD.match(target) and not self.property_value):
            # A link to a markdown file refers to the page its label names.
            label = re.split(r"[*_`\[\]$~^=]", s[i + 1:label_end - 1], maxsplit=1)[0]
            if label:
                self.refs.pages.append(label)
        elif UUID_RE.fullmatch(target):
            self.refs.block_refs.append(target)  # [label](uuid) links to that block too
        elif target.startswith("((") and target.endswith("))"):
            uuid = target[2:-2].strip()
            if UUID_RE.fullmatch(uuid):
                self.refs.block_refs.append(uuid)
        elif target.startswith("[[") and target.endswith("]]") and len(target) > 4:
            self.refs.pages.append(target[2:-2])
        return url_end

    def bracket(self, s: str, i: int) -> int | None:
        if s.startswith("[[", i):
            end = self.page_ref_or_nested(s, i)
            if end is not None:
                return end
        if s.startswith("[^", i):  # footnote reference
            close = s.find("]", i + 2)
            if close > i + 2 and "\n" not in s[i:close]:
                return close + 1
        if s.startswith("[:", i):  # hiccup
            end = _balanced(s, i, "[", "]")
            if end is not None:
                return end
        return self.markdown_link(s, i)

    def tag(self, s: str, i: int) -> int | None:
        j = i + 1
        n = len(s)
        if j >= n or s[j] in _TAG_STOP:
            return None
        k = j
        while k < n and s[k] not in _TAG_STOP:
            if s.startswith("[[", k):
                found = _bracket_end(s, k)
                if found is not None:
                    k = found[0]
                    continue
            k += 1
        end = k
        while end > j and s[end - 1] in _TAG_TRAIL:
            end -= 1
        if end == j:
            return None
        name = s[j:end]
        if un_bracket(name):
            self.refs.tags.append(un_bracket(name))
            if self.property_value:
                # The tag's first part: "x" for #x[[y]], "a" for #[[a]]b.
                closing = _bracket_end(name, 0) if name.startswith("[[") else None
                first = name[2:closing[0] - 2] if closing else name.split("[[", 1)[0]
                if first:
                    self.refs.pages.append(first)
                return end
            self.refs.pages.append(un_bracket(name))
        if "[[" in name:
            # Links inside a tag are links too: #[[a]]b refers to "[[a]]b" and "a".
            self._nested_parts(name)
        return end

    def macro(self, s: str, i: int) -> int | None:
        if s.startswith("{{{", i):
            close = s.find("}}}", i + 3)
            start, close_len = i + 3, 3
        else:
            close = s.find("}}", i + 2)
            start, close_len = i + 2, 2
        if close == -1:
            return None
        body = s[start:close]
        if not body or "\n" in body or "}" in body:
            return None
        m = _MACRO_NAME.match(body)
        if m is None:
            return None
        name = m.group(0)
        self.refs.macros.append(name)
        if name == "embed":
            argument = ", ".join(a.strip() for a in _macro_arguments(body[len(name):]))
            if argument.startswith("((") and argument.endswith("))"):
                uuid = argument[2:-2].strip()
                if UUID_RE.fullmatch(uuid):
                    self.refs.block_refs.append(uuid)
            page = un_bracket(argument)
            if page:
                # Logseq also records an embedded block's "((uuid))" as a page name.
                self.refs.page_embeds.append(page)
                self.refs.pages.append(page)
        return close + close_len

    def block_ref(self, s: str, i: int) -> int | None:
        if not s.startswith("((", i):
            return None
        close = s.find("))", i + 2)
        if close == -1:
            return None
        inner = s[i + 2:close]
        if not inner or "\n" in inner or ")" in inner:
            return None
        if UUID_RE.fullmatch(inner.strip()):
            self.refs.block_refs.append(inner.strip())
        return close + 2

    @staticmethod
    def code(s: str, i: int) -> int | None:
        if s.startswith("``", i):
            close = s.find("``", i + 2)
            if close != -1:
                return close + 2
        close = i + 1
        n = len(s)
        while close < n and s[close] not in "`\n\r":
            close += 1
        if close < n and s[close] == "`" and close > i + 1:
            return close + 1
        return None

    @staticmethod
    def latex(s: str, i: int) -> int | None:
        if s.startswith("$$", i):
            close = s.find("$$", i + 2)
            if close != -1 and "\n" not in s[i:close]:
                return close + 2
            return None
        if s[i] == "$":
            if i + 1 >= len(s) or s[i + 1] in " $":
                return None
            close = s.find("$", i + 1)
            if close == -1 or "\n" in s[i:close] or s[close - 1] in " ([{":
                return None
            return close + 1
        if s.startswith("\\(", i):
            close = s.find("\\)", i + 2)
            return close + 2 if close != -1 else None
        if s.startswith("\\[", i):
            close = s.find("\\]", i + 2)
            return close + 2 if close != -1 else None
        return None

    def emphasis(self, s: str, i: int) -> int | None:
        """Bold, italic, strike, highlight: the text inside is scanned for links, not tags."""
        for delim in ("**", "__", "~~", "^^", "==", "*", "_"):
            if not s.startswith(delim, i):
                continue
            if delim in ("~", "^", "="):
                return None
            start = i + len(delim)
            if start >= len(s) or s[start] in " \t\n\r":
                continue
            if delim[0] == "_" and i > 0 and s[i - 1] not in _UNDERLINE_BEFORE:
                return None
            close = s.find(delim, start)
            while close != -1 and (s[close - 1] in " \t" or (delim == "*" and s.startswith("**", close))):
                close = s.find(delim, close + 1)
            if close == -1 or close == start or "\n" in s[start:close]:
                continue
            if not self.property_value:
                _Scanner(self.refs).scan(s[start:close], tags=False)
            return close + len(delim)
        return None

    @staticmethod
    def url(s: str, i: int) -> int | None:
        m = _URL_HEAD.match(s, i)
        if m is None:
            return None
        j = m.end()
        n = len(s)
        while j < n and s[j] not in " \t\n\r\x0c[]<>{}()":
            j += 1
        # Balanced parentheses and brackets belong to the URL (Wikipedia links).
        while j < n and s[j] in "([":
            end = _balanced(s, j, s[j], ")" if s[j] == "(" else "]")
            if end is None:
                break
            j = end
            while j < n and s[j] not in " \t\n\r\x0c[]<>{}()":
                j += 1
        while j > m.end() and s[j - 1] in ",;.!?":
            j -= 1
        return j if j > m.end() else None

    @staticmethod
    def angle(s: str, i: int) -> int | None:
        end = html_end(s, i)
        if end is not None:
            return end
        close = s.find(">", i + 1)
        if close == -1 or "\n" in s[i:close]:
            return None
        inner = s[i + 1:close]
        # <https://...> quick links and <2021-05-31 Mon> timestamps hold no references.
        if re.match(r"[A-Za-z0-9]+:", inner) or re.match(r"\d{4}-\d{2}-\d{2}", inner):
            return close + 1
        return None

    # -- the loop ------------------------------------------------------------------
    def scan(self, s: str, *, tags: bool = True) -> None:
        """Visit the positions where a construct can start, skipping plain text.

        A construct keyed by a plain-text delimiter (``[ # ` * _`` ...) can start
        anywhere; one keyed by another character (``( { < !`` or a URL) only where
        a plain-text run would start: after a delimiter, whitespace or a construct.
        """
        i = 0
        prev_end = 0
        while True:
            m = _CANDIDATE.search(s, i)
            if m is None:
                return
            p = m.start()
            c = s[p]
            run_start = p == 0 or p == prev_end or s[p - 1] in PLAIN_DELIMS
            end: int | None = None
            if c == "[":
                end = self.bracket(s, p)
            elif c == "#":
                end = self.tag(s, p) if tags else None
            elif c == "`":
                end = self.code(s, p)
            elif c in "*_~^=":
                end = self.emphasis(s, p)
            elif c == "$":
                end = self.latex(s, p)
            elif c == "\\":
                end = self.latex(s, p)
                if end is None and p + 1 < len(s) and s[p + 1] in _MD_ESCAPABLE:
                    end = p + 2
            elif not run_start:
                # inside a plain-text run: "foo((x))" or "xhttps://" start nothing
                i = m.end() if m.end() > p + 1 else p + 1
                continue
            elif c == "{":
                end = None if self.property_value else self.macro(s, p)
            elif c == "(":
                end = self.block_ref(s, p)
            elif c == "<":
                end = self.angle(s, p)
            elif c == "!":
                end = self.markdown_link(s, p + 1) if s.startswith("![", p) else None
            elif c not in "SCDscd":  # those letters start a timestamp, never a URL
                end = self.url(s, p)
            if end is not None and end > p:
                i = prev_end = end
            else:
                i = p + 1


_MACRO_NAME = re.compile(r"[^}( ]+")
_CANDIDATE = re.compile(r"[\[#`*_~^=$\\{(<!]|[A-Za-z0-9]+://")
_UNDERLINE_BEFORE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0c")


def scan_inline(text: str, refs: InlineRefs | None = None, *, property_value: bool = False) -> InlineRefs:
    """References found in ``text`` (a line or a paragraph of inline markdown).

    ``property_value=True`` reads the text the way Logseq reads a property value's
    references (see :class:`_Scanner`).
    """
    refs = refs if refs is not None else InlineRefs()
    if text and _CANDIDATE.search(text):
        _Scanner(refs, property_value=property_value).scan(text)
    return refs


def may_reference(text: str) -> bool:
    """Whether ``text`` holds anything that could be a reference (cheap pre-check)."""
    return _CANDIDATE.search(text) is not None


# HTML elements mldoc recognises (its raw_html.ml); any other <name> is plain text.
HTML_TAGS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
caption cite code col colgroup data datalist dd del dfn div dl dt em embed fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input
ins kbd keygen label legend li link main map mark meta meter nav noscript object ol
optgroup option output p param pre progress q rb rp rt rtc ruby s samp script section
select small source span strong style sub sup table tbody td template textarea tfoot th
thead time title tr track u ul var video details summary wbr""".split())
_HTML_OPEN = re.compile(r"<([^\s>]+)")


def html_end(s: str, i: int) -> int | None:
    """End of a raw HTML construct starting at ``s[i] == '<'`` (may span lines), else None."""
    for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]"), ("<?", "?>"), ("<!", ">")):
        if s.startswith(opener, i):
            close = s.find(closer, i + len(opener))
            return close + len(closer) if close != -1 else None
    m = _HTML_OPEN.match(s, i)
    if m is None or m.group(1).lower() not in HTML_TAGS:
        return None
    tag = m.group(1)
    lower = s.lower()
    open_plain, open_attrs, close_tag = f"<{tag}>".lower(), f"<{tag} ".lower(), f"</{tag}>".lower()
    depth = 1
    pos = m.end()
    while True:
        close = lower.find(close_tag, pos)
        if close == -1:
            break
        chunk = lower[pos:close]
        depth += chunk.count(open_plain) + chunk.count(open_attrs) - 1
        pos = close + len(close_tag)
        if depth <= 0:
            return pos
    close = s.find("/>", m.end())
    return close + 2 if close != -1 else None
