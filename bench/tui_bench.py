"""TUI benchmark: time to first paint, time until the index is synced, key latency meanwhile.

Run with ``python -m bench tui`` (``make bench`` runs it with the others).

Each run is a fresh ``python`` process (so imports count) that opens the notebook
and runs :class:`notegraph.tui.app.NotegraphApp` headless (120x40, watcher on).
Times count from just before the parent spawns that process, on the monotonic
clock every process shares:

* first paint: the first screen update that shows the journal of "today" (pinned
  to 2026-11-22, a day both graphs have). Headless, Textual still composes every
  update and hands it to ``App._display``, which writes nothing; the bench wraps it.
* index synced: the app's background ``Notebook.index()`` call returned; watcher
  live: the status line then says ``watcher live`` (it shows the block count of
  the existing index already at first paint).
* key latency: from first paint on, another thread (as a terminal driver would)
  sends "x" every 20 ms until the watcher is live; a key's latency runs from its
  send to the first moment the app's event loop sees it typed into the journal editor.
* while the model answers (demo graph only): once the watcher is live, the run asks
  as a user does (F5, types :data:`QUESTION` into the Ask box, Enter), goes back to
  the journal (F2) and sends "x" every 20 ms until the answer is done (the Ask pane
  shows its sources), at most :data:`ASK_TIMEOUT` s. No Ollama server is reachable
  (``OLLAMA_HOST`` is unset), so the embedded model (Gemma 3 270M, llama.cpp, in the
  app's process) answers. First token: the answer pane first shows answer text;
  answer: it shows the sources; both counted from the Enter.

* under load: the demo-graph runs again while one busy process per core competes for the CPU
  (at least 50 keys each), key p95 and max.

Graphs: the demo graph (this repository) and a synthetic graph of ~100,000 blocks
(:func:`bench.synthetic.write_graph`, the size :mod:`bench.index_bench` uses), each
indexed once beforehand. The index and today's journal are put back before every
run, so every run starts from the same state.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from bench.synthetic import write_graph
from notegraph.notebook import Notebook
from notegraph.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"
TODAY_TITLE = "Sunday, November 22, 2026"
TODAY_FILE = Path("journals") / "2026_11_22.md"
SYNTHETIC_FILES = 4200  # ~100,000 blocks, as in bench.index_bench
TIMEOUT = 60.0
QUESTION = "what did I decide about the dark theme?"
ASK_TIMEOUT = 90.0

# The measured process. time.perf_counter() is CLOCK_MONOTONIC on Linux: the same
# clock in every process, so the parent can count from before it spawned this one.
CHILD = r"""
import time
T0 = time.perf_counter()
import asyncio, json, os, sys, threading

from textual import events

from notegraph.notebook import Notebook
from notegraph.tui.app import NotegraphApp
from notegraph.tui.outline_view import OutlineView

graph, min_keys, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
question, ask_timeout = sys.argv[4], float(sys.argv[5])  # question "": no Ask, keys while the index syncs
notebook = Notebook.open(graph)
app = NotegraphApp(notebook, watch=True)
result = {"t0": T0, "synced": None, "live": None}
painted, live = asyncio.Event(), asyncio.Event()


def status():
    return str(app.query_one("#status").content)


display = app._display
sent, stop = [], threading.Event()
key_cap = int(ask_timeout / 0.02) + 100 if question else 2000


def send_keys():
    # as a terminal driver's input thread would: from first paint on, or once the Ask runs
    while not stop.is_set() and len(sent) < key_cap:
        sent.append(time.perf_counter())
        app._driver.send_message(events.Key("x", "x"))
        time.sleep(0.02)


def first_paint(screen, renderable):
    display(screen, renderable)
    if renderable is not None and not painted.is_set() and str(app.query_one("#journal-title").content):
        result["paint"] = time.perf_counter()
        result["title"] = str(app.query_one("#journal-title").content)
        if not question:
            result["x_before"] = app.query_one("#journal-outline", OutlineView).editor.text.count("x")
            threading.Thread(target=send_keys, daemon=True).start()
        painted.set()


index = notebook.index


def timed_index(*args, **kwargs):
    report = index(*args, **kwargs)
    result["synced"] = time.perf_counter()
    return report


refresh_status = app.refresh_status


def timed_refresh_status():
    refresh_status()
    if not live.is_set() and "watcher live" in status():
        result["live"] = time.perf_counter()
        live.set()


app._display, notebook.index, app.refresh_status = first_paint, timed_index, timed_refresh_status


