"""Logseq's simple queries (``{{query …}}``), evaluated against the index.

Supported, with Logseq's meaning:

* ``[[page]]``, ``#tag``, ``#[[two words]]`` — blocks whose *path* references the page (the block,
  an ancestor, or the page the block is on, as Logseq's ``:block/path-refs``); aliases count.
* ``"text"`` — blocks whose text contains it (case-insensitive); so do bare words (``{{query word}}``).
* ``(and …)``, ``(or …)``, ``(not …)``; several terms side by side are an ``and``.
* ``(task TODO DOING)`` (also ``todo``), ``(priority A B)``.
* ``(page "name" …)`` — blocks on one of these pages.
* ``(property key value …)``, ``(property key)`` — block properties (values compared as Logseq
  does: case-insensitive, ``[[x]]`` and ``x`` alike, any of a comma-separated list).
* ``(between -7d today)``, ``(between [[Nov 1st, 2026]] [[Nov 10th, 2026]])`` — blocks on journal
  days in the range (``today``, ``yesterday``, ``tomorrow``, ``now``, ±Nd/w/m/y offsets).
* Page queries — ``(page-property key value)``, ``(page-tags tag …)``, ``(namespace x)`` — list pages.

Anything else (``sort-by``, ``sample``, datalog ``#+BEGIN_QUERY``) is refused with the reason,
never evaluated half-way: a query whose answer would be silently wrong is worse than none.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Union

from notegraph.errors import NotegraphError
from notegraph.logseq.dates import parse_journal_title
from notegraph.logseq.names import page_key
from notegraph.search import Hit, alias_closure, hits_for
from notegraph.store import Store
from notegraph.store.rows import day_number

QUERY_MACRO = re.compile(r"\{\{query\s+(.*?)\}\}\s*$", re.DOTALL)
ADVANCED_QUERY = re.compile(r"#\+BEGIN_QUERY", re.IGNORECASE)


class QueryError(NotegraphError):
    """A query that cannot be evaluated: the message says why."""


# -- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """``[[page]]`` or ``#tag``."""
    name: str


@dataclass(frozen=True)
class Text:
    """``"a string"``."""
    text: str


@dataclass(frozen=True)
class Call:
    op: str
    args: tuple["Term", ...] = field(default=())


Term = Union[Ref, Text, Call, str]
"""A term; a bare ``str`` is a symbol (``TODO``, ``-7d``, a property key)."""

_SYMBOL_END = re.compile(r"[\s()]")


def parse(query: str) -> Term:
    """The term a simple query is (several top-level terms: their ``and``)."""
    terms, pos = _read_terms(query, 0, top=True)
    if not terms:
        raise QueryError("the query is empty", "write a query such as (and [[page]] (task TODO))")
    if all(isinstance(t, str) for t in terms):
        return Text(query.strip())  # bare words: Logseq searches the text for them
    return terms[0] if len(terms) == 1 else Call("and", tuple(terms))


def _read_terms(text: str, pos: int, *, top: bool) -> tuple[list[Term], int]:
    terms: list[Term] = []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            if not top:
                raise QueryError("a '(' is never closed", "close every ( with a )")
            return terms, pos
        char = text[pos]
        if char == ")":
            if top:
                raise QueryError("a ')' closes nothing", "remove the extra )")
            return terms, pos + 1
        if char == "(" and text.startswith("((", pos):
            end = text.find("))", pos)
            if end < 0:
                raise QueryError("a block reference (( is never closed", "close it with ))")
            raise QueryError(f"block references ({text[pos:end + 2]}) are not a query filter here",
                             "use [[page]], #tag, (task …), (property …), (between …) or \"text\"")
        if char == "(":
            inner, pos = _read_terms(text, pos + 1, top=False)
            if not inner or not isinstance(inner[0], str):
                raise QueryError("a ( must start with a filter name, e.g. (task TODO)", "see `notegraph query --help`")
            terms.append(Call(inner[0].lower(), tuple(inner[1:])))
        elif text.startswith("[[", pos):
            name, pos = _read_link(text, pos)
            terms.append(Ref(name))
        elif text.startswith("#[[", pos):
            name, pos = _read_link(text, pos + 1)
            terms.append(Ref(name))
        elif char == "#":
            match = _SYMBOL_END.search(text, pos + 1)
            end = match.start() if match else len(text)
            terms.append(Ref(text[pos + 1:end].rstrip(",.;")))
            pos = end
        elif char == '"':
            end = text.find('"', pos + 1)
            if end < 0:
                raise QueryError('a " is never closed', 'close the text with "')
            terms.append(Text(text[pos + 1:end]))
            pos = end + 1
        else:
            match = _SYMBOL_END.search(text, pos)
            end = match.start() if match else len(text)
            terms.append(text[pos:end])
            pos = end


