"""ipdash.store.queries against the database built from the seeds, with literal expectations."""

from __future__ import annotations

import polars as pl
import pytest

from ipdash.store import queries as q
from ipdash.store.filters import MeasureFilter as F


def test_plan_overview(con):
    assert q.plan_overview(con).select(
        "plan_year", "n_present", "n_omitted", "n_agencies", "share_multi_agency"
    ).rows() == [
        (2012, 90, 0, 28, 0.4),
        (2014, 70, 9, 0, None),
        (2020, 100, 0, 39, 0.52),
        (2022, 115, 0, 38, pytest.approx(57 / 115)),
    ]


@pytest.mark.parametrize(
    ("f", "n"),
    [
        (F(), 375),
        (F(years=(2014,)), 70),
        (F(years=(2012, 2022)), 205),
        (F(themes=("judicial",)), 23),
        (F(agencies=("cnipa",), role="lead"), 70),
        (F(agencies=("sipo",), role="lead"), 21),
        (
            F(agencies=("cnipa",), role="lead", successor=True),
            91,
        ),  # SIPO's 2012 measures now count for CNIPA
        (F(agencies=("spc", "spp")), 27),
        (F(agencies=("spc", "spp"), all_agencies=True), 3),
        (F(agencies=("cpd",), role="joint", years=(2022,)), 13),
        (F(agencies=("cnipa",), role="not_lead", years=(2022,)), 32),
        (F(agencies=("cpd",), role="not_lead", years=(2022,)), 21),
        (F(query="kunlun"), 2),
        (F(query="2020-041"), 1),
        (F(query="'; DROP TABLE measures; --"), 0),
        (F(agencies=("nobody",)), 0),
    ],
)
def test_count_measures(con, f, n):
    assert q.count_measures(con, f) == n


def test_not_leading_is_participating_or_sharing_jointly_for_every_body(con):
    """For every body, in both views: "not leading" selects exactly the measures it
    participates in or shares jointly, and with "leads" they make "any role"."""
    for successor in (False, True):
        bodies = q.agency_options(con, successor)["agency_id"].to_list()
        assert len(bodies) > 30
        for body in bodies:

            def ids(role: str, body: str = body, successor: bool = successor) -> set[str]:
                f = F(agencies=(body,), role=role, successor=successor)
                return set(q.filtered_measures(con, f)["measure_id"])

            not_lead = ids("not_lead")
            assert not_lead == ids("participant") | ids("joint"), body
            assert not_lead.isdisjoint(ids("lead")), body
            assert not_lead | ids("lead") == ids("any"), body


def test_filtered_measures_columns_and_rows(con):
    rows = q.filtered_measures(con, F(years=(2012,), themes=("judicial",)))
    assert rows.columns == q.EXPORT_COLUMNS
    assert rows.select("measure_id", "lead_agency", "agencies").rows() == [
        ("2012-029", "SPC", "SPC (lead)"),
        ("2012-030", "SPC", "SPC (lead)"),
        ("2012-041", "SPC", "SPC (lead)"),
        ("2012-042", "SPC", "SPC (lead)"),
        ("2012-077", "MOJ", "MOJ (lead); SPC (participant)"),
    ]
    current = q.filtered_measures(con, F(query="2012-047", successor=True))
    assert current["agencies"].to_list() == [
        "SAMR (lead); MARA (participant); MOFCOM (participant)"
    ]
    assert q.filtered_measures(con, F(query="2012-043"))["generic_groups"].to_list() == [
        "Relevant administrative law enforcement authorities"
    ]


def test_theme_change_2012_2022(con):
    change = q.theme_change(con, 2012, 2022)
    assert change.height == 12
    assert change["n_a"].sum() == 90
    assert change["n_b"].sum() == 115
    assert change["change_pp"].sum() == pytest.approx(0, abs=1e-9)
    top = change.row(0, named=True)
    assert (top["theme_id"], top["n_a"], top["n_b"]) == ("enforcement", 11, 23)
    assert top["change_pp"] == pytest.approx((23 / 115 - 11 / 90) * 100)