async def measure_keys():
    editor = app.query_one("#journal-outline", OutlineView).editor
    latencies, deadline = [], time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        now, typed = time.perf_counter(), editor.text.count("x") - result["x_before"]
        latencies += [now - sent[i] for i in range(len(latencies), typed)]
        if live.is_set() and len(latencies) >= min_keys:
            stop.set()
            if len(latencies) >= len(sent):
                break
        await asyncio.sleep(0.001)
    stop.set()
    result["keys"] = [[latency, result["live"] is None or t < result["live"]] for t, latency in zip(sent, latencies)]


async def until(done, what):
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no {what} within {timeout} s")
        await asyncio.sleep(0.001)


def press(key, char=None):
    app._driver.send_message(events.Key(key, char))


async def measure_ask():
    # ask as a user does, go back to the journal, type until the answer is done; keys through the
    # driver, as a terminal sends them (Pilot.press waits for an idle process, which it is not)
    from textual.keys import _character_to_key
    from textual.widgets import Input, TabbedContent

    answer, editor = app.query_one("#ask-answer"), app.query_one("#journal-outline", OutlineView).editor
    box = app.query_one("#ask-input", Input)
    result["status_asked"] = status()
    press("f5")
    await until(lambda: app.focused is box, "focus on the Ask box after F5")
    for char in question:
        press(char if char.isalnum() else _character_to_key(char), char)
        await asyncio.sleep(0.02)
    await until(lambda: box.value == question, "question in the Ask box")
    result["asked"] = time.perf_counter()
    press("enter", "\r")
    await until(lambda: str(answer.content) != "", "Ask started after Enter")
    press("f2")
    await until(lambda: app.query_one(TabbedContent).active == "journal" and app.focused is editor,
                "journal editor after F2")
    result["x_before"] = editor.text.count("x")
    threading.Thread(target=send_keys, daemon=True).start()
    result["first_token"] = result["answered"] = None
    latencies, deadline = [], result["asked"] + ask_timeout
    while time.perf_counter() < deadline:
        now, shown = time.perf_counter(), str(answer.content)
        if result["first_token"] is None and shown.strip() not in ("", "thinking…"):
            result["first_token"] = now
        if result["answered"] is None and "Sources (Enter opens one)" in shown:
            result["answered"] = now
            stop.set()
        typed = editor.text.count("x") - result["x_before"]
        latencies += [now - sent[i] for i in range(len(latencies), typed)]
        if result["answered"] is not None and len(latencies) >= len(sent):
            break
        await asyncio.sleep(0.001)
    stop.set()
    result["answer"] = str(answer.content)
    end = result["answered"] or deadline
    result["keys"] = [[latency, t < end] for t, latency in zip(sent, latencies)]
    result["keys_sent"] = sum(t < end for t in sent)


async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(painted.wait(), timeout)
        if question:
            await asyncio.wait_for(live.wait(), timeout)
            await measure_ask()
        else:
            await measure_keys()
        result["status"] = status()
        app.exit()


