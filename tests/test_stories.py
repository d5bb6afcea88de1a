"""Stories: reading and validating story files, editing them (pure functions), saving
them safely, and the facts the ready-made story's captions are computed from."""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from ipdash.errors import DataFileError
from ipdash.present import stories
from ipdash.present.stories import Story, View
from ipdash.present.views import query_on
from ipdash.store import intake
from ipdash.store.db import connect_read_only, current_db_path

ONE = View("One", "top_leads", {}, "")
TWO = View("Two", "theme_heatmap", {"heat_value": "count"}, "caption two")
THREE = View("Three", "network", {"year": "2012"}, "")


def story(story_id: str = "mine", *views: View) -> Story:
    return Story(story_id, story_id.title(), "", tuple(views))


# ---------------------------------------------------------------------------------------
# The ready-made story


def test_the_ready_made_story_has_nine_views_of_known_charts():
    builtin = stories.load_builtin()
    assert [s.story_id for s in builtin] == ["ip-strategy-2012-2022"]
    views = builtin[0].views
    assert len(views) == 9
    assert [v.chart for v in views] == [
        "top_leads",
        "network",
        "network",
        "network_compare",
        "theme_dumbbell",
        "theme_trends",
        "theme_heatmap",
        "lineage_changes",
        "agency_roles",
    ]
    assert builtin[0].builtin


def test_every_placeholder_of_the_ready_made_story_is_a_computed_fact(q):
    facts = stories.story_facts(q)
    for view in stories.load_builtin()[0].views:
        resolved = stories.resolved(view, facts)
        for text in (resolved.title, resolved.caption, *resolved.params.values()):
            assert "{" not in text, text


def test_facts_are_computed_from_the_data(q):
    facts = stories.story_facts(q)
    expected = {
        "first_label": "2012",
        "last_label": "2021–2022",
        "present_first": "90",
        "present_last": "115",
        "lead_first": "SIPO",
        "lead_first_n": "21",
        "lead_first_share": "23%",
        "lead_last": "CNIPA",
        "lead_last_n": "37",
        "lead_last_share": "32%",
        "second_last": "SPC",
        "second_last_n": "7",
        "bodies_first": "28",
        "bodies_last": "38",
        "multi_first": "40%",
        "multi_last": "50%",
        "joint_last": "21",
        "pair_first": "MOST–SIPO",
        "pair_first_n": "7",
        "pair_last": "CNIPA–CPD",
        "pair_last_n": "17",
        "new_bodies_n": "14",
        "gone_bodies": "SASAC",
        "lead_agency_last_joint": "15",
        "rise1": "Administrative enforcement",
        "rise1_pp": "+7.8 points",
        "rise1_a": "12%",
        "rise1_b": "20%",
        "rise2": "International",
        "rise2_pp": "+6.2 points",
        "fall1": "Creation quality and examination",
        "fall1_pp": "-5.2 points",
        "fall2": "Special fields",
        "fall2_pp": "-4.4 points",
        "top_theme_first": "Strategy and governance",
        "top_theme_last": "Administrative enforcement",
    }
    assert {k: facts[k] for k in expected} == expected


def test_two_facts_match_a_direct_count_in_the_tables(con, q):
    facts = stories.story_facts(q)
    led = con.execute(
        "SELECT count(*) FROM measure_agencies JOIN measures USING (measure_id) "
        "WHERE plan_year = 2012 AND agency_id = 'sipo' AND role = 'lead'"
    ).fetchone()[0]
    both = con.execute(
        "SELECT count(*) FROM (SELECT measure_id FROM measure_agencies JOIN measures "
        "USING (measure_id) WHERE plan_year = 2022 AND agency_id IN ('cnipa', 'cpd') "
        "GROUP BY measure_id HAVING count(DISTINCT agency_id) = 2)"
    ).fetchone()[0]
    assert (facts["lead_first_n"], facts["pair_last_n"]) == (str(led), str(both))


def test_the_ready_made_story_states_its_plans_and_names_them_in_every_view():
    story = stories.load_builtin()[0]
    assert story.plans == stories.ready_made_plans() == (2012, 2014, 2020, 2022)
    plan_params = [
        {
            k: v
            for k, v in view.params.items()
            if k in ("year", "plans", "from", "to", "compare_a", "compare_b", "lin_from", "lin_to")
        }
        for view in story.views
    ]
    assert plan_params == [
        {"year": "{plan_years}"},
        {"year": "{first_year}"},
        {"year": "{last_year}"},
        {"compare_a": "{first_year}", "compare_b": "{last_year}"},
        {"from": "{first_year}", "to": "{last_year}"},
        {"year": "{plan_years}"},
        {"year": "{plan_years}"},
        {"lin_from": "{prev_year}", "lin_to": "{last_year}"},
        {"plans": "{plan_years}"},
    ]