def _read_link(text: str, pos: int) -> tuple[str, int]:
    """``[[name]]`` at ``pos`` (nested ``[[…]]`` allowed): the name and the position after it."""
    depth, i = 0, pos
    while i < len(text):
        if text.startswith("[[", i):
            depth += 1
            i += 2
        elif text.startswith("]]", i):
            depth -= 1
            i += 2
            if depth == 0:
                return text[pos + 2:i - 2], i
        else:
            i += 1
    raise QueryError("a [[ is never closed", "close the page name with ]]")


# -- evaluating --------------------------------------------------------------------------------

PAGE_OPS = {"page-property", "page-tags", "namespace"}
BLOCK_OPS = {"and", "or", "not", "task", "todo", "priority", "page", "property", "between"}


@dataclass
class QueryResult:
    kind: str
    """"blocks" or "pages"."""
    blocks: list[Hit] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    """Page names, for page queries."""

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "blocks": [h.as_json() for h in self.blocks], "pages": self.pages}


def run_query(store: Store, query: str, today: dt.date, title_format: str, *,
              exclude: Iterable[int] = ()) -> QueryResult:
    """Evaluate a simple query (the text inside ``{{query …}}``). ``exclude``: block rowids left
    out of the results (the block holding the query, as Logseq does)."""
    if ADVANCED_QUERY.search(query):
        raise QueryError("advanced (datalog) queries are not supported",
                         "rewrite it as a simple query: (and [[page]] (task TODO)), see the README")
    term = parse(query)
    kinds = _kinds(term)
    if kinds == {"pages"}:
        return QueryResult("pages", pages=sorted(_pages(store, term), key=str.lower))
    if "pages" in kinds:
        raise QueryError("the query mixes page filters (page-property, page-tags, namespace) with block filters",
                         "query pages or blocks, not both")
    evaluator = _Blocks(store, today, title_format)
    # A page's property block is the page's, not a block of notes: page queries find pages by it.
    found = evaluator.eval(term) - set(exclude) - evaluator.property_blocks()
    return QueryResult("blocks", blocks=hits_for(store, [(rowid, 0.0) for rowid in _top_level_in_order(store, found)]))


def _kinds(term: Term) -> set[str]:
    if isinstance(term, Call):
        if term.op in PAGE_OPS:
            return {"pages"}
        if term.op in ("and", "or", "not"):
            return set().union(*(_kinds(a) for a in term.args)) if term.args else {"blocks"}
        if term.op in BLOCK_OPS:
            return {"blocks"}
        raise QueryError(f"({term.op} …) is not supported",
                         "supported: and, or, not, task, priority, page, property, between, page-property, "
                         "page-tags, namespace, [[page]], #tag, \"text\"")
    if isinstance(term, str):
        raise QueryError(f"{term!r} is not a filter", "write [[page]], #tag, \"text\" or a (filter …)")
    return {"blocks"}


def _top_level_in_order(store: Store, rowids: set[int]) -> list[int]:
    """Newest journal day first, then pages by name, in file order; a block whose ancestor is
    also found is left out — it shows under that ancestor, as in Logseq."""
    if not rowids:
        return []
    rows = store.db.execute(
        f"SELECT rowid, file, id, parent_id, journal_day, page_key, line FROM blocks "
        f"WHERE file IN (SELECT DISTINCT file FROM blocks WHERE rowid IN ({', '.join('?' * len(rowids))}))",
        list(rowids)).fetchall()
    by_id = {(file, block_id): (rowid, parent) for rowid, file, block_id, parent, _, _, _ in rows}

    def has_found_ancestor(file: str, parent: str | None) -> bool:
        while parent is not None:
            rowid, parent_of = by_id.get((file, parent), (None, None))
            if rowid is None:
                return False
            if rowid in rowids:
                return True
            parent = parent_of
        return False

    kept = [r for r in rows if r[0] in rowids and not has_found_ancestor(r[1], r[3])]
    kept.sort(key=lambda r: (-(r[4] or 0) if r[4] else 1, r[5], r[6]))
    return [r[0] for r in kept]


