"""Change planning is pure: plain dicts in, a plan out."""

from __future__ import annotations

from notegraph.index.plan import ChangePlan, find_suspects, plan_changes

INDEXED = {
    "pages/same.md": (10, 100, "h-same"),
    "pages/touched.md": (10, 100, "h-touched"),
    "pages/edited.md": (10, 100, "h-old"),
    "pages/gone.md": (10, 100, "h-gone"),
    "pages/renamed.md": (20, 100, "h-renamed"),
}
DISK = {
    "pages/same.md": (10, 100),
    "pages/touched.md": (10, 999),      # mtime changed, bytes did not
    "pages/edited.md": (11, 200),
    "pages/new.md": (5, 300),
    "pages/renamed-to.md": (20, 400),   # same bytes as the vanished renamed.md
}
HASHES = {"pages/touched.md": "h-touched", "pages/edited.md": "h-new", "pages/new.md": "h-brand-new",
          "pages/renamed-to.md": "h-renamed"}


def test_suspects_are_only_files_whose_stat_changed() -> None:
    suspects = find_suspects(DISK, INDEXED)
    assert suspects.unchanged == ["pages/same.md"]
    assert suspects.to_hash == ["pages/edited.md", "pages/new.md", "pages/renamed-to.md", "pages/touched.md"]
    assert suspects.gone == ["pages/gone.md", "pages/renamed.md"]


def test_plan_sorts_suspects_by_what_happened() -> None:
    plan = plan_changes(find_suspects(DISK, INDEXED), HASHES, INDEXED)
    assert plan == ChangePlan(new=["pages/new.md"], changed=["pages/edited.md"], touched=["pages/touched.md"],
                              deleted=["pages/gone.md"], moved=[("pages/renamed.md", "pages/renamed-to.md")],
                              unchanged=1)
    assert plan.to_parse == ["pages/new.md", "pages/edited.md", "pages/renamed-to.md"]


def test_unreadable_suspect_counts_as_changed() -> None:
    hashes = {k: v for k, v in HASHES.items() if k != "pages/edited.md"}
    plan = plan_changes(find_suspects(DISK, INDEXED), hashes, INDEXED)
    assert "pages/edited.md" in plan.changed


def test_scope_limits_the_plan_to_a_watcher_batch() -> None:
    suspects = find_suspects({"pages/new.md": (5, 300)}, INDEXED, scope={"pages/new.md", "pages/gone.md"})
    assert suspects.to_hash == ["pages/new.md"] and suspects.gone == ["pages/gone.md"]
    assert suspects.unchanged == []


def test_two_new_files_with_the_bytes_of_one_vanished_file() -> None:
    indexed = {"pages/a.md": (3, 1, "h")}
    disk = {"pages/b.md": (3, 2), "pages/c.md": (3, 3)}
    plan = plan_changes(find_suspects(disk, indexed), {"pages/b.md": "h", "pages/c.md": "h"}, indexed)
    assert plan.moved == [("pages/a.md", "pages/b.md")] and plan.new == ["pages/c.md"]


def test_nothing_changed_is_an_empty_plan() -> None:
    disk = {path: stat[:2] for path, stat in INDEXED.items()}
    plan = plan_changes(find_suspects(disk, INDEXED), {}, INDEXED)
    assert plan.is_empty() and plan.unchanged == len(INDEXED)
