"""Stories: reading and validating story files, editing them (pure functions), saving
them safely, and the facts the ready-made story's captions are computed from."""

from __future__ import annotations

import threading

import pytest

from ipdash.errors import DataFileError
from ipdash.present import stories
from ipdash.present.stories import Story, View

ONE = View("One", "top_leads", {}, "")
TWO = View("Two", "theme_heatmap", {"heat_value": "count"}, "caption two")
THREE = View("Three", "network", {"year": "2012"}, "")


def story(story_id: str = "mine", *views: View) -> Story:
    return Story(story_id, story_id.title(), "", tuple(views))


# ---------------------------------------------------------------------------------------
# The ready-made story


def test_the_ready_made_story_has_eight_views_of_known_charts():
    builtin = stories.load_builtin()
    assert [s.story_id for s in builtin] == ["ip-strategy-2012-2022"]
    views = builtin[0].views
    assert len(views) == 8
    assert [v.chart for v in views] == [
        "top_leads",
        "network",
        "network",
        "network_compare",
        "theme_dumbbell",
        "theme_trends",
        "theme_heatmap",
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


def test_fill_leaves_unknown_placeholders_visible():
    assert stories.fill("{a} and {b}", {"a": "A"}) == "A and {b?}"


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
