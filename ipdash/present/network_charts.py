"""The agency network as charts: the whole network, two plans compared on one layout, one
body with its partners (the ego view), and the partners ranked. Polars frames and
positions in, Plotly figures out; no Streamlit.

Read at a glance: links are each drawn as their own trace whose width and darkness both
grow with the measures shared (the page's script highlights one body's links on hover);
node labels carry a priority (the most measures first) so that a browser, or an image
export at a known size, keeps the labels that fit and hides the rest (their names stay on
hover).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from ipdash.present.figures import (
    INK,
    MUTED,
    _escape,
    empty_figure,
    luminance,
    no_bodies_clause,
    style,
)
from ipdash.present.network import X_SPAN, Y_SPAN, node_size

# Tie strength: width from 1 to 14 px and darkness from faint to solid, both growing with
# the measures shared (a tie of 17 measures must look unlike one of 1).
MIN_EDGE_WIDTH, MAX_EDGE_WIDTH = 1.0, 14.0
MIN_EDGE_ALPHA, MAX_EDGE_ALPHA = 0.18, 0.8
EDGE_RGB = "51, 65, 92"
# A click target on an edge keeps at least this distance (layout units) from any body.
HANDLE_CLEARANCE = 0.06
# Up to this many links, each lead -> participant arrow is an annotation (the real plans
# have at most 116); above it the arrowheads are markers in one trace (Plotly builds
# annotations one by one: 0.8 s for the 1,800 links of 100,000 measures).
MAX_ARROW_ANNOTATIONS = 150
# The figure's own marker, read by the page's script (ipdash/web/assets/house.js).
NETWORK_META = {"kind": "network"}
LABEL_FONT = 12
NETWORK_HEIGHT = 480


def edge_style(weight: int, max_weight: int) -> tuple[float, str]:
    """The width and colour of a link shared on `weight` measures."""
    share = (weight / max(1, max_weight)) ** 0.8
    width = round(MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * share, 1)
    alpha = round(MIN_EDGE_ALPHA + (MAX_EDGE_ALPHA - MIN_EDGE_ALPHA) * share, 2)
    return width, f"rgba({EDGE_RGB}, {alpha})"


def edge_handle(
    a: tuple[float, float], b: tuple[float, float], bodies: dict[str, tuple[float, float]]
) -> tuple[float, float] | None:
    """Where an edge's click target goes: its middle, or the nearest point along it that
    is clear of every body; None if no such point (the edge then has no target)."""
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        if all(math.hypot(x - bx, y - by) >= HANDLE_CLEARANCE for bx, by in bodies.values()):
            return (x, y)
    return None


@dataclass(frozen=True)
class _Panel:
    """Where a network is drawn: the whole figure, or one panel of a comparison."""

    row: int | None = None
    col: int | None = None

    @property
    def where(self) -> dict:
        return {"row": self.row, "col": self.col} if self.row else {}

    def axis(self, letter: str) -> str:
        return f"{letter}{self.col if self.col and self.col > 1 else ''}"


def _add_edges(
    fig: go.Figure,
    edges: pl.DataFrame,
    positions: dict,
    max_weight: int,
    panel: _Panel,
    colour_of: dict[tuple[str, str], str] | None = None,
) -> None:
    """Each link as its own line (so one body's links can be highlighted), weakest first
    so that strong ties are drawn on top. `colour_of` overrides a link's colour."""
    for source, target, weight in (
        edges.sort(["weight", "source", "target"]).select("source", "target", "weight").iter_rows()
    ):
        if source not in positions or target not in positions:
            continue
        width, colour = edge_style(weight, max_weight)
        (x0, y0), (x1, y1) = positions[source], positions[target]
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y0, y1],
                mode="lines",
                line={"width": width, "color": (colour_of or {}).get((source, target), colour)},
                hoverinfo="skip",
                showlegend=False,
                meta={"edge": [source, target], "weight": int(weight)},
            ),
            **panel.where,
        )


