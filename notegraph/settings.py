"""notegraph's own settings: one TOML file, environment variables, and where things live.

Everything is found through :func:`load_settings`, which tests call with their
own environment. Nothing happens at import time.

| source | keys |
|---|---|
| ``$NOTEGRAPH_CONFIG`` or ``<user config dir>/notegraph/config.toml`` | ``graph``, ``index_dir``, ``embedder``, ``llm``, ``ollama_model``, ``plugins_dir``, ``[sprint] start``, ``[sprint] days`` |
| environment | ``NOTEGRAPH_GRAPH``, ``NOTEGRAPH_INDEX``, ``NOTEGRAPH_CACHE_DIR``, ``NOTEGRAPH_STATE_DIR``, ``NOTEGRAPH_TODAY``, ``NOTEGRAPH_EMBEDDER``, ``NOTEGRAPH_LLM``, ``NOTEGRAPH_OLLAMA_MODEL``, ``NOTEGRAPH_PLUGINS``, ``OLLAMA_HOST`` |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import platformdirs

from notegraph.errors import GraphNotFoundError, IndexUnusableError, NotegraphError

APP = "notegraph"


@dataclass(frozen=True)
class Settings:
    graph: Path | None = None
    """The graph to use when none is given."""
    index_file: Path | None = None
    """One index file to use for every graph (``$NOTEGRAPH_INDEX``)."""
    cache_dir: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP)))
    """Where per-graph indexes live."""
    sprint_start: dt.date | None = None
    """Any day a sprint started; sprints repeat every ``sprint_days`` from there."""
    sprint_days: int = 14
    today: dt.date | None = None
    """Pretend today is this day (``$NOTEGRAPH_TODAY``): for demos and tests."""
    config_file: Path | None = None
    embedder: str | None = None
    llm: str | None = None
    """``auto`` (default), ``ollama`` or ``embedded`` (``$NOTEGRAPH_LLM``, ``llm = ...``)."""
    ollama_model: str | None = None
    """The Ollama chat model (``$NOTEGRAPH_OLLAMA_MODEL``, ``ollama_model = ...``); default llama3.2."""
    """``minilm`` (built in, the default) or ``ollama:MODEL`` (``$NOTEGRAPH_EMBEDDER``, ``embedder = ...``)."""
    plugins_dir: Path | None = None
    """A folder of ``*.py`` plugins (``$NOTEGRAPH_PLUGINS``, ``plugins_dir = ...``)."""
    state_dir: Path = field(default_factory=lambda: Path(platformdirs.user_state_dir(APP)))
    """Where the app keeps its error log (``$NOTEGRAPH_STATE_DIR``)."""
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP)))
    """Where Ask keeps its conversation threads (``$NOTEGRAPH_DATA_DIR``)."""

    def current_day(self) -> dt.date:
        return self.today or dt.date.today()


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise NotegraphError(f"{what} is not a date: {value!r}", "write it as YYYY-MM-DD") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the config file and the environment (the environment wins)."""
    env = os.environ if env is None else env
    config_path = Path(env["NOTEGRAPH_CONFIG"]) if env.get("NOTEGRAPH_CONFIG") else \
        Path(platformdirs.user_config_dir(APP)) / "config.toml"
    data: dict[str, Any] = {}
    if config_path.is_file():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise NotegraphError(f"{config_path} could not be read: {exc}",
                                 f"fix the file or move it away (`mv {config_path} {config_path}.bak`)") from exc
    sprint = data.get("sprint", {}) if isinstance(data.get("sprint"), dict) else {}
    cache_dir = env.get("NOTEGRAPH_CACHE_DIR") or data.get("index_dir")
    graph = env.get("NOTEGRAPH_GRAPH") or data.get("graph")
    days = sprint.get("days", 14)
    plugins = env.get("NOTEGRAPH_PLUGINS") or data.get("plugins_dir")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
        raise NotegraphError(f"[sprint] days in {config_path} must be a number of days from 1 to 366",
                             "e.g. days = 14")
    return Settings(
        graph=Path(str(graph)).expanduser() if graph else None,
        index_file=Path(env["NOTEGRAPH_INDEX"]).expanduser() if env.get("NOTEGRAPH_INDEX") else None,
        cache_dir=Path(str(cache_dir)).expanduser() if cache_dir else Path(platformdirs.user_cache_dir(APP)),
        sprint_start=_date(sprint.get("start"), f"[sprint] start in {config_path}"),
        sprint_days=days,
        today=_date(env.get("NOTEGRAPH_TODAY"), "NOTEGRAPH_TODAY"),
        config_file=config_path,
        embedder=env.get("NOTEGRAPH_EMBEDDER") or (str(data["embedder"]) if data.get("embedder") else None),
        llm=env.get("NOTEGRAPH_LLM") or (str(data["llm"]) if data.get("llm") else None),
        ollama_model=env.get("NOTEGRAPH_OLLAMA_MODEL") or (str(data["ollama_model"]) if data.get("ollama_model")
                                                           else None),
        plugins_dir=Path(str(plugins)).expanduser() if plugins else None,
        state_dir=Path(env["NOTEGRAPH_STATE_DIR"]).expanduser() if env.get("NOTEGRAPH_STATE_DIR")
        else Path(platformdirs.user_state_dir(APP)),
        data_dir=Path(env["NOTEGRAPH_DATA_DIR"]).expanduser() if env.get("NOTEGRAPH_DATA_DIR")
        else Path(platformdirs.user_data_dir(APP)),
    )