asyncio.run(main())
print(json.dumps(result), flush=True)
# Everything is measured: leave without tearing down. After an Ask the interpreter's teardown
# aborted ("terminate called without an active exception", in the final garbage collection) while
# the app's background embedder was still busy with the blocks the keys changed.
sys.stderr.flush()
os._exit(0)
"""


@dataclass
class Run:
    """One run; seconds from spawning the process."""

    startup: float
    """Until the first line of the measured script (interpreter start)."""
    paint: float
    synced: float | None
    live: float | None
    keys: list[tuple[float, bool]]
    """Key latencies, and whether the key was sent before the watcher was live."""


@dataclass
class AskRun:
    """One run that asks; seconds from the Enter that sends the question."""

    first_token: float | None
    answer: float | None
    """Until the Ask pane shows the sources; None: not within :data:`ASK_TIMEOUT`."""
    keys_sent: int
    keys: list[float]
    """Latencies of the keys sent while the answer was under way."""


@dataclass
class Subject:
    label: str
    root: Path
    cache: Path
    blocks: int


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NOTEGRAPH_GRAPH", "NOTEGRAPH_INDEX", "NOTEGRAPH_EMBEDDER", "NOTEGRAPH_LLM", "OLLAMA_HOST")}
    env.update({"NOTEGRAPH_CACHE_DIR": str(cache), "NOTEGRAPH_CONFIG": str(cache.parent / "none.toml"),
                "NOTEGRAPH_TODAY": TODAY, "HF_HUB_OFFLINE": "1"})
    return env


def prepare(label: str, root: Path, *, embed: bool = False) -> Subject:
    """Index ``root`` once (and embed it, with ``embed``), into a cache folder of its own next to it."""
    cache = root.with_name(root.name + ("-embedded-cache" if embed else "-cache"))
    notebook = Notebook.open(root, settings=load_settings(_env(cache)))
    notebook.index()
    if embed:
        notebook.embed()
    blocks = notebook.store.counts()["blocks"]
    notebook.close()
    shutil.copytree(cache, cache.with_name(cache.name + ".pristine"))
    return Subject(label, root, cache, blocks)


def _spawn(subject: Subject, min_keys: int, question: str) -> tuple[float, dict[str, Any]]:
    """One run of :data:`CHILD` in a new process, from the index and journal every run starts from:
    when it spawned, and what it reported."""
    journal = subject.root / TODAY_FILE
    saved = (journal.read_bytes(), journal.stat().st_mtime_ns) if journal.exists() else None
    spawned = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(subject.root), str(min_keys), str(TIMEOUT),
                               question, str(ASK_TIMEOUT)],
                              capture_output=True, text=True, env=_env(subject.cache),
                              timeout=3 * TIMEOUT + (ASK_TIMEOUT if question else 0))
    finally:  # the keys were typed into today's journal, and the app may have embedded a few blocks
        if saved is None:
            journal.unlink(missing_ok=True)
        else:
            journal.write_bytes(saved[0])
            os.utime(journal, ns=(saved[1], saved[1]))
        shutil.rmtree(subject.cache)
        shutil.copytree(subject.cache.with_name(subject.cache.name + ".pristine"), subject.cache)
    if proc.returncode != 0:
        raise RuntimeError(f"the TUI run on the {subject.label} failed:\n{proc.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    if not str(data["title"]).startswith(TODAY_TITLE) or f"{subject.blocks} blocks" not in str(data["status"]):
        raise RuntimeError(f"unexpected screen on the {subject.label}: {data['title']!r}, {data['status']!r}")
    return spawned, data


def measure(subject: Subject, min_keys: int = 10) -> Run:
    """Keys typed while the index syncs: one run in a new process."""
    spawned, data = _spawn(subject, min_keys, "")

    def since_spawn(key: str) -> float | None:
        value = data[key]
        return None if value is None else float(value) - spawned

    paint = since_spawn("paint")
    assert paint is not None
    return Run(startup=float(data["t0"]) - spawned, paint=paint, synced=since_spawn("synced"),
               live=since_spawn("live"), keys=[(float(k), bool(syncing)) for k, syncing in data["keys"]])


def measure_ask(subject: Subject) -> AskRun:
    """Keys typed while the embedded model answers :data:`QUESTION`: one run in a new process."""
    _, data = _spawn(subject, 0, QUESTION)
    answer = str(data["answer"])
    if data["answered"] is not None and "embedded:" not in answer:
        raise RuntimeError(f"the embedded model did not answer on the {subject.label}:\n{answer}")
    asked = float(data["asked"])

    def since_ask(key: str) -> float | None:
        value = data[key]
        return None if value is None else float(value) - asked

    return AskRun(first_token=since_ask("first_token"), answer=since_ask("answered"),
                  keys_sent=int(data["keys_sent"]), keys=[float(k) for k, during in data["keys"] if during])


def _max_ms(values: list[float]) -> str:
    return f"{max(values) * 1000:.0f}" if values else "-"


def _p95_ms(values: list[float]) -> str:
    if len(values) < 2:
        return _max_ms(values)
    return f"{statistics.quantiles(values, n=20, method='inclusive')[-1] * 1000:.0f}"


def _median(values: list[float | None], timeout: float = TIMEOUT) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.2f}" if len(known) == len(values) else f">{timeout:.0f}"


def _seconds(value: float | None) -> str:
    return f">{ASK_TIMEOUT:.0f}" if value is None else f"{value:.2f}"


def print_ask(runs: list[AskRun]) -> None:
    header = f"{'while the model answers':<24}{'first token s':>14}{'answer s':>10}{'keys sent':>11}" \
             f"{'p95 key ms':>12}{'max key ms':>12}"
    print(header)
    print("-" * len(header))
    for n, run in enumerate(runs, 1):
        print(f"{f'demo graph, run {n}':<24}{_seconds(run.first_token):>14}{_seconds(run.answer):>10}"
              f"{run.keys_sent:>11}{_p95_ms(run.keys):>12}{_max_ms(run.keys):>12}")
    keys = [k for r in runs for k in r.keys]
    print(f"{f'median / all {len(runs)} runs':<24}{_median([r.first_token for r in runs], ASK_TIMEOUT):>14}"
          f"{_median([r.answer for r in runs], ASK_TIMEOUT):>10}{sum(r.keys_sent for r in runs):>11}"
          f"{_p95_ms(keys):>12}{_max_ms(keys):>12}")
    print(f"\nseconds from the Enter that sends {QUESTION!r} in the Ask tab (watcher live,"
          "\nindex embedded beforehand) until the answer pane first shows answer text / shows the sources;"
          "\nembedded model (Gemma 3 270M, llama.cpp), no Ollama; keys: one \"x\" every 20 ms into the journal"
          "\neditor (F2) from just after the Enter until the answer is done, sent → typed; p95 / max of them")


@contextlib.contextmanager
def cpu_hogs(count: int) -> Iterator[None]:
    """``count`` processes busy on the CPU (a second program, or the app's own embedding elsewhere)."""
    stop = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=_hog, args=(stop,), daemon=True) for _ in range(count)]
    for process in hogs:
        process.start()
    try:
        yield
    finally:
        stop.set()
        for process in hogs:
            process.join()