def _edge_handles(edges: pl.DataFrame, positions: dict) -> list[tuple[str, str, int, tuple]]:
    """(source, target, weight, point) of every edge that gets a click target."""
    return [
        (source, target, weight, point)
        for source, target, weight in edges.select("source", "target", "weight").iter_rows()
        if source in positions
        and target in positions
        and (point := edge_handle(positions[source], positions[target], positions)) is not None
    ]


def _add_edge_targets(
    fig: go.Figure, mids: list, names: dict, directed: bool, panel: _Panel
) -> None:
    """Invisible points on each edge carrying its hover text and click target."""
    if not mids:
        return
    arrow = "→" if directed else "and"
    fig.add_trace(
        go.Scatter(
            x=[p[0] for *_, p in mids],
            y=[p[1] for *_, p in mids],
            mode="markers",
            marker={"size": 12, "color": "rgba(0,0,0,0.01)"},
            hovertext=[
                f"{names.get(s, s)} {arrow} {names.get(t, t)}: "
                f"{w} shared measure{'s' if w != 1 else ''}"
                for s, t, w, _ in mids
            ],
            hoverinfo="text",
            customdata=[["edge", s, t] for s, t, _, _ in mids],
            showlegend=False,
            name="shared measures",
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
        ),
        **panel.where,
    )


def _add_arrows(fig: go.Figure, mids: list, positions: dict, panel: _Panel) -> None:
    """Lead → participant arrowheads: annotations for a real plan's links, markers in
    one trace above MAX_ARROW_ANNOTATIONS."""
    if len(mids) > MAX_ARROW_ANNOTATIONS:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for source, target, _, _ in mids:
            (x0, y0), (x1, y1) = positions[source], positions[target]
            xs += [x0, x0 + 0.85 * (x1 - x0), None]
            ys += [y0, y0 + 0.85 * (y1 - y0), None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker={
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": [0, 10, 0] * len(mids),
                    "color": f"rgba({EDGE_RGB}, 0.6)",
                },
                hoverinfo="skip",
                showlegend=False,
            ),
            **panel.where,
        )
        return
    arrows = []
    for source, target, _, _ in mids:
        (x0, y0), (x1, y1) = positions[source], positions[target]
        arrows.append(
            {
                "x": x0 + 0.85 * (x1 - x0),
                "y": y0 + 0.85 * (y1 - y0),
                "ax": x0,
                "ay": y0,
                "xref": panel.axis("x"),
                "yref": panel.axis("y"),
                "axref": panel.axis("x"),
                "ayref": panel.axis("y"),
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1.2,
                "arrowwidth": 1.2,
                "arrowcolor": f"rgba({EDGE_RGB}, 0.6)",
                "text": "",
            }
        )
    # All arrows in one assignment: add_annotation per edge (and update_layout, which
    # matches each annotation against the others) take quadratic time: 1 s for the
    # real corpus's 113 arrows, a minute for 800.
    fig.layout.annotations = (*fig.layout.annotations, *arrows)


def _node_hover(r: dict) -> str:
    return (
        f"<b>{_escape(r['name'])} ({_escape(r['short_name'])})</b><br>{r['kind_label']}<br>"
        f"{r['n_measures']} measure{'s' if r['n_measures'] != 1 else ''}: leads {r['n_led']}, "
        f"participates {r['n_participated']}, shares jointly {r['n_joint']}"
    )


