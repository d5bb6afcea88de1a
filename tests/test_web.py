"""ipdash.web: what the pages share that can be tested without running a page."""

from __future__ import annotations

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ipdash import web

# Outside a script run Streamlit files everything under this session id.
SESSION = "dontcare"


def _made_on_click(manager: MediaFileManager) -> str:
    placeholder = manager.add_deferred(lambda: b"a,b\n1,2\n", "text/csv", "1.2.3", "x.csv")
    url = manager.execute_deferred(placeholder)  # the user clicked
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def test_streamlit_alone_deletes_a_file_made_on_click_after_two_runs_elsewhere():
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    made = _made_on_click(manager)
    manager.remove_orphaned_files()  # another session's run ends
    manager.remove_orphaned_files()  # and another: the browser has not fetched it yet
    assert manager.read_file(made) is None


def test_a_file_made_on_click_is_held_until_the_sessions_next_run():
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    assert web.hold_made_downloads(manager)
    assert web.hold_made_downloads(manager)  # once only
    made = _made_on_click(manager)
    for _ in range(5):
        manager.remove_orphaned_files()
    assert manager.read_file(made).content == b"a,b\n1,2\n"
    manager.clear_session_refs(SESSION)  # the session runs again: the file may go
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    assert manager.read_file(made) is None


def test_an_unknown_file_manager_is_left_alone():
    class Other:
        def execute_deferred(self, file_id: str) -> str:
            return file_id

    other = Other()
    assert not web.hold_made_downloads(other)
    assert other.execute_deferred("x") == "x"


def test_pages_call_query_functions_not_names():
    """Every query a page runs is a function of ipdash.store.queries (so "go to
    definition" leads from a page to its SQL); anything else is refused."""
    import pytest

    from ipdash.web.context import Context

    ctx = Context(db="unused.duckdb")
    with pytest.raises(TypeError, match=r"is not a query of ipdash\.store\.queries"):
        ctx.query("plans")
    with pytest.raises(TypeError, match=r"is not a query of ipdash\.store\.queries"):
        ctx.query(len, "x")


def test_empty_lead_and_body_cells_are_said_in_words():
    import polars as pl

    from ipdash.web.tables import readable_gaps

    rows = pl.DataFrame(
        {
            "lead_agency": ["CNIPA", None, None],
            "agencies": ["CNIPA (lead)", "SPC (joint); MOJ (joint)", None],
        }
    )
    assert readable_gaps(rows).rows() == [
        ("CNIPA", "CNIPA (lead)"),
        ("none: joint", "SPC (joint); MOJ (joint)"),
        ("not named", "not named in the plan"),
    ]


def test_tables_read_as_words_without_none_or_clashing_headers():
    import polars as pl

    from ipdash.web.tables import readable_table

    frame = pl.DataFrame(
        {
            "plan_year": [2012, 2014],
            "plan": ["2012", "2014"],
            "n_measures": [90, None],
            "doc_id": ["a", None],
            "parts": [["x"], None],
        }
    )
    out = readable_table(frame)
    assert out.columns == ["plan_year", "plan", "measures", "document", "parts"]
    assert out.rows() == [(2012, "2012", "90", "a", ["x"]), (2014, "2014", "–", "–", None)]
