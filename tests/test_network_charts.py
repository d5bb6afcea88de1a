"""The agency network's charts and layout: readable at a glance (strongest ties, tie
strength, bodies kept apart), the comparison of two plans, one body's view."""

from __future__ import annotations

import math

import polars as pl
import pytest

from ipdash.present import network, network_charts
from ipdash.present.network import NodeBox, spread, strongest_ties


def edges(*rows: tuple[str, str, int]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["source", "target", "weight"], orient="row")


def test_each_bodys_strongest_ties_make_the_backbone():
    all_links = edges(("a", "b", 9), ("a", "c", 5), ("a", "d", 1), ("b", "c", 2), ("c", "d", 3))
    one = strongest_ties(all_links, 1)
    # a's strongest is b; b's is a; c's is a; d's is c.
    assert sorted(zip(one["source"], one["target"], strict=True)) == [
        ("a", "b"),
        ("a", "c"),
        ("c", "d"),
    ]
    assert strongest_ties(all_links, 3).height == 5
    assert strongest_ties(all_links.head(0), 2).height == 0


def test_tie_strength_shows_in_width_and_darkness():
    # (1/17) ** 0.8 = 0.104: width 1 + 13 x 0.104, alpha 0.18 + 0.62 x 0.104.
    assert network_charts.edge_style(1, 17) == (2.3, "rgba(51, 65, 92, 0.24)")
    assert network_charts.edge_style(17, 17) == (14.0, "rgba(51, 65, 92, 0.8)")


def test_edge_click_targets_stay_clear_of_bodies():
    bodies = {"a": (0.0, 0.0), "b": (1.0, 0.0), "hub": (0.5, 0.0)}
    point = network_charts.edge_handle(bodies["a"], bodies["b"], bodies)
    assert point == pytest.approx((0.4, 0.0))  # the middle is on "hub": move along the edge
    assert (
        network_charts.edge_handle((0.0, 0.0), (0.05, 0.0), {"a": (0.0, 0.0), "b": (0.05, 0.0)})
        is None
    )


def test_bodies_are_moved_apart_until_circles_and_labels_clear():
    """Three bodies laid on top of each other end with their boxes (circle and the
    label above it) apart on the design canvas; positions stay inside the chart."""
    boxes = {a: NodeBox(half_width=20, below=10, above=26) for a in ("a", "b", "c")}
    out = spread({"a": (0.0, 0.0), "b": (0.001, 0.0), "c": (0.0, 0.001)}, boxes)
    width, height = network.DESIGN_CANVAS
    px = {a: (x / network.X_SPAN * width, y / network.Y_SPAN * height) for a, (x, y) in out.items()}
    for a, b in (("a", "b"), ("a", "c"), ("b", "c")):
        apart_x = abs(px[a][0] - px[b][0]) >= 40
        apart_y = abs(px[a][1] - px[b][1]) >= 36
        assert apart_x or apart_y, (a, b, px)
    assert all(abs(x) <= 1.12 and abs(y) <= 1.15 for x, y in out.values())
    assert spread(out, boxes) == out  # nothing left to move


def test_ties_that_changed_between_two_plans():
    earlier = edges(("a", "b", 3), ("a", "c", 2), ("b", "c", 1))
    later = edges(("a", "b", 7), ("a", "c", 2), ("c", "d", 4))
    changes = network_charts.tie_changes(earlier, later)
    assert changes.select("source", "target", "weight_a", "weight_b", "status").rows() == [
        ("a", "b", 3, 7, "stronger"),
        ("c", "d", 0, 4, "new"),
        ("b", "c", 1, 0, "gone"),
        ("a", "c", 2, 2, "same"),
    ]


def test_partners_go_round_the_body_in_rank_order_from_the_top():
    positions = network_charts.ego_positions(["first", "second", "third", "fourth"])
    assert positions["first"] == pytest.approx((0.0, 1.0))
    assert positions["second"] == pytest.approx((1.0, 0.0))  # clockwise
    assert positions["third"] == pytest.approx((0.0, -1.0))
    assert all(math.hypot(x, y) == pytest.approx(1.0) for x, y in positions.values())


def test_who_works_most_with_a_body(q):
    from ipdash.present import views

    fig = views.build("agency_partners", q, {"profile": "cnipa", "year": "2022"})
    shared = next(t for t in fig.data if t.type == "scatter")
    # The question, answered on one chart: CPD 17, MOFCOM 10, MOF 8, SAMR 8, MARA 7.
    assert list(shared.y)[::-1][:5] == ["CPD", "MOFCOM", "MOF", "SAMR", "MARA"]
    assert [int(t.strip()) for t in list(shared.text)[::-1][:5]] == [17, 10, 8, 8, 7]
    split = {t.name: list(t.x)[::-1][0] for t in fig.data if t.type == "bar"}
    assert split == {
        "CNIPA leads": 4,
        "the partner leads": 0,
        "shared jointly": 10,
        "another body leads": 3,
    }
