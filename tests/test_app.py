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
    "pages/6_Stories.py",
    "pages/7_Add_a_plan.py",
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
    assert ("Agencies involved", "–") in metrics
    assert "Leads most: **CNIPA**, 37 measures (32%)" in texts(at)
    assert (
        "This plan names no responsible bodies; measures 55–63 are omitted in the source."
        in texts(at)
    )


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
    from ipdash.store import queries
    from ipdash.store.filters import MeasureFilter

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


# ---------------------------------------------------------------------------------------
# Stories, presentation mode and the chart menu


@pytest.fixture
def saved_stories(tmp_path, own_settings):
    path = tmp_path / "saved.yaml"
    own_settings(stories_file=path)
    return path


def test_stories_page_lists_the_ready_made_story_with_computed_captions(saved_stories):
    at = run("pages/6_Stories.py")
    no_failures(at)
    assert at.selectbox(key="story").value == "ip-strategy-2012-2022"
    page = texts(at)
    assert "8 views" in page
    assert "**1. Who leads the measures**" in page
    assert "**8. CNIPA and its predecessors, plan by plan**" in page
    assert "{" not in page
    shown = [h.value for h in at.get("html")]
    assert any("SIPO leads 21 of the 2012 plan" in v for v in shown)


def test_presentation_mode_from_the_address_steps_through_the_story(saved_stories):
    at = run(
        "pages/6_Stories.py",
        state={"story": "ip-strategy-2012-2022", "present": True, "view": 3},
    )
    no_failures(at)
    shown = "\n".join(h.value for h in at.get("html"))
    assert "2021–2022: who works with whom" in shown
    assert "<span>3 / 8</span>" in shown
    assert not at.selectbox  # no controls while presenting
    at.button[1].click().run()  # Next
    shown = "\n".join(h.value for h in at.get("html"))
    assert "<span>4 / 8</span>" in shown
    assert at.query_params["view"] in ("4", ["4"])
    assert at.query_params["present"] in ("1", ["1"])
    at.button[2].click().run()  # Exit presentation
    no_failures(at)
    assert at.selectbox(key="story").value == "ip-strategy-2012-2022"
    assert "present" not in at.query_params


def test_a_chart_menu_adds_the_view_to_a_new_story_then_the_story_is_edited(saved_stories):
    from ipdash.present import stories

    at = run()
    at.text_input(key="top_leads_new_title").input("Workshop, 12 May")
    at.text_area(key="top_leads_caption").input("Who leads, at a glance")
    at.button(key="top_leads_add").click().run()
    no_failures(at)
    saved = stories.load_saved(saved_stories)
    assert [(s.story_id, s.title) for s in saved] == [("workshop-12-may", "Workshop, 12 May")]
    assert saved[0].views == (
        stories.View(
            "Who leads most: measures led per body, top five in each plan",
            "top_leads",
            {},
            "Who leads, at a glance",
        ),
    )
    # A second view, then reorder and delete on the Stories page.
    at = run("pages/3_Theme_shifts.py")
    at.selectbox(key="heatmap_story").select("workshop-12-may")
    at.button(key="heatmap_add").click().run()
    at = run("pages/6_Stories.py", state={"story": "workshop-12-may"})
    no_failures(at)
    assert "2 views" in texts(at)
    at.button(key="down_0").click().run()
    assert [v.chart for v in stories.load_saved(saved_stories)[0].views] == [
        "theme_heatmap",
        "top_leads",
    ]
    at.button(key="delete_1").click().run()
    assert [v.chart for v in stories.load_saved(saved_stories)[0].views] == ["theme_heatmap"]
    no_failures(at)


# ---------------------------------------------------------------------------------------
# Add a plan


@pytest.fixture
def own_corpus(corpus, own_settings):
    """The app reads and writes a temporary copy of data/raw and its own database."""
    raw, db_dir = corpus
    own_settings(raw_dir=raw, db_dir=db_dir)
    return raw, db_dir


