"""Moving around: journal days that skip empty days, back and forward across days and pages."""

from __future__ import annotations

from pathlib import Path

from notegraph.notebook import Notebook
from tests.conftest import indexed_graph
from tests.test_tui_keys import app_test, started
from tests.waiting import burst, settle, until

FILES = {
    "journals/2026_11_10.md": "- an older day with [[Alpha]]\n",
    "journals/2026_11_17.md": "- the last day written\n",
    "pages/Alpha.md": "- alpha\n",
}


def make(tmp_path: Path, monkeypatch) -> Notebook:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    notebook = indexed_graph(tmp_path, FILES)
    return notebook


@app_test
async def test_journal_days_skip_empty_days_and_back_forward_retrace_days_and_pages(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    async with started(notebook) as (app, pilot):
        days = []
        for _ in range(3):
            await burst(pilot, "ctrl+pageup")
            days.append(app.day.isoformat())
        assert days == ["2026-11-17", "2026-11-10", "2026-11-10"]  # one key from today to the last day written
        await burst(pilot, "ctrl+pagedown", "ctrl+pagedown", "ctrl+pagedown")
        assert app.day.isoformat() == "2026-11-21"  # past today: one calendar day at a time, to plan ahead
        await burst(pilot, "ctrl+t", "ctrl+pageup", "ctrl+pageup")  # 20 → 17 → 10
        view = app.main_query_one("#journal-outline")
        view.go_to(view.outline.rows[0].key)
        await burst(pilot, "end", "left", "ctrl+o")  # open [[Alpha]]
        assert await until(pilot, lambda: app.main_query_one("#page-title").render().plain == "Alpha")
        await burst(pilot, "alt+left")
        assert (app.main_query_one("TabbedContent").active, app.day.isoformat()) == ("journal", "2026-11-10")
        await burst(pilot, "alt+left", "alt+left")
        assert app.day.isoformat() == "2026-11-20"
        await burst(pilot, "alt+right", "alt+right", "alt+right")
        assert app.main_query_one("TabbedContent").active == "page"
        await burst(pilot, "x")  # the page arrived selected: a letter changes nothing
        await settle(pilot)
    assert (notebook.root / "pages/Alpha.md").read_text() == "- alpha\n"


@app_test
async def test_quick_open_finds_a_page_in_two_letters_and_makes_a_new_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    (notebook.root / "journals/2026_11_17.md").write_text("- talked to [[Priya Raman]] about [[Alpha]]\n")
    notebook.index()
    assert notebook.find_pages("pr")[0] == "Priya Raman"
    assert notebook.find_pages("alp") == ["Alpha"]
    async with started(notebook) as (app, pilot):
        await burst(pilot, "ctrl+e", "p", "r", "enter")  # a burst: Enter takes the match for "pr"
        assert await until(pilot, lambda: app.main_query_one("#page-title").render().plain == "Priya Raman")
        await burst(pilot, "ctrl+e", *"Fresh idea", "enter", *"first words")
        assert await until(pilot, lambda: app.main_query_one("#page-title").render().plain == "Fresh idea")
        app.main_query_one("#page-outline").flush()
        assert await until(pilot, lambda: (notebook.root / "pages/Fresh idea.md").exists())
        assert (notebook.root / "pages/Fresh idea.md").read_text() == "- first words\n"
        # The search box lists a page whose name holds the words before the blocks.
        await burst(pilot, "f3", *"priya raman", "enter")
        results = app.main_query_one("#search-results")
        assert await until(pilot, lambda: bool(results.children) and getattr(results.children[0], "page_name", "") == "Priya Raman")
        await burst(pilot, "down", "enter")
        assert await until(pilot, lambda: app.main_query_one("TabbedContent").active == "page")


@app_test
async def test_linked_references_show_their_children_and_open_their_blocks(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    (notebook.root / "journals/2026_11_17.md").write_text(
        "- meeting about [[Alpha]]\n\t- decided to ship\n\t\t- on Friday\n- Alpha mentioned, not linked\n")
    notebook.index()
    async with started(notebook) as (app, pilot):
        app.open_page("Alpha")
        await settle(pilot)
        extra = app.main_query_one("#page-outline #extra")
        text = extra.render().as_text()
        plain = text.plain
        assert plain.index("meeting about Alpha") < plain.index("decided to ship") < plain.index("on Friday")
        assert "Unlinked references" in plain and "Alpha mentioned, not linked" in plain
        opens = {span.style.meta.get("open") for span in text.spans if hasattr(span.style, "meta") and span.style.meta}
        child = notebook.search("decided", mode="keyword")[0]
        assert ("block", child.id) in opens  # a click on the child opens it
        app.action_open_link("block", child.id)
        await settle(pilot)
        view = app.main_query_one("#page-outline")
        assert view.session.file.rel == "journals/2026_11_17.md" and view.selecting
        assert view.outline.rows[view.cursor].content == "decided to ship"


@app_test
async def test_ctrl_b_copies_the_block_reference_adding_an_id_as_logseq_does(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    path = notebook.root / "journals/2026_11_17.md"
    path.write_text("- a decision\n  owner:: me\n\t- its child\n- another\n")
    notebook.index()
    async with started(notebook) as (app, pilot):
        await burst(pilot, "ctrl+pageup", "ctrl+b")
        view = app.main_query_one("#journal-outline")
        view.flush()
        assert await until(pilot, lambda: "id::" in path.read_text())
        text = path.read_text()
        block_id = text.split("id:: ", 1)[1].split("\n", 1)[0]
        assert text == f"- a decision\n  owner:: me\n  id:: {block_id}\n\t- its child\n- another\n"
        assert app.clipboard == f"(({block_id}))"
        assert view.editor.text == "a decision\nowner:: me"  # the id:: line stays out of the way
        await burst(pilot, "ctrl+b")  # again: the same id, nothing new written
        assert app.clipboard == f"(({block_id}))"
        await burst(pilot, "down", "down", "end", "space", "ctrl+v")
        view.flush()
        assert await until(pilot, lambda: f"- another (({block_id}))" in path.read_text())


@app_test
async def test_renaming_the_open_page_from_the_palette(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    async with started(notebook) as (app, pilot):
        app.open_page("Alpha")
        await settle(pilot)
        app.ask_page_rename()
        await burst(pilot, "ctrl+u", *"Beta Project", "enter")
        assert await until(pilot, lambda: app.main_query_one("#page-title").render().plain == "Beta Project")
        await settle(pilot)
    root = notebook.root
    assert not (root / "pages/Alpha.md").exists()
    assert (root / "pages/Beta Project.md").read_text() == "- alpha\n"
    assert (root / "journals/2026_11_10.md").read_text() == "- an older day with [[Beta Project]]\n"


@app_test
async def test_end_in_a_long_days_selection_scrolls_to_the_last_block(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notebook = make(tmp_path, monkeypatch)
    (notebook.root / "journals/2026_11_20.md").write_text("".join(f"- block {n}\n" for n in range(60)))
    notebook.index()
    async with started(notebook, size=(80, 20)) as (app, pilot):
        view = app.main_query_one("#journal-outline")
        await burst(pilot, "escape", "end")

        def last_block_in_view() -> bool:
            selected = view.query_one("#selected")
            top = selected.virtual_region.y
            return "block 59" in str(selected.render()) and view.scroll_y <= top < view.scroll_y + view.size.height

        assert await until(pilot, last_block_in_view)
        await burst(pilot, "home")
        assert await until(pilot, lambda: view.scroll_y == 0)


@app_test
async def test_a_long_block_wraps_under_its_own_text_not_under_the_bullets(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTEGRAPH_TODAY", "2026-11-20")
    words = " ".join(f"word{n:02d}" for n in range(30))
    notebook = indexed_graph(tmp_path, {"journals/2026_11_20.md": f"- first\n- parent\n\t- {words}\n\t- after\n"})
    async with started(notebook, size=(60, 30)) as (app, pilot):
        assert await until(pilot, lambda: "word29" in str(app.main_query_one("#below").render()))
        await settle(pilot)
        below = app.main_query_one("#below")
        assert str(below.render()).split("\n") == ["• parent", "  • " + words, "  • after"]  # the text is unchanged
        screen = [line.text for line in below.render_lines(below.region.reset_offset)]
        start = screen[1].index("word00")
        wrapped = [line for line in screen[2:] if line.strip().startswith("word")]
        assert len(wrapped) >= 3 and all(len(line) - len(line.lstrip()) == start for line in wrapped), screen
        assert "• after" in "\n".join(screen) and "word29" in "\n".join(screen)