def test_theme_counts_with_an_agency_filter_skip_plans_naming_none(con):
    counts = q.theme_counts_by_year(con, F(agencies=("cnipa",), role="lead", successor=True))
    assert sorted(set(counts["plan_year"])) == [2012, 2020, 2022]
    assert counts.group_by("plan_year").agg(pl.col("n").sum()).sort("plan_year").rows() == [
        (2012, 21),
        (2020, 33),
        (2022, 37),
    ]


def test_top_lead_agencies_break_ties_by_name(con):
    assert q.top_lead_agencies(con, successor=False, limit=3).select(
        "plan_year", "short_name", "n_led"
    ).rows() == [
        (2012, "SIPO", 21),
        (2012, "MOST", 7),
        (2012, "NCA", 7),
        (2020, "CNIPA", 33),
        (2020, "CPD", 7),
        (2020, "SAMR", 5),
        (2022, "CNIPA", 37),
        (2022, "SPC", 7),
        (2022, "CPD", 5),
    ]


def test_network_edges_and_nodes(con):
    edges = q.agency_edges(con, F(years=(2022,)), directed=False)
    assert edges.select("source", "target", "weight").head(3).rows() == [
        ("cnipa", "cpd", 17),
        ("cnipa", "mofcom", 10),
        ("cnipa", "mof", 8),
    ]
    directed = q.agency_edges(con, F(years=(2022,)), directed=True)
    assert directed.select("source", "target", "weight").head(2).rows() == [
        ("cnipa", "cpd", 4),
        ("cnipa", "ccpit", 3),
    ]
    nodes = q.agency_nodes(con, F(years=(2022,)))
    assert nodes.filter(pl.col("agency_id") == "cnipa").select(
        "n_measures", "n_led", "n_participated", "n_joint"
    ).rows() == [(69, 37, 17, 15)]


def test_agency_profile_lineage_and_partners(con):
    assert q.agency_profile(con, "cnipa", successor=True).select(
        "plan_year", "n_led", "n_participated", "n_joint"
    ).rows() == [
        (2012, 21, 14, 0),
        (2014, 0, 0, 0),
        (2020, 33, 17, 7),
        (2022, 37, 17, 15),
    ]
    assert q.agency_lineage(con, "sapprft").select("agency_id", "depth", "is_selected").rows() == [
        ("sarft", -1, False),
        ("sapprft", 0, True),
        ("nrta", 1, False),
    ]
    assert q.agency_partners(con, "cnipa", F(), limit=2).select("agency_id", "n_shared").rows() == [
        ("cpd", 24),
        ("samr", 14),
    ]


def test_find_agencies(con):
    assert q.find_agencies(con, "CNIPA")["agency_id"].to_list() == ["cnipa"]
    assert q.find_agencies(con, "state intellectual property office")["agency_id"].to_list() == [
        "sipo"
    ]
    assert q.find_agencies(con, "Ministry of Magic").height == 0


def test_measure_detail_and_mentions(con):
    detail = q.measure_detail(con, "2020-088").row(0, named=True)
    assert (detail["theme_id"], detail["part"]) == (
        "governance",
        "V. Strengthen top-level design and organization and implementation",
    )
    assert detail["theme_evidence"].startswith("highest-scoring function theme")
    mentions = q.measure_mentions(con, "2020-088")
    assert mentions.select("position", "raw_name", "role", "mention_kind").rows() == [
        (1, "joint meeting office", "lead", "agency"),
        (2, "joint meeting member units", "participant", "generic_group"),
    ]
    assert q.measure_detail(con, "1999-001").height == 0


def test_data_quality_queries(con):
    issues = q.omitted_and_unattributed(con)
    assert issues.group_by("issue").len().sort("issue").rows() == [
        ("omitted in the source", 9),
        ("the plan names no responsible bodies", 70),
    ]
    assert q.unresolved_mentions(con).height == 0
    assert q.rendering_disagreements(con).height == 7
    assert q.theme_confidence(con)["n"].sum() == 375
