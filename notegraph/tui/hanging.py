"""Outline rows whose wrapped lines stay under their text, as Logseq shows them.

A Rich/Textual text wraps back to column 0, so a long block's second screen line would start
under the bullets of its parents. :class:`HangingLines` is a Textual Visual made of
``(prefix, body)`` lines: the prefix (indentation, bullet) is drawn once, and the body is
wrapped in the width left after it, each wrapped line starting where the body started.
``str()`` is the plain text, the same as before wrapping (tests and the app read it).
"""

from __future__ import annotations

import re
from typing import Iterable

from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual


PREFIX = re.compile(r"\s*(?:[•▸│☐☑] )?(?:(?:scheduled|deadline) +\w{3} \w{3} +\d+ +)?")
"""The part of a rendered line that the rest hangs under: indentation, a bullet, an agenda date."""


class HangingLines(Visual):
    @classmethod
    def from_text(cls, text: Text) -> "HangingLines":
        """Lines of ``text``, each wrapping under what follows its indentation/bullet (PREFIX)."""
        lines = []
        for line in text.split("\n", allow_blank=True):
            cut = PREFIX.match(line.plain)
            end = cut.end() if cut else 0
            lines.append((line[:end], line[end:]))
        return cls(lines)

    def __init__(self, lines: Iterable[tuple[Text, Text]]) -> None:
        self.rich_lines = list(lines)
        self.lines = [(Content.from_rich_text(prefix), Content.from_rich_text(body)) for prefix, body in self.rich_lines]

    def as_text(self) -> Text:
        """The lines as one Rich text, with their styles (what a click's meta comes from)."""
        return Text("\n").join(prefix + body for prefix, body in self.rich_lines)

    def __str__(self) -> str:
        return "\n".join(prefix.plain + body.plain for prefix, body in self.lines)

    @property
    def plain(self) -> str:
        return str(self)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((p.cell_length + b.get_optimal_width(rules, container_width) for p, b in self.lines), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return sum(max(1, body.get_height(rules, self._room(prefix, width))) for prefix, body in self.lines)

    @staticmethod
    def _room(prefix: Content, width: int) -> int:
        """Width left for the body; a prefix wider than the view leaves it at least 10 cells."""
        return max(10, width - prefix.cell_length) if width > prefix.cell_length + 1 else max(1, width)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        strips: list[Strip] = []
        rich_style = style.rich_style
        for prefix, body in self.lines:
            room = self._room(prefix, width)
            indent = max(0, min(prefix.cell_length, width - room))
            body_strips = body.render_strips(room, None, style, options) or [Strip.blank(0, rich_style)]
            head = Strip(prefix.render_segments(style)).crop(0, indent).extend_cell_length(indent, rich_style)
            for k, line in enumerate(body_strips):
                lead = head if k == 0 else Strip.blank(indent, rich_style)
                strips.append(Strip.join([lead, line]) if indent else line)
            if height is not None and len(strips) >= height:
                return strips[:height]
        return strips
