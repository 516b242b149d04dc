"""Find page refs, tags, block refs and embeds in one line of Logseq markdown.

This follows the inline grammar of mldoc (the parser Logseq calls) only as far
as it decides what is a reference: what starts a construct, what a construct
swallows (code, math, URLs, HTML, macros), and where a plain-text run ends.
Scanning goes left to right with the same precedence as mldoc's
``inline_choices``: at each position the construct keyed by the current
character is tried first, then a URL, then plain text.

Scanning takes time linear in the text (up to a log factor), however the
constructs in it nest or fail to close: every "where does this end?" question
is answered from a table built once per text (:class:`_Index`) instead of by
reading on from each start, and emphasis is scanned in one pass with a stack
of windows instead of a recursive scan of each emphasised slice. (What is
recorded can grow faster: a link nested n deep names n pages, each holding the
deeper ones; see :data:`MAX_LINK_NESTING`.)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
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
# The characters of a tag name up to its end or a "[" (which may open a [[link]] inside it).
_TAG_CHARS = re.compile(r"[^ \t\n\r\x0c,!?'\":#\[]*")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
# What a URL runs over, and what ends a `code` span.
_URL_BODY = re.compile(r"[^ \t\n\r\x0c\[\]<>{}()]*")
_CODE_STOP = re.compile(r"[`\n\r]")
_ANGLE_SCHEME = re.compile(r"[A-Za-z0-9]+:")
_ANGLE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMPHASIS_DELIMS = ("**", "__", "~~", "^^", "==", "*", "_")
# Links nest this deep at most; deeper parts of a nested link are not recorded. Before,
# recording them recursed once per level and failed with RecursionError below this depth.
MAX_LINK_NESTING = 1000


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
    """End of a ``[[...]]`` starting at ``i`` (balanced), and whether it nests another.

    Reads on from ``i``: for the short strings of a link's parts. The scanner asks
    :meth:`_Index.link_end`, which answers the same from a table.
    """
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


def _positions(s: str, needle: str) -> list[int]:
    """Every index where ``needle`` occurs in ``s``, overlapping ones included."""
    out: list[int] = []
    k = s.find(needle)
    while k != -1:
        out.append(k)
        k = s.find(needle, k + 1)
    return out


_PAIR_TOKENS = {"[": re.compile(r"[\[\]\n]"), "(": re.compile(r"[()\n]")}
_LINK_TOKENS = re.compile(r"\[+|\]+|[\n\r]")
_HTML_SPECIAL = (("<!--", "-->"), ("<![CDATA[", "]]"), ("<?", "?>"), ("<!", ">"))


class _Index:
    """The look-ups the scanner repeats on one string, each answered in O(log n).

    Each kind of question builds its table on first use, in one pass over the
    string. The scanner of an emphasised span asks about a window ``[lo, hi)``
    of the string: the answers are the ones a scan of ``s[lo:hi]`` would get.

    Ordinary text asks little, and its answers are near: the look-ups read the
    string itself while the reading stays within a budget of a few times the
    string's length, and turn to the tables only once that is spent.
    """

    __slots__ = ("s", "n", "_budget", "_found", "_pairs", "_links", "_emphasis", "_lower", "_widened", "_html")

    def __init__(self, s: str) -> None:
        self.s = s
        self.n = len(s)
        self._budget = 4 * self.n + 256  # characters the look-ups may still read directly
        # the tables, made when first needed
        self._found: dict[str, list[int]] | None = None
        self._pairs: dict[str, dict[int, int]] | None = None
        self._links: tuple[list[int], list[int], list[list[int]]] | None = None
        self._emphasis: dict[str, list[int]] | None = None
        self._lower: str | None = None
        self._widened: tuple[list[int], list[int]] | None = None
        self._html: dict[str, tuple[list[int], list[int], dict[int, list[int]]]] | None = None

    def find(self, needle: str, start: int, end: int) -> int:
        """``s.find(needle, start, end)``."""
        if self._budget > 0:
            stop = start + self._budget
            if stop > end:
                stop = end
            k = self.s.find(needle, start, stop)
            if k != -1:
                self._budget -= k - start + 1
                return k
            self._budget -= stop - start + 1
            if stop >= end:
                return -1
        if self._found is None:
            self._found = {}
        found = self._found.get(needle)
        if found is None:
            found = self._found[needle] = _positions(self.s, needle)
        k = bisect_left(found, start)
        if k < len(found) and found[k] + len(needle) <= end:
            return found[k]
        return -1

    def has(self, needle: str, start: int, end: int) -> bool:
        """``needle in s[start:end]``."""
        if end - start <= 80:
            return needle in self.s[start:end]
        return self.find(needle, start, end) != -1

    def newline_in(self, start: int, end: int) -> bool:
        return self.has("\n", start, end)

    def balanced(self, i: int, open_c: str, end: int) -> int | None:
        """Index just past the bracket (``[`` or ``(``) matching the one at ``i`` on its line.

        A backslash escapes nothing here, as in the reading this replaces.
        """
        if self._pairs is None:
            self._pairs = {}
        table = self._pairs.get(open_c)
        if table is None and self._budget > 0:
            s = self.s
            close_c = ")" if open_c == "(" else "]"
            stop = min(end, i + self._budget)
            depth = 0
            for j in range(i, stop):
                c = s[j]
                if c == "\n":
                    self._budget -= j - i
                    return None
                if c == open_c:
                    depth += 1
                elif c == close_c:
                    depth -= 1
                    if depth == 0:
                        self._budget -= j - i
                        return j + 1
            self._budget -= stop - i
            if stop >= end:
                return None
        if table is None:
            table = self._pairs[open_c] = {}
            stack: list[int] = []
            s = self.s
            for m in _PAIR_TOKENS[open_c].finditer(s):
                p = m.start()
                c = s[p]
                if c == open_c:
                    stack.append(p)
                elif c == "\n":
                    stack.clear()
                elif stack:
                    table[stack.pop()] = p + 1
        close = table.get(i)
        return close if close is not None and close <= end else None

    def link_end(self, i: int, end: int) -> tuple[int, bool] | None:
        """What :func:`_bracket_end` says for ``s[:end]`` and ``i`` (where ``[[`` starts).

        Reading on from ``i`` takes ``[[`` and ``]]`` pairs from the left, so inside a
        run of ``[`` the pairs depend on where the reading starts; after the run they
        do not. A reading from ``i`` opens ``(run end - i) // 2`` links in its run and
        is closed where the same number of this run's last pairs (read from the run's
        start) is: the table holds where each pair of each run is closed.
        """
        close = self.find("]]", i + 2, end)
        if close != -1:
            if close - i <= 80:
                inner = self.s[i + 2:close]
                simple = "[[" not in inner and "\n" not in inner and "\r" not in inner
            else:
                simple = not (self.has("[[", i + 2, close) or self.has("\n", i + 2, close)
                              or self.has("\r", i + 2, close))
            if simple:
                return close + 2, False  # the usual case: [[a page]], nothing nested
        if self._links is None:
            self._links = self._build_links()
        starts, lengths, closed_at = self._links
        run = bisect_right(starts, i) - 1
        start, length = starts[run], lengths[run]
        opened = (start + length - i) // 2
        close = closed_at[run][length // 2 - opened]
        if close == -1 or close > end:
            return None
        return close, opened > 1 or self.find("[[", start + length, close - 2) != -1

    def _build_links(self) -> tuple[list[int], list[int], list[list[int]]]:
        s = self.s
        starts: list[int] = []
        lengths: list[int] = []
        closed_at: list[list[int]] = []
        stack: list[tuple[int, int]] = []  # the open [[ pairs: (run, pair number in the run)
        for m in _LINK_TOKENS.finditer(s):
            a, b = m.span()
            c = s[a]
            if c == "[":
                pairs = (b - a) // 2
                if pairs:
                    run = len(starts)
                    starts.append(a)
                    lengths.append(b - a)
                    closed_at.append([-1] * pairs)
                    stack.extend((run, k) for k in range(pairs))
            elif c == "]":
                for k in range((b - a) // 2):
                    if not stack:
                        break
                    run, pair = stack.pop()
                    closed_at[run][pair] = a + 2 * k + 2
            else:
                stack.clear()
        return starts, lengths, closed_at

    def emphasis_close(self, delim: str, start: int, end: int) -> int:
        """Where the emphasis opened by ``delim`` before ``start`` closes in ``s[:end]``, or -1.

        The first ``delim`` at or after ``start`` not preceded by a space or tab
        (and for ``*``, not the start of ``**``).
        """
        s = self.s
        if self._emphasis is None:
            self._emphasis = {}
        valid = self._emphasis.get(delim)
        if valid is None and self._budget > 0:
            stop = min(end, start + self._budget)
            k = s.find(delim, start, stop)
            while k != -1 and (s[k - 1] in " \t" or (delim == "*" and s.startswith("**", k, end))):
                k = s.find(delim, k + 1, stop)
            if k != -1:
                self._budget -= k - start
                return k
            self._budget -= stop - start
            if stop >= end:
                return -1
        if valid is None:
            n = self.n
            valid = self._emphasis[delim] = [
                k for k in _positions(s, delim)
                if k > 0 and s[k - 1] not in " \t" and not (delim == "*" and k + 1 < n and s[k + 1] == "*")]
        k = bisect_left(valid, start)
        if k < len(valid) and valid[k] + len(delim) <= end:
            return valid[k]
        if (delim == "*" and end < self.n and s[end] == "*" and end - 1 >= start and s[end - 1] == "*"
                and s[end - 2] not in " \t"):
            return end - 1  # a "*" right before the window's end is not the start of a "**" in the window
        return -1

    # -- raw HTML -------------------------------------------------------------------
    def _lower_text(self) -> str:
        if self._lower is None:
            self._lower = self.s.lower()
            if len(self._lower) != self.n:
                # a few characters lower-case to two ("İ"): positions in the lower-cased text shift
                positions: list[int] = []
                extra: list[int] = [0]
                for k, ch in enumerate(self.s):
                    grow = len(ch.lower()) - 1
                    if grow:
                        positions.append(k)
                        extra.append(extra[-1] + grow)
                self._widened = positions, extra
        return self._lower

    def _lower_position(self, x: int) -> int:
        """Where ``s[:x]`` ends in the lower-cased text."""
        if self._widened is None:
            return x
        positions, extra = self._widened
        return x + extra[bisect_left(positions, x)]

    def _html_table(self, open_plain: str, open_attrs: str, close_tag: str) -> tuple[list[int], list[int], dict[int, list[int]]]:
        if self._html is None:
            self._html = {}
        table = self._html.get(close_tag)
        if table is None:
            lower = self._lower_text()
            closes = _positions(lower, close_tag)
            opens = sorted(_positions(lower, open_plain) + _positions(lower, open_attrs))
            levels: dict[int, list[int]] = {}
            for k, close in enumerate(closes):
                levels.setdefault(bisect_left(opens, close) - k, []).append(k)
            table = self._html[close_tag] = closes, opens, levels
        return table

    def html_end(self, i: int, lo: int, hi: int) -> int | None:
        """:func:`html_end` of ``s[lo:hi]`` at ``i - lo``, plus ``lo``."""
        s = self.s
        for opener, closer in _HTML_SPECIAL:
            if s.startswith(opener, i, hi):
                close = self.find(closer, i + len(opener), hi)
                return close + len(closer) if close != -1 else None
        m = _HTML_OPEN.match(s, i, hi)
        if m is None or len(m.group(1)) > _LONGEST_TAG or m.group(1).lower() not in HTML_TAGS:
            return None
        tag = m.group(1)
        open_plain, open_attrs, close_tag = f"<{tag}>".lower(), f"<{tag} ".lower(), f"</{tag}>".lower()
        # The element ends at the first closing tag where closing tags have caught up with
        # the opening ones since the tag's name. With opens(x) the opening tags before x and
        # closes[k] the k-th closing tag, that is the first k >= k0 (the first closing tag
        # after the name) where opens(closes[k]) - k == opens(name end) - k0: "levels"
        # lists the k of each value, and the value falls by at most one from k to k + 1.
        closes, opens, levels = self._html_table(open_plain, open_attrs, close_tag)
        self._lower_text()
        base = self._lower_position(lo)
        # html_end lower-cases its text and reads positions in it: those of s[lo:hi].lower()
        # are the ones in s.lower() less base.
        start = base + m.end() - lo
        first = bisect_left(closes, start)
        candidates = levels.get(bisect_left(opens, start) - first)
        if candidates:
            k = bisect_left(candidates, first)
            if k < len(candidates):
                close_end = closes[candidates[k]] + len(close_tag)
                if close_end <= self._lower_position(hi):
                    return lo + close_end - base
        close = self.find("/>", m.end(), hi)
        return close + 2 if close != -1 else None


def _macro_arguments(text: str) -> list[str]:
    """Split macro arguments on commas, keeping [[...]], ((...)) and "..." whole."""
    args: list[str] = []
    current: list[str] = []
    i = 0
    n = len(text)
    # closer -> (from, where it next occurs from there): i only grows, so each closer is
    # searched for once per occurrence rather than from every opener.
    next_close: dict[str, tuple[int, int]] = {}
    while i < n:
        for opener, closer in (("[[", "]]"), ("((", "))"), ('"', '"')):
            if text.startswith(opener, i):
                start = i + len(opener)
                cached = next_close.get(closer)
                if cached is not None and cached[0] <= start and (cached[1] == -1 or cached[1] >= start):
                    close = cached[1]
                else:
                    close = text.find(closer, start)
                    next_close[closer] = (start, close)
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
    # Each takes the text's index, where the construct starts, and the end of the
    # window being scanned (the text's end, or an emphasised span's).
    def page_ref_or_nested(self, ix: _Index, i: int, hi: int) -> int | None:
        found = ix.link_end(i, hi)
        if found is None:
            return None
        end, nested = found
        inner = ix.s[i + 2:end - 2]
        if not inner:
            return None
        self.refs.pages.append(inner)
        if nested and not self.property_value:
            # The parts of a nested link are links too: [[a [[b]]]] refers to "a [[b]]" and "b".
            self._nested_parts(inner)
        return end

    def _nested_parts(self, inner: str) -> None:
        # depth first, in order of appearance; a stack of (text, where to go on) for recursion
        stack = [(inner, 0)]
        while stack:
            text, j = stack[-1]
            k = text.find("[[", j)
            found = _bracket_end(text, k) if k != -1 else None
            if found is None:
                stack.pop()
                continue
            end, nested = found
            stack[-1] = (text, end)
            part = text[k + 2:end - 2]
            if part:
                self.refs.pages.append(part)
                if nested and len(stack) < MAX_LINK_NESTING:
                    stack.append((part, 0))

    def markdown_link(self, ix: _Index, i: int, hi: int) -> int | None:
        """``[label](target)``; a target of ``[[page]]`` or ``((uuid))`` is a reference."""
        s = ix.s
        label_end = ix.balanced(i, "[", hi)
        if label_end is None or label_end >= hi or s[label_end] != "(":
            return None
        url_end = ix.balanced(label_end, "(", hi)
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

    def bracket(self, ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        if s.startswith("[[", i, hi):
            end = self.page_ref_or_nested(ix, i, hi)
            if end is not None:
                return end
        if s.startswith("[^", i, hi):  # footnote reference
            close = ix.find("]", i + 2, hi)
            if close > i + 2 and not ix.newline_in(i, close):
                return close + 1
        if s.startswith("[:", i, hi):  # hiccup
            end = ix.balanced(i, "[", hi)
            if end is not None:
                return end
        return self.markdown_link(ix, i, hi)

    def tag(self, ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        j = i + 1
        if j >= hi or s[j] in _TAG_STOP:
            return None
        k = j
        while True:
            k = _TAG_CHARS.match(s, k, hi).end()  # type: ignore[union-attr]  # matches the empty string
            if k >= hi or s[k] in _TAG_STOP:
                break
            if s.startswith("[[", k, hi):  # s[k] == "[": a link inside the name is part of it
                found = ix.link_end(k, hi)
                if found is not None:
                    k = found[0]
                    continue
            k += 1
        end = j + len(s[j:k].rstrip(_TAG_TRAIL))
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

    def macro(self, ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        if s.startswith("{{{", i, hi):
            close = ix.find("}}}", i + 3, hi)
            start, close_len = i + 3, 3
        else:
            close = ix.find("}}", i + 2, hi)
            start, close_len = i + 2, 2
        if close == -1:
            return None
        if close <= start or ix.has("\n", start, close) or ix.has("}", start, close):
            return None
        body = s[start:close]
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

    def block_ref(self, ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        if not s.startswith("((", i, hi):
            return None
        close = ix.find("))", i + 2, hi)
        if close == -1:
            return None
        if close == i + 2 or ix.has("\n", i + 2, close) or ix.has(")", i + 2, close):
            return None
        inner = s[i + 2:close]
        if UUID_RE.fullmatch(inner.strip()):
            self.refs.block_refs.append(inner.strip())
        return close + 2

    @staticmethod
    def code(ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        if s.startswith("``", i, hi):
            close = ix.find("``", i + 2, hi)
            if close != -1:
                return close + 2
        # Failing, this reads to the line's end; the next "`" is further on then.
        m = _CODE_STOP.search(s, i + 1, hi)
        if m is not None and s[m.start()] == "`" and m.start() > i + 1:
            return m.start() + 1
        return None

    @staticmethod
    def latex(ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        if s.startswith("$$", i, hi):
            close = ix.find("$$", i + 2, hi)
            if close != -1 and not ix.newline_in(i, close):
                return close + 2
            return None
        if s[i] == "$":
            if i + 1 >= hi or s[i + 1] in " $":
                return None
            close = ix.find("$", i + 1, hi)
            if close == -1 or ix.newline_in(i, close) or s[close - 1] in " ([{":
                return None
            return close + 1
        if s.startswith("\\(", i, hi):
            close = ix.find("\\)", i + 2, hi)
            return close + 2 if close != -1 else None
        if s.startswith("\\[", i, hi):
            close = ix.find("\\]", i + 2, hi)
            return close + 2 if close != -1 else None
        return None

    def emphasis(self, ix: _Index, i: int, lo: int, hi: int) -> tuple[int, int, int] | None:
        """Bold, italic, strike, highlight: (inner start, inner end, delimiter length).

        The text inside is scanned for links, not tags.
        """
        s = ix.s
        for delim in _EMPHASIS_DELIMS:
            if not s.startswith(delim, i, hi):
                continue
            start = i + len(delim)
            if start >= hi or s[start] in " \t\n\r":
                continue
            if delim[0] == "_" and i > lo and s[i - 1] not in _UNDERLINE_BEFORE:
                return None
            close = ix.emphasis_close(delim, start, hi)
            if close == -1 or close == start or ix.newline_in(start, close):
                continue
            return start, close, len(delim)
        return None

    @staticmethod
    def url(ix: _Index, i: int, hi: int) -> int | None:
        s = ix.s
        m = _URL_HEAD.match(s, i, hi)
        if m is None:
            return None
        j = _URL_BODY.match(s, m.end(), hi).end()  # type: ignore[union-attr]  # matches the empty string
        # Balanced parentheses and brackets belong to the URL (Wikipedia links).
        while j < hi and s[j] in "([":
            end = ix.balanced(j, s[j], hi)
            if end is None:
                break
            j = _URL_BODY.match(s, end, hi).end()  # type: ignore[union-attr]
        while j > m.end() and s[j - 1] in ",;.!?":
            j -= 1
        return j if j > m.end() else None

    @staticmethod
    def angle(ix: _Index, i: int, lo: int, hi: int) -> int | None:
        s = ix.s
        end = ix.html_end(i, lo, hi)
        if end is not None:
            return end
        close = ix.find(">", i + 1, hi)
        if close == -1 or ix.newline_in(i, close):
            return None
        # <https://...> quick links and <2021-05-31 Mon> timestamps hold no references.
        if _ANGLE_SCHEME.match(s, i + 1, close) or _ANGLE_DATE.match(s, i + 1, close):
            return close + 1
        return None

    # -- the loop ------------------------------------------------------------------
    def scan(self, s: str, *, tags: bool = True) -> None:
        """Visit the positions where a construct can start, skipping plain text.

        A construct keyed by a plain-text delimiter (``[ # ` * _`` ...) can start
        anywhere; one keyed by another character (``( { < !`` or a URL) only where
        a plain-text run would start: after a delimiter, whitespace or a construct.

        The text inside emphasis is scanned (for links, not tags) as a text of its
        own, before the scan goes on after the emphasis: here as a window
        ``[lo, hi)`` of ``s``, with the enclosing windows on a stack.
        """
        ix = _Index(s)
        lo, hi = 0, len(s)
        i = prev_end = 0
        outer: list[tuple[int, int, int, bool]] = []  # (lo, hi, where to go on, tags) of enclosing scans
        while True:
            # The next place a construct can start: what re.search(r"[...]|[A-Za-z0-9]+://")
            # finds from i, but reading a run of letters once, not again from each of them.
            # _CANDIDATE only takes a URL head at the start of its run; one starting at i,
            # inside a run, is looked for here.
            m = None
            if i < hi:
                if i > 0 and s[i] in _ALNUM and s[i - 1] in _ALNUM:
                    m = _URL_RUN.match(s, i, hi)
                if m is None:
                    m = _CANDIDATE.search(s, i, hi)
            if m is None:
                if not outer:
                    return
                lo, hi, i, tags = outer.pop()
                prev_end = i
                continue
            p, match_end = m.span()
            c = s[p]
            run_start = p == lo or p == prev_end or s[p - 1] in PLAIN_DELIMS
            end: int | None = None
            if c == "[":
                end = self.bracket(ix, p, hi)
            elif c == "#":
                end = self.tag(ix, p, hi) if tags else None
            elif c == "`":
                end = self.code(ix, p, hi)
            elif c in "*_~^=":
                span = self.emphasis(ix, p, lo, hi)
                if span is not None:
                    start, close, size = span
                    if not self.property_value:
                        outer.append((lo, hi, close + size, tags))
                        lo, hi, i, prev_end, tags = start, close, start, start, False
                        continue
                    end = close + size
            elif c == "$":
                end = self.latex(ix, p, hi)
            elif c == "\\":
                end = self.latex(ix, p, hi)
                if end is None and p + 1 < hi and s[p + 1] in _MD_ESCAPABLE:
                    end = p + 2
            elif not run_start:
                # inside a plain-text run: "foo((x))" or "xhttps://" start nothing
                i = match_end if match_end > p + 1 else p + 1
                continue
            elif c == "{":
                end = None if self.property_value else self.macro(ix, p, hi)
            elif c == "(":
                end = self.block_ref(ix, p, hi)
            elif c == "<":
                end = self.angle(ix, p, lo, hi)
            elif c == "!":
                end = self.markdown_link(ix, p + 1, hi) if s.startswith("![", p, hi) else None
            elif c not in "SCDscd":  # those letters start a timestamp, never a URL
                end = self.url(ix, p, hi)
            if end is not None and end > p:
                i = prev_end = end
            else:
                i = p + 1


_MACRO_NAME = re.compile(r"[^}( ]+")
# Where a construct can start: a delimiter, or the run of letters and digits before "://".
# The look-behind and the possessive run read each run of letters once (a search for
# "[A-Za-z0-9]+://" reads it again from each of its letters, the quadratic reading this
# replaces); _Scanner.scan looks for a URL head starting inside a run itself.
_CANDIDATE = re.compile(r"[\[#`*_~^=$\\{(<!]|(?<![A-Za-z0-9])[A-Za-z0-9]++://")
_URL_RUN = re.compile(r"[A-Za-z0-9]++://")
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
_LONGEST_TAG = max(len(t) for t in HTML_TAGS)
# A tag's name: longer names are no element, so reading stops one character past the longest.
_HTML_OPEN = re.compile(r"<([^\s>]{1,%d})" % (_LONGEST_TAG + 1))


def html_end(s: str, i: int) -> int | None:
    """End of a raw HTML construct starting at ``s[i] == '<'`` (may span lines), else None."""
    return _Index(s).html_end(i, 0, len(s))


class HtmlIndex:
    """:func:`html_end` for many windows of one text, which it reads once, not once per window."""

    __slots__ = ("_index",)

    def __init__(self, text: str) -> None:
        self._index = _Index(text)

    def end(self, i: int, lo: int, hi: int) -> int | None:
        """``html_end(text[lo:hi], i - lo) + lo`` (or None)."""
        return self._index.html_end(i, lo, hi)
