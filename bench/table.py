"""The two-column result table every benchmark prints."""

from __future__ import annotations


def print_rows(title: str, rows: list[tuple[str, str]]) -> None:
    width = max([len(title), *(len(label) for label, _ in rows)])
    print(f"{title:<{width}}  result")
    print("-" * (width + 40))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