def test_the_ready_made_story_filled_on_the_seed_corpus(q):
    story = stories.load_builtin()[0]
    facts = stories.facts_for(story, q)
    assert stories.title_of(story, facts) == "IP strategy 2012 → 2022 in nine views"
    assert stories.fill(story.subtitle, facts) == (
        "Who does the work, with whom, and how priorities moved, in China's national "
        "IP-strategy promotion plans of 2012, 2014, 2020 and 2021–2022"
    )
    filled = [stories.resolved(v, facts) for v in story.views]
    assert filled[0].params == {"year": "2012,2014,2020,2022"}
    assert filled[0].caption == (
        "SIPO leads 21 of the 2012 plan's 90 measures (23%); in 2021–2022 CNIPA leads 37 of "
        "115 (32%), and the next body, SPC, leads 7."
    )
    assert filled[4].params == {"from": "2012", "to": "2022"}
    assert filled[4].caption == (
        "Administrative enforcement (+7.8 points) and International (+6.2 points) gained the "
        "most share of measures. Creation quality and examination (-5.2 points) and Special "
        "fields (-4.4 points) lost the most."
    )
    assert filled[5].title == "The rise and fall across all four plans"
    assert filled[5].params["highlight"] == "enforcement,international,quality,special_fields"
    assert filled[7].title == "What is new in the 2021–2022 plan"
    assert filled[7].params == {"lin_from": "2020", "lin_to": "2022"}
    assert filled[8].params == {
        "profile": "cnipa",
        "successor": "1",
        "plans": "2012,2014,2020,2022",
    }


# ---------------------------------------------------------------------------------------
# Filling texts: never a placeholder


FACTS = {"a": "A", "b": "B", "c_id": "c"}


@pytest.mark.parametrize(
    ("template", "filled"),
    [
        ("{a} and {b}.", "A and B."),
        ("{a} leads. {missing} is left out. {b} too.", "A leads. B too."),
        ("{a} leads[, and {missing} follows].", "A leads."),
        ("{a} leads[, and {b} follows].", "A leads, and B follows."),
        ("[{missing} and {a}|{a} alone|nobody] gained.", "A alone gained."),
        ("[{missing} gained|{other} gained].", ""),
        ("{missing}: who works with whom", ""),
        ("A [draft] with no facts stays as written.", "A [draft] with no facts stays as written."),
        ("Values are not read again: {a}.", "Values are not read again: A."),
    ],
)
def test_fill_leaves_out_what_the_data_cannot_say(template, filled):
    assert stories.fill(template, FACTS) == filled


def test_fill_inserts_values_as_written():
    assert stories.fill("{a}.", {"a": "{b} [x|y]"}) == "{b} [x|y]."


def test_parameters_keep_the_list_items_whose_facts_are_known():
    assert stories.fill_param("{c_id},{missing},{a}", FACTS) == "c,A"
    assert stories.fill_param("{missing}", FACTS) == ""
    view = View("{missing}", "network", {"year": "{missing}", "successor": "1"}, "{missing}.")
    assert stories.resolved(view, FACTS) == View(
        "Agency network", "network", {"successor": "1"}, ""
    )


def test_missing_facts_are_named_for_the_author():
    assert stories.missing_facts("{a} {lead_lst} {b} {lead_lst} {x}", FACTS) == ["lead_lst", "x"]


# ---------------------------------------------------------------------------------------
# Validation: clear messages naming the file and line


def test_unknown_chart_is_reported_with_file_and_line():
    text = "stories:\n- id: talk\n  title: Talk\n  views:\n  - title: X\n    chart: pie\n"
    with pytest.raises(DataFileError) as err:
        stories.import_text(text, "talk.yaml")
    assert str(err.value).startswith("talk.yaml, line 5: talk: unknown chart 'pie'")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- just a list", "expected a mapping with a list under 'stories'"),
        ("stories:\n- id: Bad Id\n", "story id 'Bad Id' must be lower-case"),
        ("stories:\n- id: a\n- id: a\n", "story id 'a' appears twice"),
        (
            "stories:\n- id: a\n  views:\n  - {title: '{oops', chart: top_leads}\n",
            "braces must name a fact",
        ),
        ("stories:\n- id: a\n  title: " + "x" * 601 + "\n", "longer than 600 characters"),
        ("stories: [\n", "is not a stories file"),
    ],
)
def test_malformed_story_files_are_refused(text, problem):
    with pytest.raises(DataFileError, match=problem):
        stories.import_text(text, "f.yaml")


