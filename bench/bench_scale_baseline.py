"""The baseline, in the same run: the naive dashboard (bench/naive_dashboard.py: pandas
re-reading CSV files and re-aggregating on every rerun) against ipdash's pages, after
the same filter changes, at every scale. Both are timed with Streamlit's AppTest in one
process, alternately, so that both see the same machine; reported as naive ÷ ipdash.

The CSV files are exported from each scale's database once (bench/out/scale/<n>/csv).
Prints figures and writes bench/out/baseline.json; asserts nothing.

    .venv/bin/python bench/bench_scale_baseline.py [--scales real,3840,38400,100000] [--quick]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

NAIVE = str(Path(__file__).resolve().parent / "naive_dashboard.py")
TABLES = ("measures", "measure_agencies", "agencies", "measure_themes", "themes", "plans")
# Each filter change is timed this many times per dashboard.
ROUNDS = 2
# ipdash page -> the naive dashboard's view of the same content.
VIEWS = {
    "app.py": "overview",
    "pages/1_Measures.py": "measures",
    "pages/2_Agency_network.py": "network",
    "pages/3_Theme_shifts.py": "themes",
}


def export_csv(name: str) -> Path:
    """The tables the naive dashboard reads, as CSV, from the scale's database."""
    import duckdb

    db = scale.db_path(name)
    out = scale.SCALE_DIR / name / "csv"
    stamp = out / ".source"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == db.name:
        return out
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in TABLES:
            con.table(table).write_csv(str(out / f"{table}.csv"))
    finally:
        con.close()
    stamp.write_text(db.name, encoding="utf-8")
    return out


def filter_changes(db: Path) -> list[dict[str, str]]:
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only

    con = connect_read_only(db)
    try:
        years = [str(y) for y in queries.plans(con)["plan_year"]]
        top = queries.agency_options(con, False)["agency_id"][0]
    finally:
        con.close()
    return [
        {"year": years[-1]},
        {"year": years[0]},
        {"theme": "judicial"},
        {"agency": top, "role": "lead"},
        {"q": "patent"},
        {},
    ]


def child(out: str) -> None:
    """Time both dashboards (run with IPDASH_DB_DIR, IPDASH_RAW_DIR and NAIVE_DATA set)."""
    from streamlit.testing.v1 import AppTest

    from ipdash import paths
    from ipdash.settings import current
    from ipdash.store.db import current_db_path

    warnings.filterwarnings("ignore")
    scale.quiet_streamlit()
    db = current_db_path(current().db_dir)
    assert db is not None
    results = {}
    for page, view in VIEWS.items():
        ours = AppTest.from_file(str(paths.ROOT / "app.py"), default_timeout=300)
        ours.run()
        if page != "app.py":
            ours.switch_page(page)
        ours.run()
        naive = AppTest.from_file(NAIVE, default_timeout=300)
        naive.query_params["view"] = view
        naive.run()
        times: dict[str, list[float]] = {"ipdash": [], "naive": []}
        for params in filter_changes(db) * ROUNDS:
            for who, at in (("ipdash", ours), ("naive", naive)):
                for key in list(at.query_params):
                    if key != "view":
                        del at.query_params[key]
                for key, value in params.items():
                    at.query_params[key] = value
                if who == "ipdash":
                    at.session_state["_url_written"] = None
                started = time.perf_counter()
                at.run()
                times[who].append(time.perf_counter() - started)
                if at.exception:
                    raise SystemExit(f"{who} {page}: {at.exception[0].message}")
        results[page] = {
            "view": view,
            "ipdash_p50_s": statistics.median(times["ipdash"]),
            "naive_p50_s": statistics.median(times["naive"]),
            "ipdash_max_s": max(times["ipdash"]),
            "naive_max_s": max(times["naive"]),
        }
    Path(out).write_text(json.dumps(results), encoding="utf-8")


def main() -> None:
    args = scale.parse_args(__doc__ or "")
    results = {}
    for name in args.scale_list:
        csv_dir = export_csv(name)
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="ipdash-bench-baseline-") as tmp:
            out = Path(tmp) / "baseline.json"
            env = scale.clean_env(
                IPDASH_DB_DIR=str(scale.db_dir(name)),
                IPDASH_RAW_DIR=str(scale.raw_dir(name)),
                IPDASH_STORIES=str(Path(tmp) / "saved.yaml"),
                NAIVE_DATA=str(csv_dir),
            )
            subprocess.run(
                [sys.executable, __file__, "--child", str(out)], check=True, env=env, cwd=scale.ROOT
            )
            pages = json.loads(out.read_text(encoding="utf-8"))
        print(f"== {scale.label(name)}: rerun after a filter change, median (seconds)")
        print(f"{'page':<28} {'ipdash':>8} {'naive':>8} {'naive/ipdash':>12}")
        for page, row in pages.items():
            row["ratio"] = row["naive_p50_s"] / row["ipdash_p50_s"]
            print(
                f"{page:<28} {row['ipdash_p50_s']:>8.3f} {row['naive_p50_s']:>8.3f} "
                f"{row['ratio']:>11.1f}x"
            )
        ratios = [r["ratio"] for r in pages.values()]
        results[name] = {
            "pages": pages,
            "ratio_geomean": statistics.geometric_mean(ratios),
            "ratio_min": min(ratios),
            "load_1min": load,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        mean = results[name]["ratio_geomean"]
        print(f"naive ÷ ipdash, geometric mean over the pages: {mean:.1f}x")
    print(f"wrote {scale.write_results('baseline', results)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