class _Blocks:
    """Each term's set of block rowids."""

    def __init__(self, store: Store, today: dt.date, title_format: str) -> None:
        self.store = store
        self.today = today
        self.title_format = title_format
        self._all: set[int] | None = None

    def all(self) -> set[int]:
        if self._all is None:
            self._all = self._rowids("SELECT rowid FROM blocks WHERE pre_block = 0")
        return self._all

    def property_blocks(self) -> set[int]:
        return self._rowids("SELECT rowid FROM blocks WHERE pre_block = 1")

    def _rowids(self, sql: str, params: Iterable[object] = ()) -> set[int]:
        return {row[0] for row in self.store.db.execute(sql, list(params)).fetchall()}

    def eval(self, term: Term) -> set[int]:
        if isinstance(term, Ref):
            return self.path_refs(term.name)
        if isinstance(term, Text):
            needle = term.text.lower()
            return {rowid for rowid, content in self.store.db.execute("SELECT rowid, content FROM blocks").fetchall()
                    if needle in content.lower()}
        assert isinstance(term, Call)
        op, args = term.op, term.args
        if op == "and":
            sets = [self.eval(a) for a in args]
            return set.intersection(*sets) if sets else set()
        if op == "or":
            return set().union(*(self.eval(a) for a in args))
        if op == "not":
            if not args:
                raise QueryError("(not) needs a filter inside", "e.g. (not [[page]])")
            return self.all() - set().union(*(self.eval(a) for a in args))
        if op in ("task", "todo"):
            markers = [_word(a, op).upper() for a in args]
            if not markers:
                raise QueryError(f"({op}) needs markers", f"e.g. ({op} TODO DOING)")
            return self._rowids(f"SELECT rowid FROM blocks WHERE marker IN ({', '.join('?' * len(markers))})", markers)
        if op == "priority":
            levels = [_word(a, op).upper() for a in args]
            if not levels:
                raise QueryError("(priority) needs levels", "e.g. (priority A B)")
            return self._rowids(f"SELECT rowid FROM blocks WHERE priority IN ({', '.join('?' * len(levels))})", levels)
        if op == "page":
            keys = alias_closure(self.store, [_name(a, op) for a in args])
            if not keys:
                raise QueryError("(page) needs a page name", 'e.g. (page "Sprint 15")')
            return self._rowids(f"SELECT rowid FROM blocks WHERE pre_block = 0 AND page_key IN "
                                f"({', '.join('?' * len(keys))})", keys)
        if op == "property":
            return self.property(args)
        if op == "between":
            return self.between(args)
        raise QueryError(f"({op} …) is not supported", "see `notegraph query --help`")

    def path_refs(self, name: str) -> set[int]:
        """Blocks referencing the page, their descendants, and the blocks on the page."""
        keys = alias_closure(self.store, [name])
        marks = ", ".join("?" * len(keys))
        found = self._rowids(f"SELECT block FROM refs WHERE page_key IN ({marks}) "
                             f"UNION SELECT rowid FROM blocks WHERE pre_block = 0 AND page_key IN ({marks})",
                             [*keys, *keys])
        return found | self._descendants(found)

    def _descendants(self, rowids: set[int]) -> set[int]:
        if not rowids:
            return set()
        rows = self.store.db.execute(
            f"SELECT rowid, file, id, parent_id FROM blocks WHERE file IN "
            f"(SELECT DISTINCT file FROM blocks WHERE rowid IN ({', '.join('?' * len(rowids))}))",
            list(rowids)).fetchall()
        children: dict[tuple[str, str], list[int]] = {}
        ident = {}
        for rowid, file, block_id, parent in rows:
            ident[rowid] = (file, block_id)
            if parent is not None:
                children.setdefault((file, parent), []).append(rowid)
        out: set[int] = set()
        todo = list(rowids)
        while todo:
            rowid = todo.pop()
            for child in children.get(ident.get(rowid, ("", "")), []):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def property(self, args: tuple[Term, ...]) -> set[int]:
        if not args:
            raise QueryError("(property) needs a key", "e.g. (property type paper)")
        key = _word(args[0], "property").lower().rstrip(":")
        wanted = {_value_key(_name(a, "property")) for a in args[1:]}
        rows = self.store.db.execute("SELECT block, value FROM properties WHERE key = ?", [key]).fetchall()
        if not wanted:
            return {block for block, _ in rows}
        return {block for block, value in rows if wanted & _values(value)}

    def between(self, args: tuple[Term, ...]) -> set[int]:
        if len(args) != 2:
            raise QueryError("(between) takes a start and an end", "e.g. (between -7d today)")
        start, end = (self._day(a) for a in args)
        if start > end:
            start, end = end, start
        return self._rowids("SELECT rowid FROM blocks WHERE pre_block = 0 AND journal_day BETWEEN ? AND ?",
                            [day_number(start), day_number(end)])

    def _day(self, term: Term) -> dt.date:
        if isinstance(term, Ref):
            day = parse_journal_title(term.name, self.title_format)
            if day is None:
                raise QueryError(f"[[{term.name}]] is not a journal day", "give a journal page or -7d, today, +1w")
            return day
        word = _word(term, "between").lower()
        if word in ("today", "now"):
            return self.today
        if word == "yesterday":
            return self.today - dt.timedelta(days=1)
        if word == "tomorrow":
            return self.today + dt.timedelta(days=1)
        match = re.fullmatch(r"([+-]?)(\d+)([dwmy])", word)
        if not match:
            raise QueryError(f"{word!r} is not a day (between)", "use today, yesterday, -7d, +2w, -1m, -1y or [[journal page]]")
        sign = -1 if match.group(1) == "-" else 1
        amount, unit = int(match.group(2)) * sign, match.group(3)
        if unit == "d":
            return self.today + dt.timedelta(days=amount)
        if unit == "w":
            return self.today + dt.timedelta(weeks=amount)
        months = amount if unit == "m" else amount * 12
        year, month = divmod(self.today.month - 1 + months, 12)
        last_day = calendar.monthrange(self.today.year + year, month + 1)[1]
        return dt.date(self.today.year + year, month + 1, min(self.today.day, last_day))