def test_json_is_accepted():
    text = '{"stories": [{"id": "j", "title": "J", "views": [{"title": "T", "chart": "network"}]}]}'
    assert stories.import_text(text) == [Story("j", "J", "", (View("T", "network"),))]


def test_a_saved_story_may_not_take_a_ready_made_id(tmp_path):
    path = tmp_path / "saved.yaml"
    path.write_text("stories:\n- id: ip-strategy-2012-2022\n  title: Mine\n")
    with pytest.raises(DataFileError, match="taken by a ready-made story"):
        stories.load_stories(path)


# ---------------------------------------------------------------------------------------
# Editing


def test_add_view_appends_or_creates_the_story():
    created = stories.add_view([], "talk", ONE, title="Talk")
    assert created == [Story("talk", "Talk", "", (ONE,))]
    assert stories.add_view(created, "talk", TWO)[0].views == (ONE, TWO)


def test_move_edit_and_delete_views():
    mine = [story("mine", ONE, TWO, THREE)]
    assert stories.move_view(mine, "mine", 0, 1)[0].views == (TWO, ONE, THREE)
    assert stories.move_view(mine, "mine", 2, -1)[0].views == (ONE, THREE, TWO)
    assert stories.move_view(mine, "mine", 0, -1)[0].views == (ONE, TWO, THREE)  # no-op
    assert stories.delete_view(mine, "mine", 1)[0].views == (ONE, THREE)
    edited = stories.edit_view(mine, "mine", 1, "New", "words")[0].views[1]
    assert (edited.title, edited.caption, edited.chart) == ("New", "words", "theme_heatmap")
    assert stories.rename_story(mine, "mine", "Renamed")[0].title == "Renamed"
    assert stories.delete_story(mine, "mine") == []


def test_a_story_holds_at_most_forty_views():
    full = [story("full", *([ONE] * stories.MAX_VIEWS))]
    with pytest.raises(DataFileError, match="already has 40 views"):
        stories.add_view(full, "full", TWO)


def test_import_replaces_same_id_and_renames_ready_made_ids():
    mine = [story("a", ONE), story("b", TWO)]
    incoming = [story("b", THREE), story("ip-strategy-2012-2022", ONE), story("c", TWO)]
    merged = stories.merge(mine, incoming, reserved={"ip-strategy-2012-2022"})
    assert [(s.story_id, s.views) for s in merged] == [
        ("a", (ONE,)),
        ("b", (THREE,)),
        ("ip-strategy-2012-2022-copy", (ONE,)),
        ("c", (TWO,)),
    ]


def test_copy_of_the_ready_made_story_is_editable_under_a_new_id():
    builtin = stories.load_builtin()[0]
    copy = stories.copy_story(builtin, "Workshop, 12 May", {builtin.story_id, "workshop-12-may"})
    assert (copy.story_id, copy.title, copy.builtin) == (
        "workshop-12-may-2",
        "Workshop, 12 May",
        False,
    )
    assert copy.views == builtin.views


# ---------------------------------------------------------------------------------------
# Saving


def test_saved_stories_round_trip_and_leave_no_temporary_files(tmp_path):
    path = tmp_path / "saved.yaml"
    mine = [story("mine", ONE, TWO)]
    stories.save_stories(mine, path)
    assert stories.load_saved(path) == mine
    assert stories.load_stories(path)[0].builtin  # ready-made first
    assert sorted(p.name for p in tmp_path.iterdir()) == [".saved.yaml.lock", "saved.yaml"]


def test_ready_made_stories_are_never_written(tmp_path):
    path = tmp_path / "saved.yaml"
    stories.save_stories([*stories.load_builtin(), story("mine", ONE)], path)
    assert [s.story_id for s in stories.load_saved(path)] == ["mine"]


def test_concurrent_saves_lose_nothing(tmp_path):
    path = tmp_path / "saved.yaml"

    def add(n: int) -> None:
        view = View(f"view {n}", "top_leads")
        stories.update_stories(lambda s: stories.add_view(s, "shared", view, "Shared"), path)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    titles = sorted(v.title for v in stories.load_saved(path)[0].views)
    assert titles == sorted(f"view {n}" for n in range(12))


