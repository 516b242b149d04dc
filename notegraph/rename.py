"""Renaming a page, as Logseq does: its file, every reference to it, its namespace children.

References rewritten: ``[[Old]]``, ``#[[Old]]``, ``#Old`` (``#[[New Name]]`` when the new name
needs brackets), bare names in ``tags::`` and ``alias::`` values, the page's own ``title::``,
and ``[[Old/child]]`` for pages under it. Text in code (fenced blocks, `inline code`) is
left as it is: it holds no references. A rename is planned first (files and counts: what
``--dry-run`` shows), then each file is written through the write protocol; the page files
move last. When a step fails, every file is either wholly old or wholly new, and the
report says which were done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from notegraph.errors import NotegraphError, UnsafeWriteError
from notegraph.logseq.disk import move_note, update_note
from notegraph.logseq.graph import Graph
from notegraph.logseq.names import file_body_for_title, page_key

_LINK = re.compile(r"\[\[([^\[\]]+?)\]\]")
_TAG = re.compile(r"(?<![\w#/\[])#([^\s#,!?'\":\[\]()`]+)")
_LIST_PROPERTY = re.compile(r"^(\s*(?:-\s+)?(?:tags|alias)::[ \t]*)(.*)$", re.IGNORECASE)
_TITLE_PROPERTY = re.compile(r"^(\s*title::[ \t]*)(.*)$", re.IGNORECASE)
_NEEDS_BRACKETS = re.compile(r"[\s,#\[\]()!?'\":]")


@dataclass
class FileChange:
    rel: str
    references: int
    move_to: str | None = None
    """The page file's new path (relative), when the file itself is renamed."""
    is_page: bool = False
    """The renamed page's own file (its ``title::`` changes too)."""


@dataclass
class RenamePlan:
    old: str
    new: str
    changes: list[FileChange] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """Files notegraph does not read (``.org`` pages) that mention the name: left as they are."""

    @property
    def references(self) -> int:
        return sum(c.references for c in self.changes)


@dataclass
class RenameReport:
    plan: RenamePlan
    done: list[str] = field(default_factory=list)
    failed: str | None = None
    error: NotegraphError | None = None

    @property
    def not_done(self) -> list[str]:
        return [c.rel for c in self.plan.changes if c.rel not in self.done and c.rel != self.failed]


class _Renamer:
    """Rewrites references from one name to another (and under it, for namespaces)."""

    def __init__(self, old: str, new: str) -> None:
        self.old_key = page_key(old)
        self.new = new.strip()

    def name(self, name: str) -> str | None:
        """The new spelling of ``name`` if it names the page or a page under it."""
        key = page_key(name)
        if key == self.old_key:
            return self.new
        if key.startswith(self.old_key + "/"):
            return self.new + name.strip()[len(self.old_key):]
        return None

    def text(self, text: str) -> tuple[str, int]:
        """``text`` with references rewritten, and how many were."""
        count = 0
        out = []
        fenced = False
        for line in text.split("\n"):
            if line.lstrip(" \t-").startswith("```"):
                fenced = not fenced
                out.append(line)
                continue
            if fenced:
                out.append(line)
                continue
            pieces = line.split("`")
            for k in range(0, len(pieces), 2):  # even pieces are outside `inline code`
                pieces[k], n = self._outside_code(pieces[k])
                count += n
            out.append("`".join(pieces))
        return "\n".join(out), count

    def _outside_code(self, text: str) -> tuple[str, int]:
        count = 0

        def link(match: re.Match[str]) -> str:
            nonlocal count
            renamed = self.name(match.group(1))
            if renamed is None:
                return match.group(0)
            count += 1
            return f"[[{renamed}]]"

        def tag(match: re.Match[str]) -> str:
            nonlocal count
            word = match.group(1)
            stripped = word.rstrip(".;")
            renamed = self.name(stripped)
            if renamed is None:
                return match.group(0)
            count += 1
            spelled = f"#[[{renamed}]]" if _NEEDS_BRACKETS.search(renamed) else f"#{renamed}"
            return spelled + word[len(stripped):]

        property_line = _LIST_PROPERTY.match(text)
        if property_line:
            head, value = property_line.groups()
            items = value.split(",")
            for k, item in enumerate(items):
                bare = item.strip()
                if bare and not bare.startswith(("[[", "#")):
                    renamed = self.name(bare)
                    if renamed is not None:
                        count += 1
                        items[k] = item.replace(bare, renamed)
            text = head + ",".join(items)
        text = _LINK.sub(link, text)
        text = _TAG.sub(tag, text)
        return text, count


