"""A retrieved block as a numbered source of an answer, summary or report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notegraph.search import Hit


@dataclass(frozen=True)
class Source:
    n: int
    hit: Hit
    uuid: str | None
    """The block's ``id::``, so ``((uuid))`` can point at it from Logseq."""

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "id": self.hit.id, "page": self.hit.page, "file": self.hit.file,
                "line": self.hit.line, "content": self.hit.content, "breadcrumb": list(self.hit.breadcrumb),
                **({"uuid": self.uuid, "ref": f"(({self.uuid}))"} if self.uuid else {})}