def test_add_a_plan_previews_then_adds(own_corpus):
    from ipdash.store.db import current_db_path
    from tests.test_intake import PLAN_2023

    raw, db_dir = own_corpus
    before = current_db_path(db_dir)
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    at.file_uploader[0].set_value(("plan2023.txt", PLAN_2023.encode("utf-8"), "text/plain"))
    at.run()
    no_failures(at)
    assert at.number_input[0].value == 2023
    assert at.text_input[1].value == (
        "Promotion Plan for the Implementation of the National IP Strategy in 2023"
    )
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Measures"], metrics["Bodies"], metrics["Unresolved names"]) == ("6", "7", "1")
    assert (raw / "manifest.csv").read_text(encoding="utf-8").count("\n") == 6  # not yet
    at.button[0].click().run()
    no_failures(at)
    assert r"Added **plan2023\.txt** as `005_f9f068f3345f25a4.txt`" in at.success[0].value
    assert current_db_path(db_dir) != before
    assert "005_f9f068f3345f25a4.txt,2023," in (raw / "manifest.csv").read_text(encoding="utf-8")


def test_add_a_plan_refuses_a_binary_file_in_plain_words(own_corpus):
    raw, _ = own_corpus
    before = (raw / "manifest.csv").read_bytes()
    at = run("pages/7_Add_a_plan.py")
    name = "[plan](javascript:alert(1)) **bold**.txt"  # shown as typed, not as markup
    at.file_uploader[0].set_value((name, bytes(range(256)) * 50, "text/plain"))
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith(
        r"This file cannot be added: \[plan\]\(javascript:alert\(1\)\) \*\*bold\*\*\.txt: "
        "this is not a text document"
    )
    assert (raw / "manifest.csv").read_bytes() == before


def test_add_a_plan_asks_what_to_do_with_an_existing_year(own_corpus):
    from tests.test_intake import PLAN_2023

    at = run("pages/7_Add_a_plan.py")
    at.file_uploader[0].set_value(("plan.txt", PLAN_2023.encode("utf-8"), "text/plain"))
    at.run()
    at.number_input[0].set_value(2020).run()
    no_failures(at)
    assert "already has the **2020** plan" in at.warning[0].value
    assert at.radio[0].options == [
        "Add it as another rendering of that plan (both stay; Data quality compares them)",
        "Replace that plan (its documents are moved to data/raw/replaced/, not deleted)",
    ]


def test_add_a_plan_is_switched_off_on_a_read_only_server(own_corpus, own_settings):
    own_settings(read_only=True)
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    assert not at.file_uploader
    assert at.info[0].value.startswith("Adding plans is switched off on this server")


def test_the_chart_menus_read_the_saved_stories_once_per_run(saved_stories, monkeypatch):
    from ipdash.present import stories

    reads = []
    load = stories.load_saved
    monkeypatch.setattr(stories, "load_saved", lambda path: reads.append(path) or load(path))
    at = run("pages/3_Theme_shifts.py")  # three charts, each with its menu
    reads.clear()
    at.run()
    no_failures(at)
    assert len(at.get("plotly_chart")) == 3
    assert reads == [saved_stories]


def test_the_stories_page_says_which_plans_a_story_covers_and_lets_its_author_change_them(
    saved_stories,
):
    from ipdash.present import stories

    at = run("pages/6_Stories.py")
    no_failures(at)
    assert (
        "This story covers the plans it states, 2012, 2014, 2020 and 2021–2022, and keeps "
        "them when a plan is added (make an editable copy to change them)."
    ) in texts(at)
    stories.save_stories(
        [
            stories.Story(
                "mine", "Mine", "", (stories.View("{lead_last} leads {lead_last_n}", "top_leads"),)
            )
        ],
        saved_stories,
    )
    at = run("pages/6_Stories.py", state={"story": "mine"})
    no_failures(at)
    assert (
        "This story follows the data: it covers every plan (2012, 2014, 2020 and 2021–2022), "
        "and a plan added later joins it."
    ) in texts(at)
    assert "**1. CNIPA leads 37**" in texts(at)
    at.multiselect(key="story_plans_mine").select(2012).select(2020).run()
    next(b for b in at.button if b.label == "Save plans").click().run()
    no_failures(at)
    assert stories.load_saved(saved_stories)[0].plans == (2012, 2020)
    assert "**1. CNIPA leads 33**" in texts(at)  # 'last' is now 2020
    assert "This story covers the plans it states, 2012 and 2020" in texts(at)