def _hog(stop: Any) -> None:
    while not stop.is_set():
        sum(i * i for i in range(50_000))


def print_loaded(idle: list[Run], busy: list[Run], hogs: int) -> None:
    header = f"{'demo graph':<28}{'first paint s':>15}{'keys':>7}{'p95 key ms':>12}{'max key ms':>12}"
    print(header)
    print("-" * len(header))
    for label, runs in (("no extra load", idle), (f"+ {hogs} busy processes", busy)):
        keys = [k for r in runs for k, _ in r.keys]
        paint = [r.paint for r in runs]
        print(f"{label:<28}{f'{statistics.median(paint):.2f} / {max(paint):.2f}':>15}{len(keys):>7}"
              f"{_p95_ms(keys):>12}{_max_ms(keys):>12}")
    print(f"\nthe same runs as above on the demo graph, and again while {hogs} processes keep every core busy;"
          "\nkeys sent → typed in the journal editor (key to screen), from first paint until the watcher is live")


def main(repeats: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        demo, synthetic = tmp / "demo", tmp / "synthetic"
        for sub in ("journals", "logseq", "assets"):
            shutil.copytree(REPO / sub, demo / sub)
        write_graph(synthetic, files=SYNTHETIC_FILES)
        subjects = [prepare("demo graph", demo), prepare("synthetic graph", synthetic)]
        results = [(s, [measure(s) for _ in range(repeats)]) for s in subjects]
        hogs = os.cpu_count() or 2
        with cpu_hogs(hogs):
            loaded = [measure(subjects[0], min_keys=50) for _ in range(repeats)]
        embedded = prepare("demo graph", demo, embed=True)
        asks = [measure_ask(embedded) for _ in range(repeats)]
    header = (f"{'graph':<16}{'blocks':>8}{'first paint s':>15}{'index synced s':>16}{'watcher live s':>16}"
              f"{'max key ms syncing / after':>28}")
    print(header)
    print("-" * len(header))
    for subject, runs in results:
        syncing = [k for r in runs for k, during in r.keys if during]
        after = [k for r in runs for k, during in r.keys if not during]
        keys = f"{_max_ms(syncing)} ({len(syncing)}) / {_max_ms(after)} ({len(after)})"
        paint = [r.paint for r in runs]
        print(f"{subject.label:<16}{subject.blocks:>8,}"
              f"{f'{statistics.median(paint):.2f} / {max(paint):.2f}':>15}"
              f"{_median([r.synced for r in runs]):>16}{_median([r.live for r in runs]):>16}"
              f"{keys:>28}")
    startup = statistics.median(r.startup for _, runs in results for r in runs)
    print(f"\nseconds from spawning a fresh process (interpreter start: {startup:.2f} s), median / max of {repeats} runs;"
          "\n120x40 headless, watcher on, index built beforehand; keys: one \"x\" every 20 ms from first paint until the"
          "\nwatcher is live (at least 10), sent → typed in the journal editor, max (count) before / after watcher live")
    print()
    print_loaded(results[0][1], loaded, hogs)
    print()
    print_ask(asks)


if __name__ == "__main__":
    main()
