"""Every query the pages run, at every scale: p50 and p95 over repeated runs with varied
filters (uncached: what a page waits for after a filter change), plus the data checks
the Data quality page runs once per database.

Each query is called as the pages call it (ipdash.store.queries on a read-only connection,
a cursor per query, the result as a Polars frame). One warm-up call per query, then
REPEATS calls of every variant. Prints figures and writes bench/out/queries.json;
asserts nothing.

    .venv/bin/python bench/bench_scale_queries.py [--scales real,3840,38400,100000] [--quick]
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

from ipdash.store import checks, queries
from ipdash.store.db import connect_read_only
from ipdash.store.filters import MeasureFilter

# Calls per variant (filters, ids) of each query.
REPEATS = 3
# Measures and bodies sampled for the per-measure and per-body queries.
SAMPLE_MEASURES, SAMPLE_AGENCIES = 8, 6
# Target at 100,000 measures (issue 7).
TARGET_P95_MS = 50
# Queries the pages run on a rerun (the rest serve downloads, which run filtered_measures
# when clicked, the command line and exports).
PAGE_QUERIES = {
    "build_info",
    "plans",
    "themes",
    "theme_decision_rules",
    "agency_kinds",
    "agency_options",
    "agency_labels",
    "agency_successor_map",
    "plan_overview",
    "top_lead_agencies",
    "first_measures",
    "count_measures",
    "measure_detail",
    "measure_mentions",
    "measure_theme_ranking",
    "measure_renderings",
    "theme_counts_by_year",
    "theme_change",
    "theme_lead_agencies",
    "agency_nodes",
    "agency_edges",
    "agency_profile",
    "agency_themes",
    "agency_partners",
    "agency_lineage",
    "documents",
    "omitted_and_unattributed",
    "unresolved_mentions",
    "lineage_resolutions",
    "rendering_disagreements",
    "parse_warnings",
    "theme_confidence",
    "manual_theme_decisions",
    "low_confidence_themes",
}


def variants(con) -> dict[str, list[tuple]]:
    """The arguments each query is timed with, drawn from the database itself."""
    rng = random.Random(scale.SEED)
    years = queries.plans(con)["plan_year"].to_list()
    named = queries.agency_options(con, False)["agency_id"].to_list()
    current = queries.agency_options(con, True)["agency_id"].to_list()
    theme_ids = queries.themes(con)["theme_id"].to_list()
    first, mid, last = years[0], years[len(years) // 2], years[-1]
    top, second = named[0], named[1] if len(named) > 1 else named[0]
    filters = [
        MeasureFilter(),
        MeasureFilter(years=(last,)),
        MeasureFilter(years=(first, last)),
        MeasureFilter(themes=("judicial",)),
        MeasureFilter(agencies=(top,), role="lead"),
        MeasureFilter(agencies=(top, second)),
        MeasureFilter(successor=True),
        MeasureFilter(agencies=(current[0],), successor=True, role="participant"),
        MeasureFilter(query="patent"),
        MeasureFilter(query="trade secret", years=(mid,)),
        MeasureFilter(years=(mid,), themes=("enforcement",), successor=True),
        MeasureFilter(agencies=(top, second), all_agencies=True),
    ]
    ids = queries.filtered_measures(con, MeasureFilter())["measure_id"].to_list()
    measure_ids = rng.sample(ids, min(SAMPLE_MEASURES, len(ids)))
    bodies = named[:SAMPLE_AGENCIES]
    pairs = [(a, s) for a in bodies for s in (False, True)]
    return {
        "build_info": [()],
        "plans": [()],
        "themes": [()],
        "theme_decision_rules": [()],
        "agency_kinds": [()],
        "agency_options": [(False,), (True,)],
        "agency_labels": [()],
        "agency_successor_map": [()],
        "find_agencies": [("CNIPA",), ("State Intellectual Property Office",), ("nobody",)],
        "plan_overview": [()],
        "top_lead_agencies": [(False, 5), (True, 5), (False, 1)],
        "filtered_measures": [(f,) for f in filters],
        "first_measures": [(f, 1000) for f in filters],
        "count_measures": [(f,) for f in filters],
        "measure_detail": [(m,) for m in measure_ids],
        "measure_mentions": [(m,) for m in measure_ids],
        "measure_theme_ranking": [(m,) for m in measure_ids],
        "measure_renderings": [(m,) for m in measure_ids],
        "theme_counts_by_year": [(f,) for f in filters],
        "theme_change": [(first, last, f) for f in filters[:6]],
        "theme_lead_agencies": [(t, f, 5) for t, f in zip(theme_ids, filters, strict=False)],
        "themes_by_lead_agency": [(f,) for f in filters],
        "agency_nodes": [(f,) for f in filters],
        "agency_edges": [(f, d) for f in filters for d in (False, True)],
        "agency_profile": pairs,
        "agency_themes": pairs,
        "agency_partners": [(a, f, 10) for a in bodies for f in filters[:3]],
        "agency_lineage": [(a,) for a in bodies],
        "documents": [()],
        "omitted_and_unattributed": [()],
        "unresolved_mentions": [()],
        "lineage_resolutions": [()],
        "rendering_disagreements": [()],
        "parse_warnings": [()],
        "theme_confidence": [()],
        "manual_theme_decisions": [()],
        "low_confidence_themes": [(50,)],
    }


def main() -> None:
    args = scale.parse_args(__doc__ or "")
    results = {}
    for name in args.scale_list:
        path = scale.db_path(name)
        raw = scale.raw_dir(name)
        load = os.getloadavg()[0]
        con = connect_read_only(path)
        try:
            print(f"== {scale.label(name)} ({path.stat().st_size / 2**20:.0f} MB database)")
            print(
                f"{'query':<26} {'calls':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>8}"
            )
            per_query = {}
            for query, arg_list in variants(con).items():
                run = getattr(queries, query)
                run(con, *arg_list[0])  # warm-up
                times, cpu, rows = [], [], 0
                for args_ in arg_list:
                    for _ in range(REPEATS):
                        started, cpu_started = time.perf_counter(), time.process_time()
                        out = run(con, *args_)
                        times.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - cpu_started) * 1000)
                    rows = max(rows, getattr(out, "height", 1))
                entry = {
                    "page_query": query in PAGE_QUERIES,
                    "calls": len(times),
                    "p50_ms": scale.percentile(times, 0.5),
                    "p95_ms": scale.percentile(times, 0.95),
                    "max_ms": max(times),
                    "cpu_p50_ms": scale.percentile(cpu, 0.5),
                    "max_rows": rows,
                }
                per_query[query] = entry
                mark = "" if entry["page_query"] else "  (not on a page rerun)"
                print(
                    f"{query:<26} {len(times):>5} {entry['p50_ms']:>8.1f} {entry['p95_ms']:>8.1f} "
                    f"{entry['max_ms']:>8.1f} {rows:>8,}{mark}"
                )
            started = time.perf_counter()
            checks.run_checks(con, raw)
            checks_seconds = time.perf_counter() - started
        finally:
            con.close()
        page = {q: e for q, e in per_query.items() if e["page_query"]}
        worst = max(page, key=lambda q: page[q]["p95_ms"])
        results[name] = {
            "queries": per_query,
            "worst_page_query": worst,
            "worst_page_query_p95_ms": page[worst]["p95_ms"],
            "checks_seconds": checks_seconds,
            "load_1min": load,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        print(
            f"worst page query p95: {worst} {page[worst]['p95_ms']:.1f} ms "
            f"(target <= {TARGET_P95_MS} ms at 100,000 measures); "
            f"data checks (Data quality page, once per database): {checks_seconds:.2f} s"
        )
    print(f"wrote {scale.write_results('queries', results)}")


if __name__ == "__main__":
    main()
