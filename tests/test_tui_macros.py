"""{{query …}} and {{embed …}} blocks show their results under themselves, and follow the notes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import Static

from notegraph.notebook import Notebook
from notegraph.tui.app import IndexUpdated
from tests.conftest import copy_demo, indexed_graph
from tests.test_tui_keys import app_test, started
from tests.waiting import settle, until

UUID = "6571b1c2-0000-4000-8000-00000000abcd"
FILES = {
    "journals/2026_11_20.md": "- first block, edited at start\n"
                              "- open work:\n\t- {{query (and [[Alpha]] (task TODO))}}\n"
                              "- {{embed [[Alpha]]}}\n- {{embed ((" + UUID + "))}}\n- {{query (sort-by x)}}\n",
    "journals/2026_11_19.md": "- TODO write the [[Alpha]] summary\n- DONE an [[Alpha]] thing done\n",
    "pages/Alpha.md": "- alpha top\n\t- alpha child\n",
    "pages/Beta.md": "- the embedded block\n  id:: " + UUID + "\n\t- its child\n- not embedded\n",
}


def make(tmp_path: Path, monkeypatch) -> Notebook:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, FILES)
    return notebook


def shown(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(w.render()) for w in app.main_query("#journal-outline Static"))


@app_test
async def test_queries_and_embeds_render_under_their_blocks_and_follow_the_index(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    async with started(notebook) as (app, pilot):
        # Computed by workers (a query over a big graph takes up to a second): "running…" first.
        assert await until(pilot, lambda: "running…" not in shown(app) and "query: 1 blocks" in shown(app))
        text = shown(app)
        assert "query: 1 blocks" in text and "write the Alpha summary" in text and "thing done" not in text
        assert "alpha top" in text and "alpha child" in text  # the page's outline
        assert "the embedded block" in text and "its child" in text and "not embedded" not in text
        assert "⚠ query: (sort-by …) is not supported" in text
        # A new task elsewhere: the query shows it once the index has it.
        day = notebook.root / "journals/2026_11_19.md"
        day.write_text(day.read_text() + "- TODO another [[Alpha]] task\n")
        notebook.index()
        app.post_message(IndexUpdated("journals/2026_11_19.md"))
        assert await until(pilot, lambda: "another Alpha task" in shown(app))
        assert "query: 2 blocks" in shown(app)
        await settle(pilot)
    assert (notebook.root / "journals/2026_11_20.md").read_text() == FILES["journals/2026_11_20.md"]


AGENDA = {
    "logseq/config.edn": '{:scheduled/future-days 3 :default-queries {:journals [{:title "Doing now" :query (task DOING)}]}}',
    "journals/2026_11_18.md": "- TODO overdue one\n  SCHEDULED: <2026-11-18 Wed>\n"
                              "- DONE finished one\n  SCHEDULED: <2026-11-18 Wed>\n- DOING in progress\n",
    "journals/2026_11_20.md": "- TODO due today\n  DEADLINE: <2026-11-20 Fri>\n",
    "pages/Plans.md": "- LATER in two days\n  SCHEDULED: <2026-11-22 Sun>\n- TODO in ten days\n  SCHEDULED: <2026-11-30 Mon>\n",
}


@app_test
async def test_todays_journal_lists_scheduled_and_deadline_and_the_default_queries(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, AGENDA)
    root = notebook.root
    assert [(i.kind, i.day.day, i.hit.content.split("\n")[0]) for i in notebook.agenda()] == [
        ("SCHEDULED", 18, "TODO overdue one"), ("DEADLINE", 20, "TODO due today"),
        ("SCHEDULED", 22, "LATER in two days")]
    async with started(notebook) as (app, pilot):
        assert await until(pilot, lambda: "in progress" in str(app.main_query_one("#journal-outline #extra", Static).render()))
        extra = str(app.main_query_one("#journal-outline #extra", Static).render())
        assert "Scheduled and deadline" in extra
        assert extra.index("Overdue") < extra.index("overdue one") < extra.index("Today") < extra.index("due today")
        assert "Next 3 days" in extra and "in two days" in extra
        assert "finished one" not in extra and "in ten days" not in extra
        assert "Doing now" in extra and "in progress" in extra
        await pilot.press("ctrl+pageup")  # another day: nothing there
        assert await until(pilot, lambda: not str(app.main_query_one("#journal-outline #extra", Static).render()))


TEMPLATES = {
    "logseq/config.edn": '{:default-templates {:journals "daily"} :journal/page-title-format "MMM do, yyyy"}',
    "pages/Templates.md": "- Daily\n  template:: daily\n  template-including-parent:: false\n"
                          "\t- ## Morning <% today %>\n\t- TODO review [[Inbox]]\n\t  id:: 6571b1c2-0000-4000-8000-0000000000aa\n"
                          "- Meeting\n  template:: meeting\n\t- with <% current page %>\n",
    "journals/2026_11_19.md": "- yesterday\n",
}


@app_test
async def test_a_new_day_starts_from_the_journal_template_written_only_once_typed_in(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, TEMPLATES)
    root = notebook.root
    assert notebook.templates() == ["daily", "meeting"]
    today = root / "journals/2026_11_20.md"
    async with started(notebook) as (app, pilot):
        view = app.main_query_one("#journal-outline")
        assert [r.content for r in view.outline.rows] == ["## Morning [[Nov 20th, 2026]]", "TODO review [[Inbox]]"]
        view.flush()
        await pilot.press("ctrl+pageup", "ctrl+pagedown")  # leaving the untouched day writes nothing
        await settle(pilot)
        assert not today.exists()
        await pilot.press("end", "!")
        view.flush()
        assert await until(pilot, lambda: today.exists())
        assert today.read_text() == "- ## Morning [[Nov 20th, 2026]]!\n- TODO review [[Inbox]]\n"  # no copied id::
        # Any template at the cursor, from the palette's action: after the block, at its level.
        app.insert_template("meeting")
        await settle(pilot)
        view.flush()
        assert await until(pilot, lambda: "with [[Nov 20th, 2026]]" in today.read_text())
        assert today.read_text() == ("- ## Morning [[Nov 20th, 2026]]!\n- Meeting\n\t- with [[Nov 20th, 2026]]\n"
                                     "- TODO review [[Inbox]]\n")


def test_a_change_while_a_query_runs_is_computed_again() -> None:
    """CI caught it: the index changed while the query ran on the old one; its result arrived
    after the change and was kept as fresh, so the new task never showed."""
    from notegraph.query import QueryResult
    from notegraph.tui.macros import MacroLines

    answers = ["old"]
    pending: list = []

    def run_query(query: str) -> QueryResult:
        return QueryResult(kind="pages", pages=list(answers), blocks=[])

    lines = MacroLines(run_query, lambda target: [], in_background=lambda compute, done: pending.append((compute, done)))
    assert "running…" in str(lines.query_lines("(page x)"))
    compute, done = pending.pop()
    result = compute()              # ran against the old notes…
    answers[:] = ["old", "new"]     # …the notes changed meanwhile
    lines.clear()
    done(result)                    # the old result arrives after the change
    assert "old" in str(lines.query_lines("(page x)"))  # shown meanwhile
    assert pending, "computed again"
    compute, done = pending.pop()
    done(compute())
    assert "new" in str(lines.query_lines("(page x)")) and not pending


def test_a_task_carried_to_a_later_day_is_on_the_agenda_once_and_not_when_done_there(tmp_path: Path,
                                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The demo's agenda listed nine overdue tasks that were all done on a later day (the
    carried-over copy was ticked, the first one never): Logseq users carry a TODO by copying it."""
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, {
        "journals/2026_11_16.md": "- TODO [#A] write the parser\n  SCHEDULED: <2026-11-16 Mon>\n"
                                  "- TODO call the vendor\n  SCHEDULED: <2026-11-16 Mon>\n"
                                  "- TODO renew the domain\n  SCHEDULED: <2026-11-16 Mon>\n",
        "journals/2026_11_17.md": "- DONE [#A] Write the parser.\n"  # done the next day, worded a little apart
                                  "- TODO call the vendor (again)\n  SCHEDULED: <2026-11-19 Thu>\n"
                                  "- TODO renew the domain\n",  # an undated copy: the dated one stays
    })
    assert [(i.day.day, i.hit.journal_day.day, i.hit.content.split("\n")[0]) for i in notebook.agenda()] == [
        (16, 16, "TODO renew the domain"), (19, 17, "TODO call the vendor (again)")]
    demo = Notebook.open(copy_demo(tmp_path / "demo"), index=tmp_path / "demo.db")
    demo.index()
    assert [i.hit.content.split("\n")[0] for i in demo.agenda(dt.date(2026, 11, 23))] == [
        "TODO [#A] Plan [[Sprint 16]] goals on Monday",
        "LATER ColBERT spike for the [[RAG Prototype]] (RAGatouille?) once the demo is out"]
