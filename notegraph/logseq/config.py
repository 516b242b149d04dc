"""Read ``logseq/config.edn``: the settings that change how files are read and named.

The file is parsed with a real EDN parser (``edn_format``). Anything missing
falls back to Logseq's defaults; a broken file yields the defaults plus an
error message, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import edn_format

from notegraph.logseq.disk import NoteUnreadableError, read_note

DEFAULT_TITLE_FORMAT = "MMM do, yyyy"
DEFAULT_FILE_NAME_FORMAT = "yyyy_MM_dd"
MAX_SPRINT_DAYS = 366
REPORT_SECTIONS = ("question", "read", "built", "failed", "learned", "open", "next", "tags", "time", "pages")
"""The sprint report's sections, in their default order (``:notegraph/report-sections`` chooses)."""


@dataclass(frozen=True)
class GraphConfig:
    """The subset of Logseq's config that the reader and the writer depend on."""

    journal_title_format: str = DEFAULT_TITLE_FORMAT
    journal_file_name_format: str = DEFAULT_FILE_NAME_FORMAT
    pages_dir: str = "pages"
    journals_dir: str = "journals"
    hidden: tuple[str, ...] = ()
    file_name_format: str = "triple-lowbar"
    """``triple-lowbar`` (0.8.9+) or ``legacy``."""
    separated_by_commas: frozenset[str] = frozenset()
    property_pages_enabled: bool = True
    property_pages_excludelist: frozenset[str] = frozenset()
    ignored_page_references_keywords: frozenset[str] = frozenset()
    preferred_workflow: str = "now"
    """``now`` (LATER/NOW/DONE) or ``todo`` (TODO/DOING/DONE)."""
    bullet_indentation: str = "\t"
    sprint_start: str | None = None
    """``:notegraph/sprint-start`` (YYYY-MM-DD): when one of this graph's sprints began."""
    sprint_days: int | None = None
    """``:notegraph/sprint-days``: how long this graph's sprints are."""
    report_tags: tuple[str, ...] = ("ai/predictions",)
    """``:notegraph/report-tags``: tags whose blocks the sprint report lists (with their subtrees)."""
    report_sections: tuple[str, ...] = REPORT_SECTIONS
    """``:notegraph/report-sections``: which of :data:`REPORT_SECTIONS` the report has, in this order."""
    scheduled_future_days: int = 7
    """``:scheduled/future-days``: how far ahead today's "Scheduled and deadline" list looks."""
    journal_template: str | None = None
    """``:default-templates {:journals "name"}``: the template a new journal day starts from."""
    journal_queries: tuple[tuple[str, str], ...] = ()
    """``:default-queries {:journals [{:title … :query …}]}``: (title, query text) shown on today's journal."""
    errors: tuple[str, ...] = field(default=(), compare=False)
    """Why the file could not be used at all (Logseq's defaults stand in): new files' names would be guesses."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """Values that were ignored (out of range, wrong type); the rest of the file is used."""

    @property
    def task_cycle(self) -> tuple[str, str, str]:
        """The three markers a task cycles through in this graph's workflow."""
        if self.preferred_workflow == "todo":
            return ("TODO", "DOING", "DONE")
        return ("LATER", "NOW", "DONE")


_INDENTS = {"tab": "\t", "two-spaces": "  ", "four-spaces": "    ", "eight-spaces": "        "}


def _name(value: Any) -> str | None:
    """The text of an EDN keyword, symbol or string."""
    if isinstance(value, (edn_format.Keyword, edn_format.Symbol)):
        return str(value.name)
    if isinstance(value, str):
        return value
    return None


def _is_collection(value: Any) -> bool:
    # edn_format gives vectors as ImmutableList, sets as frozenset, lists as tuple.
    return isinstance(value, (list, tuple, set, frozenset, edn_format.ImmutableList))


def _names(value: Any) -> frozenset[str]:
    if _is_collection(value):
        return frozenset(n.lower() for n in map(_name, value) if n)
    return frozenset()


def _journal_queries(value: Any) -> tuple[tuple[str, str], ...]:
    """``:default-queries {:journals [{:title "…" :query (…)}]}`` as (title, query text) pairs; an
    advanced query keeps its datalog text (the query engine says it is not supported)."""
    journals: Any = value.get(edn_format.Keyword("journals")) if hasattr(value, "get") else None
    if journals is None or not _is_collection(journals):
        return ()
    out = []
    for entry in journals:
        if not hasattr(entry, "get"):
            continue
        title = entry.get(edn_format.Keyword("title"))
        query = entry.get(edn_format.Keyword("query"))
        if query is None:
            continue
        text = query if isinstance(query, str) else edn_format.dumps(query)
        if not isinstance(query, (str, tuple)):
            text = "#+BEGIN_QUERY " + text  # a datalog vector or map
        out.append((title if isinstance(title, str) else text, text))
    return tuple(out)


