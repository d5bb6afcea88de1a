"""Charts by name: every chart a page shows can be rebuilt from its id and parameters
(what stories, presentation mode and decks rely on)."""

from __future__ import annotations

import os
import re

import pytest

from ipdash.present import views
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter

HOSTILE = {
    "year": "abc,2012;DROP TABLE measures",
    "theme": "'; --",
    "agency": "<script>",
    "profile": "nobody",
    "from": "1900",
    "to": "x",
    "compare_a": "9999",
    "min_links": "-3",
    "highlight": "nope,,",
    "heat_value": "bogus",
    "lin_from": "1900",
    "lin_to": "x;--",
}


# Every chart from default parameters: its title and a fact it must draw, checked against
# counts made directly in SQL on the seed database.
PLANS = ["2012", "2014", "2020", "2021–2022"]


def _title(fig) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<br>", " ", fig.layout.title.text))


def _bars(fig) -> dict[tuple[str, str], float]:
    return {
        (t.name, str(x)): y
        for t in fig.data
        if t.type == "bar"
        for x, y in zip(t.x, t.y, strict=True)
    }


def _nodes(fig) -> int:
    return sum(len(t.x) for t in fig.data if t.mode == "markers+text")


def test_who_leads_most(q):
    fig = views.build("top_leads", q, {})
    assert _title(fig) == "Who leads most: measures led per body, top five in each plan"
    cnipa = [t for t in fig.data if list(t.y) == ["CNIPA"] and list(t.x) == [37]]
    assert [list(t.text) for t in cnipa] == [["37 · 32%"]]


def test_measures_by_theme_totals_every_present_measure(q):
    fig = views.build("measures_by_theme", q, {})
    assert _title(fig) == "Measures by plan and theme"
    totals = next(t for t in fig.data if t.type == "scatter")
    assert (list(totals.x), list(totals.y)) == (PLANS, [90, 70, 100, 115])
    assert sum(y for (_, plan), y in _bars(fig).items() if plan == "2012") == 90


def test_the_network_draws_every_body_named_on_a_measure(q):
    fig = views.build("network", q, {})
    assert _title(fig) == "Who works with whom: bodies sharing measures"
    assert _nodes(fig) == 51
    compare = views.build("network_compare", q, {})
    assert _title(compare) == "How the ties changed, 2012 → 2021–2022"
    assert _nodes(compare) == 51  # bodies of either plan, on one layout (counted in SQL)
    ego = views.build("network_ego", q, {"year": "2022", "focus": "cnipa"})
    assert _title(ego) == "CNIPA and its partners"
    assert [t.text[0] for t in ego.data if t.mode == "markers+text"][:3] == [
        "CPD · 17",
        "MOFCOM · 10",
        "MOF · 8",
    ]
    central = views.build("central_bodies", q, {"year": "2022"})
    assert _title(central) == "The most central bodies: who connects the others"
    assert list(central.data[0].y)[-1] == "CNIPA"  # the most central, drawn at the top


def test_theme_shift_charts(q):
    dumbbell = views.build("theme_dumbbell", q, {})
    assert _title(dumbbell) == (
        "How priorities moved: share of measures by theme, 2012 vs 2021–2022"
    )
    enforcement = [
        (round(t.x[0], 1), round(t.x[1], 1))
        for t in dumbbell.data
        if t.y is not None and list(t.y)[:1] == ["Administrative enforcement"]
    ]
    assert enforcement == [(12.2, 20.0)]
    trends = views.build("theme_trends", q, {})
    assert _title(trends) == "Share of measures by theme in each plan"
    assert len(trends.data) == 12
    for plan in range(4):
        assert sum(t.y[plan] for t in trends.data) == pytest.approx(100)
    heatmap = views.build("theme_heatmap", q, {})
    assert _title(heatmap) == "Measures by theme and plan (share of the plan)"
    assert (len(heatmap.data[0].z), list(heatmap.data[0].x)) == (12, PLANS)