def _add_nodes(
    fig: go.Figure,
    nodes: pl.DataFrame,
    positions: dict,
    kinds: pl.DataFrame,
    max_measures: int,
    legend: bool,
    panel: _Panel,
) -> None:
    """Bodies as circles, one trace per kind (the legend explains the colours), each
    labelled with its short name; customdata carries its label priority (0 = named on
    the most measures), by which labels that do not fit are hidden."""
    colours = dict(zip(kinds["kind"], kinds["colour"], strict=True))
    kind_labels = dict(zip(kinds["kind"], kinds["short_label"], strict=True))
    ranked = nodes.filter(pl.col("agency_id").is_in(list(positions))).sort(
        ["n_measures", "short_name"], descending=[True, False]
    )
    priority = {a: i for i, a in enumerate(ranked["agency_id"])}
    for kind in kinds["kind"].to_list():
        sub = ranked.filter(pl.col("kind") == kind)
        if sub.height == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=[positions[a][0] for a in sub["agency_id"]],
                y=[positions[a][1] for a in sub["agency_id"]],
                mode="markers+text",
                text=sub["short_name"].to_list(),
                textposition="top center",
                textfont={"size": LABEL_FONT, "color": INK},
                marker={
                    "size": [node_size(n, max_measures) for n in sub["n_measures"]],
                    "color": colours.get(kind, MUTED),
                    "line": {"color": "white", "width": 1.5},
                },
                name=kind_labels.get(kind, kind),
                legendgroup=kind,
                showlegend=legend,
                hovertext=[_node_hover(r) for r in sub.iter_rows(named=True)],
                hoverinfo="text",
                customdata=[["node", a, "", priority[a]] for a in sub["agency_id"]],
                # A click opens the body's own view; nothing on the map is dimmed by it.
                selected={"marker": {"opacity": 1}, "textfont": {"color": INK}},
                unselected={"marker": {"opacity": 1}, "textfont": {"color": INK}},
            ),
            **panel.where,
        )


def _add_network(
    fig: go.Figure,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    positions: dict[str, tuple[float, float]],
    directed: bool,
    kinds: pl.DataFrame,
    panel: _Panel | None = None,
    legend: bool = True,
    scale: tuple[int, int] | None = None,
    colour_of: dict[tuple[str, str], str] | None = None,
) -> None:
    """One network: links, their click targets, arrows (directed) and the bodies.
    `scale`: (most measures, most shared) to size several panels alike."""
    panel = panel or _Panel()
    names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
    most_measures, most_shared = scale or (
        int(nodes["n_measures"].max()) if nodes.height else 1,
        int(edges["weight"].max()) if edges.height else 1,
    )
    _add_edges(fig, edges, positions, most_shared, panel, colour_of)
    mids = _edge_handles(edges, positions)
    _add_edge_targets(fig, mids, names, directed, panel)
    if directed:
        _add_arrows(fig, mids, positions, panel)
    _add_nodes(fig, nodes, positions, kinds, most_measures, legend, panel)


def _frame_network(fig: go.Figure) -> None:
    # The layout's square with room around it (network.X_SPAN, network.Y_SPAN).
    fig.update_xaxes(visible=False, range=[-X_SPAN / 2, X_SPAN / 2])
    fig.update_yaxes(visible=False, range=[-Y_SPAN / 2, Y_SPAN / 2])
    fig.update_layout(
        clickmode="event+select", dragmode="pan", hovermode="closest", meta=dict(NETWORK_META)
    )


def network(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    positions: dict[str, tuple[float, float]],
    kinds: pl.DataFrame,
    directed: bool,
    ties_shown: tuple[str, str],
    subtitle: str = "",
    without_bodies: Sequence[str] = (),
) -> go.Figure:
    """The co-responsibility network: nodes = bodies (size = measures, colour = kind),
    links = measures shared (width and darkness = how many); directed: lead →
    participant. `ties_shown`: how many links are drawn and which ("80 of 237 links",
    "each body's 2 strongest ties"); `without_bodies`: plans naming no bodies."""
    title = (
        "Who leads whom: lead → participant links between bodies"
        if directed
        else "Who works with whom: bodies sharing measures"
    )
    if nodes.height == 0:
        return empty_figure(
            title,
            "No measures with named bodies match: clear a filter"
            + no_bodies_clause(without_bodies)
            + ".",
            subtitle,
        )
    fig = go.Figure()
    _add_network(fig, nodes, edges, positions, directed, kinds)
    _frame_network(fig)
    count, which = ties_shown
    note = (
        f"Links: {which}. Circle size = measures the body is named on; line width = measures "
        "two bodies share"
        + ("; arrows run from the lead to each participant" if directed else "")
        + "."
    )
    return style(
        fig,
        title,
        f"{subtitle} · {nodes.height} bodies, {count}",
        note,
        height=NETWORK_HEIGHT,
        legend="top",
        x_axis=False,
    )


