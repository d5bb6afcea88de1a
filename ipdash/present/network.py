"""The agency co-responsibility network: graph metrics and a deterministic layout, with
networkx. Pure: frames in (from queries.agency_nodes / agency_edges), frames and
positions out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits


def build_graph(
    nodes: pl.DataFrame, edges: pl.DataFrame, directed: bool, min_weight: int = 1
) -> nx.Graph:
    """A graph of the bodies (every node, even without edges) and their shared measures
    (edges with weight >= min_weight). Nodes and edges are added in sorted order, so the
    graph, and anything computed from it, is the same for the same data."""
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for row in nodes.sort("agency_id").iter_rows(named=True):
        graph.add_node(row["agency_id"], **{k: v for k, v in row.items() if k != "agency_id"})
    kept = edges.filter(pl.col("weight") >= min_weight).sort(["source", "target"])
    for source, target, weight in kept.select("source", "target", "weight").iter_rows():
        if source in graph and target in graph:
            graph.add_edge(source, target, weight=int(weight), distance=1.0 / weight)
    return graph


def metrics(
    nodes: pl.DataFrame, edges: pl.DataFrame, directed: bool = False, min_weight: int = 1
) -> pl.DataFrame:
    """Per body: measures led, participated, joint; degree (bodies it shares measures
    with), weighted degree (shared measures summed over partners) and betweenness
    centrality (normalised, on the undirected graph, with distance = 1 / shared
    measures, so strong ties are short paths). In the directed view degree counts
    out-edges (lead -> participant) plus in-edges."""
    graph = build_graph(nodes, edges, directed, min_weight)
    undirected = graph.to_undirected() if directed else graph
    betweenness = nx.betweenness_centrality(undirected, weight="distance", normalized=True)
    rows = []
    for row in nodes.iter_rows(named=True):
        node = row["agency_id"]
        rows.append(
            {
                "short_name": row["short_name"],
                "name": row["name"],
                "degree": graph.degree(node),
                "weighted_degree": int(graph.degree(node, weight="weight")),
                "betweenness": round(betweenness.get(node, 0.0), 4),
                "measures": row["n_measures"],
                "led": row["n_led"],
                "participated": row["n_participated"],
                "joint": row["n_joint"],
                "kind": row["kind_label"],
                "agency_id": node,
            }
        )
    # Names first, then what the metrics say (the columns a reader looks for), ids last.
    schema = {
        "short_name": pl.String,
        "name": pl.String,
        "degree": pl.Int64,
        "weighted_degree": pl.Int64,
        "betweenness": pl.Float64,
        "measures": pl.Int64,
        "led": pl.Int64,
        "participated": pl.Int64,
        "joint": pl.Int64,
        "kind": pl.String,
        "agency_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort(
        ["measures", "weighted_degree", "short_name"], descending=[True, True, False]
    )


def layout(nodes: pl.DataFrame, edges: pl.DataFrame) -> dict[str, tuple[float, float]]:
    """Node positions: the largest connected group of bodies by a Kamada-Kawai layout
    (deterministic) in the upper part of [-1, 1]^2; smaller groups and bodies sharing no
    measure in rows along the bottom, in a fixed order. The same data always gives the
    same picture;
    lay out the union of what will be compared (e.g. all plans) and reuse the positions
    for each part."""
    graph = build_graph(nodes, edges, directed=False)
    if graph.number_of_nodes() == 0:
        return {}
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    # The largest group as a graph of its own, nodes and edges in sorted order (a subgraph
    # view of under half the graph iterates a set: its order, and so the layout, changed
    # with Python's string hash seed from one process to the next).
    members = sorted(components[0])
    core = nx.Graph()
    core.add_nodes_from(members)
    core.add_edges_from(
        sorted((min(u, v), max(u, v), d) for u, v, d in graph.edges(members, data=True))
    )
    rest = [node for c in components[1:] for node in sorted(c, key=lambda n: (-len(c), n))]
    for _, _, data in core.edges(data=True):
        # Stronger ties are shorter: 1 shared measure = 1, 10 = about 0.3.
        data["length"] = 1.0 / (1.0 + math.log(data["weight"]))
    positions: dict[str, tuple[float, float]] = {}
    if core.number_of_nodes() == 1:
        positions[next(iter(core.nodes))] = (0.0, 0.1)
    else:
        # Kamada-Kawai places bodies so that drawn distances follow path lengths: even
        # spacing, no random start (it begins from a circle in sorted node order).
        # One BLAS thread: the matrices are tiny, and BLAS threads waiting for each other
        # made the layout 10-60 times slower on a busy 2-core machine (same positions).
        with threadpool_limits(limits=1):
            raw = nx.kamada_kawai_layout(core, weight="length")
        xs = [p[0] for p in raw.values()]
        ys = [p[1] for p in raw.values()]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        bottom = -0.55 if rest else -1.0
        for node, (x, y) in sorted(raw.items()):
            positions[node] = (
                round(-1 + 2 * (x - min(xs)) / span_x, 6),
                round(bottom + (1 - bottom) * (y - min(ys)) / span_y, 6),
            )
    per_row = 12
    for index, node in enumerate(rest):
        row, col = divmod(index, per_row)
        count = min(per_row, len(rest) - row * per_row)
        x = -1 + 2 * (col + 0.5) / per_row + (per_row - count) / per_row
        positions[node] = (round(x, 6), round(-0.85 - 0.15 * row, 6))
    sizes = dict(zip(nodes["agency_id"], nodes["n_measures"], strict=True))
    names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
    most = max(sizes.values(), default=1)
    boxes = {a: label_box(node_size(sizes.get(a, 0), most), names.get(a, a)) for a in positions}
    return spread(positions, boxes)


# Circle diameters (pixels) for the fewest and the most measures.
SMALLEST_NODE, LARGEST_NODE = 10.0, 40.0
# The smallest plot area a network is drawn in (pixels): a tablet, or a laptop screen's
# height under the page's header. Circles kept apart here are apart on any larger chart.
DESIGN_CANVAS = (640, 280)
# The layout's [-1, 1] square maps to the plot area with this much room around it.
X_SPAN, Y_SPAN = 2.24, 2.3


def node_size(n_measures: int, most: int) -> float:
    """A body's circle diameter in pixels (area grows with its measures)."""
    return SMALLEST_NODE + (LARGEST_NODE - SMALLEST_NODE) * math.sqrt(n_measures / max(1, most))


