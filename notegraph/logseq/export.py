"""The JSON shape of ``notegraph export --format jsonl``: one object per file."""

from __future__ import annotations

from typing import Any

from notegraph.model import Block, Page


def block_record(block: Block) -> dict[str, Any]:
    return {
        "id": block.id,
        "line": block.line,
        "level": block.level,
        "parent": block.parent,
        "content": block.content,
        "properties": dict(block.properties),
        "refs": sorted(block.refs),
        "tags": sorted(block.tags),
        "block_refs": list(block.block_refs),
        "marker": block.marker,
        "priority": block.priority,
        "collapsed": block.collapsed,
        "pre_block": block.pre_block,
    }


def page_record(page: Page) -> dict[str, Any]:
    return {
        "file": page.file,
        "page": page.name,
        "journal_date": page.journal_date.isoformat() if page.journal_date else None,
        "errors": list(page.errors),
        "blocks": [block_record(b) for b in page.blocks],
    }
