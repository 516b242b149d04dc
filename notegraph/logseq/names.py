"""Page names: from file names, to file names, and page identity.

Logseq's rules (graph-parser ``extract.cljc`` and ``util.cljs``, 0.10.x):

* ``:file/name-format :triple-lowbar``: ``___`` in a file name is ``/``, and
  ``%XX`` escapes of single ASCII characters are decoded (``New to Logseq%3F``).
* legacy (no ``:file/name-format``): ``.`` is a namespace separator and the whole
  name is URL-decoded (``ai%2Fpredictions``).
* Identity is the lower-cased name, one boundary slash stripped, NFC-normalised.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_URL = re.compile(r"[A-Za-z][\w+.-]*://")


def strip_boundary_slashes(name: str) -> str:
    if name.startswith("/"):
        name = name[1:]
    if name.endswith("/"):
        name = name[:-1]
    return name


def page_key(name: str) -> str:
    """The case-insensitive identity of a page name (Logseq's ``page-name-sanity-lc``)."""
    return unicodedata.normalize("NFC", strip_boundary_slashes(name.lower()))


def display_name(name: str) -> str:
    """A name as Logseq keeps it for display: boundary slashes stripped, NFC."""
    return unicodedata.normalize("NFC", strip_boundary_slashes(name))


def _decode_one_escape(match: re.Match[str]) -> str:
    # Logseq decodes each %XX on its own with decodeURIComponent, which fails on
    # the bytes of a multi-byte character; a failed decode keeps the escape.
    byte = int(match.group(0)[1:], 16)
    return chr(byte) if byte < 0x80 else match.group(0)


def _decode_uri_component(text: str) -> str | None:
    """JavaScript's decodeURIComponent, or None where it would throw."""
    if "%" not in text:
        return text
    if re.search(r"%(?![0-9a-fA-F]{2})", text):
        return None
    try:
        return unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


def title_from_file_body(body: str, name_format: str) -> str:
    """The page title a file name (without extension) stands for."""
    if name_format == "triple-lowbar":
        title = body.replace("___", "/")
        title = _PERCENT.sub(_decode_one_escape, title)
        return "/".join(part for part in title.split("/") if part)
    title = body.replace(".", "/")
    decoded = _decode_uri_component(title)
    return decoded if decoded is not None else title


def file_body(file_name: str) -> str:
    """``foo.bar.md`` → ``foo.bar``: everything before the last dot."""
    return file_name.rsplit(".", 1)[0] if "." in file_name else file_name


def namespace_parents(name: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]`` (Logseq's ``split-namespace-pages``)."""
    parts = name.split("/")
    out = [parts[0]]
    for part in parts[1:]:
        out.append(out[-1] + "/" + part)
    return [p.strip() for p in out]


def is_namespace_name(name: str) -> bool:
    return "/" in name and not name.startswith(("../", "./")) and not _URL.match(name)


# Characters Logseq percent-encodes in file names (frontend.util.fs, triple-lowbar).
_RESERVED = re.compile(r'[:*?"<>|#\\]+')
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$", re.IGNORECASE)


def file_body_for_title(title: str, name_format: str = "triple-lowbar") -> str:
    """The file name (without extension) Logseq would give a new page called ``title``."""
    body = display_name(title)
    body = _PERCENT.sub(lambda m: "%25" + m.group(0)[1:], body)
    body = _RESERVED.sub(lambda m: quote(m.group(0), safe=""), body)
    if body.startswith("."):  # not a hidden file: Logseq escapes a leading dot
        body = "%2E" + body[1:]
    if body.endswith("."):  # Windows drops a trailing dot from file names
        body = body[:-1] + "%2E"
    if _WINDOWS_RESERVED.match(body):
        body += "_"
    if name_format == "triple-lowbar":
        body = body.replace("___", "%5F%5F%5F").replace("/", "___")
    else:
        body = body.replace("/", "%2F").replace(".", "%2E")
    return body