# ---------------------------------------------------------------------------------------
# Two plans on one layout


CHANGE_COLOURS = {
    "new": "#1B7837",  # a tie only the later plan has
    "gone": "#B2182B",  # a tie only the earlier plan has
    "stronger": "#33415C",
    "weaker": "#9AA5B8",
    "same": "#9AA5B8",
}
CHANGE_LABELS = {
    "new": "new tie",
    "gone": "tie gone",
    "stronger": "stronger",
    "weaker": "weaker",
    "same": "unchanged",
}


def tie_changes(edges_a: pl.DataFrame, edges_b: pl.DataFrame) -> pl.DataFrame:
    """Every tie of either plan with its weight in each and what happened to it: new,
    gone, stronger, weaker or same; largest changes first."""
    a = edges_a.select("source", "target", pl.col("weight").alias("weight_a"))
    b = edges_b.select("source", "target", pl.col("weight").alias("weight_b"))
    both = a.join(b, on=["source", "target"], how="full", coalesce=True).with_columns(
        pl.col("weight_a").fill_null(0), pl.col("weight_b").fill_null(0)
    )
    change = pl.col("weight_b") - pl.col("weight_a")
    return both.with_columns(
        change.alias("change"),
        pl.when(pl.col("weight_a") == 0)
        .then(pl.lit("new"))
        .when(pl.col("weight_b") == 0)
        .then(pl.lit("gone"))
        .when(change > 0)
        .then(pl.lit("stronger"))
        .when(change < 0)
        .then(pl.lit("weaker"))
        .otherwise(pl.lit("same"))
        .alias("status"),
    ).sort([change.abs(), "source", "target"], descending=[True, False, False])


def network_comparison(
    label_a: str,
    label_b: str,
    nodes: pl.DataFrame,
    changes: pl.DataFrame,
    positions: dict[str, tuple[float, float]],
    kinds: pl.DataFrame,
    subtitle: str = "",
) -> go.Figure:
    """Two plans on one layout: every body of either plan, every tie drawn at its width
    in the later plan (a tie that is gone, at its width in the earlier one) and coloured
    by what happened to it: new, gone, stronger, weaker."""
    title = f"How the ties changed, {label_a} → {label_b}"
    if nodes.height == 0:
        return empty_figure(title, "No measures with named bodies match: clear a filter.", subtitle)
    drawn = changes.with_columns(
        pl.when(pl.col("status") == "gone")
        .then(pl.col("weight_a"))
        .otherwise(pl.col("weight_b"))
        .alias("weight")
    )
    colours = {
        (s, t): CHANGE_COLOURS[status]
        for s, t, status in drawn.select("source", "target", "status").iter_rows()
    }
    fig = go.Figure()
    _add_network(fig, nodes, drawn, positions, False, kinds, legend=False, colour_of=colours)
    for status in ("new", "gone", "stronger", "weaker"):  # legend entries for the colours
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": CHANGE_COLOURS[status], "width": 4},
                name=f"{CHANGE_LABELS[status]} ({(changes['status'] == status).sum()})",
            )
        )
    _frame_network(fig)
    note = (
        f"{nodes.height} bodies named in {label_a} or {label_b}. Line width = measures shared "
        f"in {label_b} ({label_a} for ties that are gone); colour = what happened to the tie. "
        "Bodies renamed or merged in a restructuring appear under both names unless agencies "
        "are mapped to today's successor."
    )
    return style(fig, title, subtitle, note, height=NETWORK_HEIGHT, legend="top", x_axis=False)


# ---------------------------------------------------------------------------------------
# One body: its partners


