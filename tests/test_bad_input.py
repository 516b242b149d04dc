"""Bad input gets a clear per-file error, never a crash and never a lost byte."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from notegraph.cli.main import cli
from notegraph.logseq.graph import Graph, read_page
from notegraph.logseq.page import MAX_PARSE_BYTES, parse_page
from notegraph.logseq.config import GraphConfig


def make_graph(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_invalid_utf8_is_reported_and_read_only(tmp_path: Path) -> None:
    page = parse_page("pages/bad.md", b"- ok\n- caf\xe9 [[Ref]]\n", GraphConfig())
    assert page.errors and "invalid UTF-8 at byte 10" in page.errors[0]
    assert not page.writable
    assert [b.content for b in page.blocks] == ["ok", "caf\ufffd [[Ref]]"]
    assert page.blocks[1].refs == ("ref",)


def test_binary_file_with_md_name() -> None:
    page = parse_page("pages/image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", GraphConfig())
    assert page.blocks == () and "binary" in page.errors[0] and not page.writable


def test_empty_and_blank_files_have_no_blocks() -> None:
    assert parse_page("pages/empty.md", b"", GraphConfig()).blocks == ()
    assert parse_page("pages/blank.md", b"\n  \n\t\n", GraphConfig()).blocks == ()


def test_huge_file_is_not_parsed_but_named() -> None:
    data = b"- line of a huge pasted log\n" * (MAX_PARSE_BYTES // 28 + 10)
    page = parse_page("pages/huge log.md", data, GraphConfig())
    assert len(data) > MAX_PARSE_BYTES
    assert page.name == "huge log" and page.blocks == () and not page.writable
    assert "parse limit" in page.errors[0]


def test_thousand_level_nesting() -> None:
    text = "".join("\t" * i + f"- level {i}\n" for i in range(1000)).encode()
    page = parse_page("pages/deep.md", text, GraphConfig())
    assert len(page.blocks) == 1000
    assert page.blocks[-1].level == 1000 and page.blocks[-1].parent == 998
    assert any("deeper than" in e for e in page.errors)


def test_mixed_tabs_and_spaces() -> None:
    # Logseq counts indentation characters: a tab and a space weigh the same.
    page = parse_page("pages/mixed.md", b"- a\n\t- b\n  - c\n    - d\n\t\t- e\n", GraphConfig())
    assert [(b.content, b.level, b.parent) for b in page.blocks] == [
        ("a", 1, None), ("b", 2, 0), ("c", 3, 1), ("d", 4, 2), ("e", 3, 1)]


def test_vanished_and_unreadable_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_graph(tmp_path, {"pages/gone.md": b"- x\n", "pages/locked.md": b"- y\n"})
    graph = Graph.open(root)
    files = list(graph.files())
    (root / "pages/gone.md").unlink()  # deleted between listing and reading
    gone = graph.read(files[0])
    assert gone.errors == ("file vanished before it could be read",) and gone.name == "gone"
    locked = root / "pages/locked.md"
    if os.geteuid() == 0:
        # root reads anything; simulate the permission error the OS gives other users
        from notegraph.logseq import disk

        original = os.open

        def deny(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied")
            return original(path, flags, *args, **kwargs)

        monkeypatch.setattr(disk.os, "open", deny)
    else:
        locked.chmod(0)
    page = read_page(locked, "pages/locked.md", graph.config)
    assert page.errors == ("cannot be read: permission denied",) and not page.writable


def test_export_reports_errors_per_file_and_exits_zero_unless_strict(tmp_path: Path) -> None:
    root = make_graph(tmp_path, {
        "pages/good.md": b"- fine\n",
        "pages/bad.md": b"- caf\xe9\n",
        "pages/bin.md": b"\x00\x01\x02",
        "logseq/config.edn": b"{:broken [",
    })
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(root)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in records] == ["pages/bad.md", "pages/bin.md", "pages/good.md"]
    assert records[0]["errors"] and records[1]["errors"] and records[2]["errors"] == []
    assert "warning: pages/bad.md: invalid UTF-8" in result.stderr
    assert "warning: logseq/config.edn is not valid EDN" in result.stderr
    strict = runner.invoke(cli, ["export", str(root), "--strict"])
    assert strict.exit_code == 1
    # nothing was written to the user's files
    assert (root / "pages/bad.md").read_bytes() == b"- caf\xe9\n"


def test_broken_outline_still_parses() -> None:
    text = "\t\t\t- starts deep\n- top\n      - very deep\n  - then shallow\n-\n-no space\n".encode()
    page = parse_page("pages/broken.md", text, GraphConfig())
    assert [b.content for b in page.blocks] == ["starts deep", "top", "very deep", "then shallow", "-no space"]
    # "top" is shallower than "starts deep" but no ancestor has its width: it becomes
    # a sibling and takes that width, so "then shallow" is a sibling of "top" too.
    assert [(b.level, b.parent) for b in page.blocks] == [(1, None), (1, None), (2, 1), (1, None), (1, None)]