def test_agency_profile_charts(q):
    roles = views.build("agency_roles", q, {"profile": "cnipa"})
    assert _title(roles) == "CNIPA: measures per plan, by role"
    assert {name: list(t.y) for t in roles.data for name in [t.name]} == {
        "leads": [0, 0, 33, 37],
        "participates": [0, 0, 17, 17],
        "shares jointly": [0, 0, 7, 15],
    }
    themes = views.build("agency_themes", q, {"profile": "cnipa"})
    assert _title(themes) == "CNIPA: its measures by theme"
    assert sum(_bars(themes).values()) == 33 + 17 + 7 + 37 + 17 + 15
    partners = views.build("agency_partners", q, {"profile": "cnipa"})
    assert _title(partners) == "Who works most with CNIPA"
    shared = next(t for t in partners.data if t.type == "scatter")
    assert (list(shared.y)[-1], list(shared.x)[-1]) == ("CPD", 24)


def test_theme_confidence_counts_every_present_measure(q):
    fig = views.build("theme_confidence", q, {})
    assert _title(fig) == "Theme classifier confidence per plan"
    per_plan = {}
    for (_, plan), n in _bars(fig).items():
        per_plan[plan] = per_plan.get(plan, 0) + n
    assert sorted(per_plan.values()) == [70, 90, 100, 115]


def test_every_chart_is_tested_above():
    tested = {
        "top_leads",
        "measures_by_theme",
        "network",
        "network_compare",
        "network_ego",
        "central_bodies",
        "theme_dumbbell",
        "theme_trends",
        "theme_heatmap",
        "agency_roles",
        "agency_themes",
        "agency_partners",
        "theme_confidence",
        "lineage_changes",  # tests/test_lineage.py
        "lineage_flows",
    }
    assert set(views.CHARTS) == tested


@pytest.mark.parametrize("chart_id", list(views.CHARTS))
def test_malformed_parameters_fall_back_instead_of_failing(q, chart_id):
    """Every malformed value is ignored: the chart is the one of default parameters."""
    fig = views.build(chart_id, q, HOSTILE)
    assert fig.to_json() == views.build(chart_id, q, {}).to_json()


def test_every_chart_names_an_existing_page():
    from ipdash import paths

    for chart in views.CHARTS.values():
        assert (paths.ROOT / chart.page).is_file(), chart.page


def test_parameters_choose_what_is_drawn(q):
    network_2012 = views.build("network", q, {"year": "2012"})
    assert network_2012.layout.title.subtitle.text == (
        "2012 · agencies as named at the time · 28 bodies, 42 of 117 links"
    )
    every = views.build("network", q, {"year": "2012", "ties": "all"})
    assert every.layout.title.subtitle.text.endswith("28 bodies, 117 of 117 links")
    legacy = views.build("network", q, {"year": "2012", "min_links": "3"})
    assert "links shared on 3 or more measures" in legacy.layout.annotations[-1].text
    profile = views.build("agency_roles", q, {"profile": "cnipa", "successor": "1"})
    assert "CNIPA" in profile.layout.title.text
    dumbbell = views.build("theme_dumbbell", q, {"from": "2014", "to": "2020"})
    assert [t.name for t in dumbbell.data if t.name][:2] == ["2014", "2020"]


def test_the_description_states_the_plans_a_comparison_draws_on(q):
    assert views.describe_view("network_compare", q, {"successor": "1"}) == (
        "Agency network: how the ties changed between two plans · 2012, 2021–2022 · agencies "
        "mapped to today's successors"
    )
    assert views.describe_view("theme_dumbbell", q, {"from": "2014", "to": "2020"}) == (
        "Theme shares, one plan vs another · 2014, 2020 · agencies as named at the time"
    )
    assert views.describe_view("top_leads", q, {}) == (
        "Who leads most (top five per plan) · all plans · agencies as named at the time"
    )


def test_an_unknown_chart_is_named_in_the_error(q):
    with pytest.raises(KeyError, match="unknown chart 'pie'"):
        views.build("pie", q, {})


