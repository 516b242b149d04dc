"""Parse one Logseq markdown file into a :class:`~notegraph.model.Page`.

The block tree, block content, properties, markers and references follow
Logseq 0.10's graph-parser (``block.cljs`` / ``extract.cljc``) fed by mldoc:

* a block's source runs from its bullet line to the next bullet line of any
  level (see :mod:`notegraph.logseq.outline`);
* ``content`` is that source without the bullet, continuation lines
  de-indented by ``indent + 2`` characters, trailing empty lines dropped;
* text before the first bullet is the *pre-block*; its content is kept raw;
* the tree follows indentation width, where a line indented less than its
  parent but deeper than any ancestor joins the parent's children.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from notegraph.logseq import dates, names
from notegraph.logseq.body import Body, scan_body
from notegraph.logseq.config import GraphConfig
from notegraph.logseq.content import LEADING_DASHES as _LEADING_DASHES
from notegraph.logseq.content import block_content, decode
from notegraph.logseq.inline import UUID_RE
from notegraph.logseq.outline import Heading, front_matter_end, split_headings
from notegraph.logseq.properties import PROPERTY_LINE, Property, parse_property
from notegraph.logseq.refs import NO_REFERENCES, BlockReferences, collect_refs, is_nested_link
from notegraph.model import Block, Page

# Titles that may open a multi-line construct or hold properties take the general path.
_CONSTRUCT_STARTS = ("<", ">", "`", "~", "#", ":", "\\")
_HIDDEN_PROPERTY_LINE = re.compile(r"\s*(collapsed|id|heading)::", re.IGNORECASE)

# Bigger files are read but not parsed into blocks: the outline would be meaningless
# and parsing could take seconds. Logseq itself struggles far below this size.
MAX_PARSE_BYTES = 16 * 1024 * 1024
MAX_DEPTH_WARNING = 200


@dataclass(slots=True)
class _BlockDraft:
    start: int
    end: int
    line: int
    level_spaces: int
    heading: Heading | None
    content: str = ""
    props: list[Property] = field(default_factory=list)
    references: BlockReferences = NO_REFERENCES
    scheduled: dt.date | None = None
    deadline: dt.date | None = None
    repeated: bool = False
    parent: int | None = None
    level: int = 1


# ---------------------------------------------------------------------------
# the tree


def _attach_parents(drafts: list[_BlockDraft]) -> None:
    """Logseq's ``with-parent-and-left``: parents from indentation widths."""
    # Each stack entry: (level_spaces, block index or -1 for the page).
    stack: list[tuple[int, int]] = [(0, -1)]
    for index, draft in enumerate(drafts):
        spaces = draft.level_spaces
        top_spaces, top = stack[-1]
        if spaces == top_spaces:
            stack[-1] = (spaces, index)
        elif spaces > top_spaces:
            stack.append((spaces, index))
        elif any(s == spaces for s, _ in stack):
            while stack[-1][0] > spaces:
                stack.pop()
            stack[-1] = (spaces, index)
        else:
            # Outdented to a width no ancestor has: it becomes the next sibling of the
            # shallowest deeper block and takes that block's width.
            keep = [entry for entry in stack if entry[0] <= spaces]
            deeper = stack[len(keep)]
            stack = keep + [(deeper[0], index)]
        parent_index = stack[-2][1] if len(stack) >= 2 else -1
        draft.parent = None if parent_index < 0 else parent_index
        draft.level = len(stack) - 1


# ---------------------------------------------------------------------------
# ids


def identity_text(content: str) -> str:
    """What a block's stable id depends on: its text with hidden properties and spacing ignored."""
    if "::" in content:
        content = " ".join(ln for ln in content.split("\n") if not _HIDDEN_PROPERTY_LINE.match(ln))
    return " ".join(content.split())


