"""Plugins: pluggy hook specs, discovery, and isolation of plugins that fail.

A plugin is a module with functions marked ``@hookimpl`` whose names match the
specs below. Plugins are found in three places: the ``notegraph`` entry-point
group of installed packages, the ``*.py`` files of the repository's ``plugins/``
folder, and the folder named by ``plugins_dir`` in config.toml
(``$NOTEGRAPH_PLUGINS``). A plugin that fails to import, or raises in a hook, is
reported once and switched off; everything else goes on.

The core never imports Textual: the app's own hook (palette actions) is specified
in :mod:`notegraph.tui.hooks` and registered on the same manager by the app.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

PROJECT = "notegraph"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
REPOSITORY_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


@dataclass(frozen=True)
class ReportSection:
    """A section a plugin adds to the sprint report: a title and one bullet per line."""

    title: str
    lines: list[str]


@dataclass(frozen=True)
class PaletteAction:
    """An entry a plugin adds to the app's command palette (see :mod:`notegraph.tui.hooks`)."""

    title: str
    run: Callable[[Any], None]
    """Called with the running app; ``app.show_results(title, hits)`` lists blocks in Search."""
    help: str = ""


@dataclass(frozen=True)
class AgentTool:
    """A read-only tool a plugin offers the agent. ``run`` gets the model's arguments (strings)
    and returns blocks (``Hit``s); they become numbered sources the answer can cite."""

    name: str
    description: str
    run: Callable[[dict[str, str]], list[Any]]
    parameters: dict[str, str] = field(default_factory=dict)
    """Parameter name → description; start the description with "optional" to make it optional."""


class Specs:
    @hookspec
    def register_commands(self, cli: Any) -> None:
        """Add commands to the ``notegraph`` command line: ``cli`` is its click group;
        call ``cli.add_command(command)``."""

    @hookspec
    def enrich_blocks(self, db: Any, blocks: list[dict[str, Any]], removed_files: list[str]) -> None:
        """Index time: ``blocks`` were added or changed (rowid, id, file, page_key, content,
        marker, journal_day); ``removed_files`` are gone (or moved away). ``db`` is the index
        (a sqlite-utils Database): keep your own tables there, named ``plugin_<name>_…``, keyed
        by block ``id``. The index is a cache: after ``notegraph index --rebuild`` every block
        comes again."""

    @hookspec
    def agent_tools(self, notebook: Any) -> list[AgentTool] | None:
        """Read-only tools for the tool-calling agent (Ollama models with tool support)."""

    @hookspec
    def report_sections(self, notebook: Any, window: Any) -> list[ReportSection] | None:
        """Sections for the sprint report of ``window`` (a DateWindow with ``start`` and ``end``)."""


@dataclass
class PluginInfo:
    name: str
    source: str
    """"built-in", "entry point PACKAGE" or the file it was loaded from."""
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    """Why it is switched off (failed to load, or raised in a hook)."""


class PluginHost:
    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(Specs)
        self.plugins: list[PluginInfo] = []
        self.warnings: list[str] = []

    # -- discovery ---------------------------------------------------------------------
    def load(self, folders: Iterable[Path], *, entry_points: bool = True) -> "PluginHost":
        if entry_points:
            for entry in importlib.metadata.entry_points(group=PROJECT):
                self._load(entry.name, f"entry point {entry.value}", entry.load)
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.py")):
                if not path.name.startswith(("_", ".")):
                    self._load(path.stem, str(path), partial(_import_file, path))
        return self

    def add(self, module: Any, name: str, source: str = "built-in") -> None:
        """Register a plugin object directly (built-ins, tests)."""
        self._load(name, source, lambda: module)

    def _load(self, name: str, source: str, load: Callable[[], Any]) -> None:
        info = PluginInfo(name, source)
        self.plugins.append(info)
        try:
            module = load()
            self.manager.register(module, name=name)
        except Exception as exc:  # any error in someone else's code: report, never crash
            self._fail(info, f"failed to load: {type(exc).__name__}: {exc}")
            return
        info.hooks = sorted(impl.name for impl in self.manager.get_hookcallers(module) or [])

    def switch_off(self, name: str, reason: str) -> None:
        """Turn off a plugin that misbehaved outside a hook call (say, in a palette action)."""
        info = next((p for p in self.plugins if p.name == name), None)
        if info is not None and info.error is None:
            self._fail(info, reason)

    def _fail(self, info: PluginInfo, reason: str) -> None:
        info.error = reason
        self.warnings.append(f"plugin {info.name} switched off: {reason} (see `notegraph plugins`)")
        plugin = self.manager.get_plugin(info.name)
        if plugin is not None:
            self.manager.unregister(plugin, name=info.name)

    # -- calling -----------------------------------------------------------------------
    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every plugin's ``hook``; returns (plugin name, result) for those that returned
        something. A plugin that raises is switched off and reported; the others still run."""
        caller = getattr(self.manager.hook, hook)
        results: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):  # registration order
            name = impl.plugin_name
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                info = next((p for p in self.plugins if p.name == name), None)
                if info is not None:
                    self._fail(info, f"{hook} raised {type(exc).__name__}: {exc} "
                                     f"({_where(exc)})")
                continue
            if result is not None:
                results.append((name, result))
        return results

    def implements(self, hook: str) -> bool:
        caller = getattr(self.manager.hook, hook, None)
        return bool(caller and caller.get_hookimpls())

    def take_warnings(self) -> list[str]:
        warnings, self.warnings = self.warnings, []
        return warnings


def _import_file(path: Path) -> ModuleType:
    """Import a loose plugin file under a name that cannot clash with real modules."""
    module_name = f"notegraph_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{Path(last.filename).name}:{last.lineno}" if last else "?"


_hosts: dict[Path | None, PluginHost] = {}


def plugin_host(plugins_dir: Path | None) -> PluginHost:
    """The plugins of this process: loaded once from the repository's ``plugins/``, the
    configured folder and (outside the test suite) installed packages' entry points."""
    host = _hosts.get(plugins_dir)
    if host is None:
        folders = [REPOSITORY_PLUGINS, *([plugins_dir] if plugins_dir else [])]
        under_tests = "PYTEST_CURRENT_TEST" in os.environ
        host = _hosts[plugins_dir] = PluginHost().load(folders, entry_points=not under_tests)
    return host
