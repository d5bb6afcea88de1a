"""Figures cached per database generation, chart and parameters (present/views.py): the
same figure as built afresh, a copy for every caller, only for runners that name their
data, bounded."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ipdash.present import views


@dataclass(frozen=True)
class Runner:
    """A query runner that names its data, as the app's Context.query does."""

    db: str
    con: object

    def query(self, query, *args):
        self.calls.append(query.__name__)
        return query(self.con, *args)

    @property
    def calls(self) -> list:
        return CALLS.setdefault(self.db, [])


CALLS: dict[str, list] = {}


@pytest.fixture(autouse=True)
def empty_cache():
    views._figures.clear()
    CALLS.clear()
    yield
    views._figures.clear()


@pytest.mark.parametrize("chart_id", list(views.CHARTS))
def test_a_cached_figure_is_the_figure_built_afresh(con, chart_id):
    runner = Runner("generation-1", con)
    params = {"agency": "cnipa"} if views.CHARTS[chart_id].page == views.PROFILE_PAGE else {}
    fresh = views.build(chart_id, views.query_on(con), params).to_plotly_json()
    first = views.build(chart_id, runner.query, params)
    queries_run = len(runner.calls)
    second = views.build(chart_id, runner.query, params)
    assert len(runner.calls) == queries_run  # the second came from the cache
    assert first.to_plotly_json() == fresh
    assert second.to_plotly_json() == fresh


def test_every_caller_gets_its_own_figure(con):
    runner = Runner("generation-1", con)
    views.measures_by_theme(runner.query, {})
    mine = views.measures_by_theme(runner.query, {})
    mine.update_layout(height=123, title_text="changed")
    mine.data[0].name = "changed"
    again = views.measures_by_theme(runner.query, {})
    assert again.layout.height != 123
    assert again.layout.title.text != "changed"
    assert again.data[0].name != "changed"


def test_the_cache_is_per_generation_and_parameters(con):
    old, new = Runner("generation-1", con), Runner("generation-2", con)
    views.measures_by_theme(old.query, {})
    views.measures_by_theme(new.query, {})
    views.measures_by_theme(old.query, {"year": "2012"})
    assert old.calls
    assert new.calls
    assert len(views._figures) == 3


def test_a_runner_that_does_not_name_its_data_is_not_cached(con):
    views.measures_by_theme(views.query_on(con), {})
    assert len(views._figures) == 0


def test_the_cache_is_bounded(con, monkeypatch):
    monkeypatch.setattr(views._figures, "entries", 3)
    runner = Runner("generation-1", con)
    for year in ("2012", "2014", "2020", "2022"):
        views.measures_by_theme(runner.query, {"year": year})
    assert len(views._figures) == 3


def test_every_call_sends_the_same_json(con):
    """Streamlit identifies a chart (and the selection a click sets) by its JSON: the
    first call and the cached ones must serialise alike."""
    import plotly.io as pio

    runner = Runner("generation-1", con)
    first = pio.to_json(views.measures_by_theme(runner.query, {}), validate=False)
    assert pio.to_json(views.measures_by_theme(runner.query, {}), validate=False) == first
