"""Decoding a file and deriving a block's ``content`` the way Logseq stores it."""

from __future__ import annotations

import re

LEADING_DASHES = re.compile(r"^-+\s?")


def decode(raw: bytes) -> tuple[str, bool, list[str], bool]:
    """(text, had_bom, errors, writable) for the bytes of a file."""
    errors: list[str] = []
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    if b"\x00" in body[:8192]:
        return "", bom, ["binary file (contains NUL bytes); not parsed"], False
    try:
        return body.decode("utf-8"), bom, errors, True
    except UnicodeDecodeError as exc:
        errors.append(f"invalid UTF-8 at byte {exc.start + (3 if bom else 0)}; "
                      "undecodable bytes shown as U+FFFD and the file is read-only for notegraph")
        return body.decode("utf-8", errors="replace"), bom, errors, False


def _split_lines(s: str) -> list[str]:
    """ClojureScript's ``split-lines``: split on \\n or \\r\\n, drop trailing empty strings."""
    parts = [p[:-1] if p.endswith("\r") else p for p in s.split("\n")]
    if len(parts) > 1:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _js_blank(s: str) -> bool:
    return s.strip() == "" if s else True


def block_content(raw: str, level_spaces: int, unordered: bool) -> str:
    """``:block/content`` of a bullet or heading block from its source span."""
    if _js_blank(raw):
        return ""
    text = LEADING_DASHES.sub("", raw.lstrip(), count=1)
    width = (level_spaces if unordered else 1) + 1
    lines = _split_lines(text)
    if not lines:
        return ""
    out = [lines[0]]
    for line in lines[1:]:
        # Only an indentation of exactly blanks is removed; a line indented less than
        # the block (pasted text, odd editors) keeps its bytes.
        out.append(line[width:] if _js_blank(line[:width]) else line)
    return _properties_drawer_to_new_syntax("\n".join(out))


def _properties_drawer_to_new_syntax(content: str) -> str:
    """An org ``:PROPERTIES:`` drawer in markdown becomes ``key:: value`` lines (Logseq does this)."""
    if ":PROPERTIES:" not in content or not re.search(r":END:[\t\r ]*\n|:END:\s*$", content):
        return content
    lines = _split_lines(content)
    try:
        start = lines.index(":PROPERTIES:")
        end = lines.index(":END:")
    except ValueError:
        return content
    if end <= start:
        return content
    middle = []
    for text in lines[start + 1:end]:
        key, sep, value = text[1:].partition(":")
        if sep:
            compare = key.lower()
            key = key.replace("_", "-")
            if compare in ("id", "custom_id", "custom-id"):
                key = "id"
            elif compare == "last-modified-at":
                key = "updated-at"
            middle.append(f"{key}:: {value.strip()}")
        else:
            middle.append(text)
    return "\n".join(lines[:start] + middle + lines[end + 1:])
