"""The agency network at every scale, for the largest filter (every plan; bodies as
named, mapped to today's successors, and lead -> participant arrows): the queries behind
it, graph construction, metrics (betweenness), the Kamada-Kawai layout and the Plotly
figure, as the Agency network page computes them (uncached). Median of RUNS. Prints
figures and writes bench/out/network.json; asserts nothing.

    .venv/bin/python bench/bench_scale_network.py [--scales real,3840,38400,100000] [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

from ipdash.present import network, network_charts
from ipdash.store import queries
from ipdash.store.db import connect_read_only
from ipdash.store.filters import MeasureFilter

RUNS = 3
# Target at 100,000 measures (issue 7): the network view of up to 150 bodies.
TARGET_SECONDS = 1.0
STEPS = ("nodes_query", "edges_query", "graph", "metrics", "layout", "figure")


def one_run(con, f: MeasureFilter, directed: bool) -> tuple[dict[str, float], int, int]:
    """The page's work for one network: the layout always comes from the undirected
    ties (as on the page); the edges drawn and the metrics follow `directed`."""
    times: dict[str, float] = {}

    def step(name: str, call):
        started = time.perf_counter()
        out = call()
        times[name] = time.perf_counter() - started
        return out

    nodes = step("nodes_query", lambda: queries.agency_nodes(con, f))
    edges = step("edges_query", lambda: queries.agency_edges(con, f, directed))
    ties = queries.agency_edges(con, f, False) if directed else edges
    kinds = queries.agency_kinds(con)
    step("graph", lambda: network.build_graph(nodes, edges, directed=directed))
    step("metrics", lambda: network.metrics(nodes, edges, directed))
    positions = step("layout", lambda: network.layout(nodes, ties.filter(pl.col("weight") >= 1)))
    shown = ("all links", "every link")
    step(
        "figure",
        lambda: network_charts.network(nodes, edges, positions, kinds, directed, shown),
    )
    return times, nodes.height, edges.height


def main() -> None:
    args = scale.parse_args(__doc__ or "")
    results = {}
    print(
        f"{'scale':<16} {'view':<9} {'bodies':>6} {'links':>6} "
        + " ".join(f"{s:>11}" for s in STEPS)
        + f" {'total s':>8}"
    )
    for name in args.scale_list:
        con = connect_read_only(scale.db_path(name))
        load = os.getloadavg()[0]
        try:
            per_view = {}
            for view, f, directed in (
                ("named", MeasureFilter(), False),
                ("current", MeasureFilter(successor=True), False),
                ("directed", MeasureFilter(), True),
            ):
                one_run(con, f, directed)  # warm-up
                runs = [one_run(con, f, directed) for _ in range(RUNS)]
                medians = {s: statistics.median(r[0][s] for r in runs) for s in STEPS}
                total = sum(medians.values())
                per_view[view] = {
                    "bodies": runs[0][1],
                    "links": runs[0][2],
                    "seconds": medians,
                    "total_seconds": total,
                }
                print(
                    f"{scale.label(name):<16} {view:<9} {runs[0][1]:>6} {runs[0][2]:>6} "
                    + " ".join(f"{medians[s]:>11.3f}" for s in STEPS)
                    + f" {total:>8.3f}"
                )
        finally:
            con.close()
        worst = max(per_view.values(), key=lambda v: v["total_seconds"])
        results[name] = {
            "views": per_view,
            "worst_total_seconds": worst["total_seconds"],
            "bodies": worst["bodies"],
            "load_1min": load,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    print(f"target: the whole view <= {TARGET_SECONDS:.0f} s at 100,000 measures (<= 150 bodies)")
    print(f"wrote {scale.write_results('network', results)}")


if __name__ == "__main__":
    main()
