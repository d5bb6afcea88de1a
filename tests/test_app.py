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


def test_measures_offers_all_data_beside_its_downloads_and_cites_the_view(con):
    from datetime import UTC, datetime

    from ipdash.store import queries

    version = queries.build_info(con)["data_version"][0]
    at = run("pages/1_Measures.py", {"year": "2014", "theme": "judicial"})
    no_failures(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:3] == ["Download CSV (zip)", "Download Excel", "Download all data (.zip)"]
    assert labels.count("Download all data (.zip)") == 1  # not again in the footer
    assert labels[-2:] == ["Download .bib", "Download .ris"]
    link = (
        "http://localhost:8501/Measures?year=2014&theme=judicial&measure=2014-020"
        f"&data_version={version}"
    )
    today = datetime.now(UTC).date()
    permalink, text = at.code[0].value, at.code[1].value
    assert permalink == link
    assert text == (
        f"ipdash ({today.year}). Measures: 2014 · themes: Judicial protection · agencies as "
        f"named at the time [data view]. Data version {version}. Source data: Promotion "
        "Plans for the Implementation of the National IP Strategy, 2012–2022. "
        f"{link} (accessed {today:%d %B %Y})."
    )


def test_a_permalink_cited_with_older_data_says_so(con):
    from ipdash.store import queries

    version = queries.build_info(con)["data_version"][0]
    at = run("pages/3_Theme_shifts.py", {"data_version": "0ld<b>v</b>"})
    no_failures(at)
    assert at.info[0].value == (
        "This link was cited with data version 0ld\\<b\\>v\\</b\\>; the page shows the "
        f"data as it is now, version {version}, so numbers may differ from the cited ones."
    )
    at = run("pages/3_Theme_shifts.py", {"data_version": version})
    no_failures(at)
    assert not [i.value for i in at.info if "was cited with" in i.value]
    # The default view: nothing but the data version in the permalink.
    assert at.code[0].value == f"http://localhost:8501/Theme_shifts?data_version={version}"


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
    assert list(bodies["role"]) == ["shares jointly"] * 4
    assert "none leads, all share the task jointly" in texts(at)
    # The source reads like a citation; the engineers' record is kept apart.
    assert "**Source.** Measure 2 of the 2020 plan" in texts(at)
    assert "English web page, unofficial machine translation" in texts(at)
    assert [e.label for e in at.expander][-2:] == ["Show in the document", "Technical details"]
    technical = table(at, 2)
    assert technical.iloc[1]["value"] == "2020 (002_504d37ac8016cd13.txt)"


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
    assert "#### CNIPA and the bodies it works with" in texts(at)
    assert [e.label for e in at.expander] == ["The 69 measures naming CNIPA"]
    assert at.query_params["focus"] in ("cnipa", ["cnipa"])
    ranking = next(c for c in at.get("plotly_chart") if "Who works most with CNIPA" in c.proto.spec)
    assert '"CPD"' in ranking.proto.spec


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
    assert list(metrics.columns[:5]) == [
        "short_name",
        "name",
        "degree",
        "weighted_degree",
        "betweenness",
    ]
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
    assert "9 views" in page
    assert "**1. Who leads the measures**" in page
    assert "**8. What is new in the 2021–2022 plan**" in page
    assert "**9. CNIPA and its predecessors, plan by plan**" in page
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
    assert "<span class='ipd-present-position'>3 / 9</span>" in shown
    assert not at.selectbox  # no controls while presenting
    at.button(key="present_next").click().run()
    shown = "\n".join(h.value for h in at.get("html"))
    assert "<span class='ipd-present-position'>4 / 9</span>" in shown
    assert at.query_params["view"] in ("4", ["4"])
    assert at.query_params["present"] in ("1", ["1"])
    at.button(key="present_exit").click().run()
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
    next(b for b in at.button if b.label == "Add this plan and rebuild the database").click().run()
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
    assert at.info[0].value.startswith("Adding and removing plans is switched off on this server")
    assert not at.button  # no Add, no Remove


def test_the_chart_menus_read_the_saved_stories_once_per_run(saved_stories, monkeypatch):
    from ipdash.present import stories

    reads = []
    load = stories.load_saved
    monkeypatch.setattr(stories, "load_saved", lambda path: reads.append(path) or load(path))
    at = run("pages/3_Theme_shifts.py")  # five charts, each with its menu
    reads.clear()
    at.run()
    no_failures(at)
    assert len(at.get("plotly_chart")) == 5
    assert reads == [saved_stories]