def test_a_refused_change_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "saved.yaml"
    stories.save_stories([story("mine", ONE)], path)
    before = path.read_bytes()
    with pytest.raises(DataFileError):
        stories.update_stories(lambda s: [*s, story("ip-strategy-2012-2022")], path)
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------
# The ready-made story when a plan is added: it keeps its plans; a story that covers the
# new plan never shows a placeholder, whatever the plan lacks

# A tiny test plan, three measures, one body each (no two bodies share a measure).
TINY_PLAN_2030 = """Promotion Plan for the Implementation of the National IP Strategy in 2030
I. Try the intake
1. Publish a short list of patents held by coastal lighthouse keepers. (Responsible by \
China National Intellectual Property Administration)
2. Print seed-bag labels that state the plant variety right. (Responsible by Ministry of \
Agriculture and Rural Affairs)
3. Teach harbour pilots to spot counterfeit trademark signs. (Responsible by General \
Administration of Customs)
"""
# A plan naming no bodies at all (like the 2014 translation).
NO_BODIES_PLAN_2030 = """Promotion Plan for the Implementation of the National IP Strategy in 2030
I. Try the intake
1. Publish a short list of patents held by coastal lighthouse keepers.
2. Print seed-bag labels that state the plant variety right.
3. Teach harbour pilots to spot counterfeit trademark signs.
4. Hold a quiet week of copyright reading in village libraries.
"""
PLAN_2030 = "Promotion Plan for the National IP Strategy in 2030"


def corpus_with(root: Path, template: tuple[Path, Path], text: str) -> tuple[Path, Path]:
    """A copy of the seed corpus with `text` added as the 2030 plan (data/raw, database)."""
    raw, db_dir = root / "raw", root / "db"
    shutil.copytree(template[0], raw)
    shutil.copytree(template[1], db_dir, ignore=shutil.ignore_patterns("*.lock"))
    extracted = intake.extract_text("plan2030.txt", text.encode("utf-8"))
    metadata = intake.PlanMetadata(2030, "2030", PLAN_2030)
    intake.add_plan(extracted, metadata, "new", raw_dir=raw, db_dir=db_dir)
    return raw, db_dir


@pytest.fixture(scope="module")
def corpora(built_db, corpus_template, tmp_path_factory) -> dict[str, Path]:
    """Database files: the seed corpus, with the tiny plan, with the plan naming no bodies."""
    root = tmp_path_factory.mktemp("story-corpora")
    tiny = corpus_with(root / "tiny", corpus_template, TINY_PLAN_2030)
    silent = corpus_with(root / "silent", corpus_template, NO_BODIES_PLAN_2030)
    return {
        "seed": built_db,
        "tiny": current_db_path(tiny[1]),
        "no bodies": current_db_path(silent[1]),
    }


def filled_texts(story: Story, q) -> list[str]:
    """Every text a story shows, filled: title, subtitle, each view's title, caption and
    parameters (what the page, presentation mode and the deck show)."""
    facts = stories.facts_for(story, q)
    texts = [stories.title_of(story, facts), stories.fill(story.subtitle, facts)]
    for view in story.views:
        filled = stories.resolved(view, facts)
        texts += [filled.title, filled.caption, *filled.params.values()]
    return texts


def assert_no_placeholder(texts: list[str]) -> None:
    for text in texts:
        assert "{" not in text, text
        assert "}" not in text, text
        assert "?" not in text, text


def story_variants() -> dict[str, Story]:
    builtin = stories.load_builtin()[0]
    return {
        "as shipped": builtin,
        "its author added 2030": replace(builtin, plans=(*builtin.plans, 2030)),
        "following the data": replace(builtin, plans=()),
        "2030 alone": replace(builtin, plans=(2030,)),
    }


@pytest.mark.parametrize("corpus_name", ["seed", "tiny", "no bodies"])
@pytest.mark.parametrize("variant", list(story_variants()))
def test_no_text_of_the_story_shows_a_placeholder(corpora, corpus_name, variant):
    story = story_variants()[variant]
    con = connect_read_only(corpora[corpus_name])
    try:
        q = query_on(con)
        texts = filled_texts(story, q)
        facts = stories.facts_for(story, q)
    finally:
        con.close()
    assert_no_placeholder(texts)
    titles = [stories.resolved(v, facts).title for v in story.views]
    assert all(titles), titles
    assert stories.title_of(story, facts)