def stable_block_id(page_key: str, identity: str, ordinal: int) -> str:
    """A UUID-shaped id from the block's own text (see :func:`identity_text`).

    It survives edits, additions and moves of *other* blocks; identical blocks on
    one page are told apart by their order of appearance.
    """
    digest = hashlib.sha1(f"{page_key}\x00{identity}\x00{ordinal}".encode("utf-8")).hexdigest()
    # Shape it as a version-5 UUID so it can be written as an `id::` property later.
    variant = "89ab"[int(digest[16], 16) & 3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"


# ---------------------------------------------------------------------------
# the page


@dataclass(slots=True)
class PageName:
    name: str
    key: str
    journal_date: dt.date | None


def page_name_for(rel_path: str, config: GraphConfig, title_property: str | None) -> PageName:
    """Page name and journal date of a file, from ``title::`` or its file name."""
    file_name = rel_path.rsplit("/", 1)[-1]
    body = names.file_body(file_name)
    in_journals = rel_path.startswith(config.journals_dir + "/")
    if rel_path.lower().startswith(config.pages_dir.lower() + "/contents."):
        title = "Contents"
    elif title_property:
        title = title_property
    else:
        title = names.title_from_file_body(body, config.file_name_format)
    title = names.display_name(title)
    day = dates.parse_journal_title(names.page_key(title), config.journal_title_format)
    if day is None and in_journals and not title_property:
        for pattern in dict.fromkeys((config.journal_file_name_format, "yyyy_MM_dd", "yyyy-MM-dd")):
            day = dates.parse_date(body, pattern)
            if day is not None:
                break
    if day is not None:
        title = dates.format_date(day, config.journal_title_format)
    return PageName(title, names.page_key(title), day)


def _detect_style(text: str, headings: list[Heading], lines: list[str], default_indent: str) -> tuple[str, str]:
    """(line ending, indentation unit) of a file; a file with no nested block yet follows the config."""
    newline = "\r\n" if "\r\n" in text[:65536] else "\n"
    indent = ""
    for h in headings:
        if h.level_spaces > 1:
            indent = lines[h.line][:h.level_spaces - 1]
            break
    if not indent:
        unit = default_indent
    elif indent.startswith("\t"):
        unit = "\t"
    else:
        widths = sorted({h.level_spaces - 1 for h in headings if h.level_spaces > 1})
        step = widths[0] if widths else 2
        unit = " " * max(1, step)
    return newline, unit


def parse_page(rel_path: str, raw: bytes, config: GraphConfig) -> Page:
    """Parse the bytes of one file of a graph. Never raises on bad input."""
    text, bom, errors, writable = decode(raw)
    if len(raw) > MAX_PARSE_BYTES:
        errors.append(f"file is {len(raw) // (1024 * 1024)} MB, over the {MAX_PARSE_BYTES // (1024 * 1024)} MB "
                      "parse limit; its blocks are not read")
        name = page_name_for(rel_path, config, None)
        return Page(rel_path, name.name, name.key, name.journal_date, (), text, errors=tuple(errors),
                    bom=bom, writable=False)
    return parse_text(rel_path, text, config, bom=bom, errors=errors, writable=writable)


def parse_text(rel_path: str, text: str, config: GraphConfig, *, bom: bool = False,
               errors: list[str] | None = None, writable: bool = True) -> Page:
    errors = list(errors or [])
    lines = text.split("\n")
    headings = split_headings(lines) if text.strip() else []

    drafts: list[_BlockDraft] = []
    page_props: list[Property] = []
    title_property: str | None = None
    if text.strip():
        first_start = headings[0].start if headings else len(text)
        if first_start > 0 or not headings:
            pre_end_line = headings[0].line if headings else len(lines)
            pre_lines = lines[:pre_end_line]
            fm_end = front_matter_end(pre_lines)
            body = scan_body(pre_lines[(fm_end + 1) if fm_end is not None else 0:], 0, config)
            if fm_end is not None:
                body.props = _front_matter_props(pre_lines[1:fm_end], config) or body.props
            draft = _BlockDraft(0, first_start, 1, 1, None, content=text[:first_start], props=body.props)
            draft.references = collect_refs(None, body.title, body, config)
            drafts.append(draft)
            page_props = body.props
            starts_with_props = fm_end is not None or bool(PROPERTY_LINE.match(lines[0].rstrip("\r")))
            if starts_with_props:
                for prop in body.props:
                    if prop.raw_key.lower() == "title" and prop.value.strip():
                        title_property = prop.value
        for index, heading in enumerate(headings):
            end = headings[index + 1].start if index + 1 < len(headings) else len(text)
            end_line = headings[index + 1].line if index + 1 < len(headings) else len(lines)
            draft = _BlockDraft(heading.start, end, heading.line + 1, heading.level_spaces, heading)
            line = lines[heading.line]
            title = line[heading.title_offset:]
            if end_line == heading.line + 1 and "\r" not in line and "::" not in title and \
                    not title.startswith(_CONSTRUCT_STARTS):
                # One line of ordinary text, the most common block: the same result as the
                # general path below, without its per-line machinery.
                draft.content = _LEADING_DASHES.sub("", line.lstrip(), count=1) if line.strip() else ""
                body = Body(title=title)
            else:
                draft.content = block_content(text[heading.start:end], heading.level_spaces, heading.unordered)
                body = scan_body(lines[heading.line:end_line], heading.title_offset, config)
            draft.props = body.props
            draft.scheduled, draft.deadline, draft.repeated = body.scheduled, body.deadline, body.repeated
            draft.references = collect_refs(heading, body.title, body, config)
            drafts.append(draft)

    # The pre-block takes part in the tree as a top-level block: a first bullet indented
    # under it becomes its child, as in Logseq.
    _attach_parents(drafts)

    name = page_name_for(rel_path, config, title_property)
    blocks = _finish_blocks(drafts, name.key, errors)
    props_text = {p.key: p.value for p in page_props}
    aliases: list[str] = []
    for prop in page_props:
        if prop.key == "alias":
            for alias in sorted(prop.refs) if prop.refs else [prop.value]:
                if alias.strip() and names.page_key(alias) != name.key:
                    aliases.append(alias)
    page_tags = tuple(sorted({names.page_key(t) for p in page_props if p.key == "tags" for t in p.refs if t.strip()}))
    namespace = None
    if names.is_namespace_name(name.name) and not is_nested_link(name.name):
        parent = name.name.rsplit("/", 1)[0]
        if parent.strip():
            namespace = names.page_key(parent)
    newline, unit = _detect_style(text, headings, lines, config.bullet_indentation)
    if any(b.level > MAX_DEPTH_WARNING for b in blocks):
        errors.append(f"outline nests deeper than {MAX_DEPTH_WARNING} levels")
    return Page(
        file=rel_path, name=name.name, key=name.key, journal_date=name.journal_date,
        blocks=blocks, text=text, properties=props_text, aliases=tuple(aliases), tags=page_tags,
        namespace=namespace, errors=tuple(errors), bom=bom, newline=newline, indent=unit,
        writable=writable,
    )


def _front_matter_props(lines: list[str], config: GraphConfig) -> list[Property]:
    props = []
    for line in lines:
        key, sep, value = line.rstrip("\r").partition(":")
        if sep and key.strip() and " " not in key.strip():
            prop = parse_property(key.strip(), value.strip(), config)
            if prop is not None:
                props.append(prop)
    return props


def _finish_blocks(drafts: list[_BlockDraft], page_key: str, errors: list[str]) -> tuple[Block, ...]:
    seen_ids: set[str] = set()
    ordinals: dict[str, int] = {}
    children: dict[int, list[int]] = {}
    for index, d in enumerate(drafts):
        if d.parent is not None:
            children.setdefault(d.parent, []).append(index)
    blocks: list[Block] = []
    for index, d in enumerate(drafts):
        props = {p.key: p.value for p in d.props} if d.props else {}
        collapsed = d.heading is not None and props.get("collapsed", "").strip().lower() == "true"
        if collapsed:
            del props["collapsed"]
        uuid = None
        if "id" in props:
            own_uuid = props["id"].strip()
            uuid = own_uuid.lower() if UUID_RE.fullmatch(own_uuid) else None
            if uuid and uuid in seen_ids:
                errors.append(f"line {d.line}: duplicate block id {uuid}; Logseq gives this block a new id")
                uuid = None
        if uuid:
            block_id = uuid
        else:
            identity = identity_text(d.content)
            ordinal = ordinals.get(identity, 0)
            ordinals[identity] = ordinal + 1
            block_id = stable_block_id(page_key, identity, ordinal)
        seen_ids.add(block_id)
        heading = d.heading
        blocks.append(Block(
            index=index, id=block_id, line=d.line,
            level=d.level,
            parent=d.parent, start=d.start, end=d.end, content=d.content,
            properties=props, refs=d.references.refs, tags=d.references.tags,
            block_refs=d.references.block_refs,
            marker=heading.marker if heading else None,
            priority=heading.priority if heading else None,
            collapsed=collapsed, pre_block=heading is None,
            heading=heading.size if heading else None,
            scheduled=d.scheduled, deadline=d.deadline, repeated=d.repeated,
            uuid=uuid, children=tuple(children.get(index, ())),
        ))
    return tuple(blocks)