# ---------------------------------------------------------------------------------------
# One test upload and the ready-made story (issue 12, item 6): adding a tiny plan warns,
# leaves the story as it was, never shows a placeholder; removing the plan gives back the
# counts and checks of before


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def presented(view: int) -> tuple[str, list[str]]:
    """Presentation mode of the ready-made story at `view`: every text on the page, and
    the chart specs drawn."""
    at = run(
        "pages/6_Stories.py",
        state={"story": "ip-strategy-2012-2022", "present": True, "view": view},
    )
    no_failures(at)
    shown = "\n".join([h.value for h in at.get("html")] + [i.value for i in at.info] + [texts(at)])
    return shown, [c.proto.spec for c in at.get("plotly_chart")]


def every_view_presented() -> list[tuple[str, list[str]]]:
    return [presented(view) for view in range(1, 10)]


def deck_texts(monkeypatch, db_dir) -> list[list[str]]:
    """The text of every slide of the ready-made deck (chart images stubbed: this is
    about the words; tests/test_deck.py renders the real images)."""
    import io

    from pptx import Presentation

    from ipdash.present import deck, images, stories
    from ipdash.present.views import query_on
    from ipdash.store.db import connect_read_only, current_db_path

    monkeypatch.setattr(images, "slide_image", lambda *a, **k: _png())
    con = connect_read_only(current_db_path(db_dir))
    try:
        data = deck.build_deck(stories.load_builtin()[0], query_on(con))
    finally:
        con.close()
    slides = Presentation(io.BytesIO(data)).slides
    return [[s.text_frame.text for s in slide.shapes if s.has_text_frame] for slide in slides]