@pytest.mark.parametrize("corpus_name", ["tiny", "no bodies"])
def test_adding_a_plan_leaves_the_ready_made_story_as_it_was(corpora, corpus_name):
    story = stories.load_builtin()[0]
    shown = {}
    for name in ("seed", corpus_name):
        con = connect_read_only(corpora[name])
        try:
            shown[name] = filled_texts(story, query_on(con))
        finally:
            con.close()
    # The same words, but for the counts of what is new: the lineage scores every pair
    # again with the added plan's words, so a link at the threshold may flip
    # (docs/lineage.md#limits).
    moved = [
        i for i, (a, b) in enumerate(zip(shown[corpus_name], shown["seed"], strict=True)) if a != b
    ]
    assert all("continue no measure of" in shown["seed"][i] for i in moved), moved
    masked = [[re.sub(r"\d+", "#", t) for t in shown[n]] for n in (corpus_name, "seed")]
    assert masked[0] == masked[1]


def test_a_story_covering_the_tiny_plan_leaves_out_what_it_lacks(corpora):
    story = story_variants()["its author added 2030"]
    con = connect_read_only(corpora["tiny"])
    try:
        facts = stories.facts_for(story, query_on(con))
    finally:
        con.close()
    filled = [stories.resolved(v, facts) for v in story.views]
    assert stories.title_of(story, facts) == "IP strategy 2012 → 2030 in nine views"
    assert filled[2].title == "2030: who works with whom"
    # No two bodies share a measure: there is no strongest tie, and no sentence about one.
    assert filled[2].caption == (
        "3 bodies are named in 2030; 0% of measures name more than one and 0 are shared "
        "jointly with no lead."
    )
    assert filled[5].title == "The rise and fall across all five plans"
    assert filled[0].params == {"year": "2012,2014,2020,2022,2030"}


def test_a_plan_naming_no_bodies_is_never_the_last_plan_compared(corpora):
    story = story_variants()["its author added 2030"]
    con = connect_read_only(corpora["no bodies"])
    try:
        facts = stories.facts_for(story, query_on(con))
    finally:
        con.close()
    assert (facts["first_label"], facts["last_label"], facts["plans_n"]) == (
        "2012",
        "2021–2022",
        "5",
    )
    assert facts["plans_labels"] == "2012, 2014, 2020, 2021–2022 and 2030"


# ---------------------------------------------------------------------------------------
# A plan the story states that the data no longer holds


def test_story_plans_say_which_stated_plans_are_missing():
    plans = pl.DataFrame(
        {
            "plan_year": [2012, 2014, 2022],
            "period_label": ["2012", "2014", "2021–2022"],
            "names_agencies": [True, False, True],
        }
    )
    scope = stories.story_plans(plans, (2012, 2014, 2020, 2022))
    assert (scope.missing, scope.first, scope.last) == ((2020,), 2012, 2022)
    assert scope.label_list() == "2012, 2014, 2020 and 2021–2022"
    follows = stories.story_plans(plans)
    assert (follows.years, follows.stated, follows.missing) == ((2012, 2014, 2022), False, ())
    # The last plan removed: 'last' stays the story's own (its facts are then missing).
    assert stories.story_plans(plans, (2012, 2030)).last == 2030


def test_a_view_of_a_missing_plan_says_so():
    in_data = {2012, 2014, 2022}
    labels = {2012: "2012", 2022: "2021–2022"}
    compare = View("t", "theme_dumbbell", {"from": "2012", "to": "2020"})
    assert stories.view_plans(compare, in_data, labels) == stories.ViewPlans(
        (2020,), False, "The 2020 plan is no longer in the data, so this view cannot be shown."
    )
    trends = View("t", "theme_trends", {"year": "2012,2014,2020,2022"})
    assert stories.view_plans(trends, in_data, labels) == stories.ViewPlans(
        (2020,), True, "The 2020 plan is no longer in the data: this view shows the other plans."
    )
    assert stories.view_plans(View("t", "top_leads"), in_data) == stories.ViewPlans((), True, "")


def test_a_story_file_states_its_plans_and_keeps_them_on_export():
    text = "stories:\n- id: a\n  plans: [2022, '2012']\n  views: []\n"
    parsed = stories.import_text(text)
    assert parsed[0].plans == (2012, 2022)
    assert stories.import_text(stories.dump_stories(parsed)) == parsed
    assert "  plans:" not in stories.dump_stories([story("b", ONE)])
    with pytest.raises(DataFileError, match="'plans' must be a list of plan years"):
        stories.import_text("stories:\n- id: a\n  plans: 2012\n")
    assert stories.set_plans(parsed, "a", [2020, 2012])[0].plans == (2012, 2020)
