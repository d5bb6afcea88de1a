"""The pages, run headless with Streamlit's AppTest: they load without exceptions and
their filters change what they show exactly as the queries say."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ipdash import paths

APP = str(paths.ROOT / "app.py")
PAGES = [
    "pages/1_Measures.py",
    "pages/2_Agency_network.py",
    "pages/3_Theme_shifts.py",
    "pages/4_Agency_profile.py",
    "pages/5_Data_quality.py",
]


def run(page: str | None = None, params: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        for key, value in (state or {}).items():
            at.session_state[key] = value
        at.run()
    return at


def texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [h.value for h in at.subheader]
    )
    parts += (
        [h.value for h in at.title] + [i.value for i in at.info] + [s.value for s in at.success]
    )
    return "\n".join(str(p) for p in parts)


def no_failures(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overview_builds_the_database_on_first_start_and_shows_every_plan():
    at = run()
    no_failures(at)
    assert at.title[0].value == "China's national IP-strategy promotion plans, 2012–2022"
    metrics = {(m.label, m.value) for m in at.metric}
    assert ("Measures", "115") in metrics
    assert ("Agencies involved", "not named") in metrics
    assert "Leads most: **CNIPA**, 37 measures (32%)" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads(page):
    no_failures(run(page))


def table(at: AppTest, index: int = 0):
    return at.dataframe[index].value


def test_measures_filters_from_the_url():
    at = run("pages/1_Measures.py", {"year": "2014"})
    no_failures(at)
    assert "**70 measures** match" in texts(at)
    assert len(table(at)) == 70


def test_measures_agency_as_lead_gives_exactly_its_led_measures(con):
    from ipdash import queries
    from ipdash.filters import MeasureFilter

    at = run("pages/1_Measures.py", {"agency": "cnipa", "role": "lead"})
    no_failures(at)
    expected = queries.filtered_measures(con, MeasureFilter(agencies=("cnipa",), role="lead"))
    shown = table(at)
    assert len(shown) == expected.height == 70
    assert list(shown["measure_id"]) == expected["measure_id"].to_list()
    assert set(shown["lead_agency"]) == {"CNIPA"}


def test_measures_widgets_change_the_result():
    at = run("pages/1_Measures.py")
    assert "**375 measures** match" in texts(at)
    at.sidebar.multiselect(key="year").select("2012").run()
    at.sidebar.multiselect(key="theme").select("judicial").run()
    no_failures(at)
    assert "**5 measures** match" in texts(at)
    assert list(table(at)["measure_id"]) == [
        "2012-029",
        "2012-030",
        "2012-041",
        "2012-042",
        "2012-077",
    ]


def test_measures_detail_shows_roles_and_evidence():
    at = run("pages/1_Measures.py", {"measure": "2020-002"})
    no_failures(at)
    assert "Measure 2 of the 2020 plan (2020-002)" in texts(at)
    bodies = table(at, 1)
    assert list(bodies["role"]) == ["joint", "joint", "joint", "joint"]
    assert "none leads, all share the task jointly" in texts(at)


def test_measures_empty_state_and_hostile_search():
    at = run("pages/1_Measures.py", {"q": "<script>alert(1)</script>"})
    no_failures(at)
    assert "No measures match these filters" in texts(at)
    assert "search: '\\<script\\>alert\\(1\\)\\</script\\>'" in texts(at)


def test_network_node_click_lists_its_measures():
    at = run(
        "pages/2_Agency_network.py",
        {"year": "2022"},
        state={"net_select": {"selection": {"points": [{"customdata": ["node", "cnipa", ""]}]}}},
    )
    no_failures(at)
    assert "#### Measures naming CNIPA (69)" in texts(at)


def test_network_edge_click_lists_shared_measures():
    at = run(
        "pages/2_Agency_network.py",
        {"year": "2022"},
        state={"net_select": {"selection": {"points": [{"customdata": ["edge", "cnipa", "cpd"]}]}}},
    )
    no_failures(at)
    assert "#### Measures naming both CNIPA and CPD (17)" in texts(at)


def test_network_metrics_table():
    at = run("pages/2_Agency_network.py", {"year": "2022"})
    metrics = next(d.value for d in at.dataframe if "betweenness" in d.value.columns)
    top = metrics.iloc[0]
    assert (top["short_name"], top["measures"], top["degree"]) == ("CNIPA", 69, 30)


def test_theme_drill_down():
    at = run("pages/3_Theme_shifts.py", state={"drill": ("judicial", 2012)})
    no_failures(at)
    assert "#### Judicial protection in the 2012 plan: 5 measures" in texts(at)


def test_agency_profile_from_the_url():
    at = run("pages/4_Agency_profile.py", {"profile": "sipo"})
    no_failures(at)
    lineage = table(at, 0)
    assert list(lineage["body"]) == ["SIPO", "CNIPA"]
    assert "Its measures (35)" in texts(at)


def test_data_quality_reports_all_checks_passing():
    at = run("pages/5_Data_quality.py")
    no_failures(at)
    assert "All checks pass." in texts(at)
    assert "**Manual theme decisions: 0 of 375 measures**" in texts(at)


def test_filters_are_written_to_the_url_with_ids():
    at = run("pages/1_Measures.py")
    at.sidebar.multiselect(key="theme").select("judicial").run()
    at.sidebar.multiselect(key="agency").select("spc").run()
    no_failures(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["theme"] in ("judicial", ["judicial"])
    assert params["agency"] in ("spc", ["spc"])
    assert params["measure"] in ("2012-029", ["2012-029"])


def test_a_url_naming_unknown_options_still_opens():
    at = run(
        "pages/1_Measures.py",
        {
            "year": "1999,2014",
            "agency": "nobody",
            "role": "boss",
            "theme": "x;DROP TABLE measures",
            "measure": "2099-001",
        },
    )
    no_failures(at)
    assert "**70 measures** match" in texts(at)