def plan_rename(graph: Graph, old: str, new: str) -> RenamePlan:
    """What renaming ``old`` to ``new`` changes; refuses what cannot be done safely."""
    old, new = old.strip(), new.strip()
    if not new or any(c in new for c in "\n\r\x00"):
        raise NotegraphError(f"{new!r} is not a page name", "give the new name on one line")
    pages = list(graph.pages())
    old_key, new_key = page_key(old), page_key(new)
    page = next((p for p in pages if p.key == old_key), None)
    if page is not None and page.is_journal:
        raise NotegraphError(f"{old} is a journal day: its name comes from its date", "rename a page, not a day")
    if new_key != old_key and any(p.key == new_key or page_key(a) == new_key for p in pages for a in (p.name, *p.aliases)):
        raise NotegraphError(f"a page called {new!r} exists already; Logseq would merge the two, notegraph does not",
                             "choose another name, or move the blocks by hand and delete one page")
    renamer = _Renamer(old, new)
    plan = RenamePlan(old if page is None else page.name, new)
    for p in pages:
        renamed_text, count = renamer.text(p.text)
        if p.key == old_key:
            renamed_text, titled = _retitle(renamed_text, new)
            count += titled
        move_to = None
        child = renamer.name(p.name) if not p.is_journal else None
        if child is not None:
            move_to = _file_for(graph, child, p.file)
        if count or move_to:
            plan.changes.append(FileChange(p.file, count, move_to, is_page=p.key == old_key))
    plan.unreadable = _other_mentions(graph, old)
    if not plan.changes:
        raise NotegraphError(f"no page {old!r} and no reference to it in this graph",
                             "check the spelling: `notegraph search` or `notegraph backlinks`")
    return plan


def _other_mentions(graph: Graph, old: str) -> list[str]:
    """Org-mode pages in the graph that seem to link the page: notegraph reads and writes markdown
    only, so the rename says which of these it leaves alone."""
    name = re.escape(old)
    # [[name]], [[name/child]], org's [[name][label]], #name
    mention = re.compile(rf"\[\[{name}(?:\]\]|\]\[|/)|(?<![\w#])#{name}(?![\w/-])", re.IGNORECASE)
    found = []
    for path in sorted(graph.root.rglob("*.org")):
        rel = path.relative_to(graph.root).as_posix()
        if not graph.is_graph_file(rel.replace(".org", ".md")):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if mention.search(text):
            found.append(rel)
    return found


def _retitle(text: str, new: str) -> tuple[str, int]:
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if not line.strip():
            break  # page properties end at the first empty line
        match = _TITLE_PROPERTY.match(line)
        if match:
            lines[k] = match.group(1) + new
            return "\n".join(lines), 1
    return text, 0


def _file_for(graph: Graph, name: str, current: str) -> str | None:
    folder = current.rsplit("/", 1)[0]
    rel = f"{folder}/{file_body_for_title(name, graph.config.file_name_format)}.md"
    return None if rel == current else rel


def apply_rename(graph: Graph, plan: RenamePlan) -> RenameReport:
    """Write the plan: references first (each file atomically), then move the page files."""
    report = RenameReport(plan)
    renamer = _Renamer(plan.old, plan.new)
    for change in sorted(plan.changes, key=lambda c: c.move_to is not None):
        path = graph.root / change.rel
        try:
            if change.references:
                def rewrite(current: bytes | None, is_page: bool = change.is_page) -> bytes | None:
                    if current is None:
                        return None
                    bom = current.startswith(b"\xef\xbb\xbf")
                    text = current[3:].decode("utf-8") if bom else current.decode("utf-8")
                    text, _ = renamer.text(text)
                    text, _ = _retitle(text, plan.new) if is_page else (text, 0)
                    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")

                update_note(path, rewrite)
            if change.move_to:
                move_note(path, graph.root / change.move_to)
        except (NotegraphError, UnicodeDecodeError, OSError) as exc:
            report.failed = change.rel
            report.error = exc if isinstance(exc, NotegraphError) else UnsafeWriteError(
                f"{change.rel}: {exc}", "check the file, then run the rename again: it continues where it stopped")
            return report
        report.done.append(change.rel)
    return report