# A label's size (pixels): 12 px Liberation Sans, about 0.6 of the size per character.
LABEL_PX, LABEL_CHAR_PX = 14.0, 7.4


@dataclass(frozen=True)
class NodeBox:
    """The room a body takes on the chart, in pixels around its circle's centre: the
    circle and its label above it."""

    half_width: float
    below: float  # from the centre down to the circle's bottom
    above: float  # from the centre up to the label's top


def label_box(diameter: float, label: str) -> NodeBox:
    radius = diameter / 2
    return NodeBox(
        half_width=max(radius, len(label) * LABEL_CHAR_PX / 2 + 2),
        below=radius,
        above=radius + LABEL_PX + 2,
    )


def spread(
    positions: dict[str, tuple[float, float]],
    boxes: dict[str, NodeBox],
    canvas: tuple[int, int] = DESIGN_CANVAS,
    gap: float = 2.0,
    rounds: int = 400,
) -> dict[str, tuple[float, float]]:
    """Positions moved just enough that no two bodies' boxes (circle and label) overlap,
    with `gap` pixels between them, on a plot area of `canvas` pixels: each overlapping
    pair is pushed apart along the axis where they overlap least. Deterministic."""
    ids = sorted(positions)
    if len(ids) < 2:
        return positions
    width, height = canvas
    x = np.array([positions[a][0] / X_SPAN * width for a in ids])
    y = np.array([positions[a][1] / Y_SPAN * height for a in ids])
    half = np.array([boxes[a].half_width for a in ids])
    below = np.array([boxes[a].below for a in ids])
    above = np.array([boxes[a].above for a in ids])
    mid, half_h = (above - below) / 2, (above + below) / 2  # box centre above the circle's
    upper = np.triu(np.ones((len(ids), len(ids)), dtype=bool), 1)
    for _ in range(rounds):
        dx = x[:, None] - x[None, :]
        dy = (y + mid)[:, None] - (y + mid)[None, :]
        ox = half[:, None] + half[None, :] + gap - np.abs(dx)
        oy = half_h[:, None] + half_h[None, :] + gap - np.abs(dy)
        overlap = (ox > 0) & (oy > 0) & upper
        if not overlap.any():
            break
        i, j = np.nonzero(overlap)
        along_x = ox[i, j] <= oy[i, j]
        sign_x = np.where(dx[i, j] >= 0, 1.0, -1.0)
        sign_y = np.where(dy[i, j] >= 0, 1.0, -1.0)
        push_x = np.where(along_x, (ox[i, j] / 2 + 0.1) * sign_x, 0.0)
        push_y = np.where(along_x, 0.0, (oy[i, j] / 2 + 0.1) * sign_y)
        np.add.at(x, i, push_x)
        np.add.at(x, j, -push_x)
        np.add.at(y, i, push_y)
        np.add.at(y, j, -push_y)
        x = np.clip(x, -width / 2 + half, width / 2 - half)
        y = np.clip(y, -height / 2 + below, height / 2 - above)
    return {
        a: (round(x[k] / width * X_SPAN, 6), round(y[k] / height * Y_SPAN, 6))
        for k, a in enumerate(ids)
    }


def strongest_ties(edges: pl.DataFrame, per_body: int) -> pl.DataFrame:
    """Each body's `per_body` strongest ties (most shared measures; ties between equal
    weights broken by the partner's id), and every edge that is among them for either
    end: the backbone of the network, readable where all links are a tangle."""
    if edges.height == 0:
        return edges
    ends = pl.concat(
        [
            edges.select(pl.col("source").alias("body"), pl.col("target").alias("other"), "weight"),
            edges.select(pl.col("target").alias("body"), pl.col("source").alias("other"), "weight"),
        ]
    )
    kept = (
        ends.sort(["body", "weight", "other"], descending=[False, True, False])
        .group_by("body", maintain_order=True)
        .head(per_body)
    )
    pairs = set(zip(kept["body"], kept["other"], strict=True))
    keep = [
        (s, t) in pairs or (t, s) in pairs
        for s, t in zip(edges["source"], edges["target"], strict=True)
    ]
    return edges.filter(pl.Series(keep))
