"""The agency co-responsibility network: graph metrics and a deterministic layout, with
networkx. Pure: frames in (from queries.agency_nodes / agency_edges), frames and
positions out."""

from __future__ import annotations

import math

import networkx as nx
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
                "agency_id": node,
                "short_name": row["short_name"],
                "name": row["name"],
                "kind": row["kind_label"],
                "measures": row["n_measures"],
                "led": row["n_led"],
                "participated": row["n_participated"],
                "joint": row["n_joint"],
                "degree": graph.degree(node),
                "weighted_degree": int(graph.degree(node, weight="weight")),
                "betweenness": round(betweenness.get(node, 0.0), 4),
            }
        )
    schema = {
        "agency_id": pl.String,
        "short_name": pl.String,
        "name": pl.String,
        "kind": pl.String,
        "measures": pl.Int64,
        "led": pl.Int64,
        "participated": pl.Int64,
        "joint": pl.Int64,
        "degree": pl.Int64,
        "weighted_degree": pl.Int64,
        "betweenness": pl.Float64,
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
    return positions