def test_file_names_say_what_the_chart_shows(q):
    assert views.view_file_stem("theme_dumbbell", q, {}) == "ipdash-theme-dumbbell-2012-2022"
    assert views.view_file_stem("top_leads", q, {}) == "ipdash-top-leads-all-years"
    assert (
        views.view_file_stem("agency_roles", q, {"profile": "cnipa", "successor": "1"})
        == "ipdash-agency-roles-all-years-successors-cnipa"
    )


def test_number_ranges():
    assert views.number_ranges([55, 56, 57, 58, 59, 60, 61, 62, 63]) == "55–63"
    assert views.number_ranges([7, 3, 4, 9, 10, 12]) == "3–4, 7, 9–10, 12"
    assert views.number_ranges([]) == ""


def test_notes_say_which_measures_the_source_omits(q):
    assert views.omitted_in_source(q) == {2014: "55–63"}
    fig = views.build("theme_trends", q, {})
    note = " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)
    assert "(there are no plans in between); 2014 counts its 70 present measures, 55–63 " in note
    leads = views.build("top_leads", q, {})
    note = " ".join(a.text.replace("<br>", " ") for a in leads.layout.annotations)
    assert "The 2014 plan names no bodies and is not shown." in note


def test_messages_say_which_plans_name_no_bodies(q):
    from ipdash.present import figures

    assert views.plans_naming_no_bodies(q) == ["2014"]
    assert views.no_bodies_clause(q) == " (the 2014 plan names none)"
    assert figures.no_bodies_clause(["2014", "2016"]) == " (the 2014, 2016 plans name none)"
    assert figures.no_bodies_clause([]) == ""
    empty = views.build("network", q, {"year": "2014"})
    assert "clear a filter (the 2014 plan names none)." in " ".join(
        a.text for a in empty.layout.annotations
    )


def test_profile_charts_say_they_show_every_plan_whatever_the_plan_filter(q):
    params = {"profile": "cnipa", "year": "2020", "successor": "1"}
    for chart in ("agency_roles", "agency_themes"):
        fig = views.build(chart, q, params)
        assert fig.layout.title.subtitle.text == "all plans · agencies mapped to today's successors"


def test_chosen_bodies_move_between_the_named_and_the_current_view(q):
    assert views.agencies_in_view(q, ["sipo", "saic", "mofcom"], successor=True) == [
        "cnipa",
        "samr",
        "mofcom",
    ]
    # Back: the bodies as the plans named them that the chosen ones carry on.
    assert views.agencies_in_view(q, ["cnipa", "mofcom"], successor=False) == [
        "cnipa",
        "mofcom",
        "sipo",
    ]


def test_a_profile_of_a_merged_body_shows_its_successor_in_the_current_view(q):
    assert views.profile_agency(q, "sipo", successor=False) == "sipo"
    assert views.profile_agency(q, "sipo", successor=True) == "cnipa"
    most_active = q(queries.agency_options, False)["agency_id"][0]
    assert views.profile_agency(q, "no-such-body", successor=False) == most_active


def test_network_metrics_are_computed_for_the_filtered_measures(q):
    metrics = views.network_metrics(q, MeasureFilter(years=(2022,)), False, 3)
    top = metrics.row(0, named=True)
    assert metrics.height == 38
    # CNIPA shares 3 or more measures with 14 bodies in 2021–2022 (counted in SQL by hand).
    assert (top["short_name"], top["degree"]) == ("CNIPA", 14)


def test_the_network_layout_is_the_same_in_every_process(built_db):
    """Python salts string hashes per process: nothing in the layout may depend on the
    order of a set of names (a filtered network once moved between runs)."""
    import subprocess
    import sys

    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from ipdash.present import views\n"
        "from ipdash.store.db import connect_read_only\n"
        "from ipdash.store.filters import MeasureFilter\n"
        "q = views.query_on(connect_read_only(Path(sys.argv[1])))\n"
        "f = MeasureFilter(years=(2022,))\n"
        "print(json.dumps(sorted(views.network_layout(q, f, 'min3').items())))\n"
    )
    layouts = {
        subprocess.run(
            [sys.executable, "-c", script, str(built_db)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(layouts) == 1
