"""The agent: a model that supports tool calling looks things up in the graph itself.

A bounded loop (at most ``MAX_STEPS`` rounds) over read-only tools: search, read a
page, read a block with its context, list journal days, backlinks. Every block a
tool returns gets a source number the model can cite; citations are checked at the
end exactly as in Ask. Each step is reported through ``on_step`` so the user sees
what the model looked at. Nothing here writes: the tools only read the index.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from notegraph.agent.ask import SYSTEM, Answer, CitationStream, check_citations, source_text
from notegraph.agent.sources import Source
from notegraph.errors import NotegraphError
from notegraph.plugins import AgentTool
from notegraph.search import Filters, Hit, hits_for
from notegraph.timewindow import DateWindow

if TYPE_CHECKING:
    from notegraph.llm.ollama_llm import OllamaLLM
    from notegraph.notebook import Notebook

MAX_STEPS = 5
RESULTS = 8


def _tool(tool_name: str, description: str, **params: str) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": tool_name, "description": description,
        "parameters": {"type": "object", "properties": {k: {"type": "string", "description": v}
                                                         for k, v in params.items()},
                       "required": [k for k in params if not params[k].startswith("optional")]}}}


TOOLS = [
    _tool("search", "Find blocks of the user's notes by meaning and keywords.",
          query="what to look for", tag="optional: only blocks with this tag",
          since="optional: journal window such as 14d, last week, this sprint"),
    _tool("read_page", "Read a whole page of the notes (or a journal day, e.g. 'Nov 5th, 2026').",
          name="the page name"),
    _tool("read_block", "Read one block with its parent and children, by its source number.",
          n="the source number, e.g. 3"),
    _tool("list_journals", "List the journal days between two dates with their first lines.",
          start="first day, YYYY-MM-DD", end="last day, YYYY-MM-DD"),
    _tool("backlinks", "Blocks elsewhere that link to a page.", name="the page name"),
]


@dataclass(frozen=True)
class Step:
    tool: str
    arguments: dict[str, Any]
    summary: str


class ToolBox:
    """Runs tool calls against the notebook, numbering every block it hands the model."""

    def __init__(self, notebook: "Notebook", default_filters: Filters,
                 extra: dict[str, tuple[str, AgentTool]] | None = None) -> None:
        self.notebook = notebook
        self.default_filters = default_filters
        self.extra = extra or {}
        """Plugin tools: name → (plugin, tool)."""
        self.sources: list[Source] = []
        self._numbers: dict[int, int] = {}

    def _number(self, hits: list[Hit]) -> list[Source]:
        uuids = self.notebook.block_uuids([h.rowid for h in hits if h.rowid not in self._numbers])
        out = []
        for hit in hits:
            if hit.rowid not in self._numbers:
                self._numbers[hit.rowid] = len(self.sources) + 1
                self.sources.append(Source(len(self.sources) + 1, hit, uuids.get(hit.rowid)))
            out.append(self.sources[self._numbers[hit.rowid] - 1])
        return out

    def _listing(self, hits: list[Hit]) -> str:
        return "\n".join(source_text(s) for s in self._number(hits)) or "nothing found"

    def run(self, name: str, args: dict[str, Any]) -> tuple[str, str]:
        """The tool's answer for the model, and a one-line summary for the user."""
        nb = self.notebook
        if name in self.extra:
            plugin, tool = self.extra[name]
            try:
                hits = tool.run({k: str(v) for k, v in args.items()})
            except Exception as exc:  # a plugin's bug: switch it off, tell the model, go on
                nb.plugins.switch_off(plugin, f"agent tool {name} raised {type(exc).__name__}: {exc}")
                return f"error: the tool {name} failed", f"error in plugin {plugin}"
            return self._listing(list(hits)[:RESULTS * 2]), f"{len(hits)} blocks"
        try:
            if name == "search":
                filters = self.default_filters
                if args.get("tag"):
                    filters = Filters(**{**filters.__dict__, "tags": (str(args["tag"]).lstrip("#"),)})
                if args.get("since"):
                    filters = Filters(**{**filters.__dict__, "window": nb.window(str(args["since"]))})
                hits = nb.search(str(args.get("query", "")), filters, limit=RESULTS, mode="hybrid")
                return self._listing(hits), f"{len(hits)} blocks"
            if name == "read_page":
                info = nb.page(str(args.get("name", "")))
                hits = nb.search("", Filters(pages=(info.key,)), limit=60)
                hits.sort(key=lambda h: h.line)
                return self._listing(hits), f"{len(hits)} blocks of {info.name}"
            if name == "read_block":
                number = int(str(args.get("n", "0")).strip("[]"))
                if not 0 < number <= len(self.sources):
                    return f"there is no source [{number}]", "no such source"
                hit = self.sources[number - 1].hit
                family = nb.store.db.execute(
                    "SELECT rowid FROM blocks WHERE file = ? AND (parent_id = ? OR id = ?) ORDER BY position",
                    [hit.file, hit.id, _parent_id(nb, hit)]).fetchall()
                related = hits_for(nb.store, [(r[0], 0.0) for r in family])
                return self._listing([hit, *related]), f"{len(related)} related blocks"
            if name == "list_journals":
                start, end = dt.date.fromisoformat(str(args["start"])), dt.date.fromisoformat(str(args["end"]))
                hits = nb.search("", Filters(window=DateWindow(start, end)), limit=200)
                firsts: dict[str, Hit] = {}
                for h in sorted(hits, key=lambda h: (h.journal_day or dt.date.min, h.line)):
                    firsts.setdefault(h.page, h)
                return self._listing(list(firsts.values())), f"{len(firsts)} days"
            if name == "backlinks":
                _, groups = nb.backlinks(str(args.get("name", "")), limit=RESULTS)
                hits = [h for g in groups for h in g.hits][:RESULTS]
                return self._listing(hits), f"{len(hits)} linking blocks"
        except (NotegraphError, ValueError, KeyError) as exc:
            return f"error: {exc}", f"error: {exc}"
        return f"unknown tool {name}", "unknown tool"