def looks_like_graph(path: Path) -> bool:
    return any((path / sub).exists() for sub in ("journals", "pages", "logseq/config.edn"))


def resolve_graph_path(arg: str | os.PathLike[str] | None, settings: Settings) -> Path:
    """The graph folder: the argument, else ``$NOTEGRAPH_GRAPH``, the config file, or the current folder."""
    if arg:
        path = Path(arg).expanduser()
        if path.is_dir() and not looks_like_graph(path):
            # `notegraph ~/notes/journals`: a graph's own folder would be opened as an empty graph.
            graph = path.resolve().parent
            if looks_like_graph(graph) and path.resolve().name in ("journals", "pages", "logseq", "assets",
                                                                 "whiteboards", "draws"):
                raise GraphNotFoundError(f"{arg} is a folder inside the graph {graph}, not a graph itself",
                                         f"pass the graph folder: `notegraph {graph}`")
        return path
    if settings.graph:
        return settings.graph
    cwd = Path.cwd()
    if looks_like_graph(cwd):
        return cwd
    raise GraphNotFoundError(
        f"no graph given and {cwd} does not look like a Logseq graph (no journals/, pages/ or logseq/config.edn)",
        "pass the graph folder (`notegraph ~/notes`), set NOTEGRAPH_GRAPH=~/notes, "
        "or put `graph = \"~/notes\"` in " + str(settings.config_file or "the config file"))


def index_path_for(graph_root: Path, settings: Settings, override: str | os.PathLike[str] | None = None) -> Path:
    """Where the index of ``graph_root`` lives (see :func:`index_location`)."""
    return index_location(graph_root, settings, override)[0]


def index_location(graph_root: Path, settings: Settings,
                   override: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """Where the index of ``graph_root`` lives, and whether that place is notegraph's own (the cache folder)
    rather than one the user chose. Never inside the graph.

    The index is a cache, and sync tools copy graph folders: a SQLite database and
    its WAL files must not travel with the notes (nor replace one: a mistyped
    ``--index`` naming a note is refused here).
    """
    if override:
        path, owned, source = Path(override).expanduser(), False, "--index"
    elif settings.index_file:
        path, owned, source = settings.index_file, False, "NOTEGRAPH_INDEX"
    else:
        root = graph_root.resolve()
        digest = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:12]
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in root.name) or "graph"
        path, owned, source = settings.cache_dir / "indexes" / f"{name}-{digest}.db", True, "NOTEGRAPH_CACHE_DIR"
    real = Path(os.path.realpath(path))
    if real == graph_root.resolve() or graph_root.resolve() in real.parents:
        raise IndexUnusableError(
            f"the index {path} would be inside the graph folder {graph_root}; notegraph keeps its index outside "
            "your notes (sync tools copy graph folders, and an index there could replace a note)",
            f"check {source}: leave it unset to use {platformdirs.user_cache_dir(APP)}, or name a file elsewhere")
    return path, owned
