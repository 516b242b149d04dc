"""How closely ``notegraph export`` agrees with another parser's export of the same graph.

Usage::

    python -m bench.agreement OURS.jsonl THEIRS.jsonl [--show N]

``THEIRS`` holds one JSON object per file with a ``blocks`` list in document
order, each block with ``level``, ``parent``, ``content``, ``properties``,
``marker`` and ``refs`` (Logseq's own graph-parser, run under nbb-logseq, can
be made to print exactly that). Blocks are paired in order within each file
(by content where the block counts differ) and the report prints, per field,
the share of paired blocks that agree, plus precision/recall/F1 of refs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from typing import Any

Record = dict[str, Any]


def load(path: str) -> dict[str, Record]:
    out: dict[str, Record] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                out[rec["file"]] = rec
    return out


def pair_blocks(ours: list[Record], theirs: list[Record]) -> list[tuple[Record | None, Record | None]]:
    if len(ours) == len(theirs):
        return list(zip(ours, theirs))
    matcher = difflib.SequenceMatcher(a=[b["content"] for b in ours], b=[b["content"] for b in theirs],
                                      autojunk=False)
    pairs: list[tuple[Record | None, Record | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(ours[i1:i2], theirs[j1:j2]))
        else:
            pairs.extend((b, None) for b in ours[i1:i2])
            pairs.extend((None, b) for b in theirs[j1:j2])
    return pairs


def compare(ours: dict[str, Record], theirs: dict[str, Record], show: int) -> Counter[str]:
    stats: Counter[str] = Counter()
    shown: Counter[str] = Counter()

    def report(kind: str, file: str, a: Any, b: Any) -> None:
        if shown[kind] < show:
            shown[kind] += 1
            print(f"  [{kind}] {file}\n     ours:   {a!r}\n     theirs: {b!r}")

    for file in sorted(set(ours) | set(theirs)):
        if file not in ours or file not in theirs:
            stats["files_only_in_" + ("ours" if file in ours else "theirs")] += 1
            continue
        stats["files"] += 1
        o, t = ours[file], theirs[file]
        if (o["page"] or "").lower() == (t["page"] or "").lower():
            stats["page_ok"] += 1
        else:
            report("page", file, o["page"], t["page"])
        if o.get("journal_date") == t.get("journal_date"):
            stats["journal_ok"] += 1
        for a, b in pair_blocks(o["blocks"], t["blocks"]):
            stats["blocks"] += 1
            if a is None or b is None:
                stats["unpaired"] += 1
                report("unpaired", file, a and a["content"][:80], b and b["content"][:80])
                continue
            ours_parent = o["blocks"][a["parent"]]["content"] if a["parent"] is not None else None
            theirs_parent = t["blocks"][b["parent"]]["content"] if b["parent"] is not None else None
            if a["level"] == b["level"] and ours_parent == theirs_parent:
                stats["structure_ok"] += 1
            else:
                report("structure", file, (a["level"], a["content"][:50]), (b["level"], b["content"][:50]))
            if a["content"] == b["content"]:
                stats["content_ok"] += 1
            else:
                report("content", file, a["content"], b["content"])
            if a["properties"] == {k: str(v) for k, v in b["properties"].items()}:
                stats["properties_ok"] += 1
            else:
                report("properties", file, a["properties"], b["properties"])
            if a["marker"] == b["marker"]:
                stats["marker_ok"] += 1
            else:
                report("marker", file, a["marker"], b["marker"])
            ra, rb = set(a["refs"]), set(b["refs"])
            stats["refs_tp"] += len(ra & rb)
            stats["refs_fp"] += len(ra - rb)
            stats["refs_fn"] += len(rb - ra)
            if ra != rb:
                report("refs", file, sorted(ra - rb), sorted(rb - ra))
            ba = set(a.get("block_refs") or [])
            bb = set(b.get("block_ref_uuids") or b.get("block_refs") or [])
            stats["brefs_ok"] += ba == bb
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours")
    parser.add_argument("theirs")
    parser.add_argument("--show", type=int, default=5, help="examples to print per kind of disagreement")
    args = parser.parse_args(argv)
    stats = compare(load(args.ours), load(args.theirs), args.show)
    blocks = stats["blocks"] or 1
    paired = blocks - stats["unpaired"] or 1
    tp, fp, fn = stats["refs_tp"], stats["refs_fp"], stats["refs_fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print()
    print(f"{'files compared':<22}{stats['files']:>10}   (only ours {stats['files_only_in_ours']}, "
          f"only theirs {stats['files_only_in_theirs']})")
    print(f"{'page names':<22}{stats['page_ok'] / max(stats['files'], 1):>10.2%}")
    print(f"{'journal dates':<22}{stats['journal_ok'] / max(stats['files'], 1):>10.2%}")
    print(f"{'blocks':<22}{stats['blocks']:>10}   (unpaired {stats['unpaired']})")
    for field in ("structure", "content", "properties", "marker"):
        print(f"{field:<22}{stats[field + '_ok'] / blocks:>10.2%}")
    print(f"{'block refs':<22}{stats['brefs_ok'] / paired:>10.2%}")
    print(f"{'refs P / R / F1':<22}{precision:>10.4f} / {recall:.4f} / {f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
