"""Decide what to re-index, from file sizes, mtimes and content hashes. No I/O here.

Two pure steps around the one that reads files:

1. :func:`find_suspects` compares what is on disk (size, mtime) with what the
   index recorded: files that look the same are skipped without being read.
2. :func:`plan_changes` takes the content hashes of the suspects and sorts them
   into new, changed, touched (same bytes, new mtime), deleted and moved
   (a deleted file whose exact bytes reappear under a new name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

Stat = tuple[int, int]
"""(size, mtime_ns) of a file on disk."""
Indexed = tuple[int, int, str]
"""(size, mtime_ns, sha256) recorded in the index."""


@dataclass(frozen=True)
class Suspects:
    unchanged: list[str]
    to_hash: list[str]
    """New files and files whose size or mtime differ from the index."""
    gone: list[str]
    """Indexed files that are no longer on disk."""


@dataclass(frozen=True)
class ChangePlan:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    """(old path, new path)."""
    unchanged: int = 0

    @property
    def to_parse(self) -> list[str]:
        return self.new + self.changed + [new for _, new in self.moved]

    def is_empty(self) -> bool:
        return not (self.new or self.changed or self.touched or self.deleted or self.moved)


def find_suspects(disk: Mapping[str, Stat], indexed: Mapping[str, Indexed],
                  scope: set[str] | None = None) -> Suspects:
    """Which files need a closer look. ``scope`` limits the check to some paths (a watcher batch)."""
    paths = set(disk) | (set(indexed) if scope is None else (set(indexed) & scope))
    unchanged, to_hash, gone = [], [], []
    for path in sorted(paths):
        on_disk = disk.get(path)
        recorded = indexed.get(path)
        if on_disk is None:
            if recorded is not None:
                gone.append(path)
        elif recorded is not None and (recorded[0], recorded[1]) == on_disk:
            unchanged.append(path)
        else:
            to_hash.append(path)
    return Suspects(unchanged, to_hash, gone)


def plan_changes(suspects: Suspects, hashes: Mapping[str, str], indexed: Mapping[str, Indexed]) -> ChangePlan:
    """Sort the suspects by what happened to them. ``hashes`` holds each readable suspect's sha256.

    A suspect missing from ``hashes`` vanished or could not be read: it counts as
    changed so the executor records the problem.
    """
    new: list[str] = []
    changed: list[str] = []
    touched: list[str] = []
    for path in suspects.to_hash:
        recorded = indexed.get(path)
        if recorded is None:
            new.append(path)
        elif path in hashes and hashes[path] == recorded[2]:
            touched.append(path)
        else:
            changed.append(path)
    # A file that disappeared while a new one with the same bytes appeared was moved
    # (or renamed): its blocks keep their rows instead of being deleted and re-added.
    new_by_hash: dict[str, list[str]] = {}
    for path in new:
        if path in hashes:
            new_by_hash.setdefault(hashes[path], []).append(path)
    moved: list[tuple[str, str]] = []
    deleted: list[str] = []
    for old in suspects.gone:
        candidates = new_by_hash.get(indexed[old][2])
        if candidates:
            target = candidates.pop(0)
            moved.append((old, target))
            new.remove(target)
        else:
            deleted.append(old)
    return ChangePlan(new, changed, touched, deleted, moved, len(suspects.unchanged))