def checks_and_counts(raw, db_dir) -> tuple[list, list]:
    from ipdash.store.checks import run_checks
    from ipdash.store.db import connect_read_only, current_db_path

    con = connect_read_only(current_db_path(db_dir))
    try:
        results = [(r.check.name, r.status, r.problems) for r in run_checks(con, raw)]
        counts = con.execute(
            "SELECT plan_year, count(*) FROM measures GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return results, counts


def _without_counts(text: str) -> str:
    import re

    return re.sub(r"\d+", "#", text)


def assert_no_placeholder(text: str) -> None:
    """No {fact} placeholder in what the audience reads (page code and styles aside)."""
    import re

    text = re.sub(r"<(script|style)>.*?</\1>", "", text, flags=re.S)
    assert not re.search(r"\{[^{}\s]*\}", text), re.findall(r"\{[^{}\s]*\}", text)
    assert "?}" not in text


def test_a_test_upload_leaves_the_ready_made_story_whole_and_removal_restores_it(
    own_corpus, saved_stories, monkeypatch
):
    from tests.test_stories import TINY_PLAN_2030

    raw, db_dir = own_corpus
    before_checks, before_counts = checks_and_counts(raw, db_dir)
    assert before_counts == [(2012, 90), (2014, 79), (2020, 100), (2022, 115)]
    story_before = every_view_presented()
    deck_before = deck_texts(monkeypatch, db_dir)

    # Upload a 3-measure plan for 2030: the page warns, says what changes, then adds it.
    at = run("pages/7_Add_a_plan.py")
    at.file_uploader[0].set_value(("plan2030.txt", TINY_PLAN_2030.encode("utf-8"), "text/plain"))
    at.run()
    no_failures(at)
    assert at.number_input[0].value == 2030
    warnings = [w.value for w in at.warning]
    assert warnings[0].startswith(
        "Only 3 measures found: far fewer than the smallest plan in the corpus \\(2014, 70 "
        "measures\\)\\. Is this the whole plan?"
    )
    page = texts(at)
    assert "**Adding it will change:**" in page
    assert (
        "- The 2030 plan becomes the latest plan \\(now 2021–2022\\)\\. Pages that start from "
        "the latest plan change: Theme shifts' “To” plan \\(2021–2022 → 2030\\) and the Agency "
        "network's second plan compared \\(2021–2022 → 2030\\)\\."
    ) in page
    assert "- The ready\\-made story keeps its plans \\(2012, 2014, 2020 and 2021–2022\\)" in page
    add = next(b for b in at.button if b.label == "Add this plan and rebuild the database")
    add.click().run()
    no_failures(at)
    assert checks_and_counts(raw, db_dir)[1][-1] == (2030, 3)

    # Every view, presented: the same words and charts as before, no placeholder — but
    # for the view of what is new, whose links are scored again with the 2030 plan's
    # words (a link at the threshold may flip): the same words but for the counts.
    story_after = every_view_presented()
    for (shown, charts), (shown_before, charts_before) in zip(
        story_after, story_before, strict=True
    ):
        assert_no_placeholder(shown)
        assert "2030" not in shown
        if "continue no measure of" in shown_before:
            assert _without_counts(shown) == _without_counts(shown_before)
        else:
            assert shown == shown_before
            assert charts == charts_before
    assert "<span class='ipd-present-position'>6 / 9</span>" in story_after[5][0]
    assert "The rise and fall across all four plans" in story_after[5][0]
    # The deck's slides: the same words, but the data version (title and sources slides);
    # the sources are the documents of the story's plans, not the 2030 one.
    deck_after = deck_texts(monkeypatch, db_dir)
    for slide in deck_after:
        for text in slide:
            assert_no_placeholder(text)
    assert deck_after[0][:2] == deck_before[0][:2]
    assert [[_without_counts(t) for t in slide] for slide in deck_after[1:-1]] == [
        [_without_counts(t) for t in slide] for slide in deck_before[1:-1]
    ]
    # Only the slide of what is new may differ, and only in its counts.
    changed = [i for i, s in enumerate(deck_after[1:-1]) if s != deck_before[1:-1][i]]
    assert all("continue no measure of" in " ".join(deck_before[1 + i]) for i in changed)
    sources, sources_before = deck_after[-1][1], deck_before[-1][1]
    assert sources.splitlines()[:-1] == sources_before.splitlines()[:-1]
    assert "2030" not in sources
    assert deck_after[0][:2] == [
        "IP strategy 2012 → 2022 in nine views",
        "Who does the work, with whom, and how priorities moved, in China's national "
        "IP-strategy promotion plans of 2012, 2014, 2020 and 2021–2022",
    ]

    # Remove it on Manage plans, after confirming: the counts and checks of before.
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    assert at.selectbox(key="remove_year").value == 2030
    assert at.button(key="remove_plan").disabled
    assert (
        "- The ready\\-made story does not cover this plan: it does not change, but for links "
        "close to the threshold in its view of what is new\\."
    ) in texts(at)
    at.checkbox(key="remove_sure").check().run()
    at.button(key="remove_plan").click().run()
    no_failures(at)
    assert at.success[0].value.startswith("Removed the **2030** plan and built a new database")
    assert "2030," not in (raw / "manifest.csv").read_text(encoding="utf-8")
    assert checks_and_counts(raw, db_dir) == (before_checks, before_counts)
    assert every_view_presented() == story_before


def test_a_removed_plan_of_the_story_is_said_plainly(own_corpus, saved_stories):
    from ipdash.store import intake

    raw, db_dir = own_corpus
    intake.remove_plan(2012, raw_dir=raw, db_dir=db_dir)
    at = run("pages/6_Stories.py")
    no_failures(at)
    assert at.warning[0].value.startswith(
        "This story compares the 2012 plan, which the data no longer holds"
    )
    assert_no_placeholder(texts(at) + "\n".join(h.value for h in at.get("html")))
    # A view of 2012 alone cannot be drawn: it says so instead of failing.
    shown, charts = presented(2)
    assert "The 2012 plan is no longer in the data, so this view cannot be shown." in shown
    assert charts == []
    assert "<div class='ipd-present-title'>2012: who works with whom</div>" in shown
    assert_no_placeholder(shown)
    # A view of every plan shows the others, and says which is gone.
    shown, charts = presented(7)
    assert "The 2012 plan is no longer in the data: this view shows the other plans." in shown
    assert len(charts) == 1
    assert_no_placeholder(shown)


def test_removing_a_plan_is_one_guarded_function(own_corpus, own_settings, tmp_path):
    from ipdash import web
    from ipdash.store.edits import EditRefusedError, read_changes
    from ipdash.web.edits import permission

    raw, _ = own_corpus
    before = (raw / "manifest.csv").read_bytes()
    for settings in (
        own_settings(read_only=True, log_dir=tmp_path),
        own_settings(shared=True, log_dir=tmp_path),  # a shared server without a token
    ):
        ctx = web.Context("unused.duckdb", settings)
        assert not permission(ctx, "remove")
        with pytest.raises(
            EditRefusedError, match=r"(Adding and removing|Removing) plans is switched off"
        ):
            web.remove_plan(ctx, 2022)
    assert (raw / "manifest.csv").read_bytes() == before
    log = read_changes(tmp_path)
    assert [(e["action"], e["plan"], e["via"]) for e in log] == [("remove", "2022", "app")] * 2
    assert all("plans is switched off on this" in e["outcome"] for e in log)


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


def test_add_a_plan_shows_what_the_parser_decided_and_doubts(own_corpus):
    plan = (paths.ROOT / "tests" / "data" / "plans" / "zh_2017_style.txt").read_bytes()
    at = run("pages/7_Add_a_plan.py")
    at.file_uploader[0].set_value(("2017.txt", plan, "text/plain"))
    at.run()
    no_failures(at)
    decided = next(
        m.value for m in at.markdown if m.value.startswith("**What the parser decided**")
    )
    assert decided.splitlines()[1:3] == [
        "- language: zh",
        r"- structure: measures numbered （1）, running through the document, under part \(一、\)",
    ]
    assert (
        r"- role note: none: the first\-listed body of a plain list is taken to lead \(leads "
        r"inferred\)" in decided
    )
    assert [w.value for w in at.warning][:2] == [
        r"No role note says that the first\-listed body leads: the lead is inferred, not stated, "
        r"in measures 1, 2, 5, 6, 7, 9, 10, 14, 15, 16, 17, 18, 19, 20 naming several bodies\.",
        r"The list of bodies is left open \(…and other departments / 等部门\) in measure 7: the "
        r"bodies not named are not counted\.",
    ]


@pytest.fixture
def two_language_corpus(tmp_path, own_settings):
    """The app reads a corpus whose one plan has a Chinese original and an English
    rendering (tests/test_languages.py)."""
    from tests.test_languages import two_languages

    own_settings(raw_dir=two_languages(tmp_path), db_dir=tmp_path / "db")


def test_data_quality_lists_translation_disagreements_and_decisions(two_language_corpus):
    at = run("pages/5_Data_quality.py")
    no_failures(at)
    subheaders = [h.value for h in at.subheader]
    found = subheaders.index("Where a translation disagrees with the text that prevails")
    assert subheaders[found + 1] == "What the parser decided, per document"
    frames = [d.value for d in at.dataframe]
    translations = next(f for f in frames if "aspect" in f.columns and "plan" in f.columns)
    assert translations[["measure", "aspect", "detail"]].values.tolist() == [
        ["2012-007", "agencies", "moh, sfda, sipo vs moh, sipo"],
        ["2012-010", "roles", "nbs lead vs participant; sipo participant vs lead"],
    ]
    decided = next(f for f in frames if "measures numbered" in f.columns)
    assert decided[["document", "measures numbered", "leads", "open lists"]].values.tolist() == [
        ["2012-zh", "1、, running on, under part (一、)", "inferred (no role note)", "10"],
        ["2012-en", "1., running on, under part (I.)", "inferred (no role note)", "10"],
    ]
    assert decided["doubts"].iloc[0].startswith("No role note says that the first-listed body")


def test_data_quality_says_when_no_plan_has_two_languages():
    at = run("pages/5_Data_quality.py")
    no_failures(at)
    assert "No plan has texts in two languages (a Chinese original and a rendering)." in texts(at)
    decided = next(d.value for d in at.dataframe if "measures numbered" in d.value.columns)
    assert decided[["document", "leads", "doubts"]].values.tolist()[3:5] == [
        ["2020", "stated (role note)", "none"],
        ["2022", "stated (role note)", "none"],
    ]


def test_the_measure_shows_the_chinese_text_and_the_english_side_by_side(two_language_corpus):
    at = run("pages/1_Measures.py", {"measure": "2012-006"})
    no_failures(at)
    assert (
        "The Chinese text prevails: the measure's bodies, roles and theme are read from it; "
        "the English text is a rendering (where the two disagree, Data quality lists it)."
        in texts(at)
    )
    assert r"**Chinese** (the text that prevails, numbered 6、)" in texts(at)
    assert r"**English** (a rendering, numbered 6\.)" in texts(at)


def test_the_names_switch_names_bodies_in_chinese_and_stays_in_the_address():
    # as a link from another page opens it (links carry the switch like the filters)
    at = run(None, {"year": "2020"})
    at.switch_page("pages/1_Measures.py")
    at.query_params["names"] = "zh"
    at.run()
    no_failures(at)
    shown = table(at)
    assert shown["agencies"].iloc[1] == (
        "最高人民法院 (joint); 司法部 (joint); 国家知识产权局 (joint); 中央宣传部 (joint)"
    )
    assert at.query_params["names"] in ("zh", ["zh"])
    at.sidebar.segmented_control(key="names").set_value("en").run()
    no_failures(at)
    assert table(at)["agencies"].iloc[1] == "SPC (joint); MOJ (joint); CNIPA (joint); CPD (joint)"
    assert "names" not in at.query_params


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_with_chinese_names(page):
    no_failures(run(page, {"names": "zh"}))


def test_theme_shifts_with_one_plan_asks_for_a_second_instead_of_comparing_it_with_itself():
    at = run("pages/3_Theme_shifts.py", params={"year": "2020"})
    no_failures(at)
    assert at.info[0].value == (
        "Comparing needs two plans: the plan filter keeps only 2020. Add another plan in "
        "the sidebar, or clear the filter."
    )
    assert "From" not in [s.label for s in at.selectbox]