def _pages(store: Store, term: Term) -> set[str]:
    """Page names for a page query."""
    assert isinstance(term, Call)
    if term.op == "and":
        sets = [_pages(store, a) for a in term.args]
        return set.intersection(*sets) if sets else set()
    if term.op == "or":
        return set().union(*(_pages(store, a) for a in term.args))
    if term.op == "not":
        everything = {row[0] for row in store.db.execute("SELECT name FROM pages").fetchall()}
        return everything - set().union(*(_pages(store, a) for a in term.args))
    rows = store.db.execute("SELECT key, name, properties, namespace FROM pages").fetchall()
    if term.op == "namespace":
        parents = {page_key(_name(a, "namespace")) for a in term.args}
        return {name for key, name, _, _ in rows if any(key.startswith(p + "/") for p in parents)}
    if term.op == "page-tags":
        wanted = {_value_key(_name(a, "page-tags")) for a in term.args}
        return {name for _, name, props, _ in rows if wanted & _values(json.loads(props).get("tags", ""))}
    if not term.args:
        raise QueryError("(page-property) needs a key", "e.g. (page-property type paper)")
    key = _word(term.args[0], "page-property").lower().rstrip(":")
    wanted = {_value_key(_name(a, "page-property")) for a in term.args[1:]}
    found = set()
    for _, name, props, _ in rows:
        value = json.loads(props).get(key)
        if value is not None and (not wanted or wanted & _values(value)):
            found.add(name)
    return found


def _word(term: Term, op: str) -> str:
    if isinstance(term, str):
        return term
    if isinstance(term, Text):
        return term.text
    raise QueryError(f"({op} …) takes plain words here", f"e.g. ({op} TODO)")


def _name(term: Term, op: str) -> str:
    if isinstance(term, Ref):
        return term.name
    return _word(term, op)


def _value_key(value: str) -> str:
    return page_key(value.strip().removeprefix("#").removeprefix("[[").removesuffix("]]"))


def _values(value: str) -> set[str]:
    """A property value's items, as keys: ``[[a]], #b, c`` → {a, b, c}; the whole value too."""
    parts = {value} | set(re.split(r",\s*", value))
    parts |= set(re.findall(r"\[\[(.*?)\]\]", value)) | set(re.findall(r"#([^\s,#\[\]]+)", value))
    return {_value_key(p) for p in parts if p.strip()}