def config_from_edn_text(text: str) -> GraphConfig:
    """Build a config from the text of a ``config.edn``; errors are collected, not raised."""
    try:
        data = edn_format.loads(text)
    except Exception as exc:  # edn_format raises several unrelated exception types
        return GraphConfig(
            file_name_format="legacy",
            errors=(f"logseq/config.edn is not valid EDN ({exc}); using Logseq's defaults",),
        )
    if not isinstance(data, dict) and not hasattr(data, "items"):
        return GraphConfig(
            file_name_format="legacy",
            errors=("logseq/config.edn does not hold a map; using Logseq's defaults",),
        )
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _name(key)  # a keyword's name includes its namespace: "file/name-format"
        if name is not None:
            values[name] = value

    def text_value(key: str, default: str) -> str:
        value = values.get(key)
        return value if isinstance(value, str) and value.strip() else default

    hidden_value = values.get("hidden")
    hidden = tuple(h for h in hidden_value or () if isinstance(h, str)) if _is_collection(hidden_value) else ()
    name_format = _name(values.get("file/name-format")) or "legacy"
    workflow = _name(values.get("preferred-workflow")) or "now"
    indentation = _INDENTS.get(_name(values.get("export/bullet-indentation")) or "tab", "\t")
    warnings: list[str] = []
    sprint_days = values.get("notegraph/sprint-days")
    if sprint_days is not None and (not isinstance(sprint_days, int) or isinstance(sprint_days, bool)
                                    or not 1 <= sprint_days <= MAX_SPRINT_DAYS):
        warnings.append(f":notegraph/sprint-days {sprint_days!r} in logseq/config.edn is not a number of days "
                        f"from 1 to {MAX_SPRINT_DAYS}; using the default")
        sprint_days = None
    report_sections: tuple[str, ...] = REPORT_SECTIONS
    if "notegraph/report-sections" in values:
        chosen = values["notegraph/report-sections"]
        names = [(_name(v) or "").lower() for v in chosen] if _is_collection(chosen) else None
        unknown = [n for n in names or () if n not in REPORT_SECTIONS]
        if names is None or unknown:
            warnings.append(f":notegraph/report-sections {edn_format.dumps(chosen)} in logseq/config.edn: "
                            + (f"no section {', '.join(map(repr, unknown))}; " if unknown else "not a vector; ")
                            + f"the sections are {' '.join(REPORT_SECTIONS)}")
        if names is not None:
            report_sections = tuple(dict.fromkeys(n for n in names if n in REPORT_SECTIONS))
    future_days = values.get("scheduled/future-days", 7)
    if not isinstance(future_days, int) or isinstance(future_days, bool) or not 0 <= future_days <= 3660:
        warnings.append(f":scheduled/future-days {future_days!r} in logseq/config.edn is not a number of days; using 7")
        future_days = 7
    templates: Any = values.get("default-templates")
    journal_template = _name(templates.get(edn_format.Keyword("journals"))) if hasattr(templates, "get") else None
    return GraphConfig(
        scheduled_future_days=future_days,
        journal_template=journal_template.strip() or None if journal_template else None,
        journal_queries=_journal_queries(values.get("default-queries")),
        warnings=tuple(warnings),
        # :date-formatter is what older configs call the journal title format
        journal_title_format=text_value("journal/page-title-format",
                                        text_value("date-formatter", DEFAULT_TITLE_FORMAT)),
        journal_file_name_format=text_value("journal/file-name-format", DEFAULT_FILE_NAME_FORMAT),
        pages_dir=text_value("pages-directory", "pages").strip("/"),
        journals_dir=text_value("journals-directory", "journals").strip("/"),
        hidden=hidden,
        file_name_format="triple-lowbar" if name_format == "triple-lowbar" else "legacy",
        separated_by_commas=_names(values.get("property/separated-by-commas")),
        property_pages_enabled=values.get("property-pages/enabled?") is not False,
        property_pages_excludelist=_names(values.get("property-pages/excludelist")),
        ignored_page_references_keywords=_names(values.get("ignored-page-references-keywords")),
        preferred_workflow="todo" if workflow == "todo" else "now",
        bullet_indentation=indentation,
        sprint_start=text_value("notegraph/sprint-start", "") or None,
        sprint_days=sprint_days,
        report_tags=tuple(str(t).lstrip("#") for t in values["notegraph/report-tags"] if isinstance(t, str))
        if _is_collection(values.get("notegraph/report-tags")) else ("ai/predictions",),
        report_sections=report_sections,
    )


def load_config(graph_root: Path) -> GraphConfig:
    """Read ``logseq/config.edn`` under ``graph_root``.

    A graph without the file gets the defaults of a graph Logseq creates today
    (``:file/name-format :triple-lowbar``); a file that exists but lacks that key is
    an older graph and uses the legacy file-name rules, as Logseq does.
    """
    path = graph_root / "logseq" / "config.edn"
    try:
        raw = read_note(path)
    except NoteUnreadableError as exc:
        return GraphConfig(errors=(f"logseq/config.edn: {exc.message}; using Logseq's defaults",))
    if raw is None:
        return GraphConfig()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return GraphConfig(
            file_name_format="legacy",
            errors=(f"logseq/config.edn is not valid UTF-8 (byte {exc.start}); using Logseq's defaults",),
        )
    return config_from_edn_text(text)