EGO_PARTNERS = 12  # partners drawn around the body; the ranking lists them all


def ego_positions(partner_ids: list[str]) -> dict[str, tuple[float, float]]:
    """The body at the centre, its partners on a circle in rank order, clockwise from
    the top."""
    out: dict[str, tuple[float, float]] = {}
    n = len(partner_ids)
    for i, agency_id in enumerate(partner_ids):
        angle = math.pi / 2 - 2 * math.pi * i / max(1, n)
        out[agency_id] = (round(math.cos(angle), 6), round(math.sin(angle), 6))
    return out


def _outward(x: float, y: float) -> str:
    """Where a partner's label goes: away from the centre."""
    if x > 0.05:
        return "middle right"
    if x < -0.05:
        return "middle left"
    return "top center" if y > 0 else "bottom center"


def ego_network(
    body: dict, ties: pl.DataFrame, kinds: pl.DataFrame, subtitle: str = ""
) -> go.Figure:
    """One body in the centre and its strongest partners around it, each link as wide
    as the measures they share, each partner labelled with the count. `body`: a row of
    queries.agency_nodes; `ties`: queries.agency_ties."""
    name = body["short_name"]
    title = f"{name} and its partners"
    if ties.height == 0:
        return empty_figure(title, f"{name} shares no measure with another body here.", subtitle)
    shown = ties.head(EGO_PARTNERS)
    positions = ego_positions(shown["agency_id"].to_list())
    colours = dict(zip(kinds["kind"], kinds["colour"], strict=True))
    most = int(shown["n_shared"].max())
    fig = go.Figure()
    for r in shown.iter_rows(named=True):
        width, colour = edge_style(r["n_shared"], most)
        x, y = positions[r["agency_id"]]
        fig.add_trace(
            go.Scatter(
                x=[0, x],
                y=[0, y],
                mode="lines",
                line={"width": width, "color": colour},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for r in shown.iter_rows(named=True):
        x, y = positions[r["agency_id"]]
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                mode="markers+text",
                marker={
                    "size": 12 + 24 * math.sqrt(r["n_shared"] / most),
                    "color": colours.get(r["kind"], MUTED),
                    "line": {"color": "white", "width": 1.5},
                },
                text=[f"{r['short_name']} · {r['n_shared']}"],
                textposition=_outward(x, y),
                textfont={"size": 13, "color": INK},
                hovertext=[_tie_hover(name, r)],
                hoverinfo="text",
                customdata=[["node", r["agency_id"], ""]],
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers+text",
            marker={
                "size": 46,
                "color": colours.get(body["kind"], MUTED),
                "line": {"color": INK, "width": 2},
            },
            text=[f"<b>{_escape(name)}</b>"],
            textposition="middle center",
            textfont={"size": 13, "color": _ink_on(colours.get(body["kind"], MUTED))},
            hovertext=[_node_hover(body)],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[-1.9, 1.9])
    fig.update_yaxes(visible=False, range=[-1.3, 1.3], scaleanchor="x", scaleratio=1)
    more = ties.height - shown.height
    note = (
        f"{name} shares measures with {ties.height} bodies"
        + (f"; the {shown.height} it shares most with are drawn" if more else "")
        + ". The number is the measures they share; line width and darkness grow with it."
    )
    return style(fig, title, subtitle, note, height=520, x_axis=False)


def _ink_on(colour: str) -> str:
    """White or black text, whichever reads better on the colour."""
    return INK if luminance(colour) > 0.35 else "#FFFFFF"


def _tie_hover(name: str, r: dict) -> str:
    other = r["n_shared"] - r["n_body_leads"] - r["n_partner_leads"] - r["n_joint"]
    return (
        f"<b>{_escape(name)} and {_escape(r['short_name'])}</b>: {r['n_shared']} shared "
        f"measure{'s' if r['n_shared'] != 1 else ''}<br>{_escape(name)} leads {r['n_body_leads']}"
        f" · {_escape(r['short_name'])} leads {r['n_partner_leads']} · jointly {r['n_joint']}"
        + (f" · another body leads {other}" if other else "")
    )


# How the measures two bodies share split, for the partner ranking's stacked bars.
SPLIT = (
    ("n_body_leads", "{name} leads", "#33415C"),
    ("n_partner_leads", "the partner leads", "#8DA0CB"),
    ("n_joint", "shared jointly", "#E6AB02"),
    ("n_other", "another body leads", "#CFCFCF"),
)


def partner_ranking(
    ties: pl.DataFrame, name: str, subtitle: str = "", limit: int = 15
) -> go.Figure:
    """A body's partners ranked by the measures they share, each bar split by who leads
    them: the body, the partner, both jointly, or a third body."""
    title = f"Who works most with {name}"
    if ties.height == 0:
        return empty_figure(title, "No shared measures for these filters.", subtitle)
    rows = (
        ties.head(limit)
        .with_columns(
            (
                pl.col("n_shared")
                - pl.col("n_body_leads")
                - pl.col("n_partner_leads")
                - pl.col("n_joint")
            ).alias("n_other")
        )
        .reverse()
    )
    fig = go.Figure()
    for column, label, colour in SPLIT:
        fig.add_trace(
            go.Bar(
                x=rows[column].to_list(),
                y=rows["short_name"].to_list(),
                orientation="h",
                name=label.format(name=name),
                marker={"color": colour},
                hovertext=[_tie_hover(name, r) for r in rows.iter_rows(named=True)],
                hoverinfo="text",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=rows["n_shared"].to_list(),
            y=rows["short_name"].to_list(),
            mode="text",
            text=[f"  {n}" for n in rows["n_shared"]],
            textposition="middle right",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="measures shared", range=[0, rows["n_shared"].max() * 1.25])
    more = (
        f" Showing the {limit} bodies it shares most measures with, of {ties.height}."
        if ties.height > limit
        else ""
    )
    return style(
        fig,
        title,
        subtitle,
        "Each bar: the measures both bodies are named on, split by who leads them." + more,
        height=max(380, 30 * rows.height + 260),
        legend="top",
    )


def central_bodies(metrics: pl.DataFrame, kinds: pl.DataFrame, subtitle: str = "") -> go.Figure:
    """The bodies that most often lie between others (betweenness), named, with how many
    bodies each works with: who holds the network together. `metrics`: network.metrics."""
    title = "The most central bodies: who connects the others"
    if metrics.height == 0:
        return empty_figure(title, "No measures with named bodies match.", subtitle)
    top = metrics.sort(["betweenness", "short_name"], descending=[True, False]).head(12).reverse()
    colours = dict(zip(kinds["label"], kinds["colour"], strict=True))  # metrics name the kind
    fig = go.Figure(
        go.Bar(
            x=top["betweenness"].to_list(),
            y=top["short_name"].to_list(),
            orientation="h",
            marker={"color": [colours.get(k, MUTED) for k in top["kind"]]},
            text=[
                f"  {b:.2f} · works with {d}"
                for b, d in zip(top["betweenness"], top["degree"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"<b>{_escape(n)} ({_escape(s)})</b><br>betweenness {b:.3f}; shares measures "
                f"with {d} bodies ({w} shared measures in all)"
                for n, s, b, d, w in zip(
                    top["name"],
                    top["short_name"],
                    top["betweenness"],
                    top["degree"],
                    top["weighted_degree"],
                    strict=True,
                )
            ],
            hoverinfo="text",
        )
    )
    fig.update_xaxes(
        title_text="betweenness (0–1)", range=[0, max(0.05, float(top["betweenness"].max())) * 1.7]
    )
    note = (
        "Betweenness: how often a body lies on the shortest paths between two others "
        "(strong ties are short), 0–1. Bar colour = kind of body."
    )
    return style(fig, title, subtitle, note, height=max(420, 30 * top.height + 240))