def _parent_id(nb: "Notebook", hit: Hit) -> str:
    row = nb.store.db.execute("SELECT parent_id FROM blocks WHERE rowid = ?", [hit.rowid]).fetchone()
    return str(row[0]) if row and row[0] else ""


def supports_tools(llm: "OllamaLLM") -> bool:
    """Whether the Ollama model says it can call tools (``/api/show`` capabilities)."""
    try:
        shown = llm._get_client().show(llm.model)
    except Exception:  # an old server without capabilities, or a hiccup: use the fixed pipeline
        return False
    return "tools" in (getattr(shown, "capabilities", None) or [])


def agent_answer(question: str, notebook: "Notebook", llm: "OllamaLLM", filters: Filters, *,
                 on_token: Callable[[str], None] | None = None, on_step: Callable[[Step], None] | None = None,
                 on_sources: Callable[[list[Source]], None] | None = None,
                 cancel: threading.Event | None = None) -> Answer:
    """The model looks things up with the tools until it answers. ``on_sources`` gets the numbered
    sources found so far after each round of lookups (the whole list each time), so they show
    while the model is still reading, as in the fixed pipeline."""
    extra = {tool.name: (plugin, tool) for plugin, tools in notebook.plugins.call("agent_tools", notebook=notebook)
             for tool in tools if tool.name not in {t["function"]["name"] for t in TOOLS}}
    tools = TOOLS + [_tool(tool.name, tool.description, **tool.parameters) for _, tool in extra.values()]
    box = ToolBox(notebook, filters, extra)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM.replace("Use only the numbered notes below.",
                                                     "Look things up with the tools; use only what they return.")},
        {"role": "user", "content": question}]
    text = ""
    for _ in range(MAX_STEPS):
        calls: list[Any] = []
        content = []
        for response in llm.chat(messages, tools=tools, cancel=cancel):
            if response.message.content:
                content.append(response.message.content)
            calls += response.message.tool_calls or []
        if not calls:
            text = "".join(content)
            break
        messages.append({"role": "assistant", "content": "".join(content),
                         "tool_calls": [{"function": {"name": c.function.name,
                                                      "arguments": dict(c.function.arguments)}} for c in calls]})
        for call in calls:
            output, summary = box.run(call.function.name, dict(call.function.arguments))
            if on_step:
                on_step(Step(call.function.name, dict(call.function.arguments), summary))
            messages.append({"role": "tool", "content": output, "tool_name": call.function.name})
        if on_sources and box.sources:
            on_sources(list(box.sources))
    else:
        text = "The model kept looking things up without answering; the sources it found are below."
    result = Answer(question, "", box.sources, [], window=filters.window, backend=llm.backend, model=llm.model)
    result.text, result.citations, result.removed_citations = check_citations(text.strip(), box.sources)
    if on_token:
        shown = CitationStream({s.n for s in box.sources}, on_token)
        shown.feed(text.strip())
        shown.close()
    result.found_nothing = not box.sources
    return result


def describe(step: Step) -> str:
    return f"{step.tool}({json.dumps(step.arguments, ensure_ascii=False)}) → {step.summary}"
