"""Server-side time of every page at every scale, with Streamlit's AppTest: the first run
(cold caches, the database opened) and reruns after filter changes (each a new filter
set: the page's queries run uncached), and the memory of the app process after every
page has been shown.

Each scale runs in its own process with IPDASH_DB_DIR and IPDASH_RAW_DIR pointing at the
scale's database and sources (ipdash reads them when imported). The filter changes are
drawn from each database (its first, middle and last plans, its most named bodies).
Prints figures and writes bench/out/pages.json; asserts nothing.

    .venv/bin/python bench/bench_scale_pages.py [--scales real,3840,38400,100000] [--quick]
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

# Target at 100,000 measures (issue 7).
TARGET_RERUN_S = 0.5
TARGET_MEMORY_MB = 500
# Each filter change is timed this many times (each time after another change).
ROUNDS = 2
PAGES = (
    "app.py",
    "pages/1_Measures.py",
    "pages/2_Agency_network.py",
    "pages/3_Theme_shifts.py",
    "pages/4_Agency_profile.py",
    "pages/5_Data_quality.py",
    "pages/6_Stories.py",
)


def changes(db: Path) -> dict[str, list[dict[str, str]]]:
    """For each page, the address parameters of successive reruns."""
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only

    con = connect_read_only(db)
    try:
        years = [str(y) for y in queries.plans(con)["plan_year"]]
        named = queries.agency_options(con, False)["agency_id"].to_list()
    finally:
        con.close()
    first, mid, last = years[0], years[len(years) // 2], years[-1]
    top, other = named[0], named[min(5, len(named) - 1)]
    story = "ip-strategy-2012-2022"
    return {
        "app.py": [{}, {"year": last}],
        "pages/1_Measures.py": [
            {"year": last},
            {"year": first},
            {"theme": "judicial"},
            {"agency": top, "role": "lead"},
            {"q": "patent"},
            {},
        ],
        "pages/2_Agency_network.py": [
            {"year": last},
            {"year": first},
            {"theme": "enforcement"},
            {"successor": "1"},
            {"directed": "1"},
            {},
        ],
        "pages/3_Theme_shifts.py": [
            {"year": f"{first},{last}"},
            {"agency": top},
            {"successor": "1"},
            {"from": mid},
            {},
        ],
        "pages/4_Agency_profile.py": [
            {"profile": top},
            {"profile": other},
            {"profile": top, "successor": "1"},
            {"profile": other, "year": last},
        ],
        "pages/5_Data_quality.py": [{}],
        "pages/6_Stories.py": [
            {"story": story},
            {"story": story, "present": "1", "view": "2"},
            {"story": story, "present": "1", "view": "5"},
        ],
    }


def child(out: str) -> None:
    """Time the pages on the database IPDASH_DB_DIR points to (run in its own process)."""
    import resource

    import psutil
    from streamlit.testing.v1 import AppTest

    from ipdash import paths
    from ipdash.settings import current
    from ipdash.store.db import current_db_path

    warnings.filterwarnings("ignore")
    scale.quiet_streamlit()
    app = str(paths.ROOT / "app.py")
    db = current_db_path(current().db_dir)
    assert db is not None, current().db_dir
    results = {}
    for page, params_list in changes(db).items():
        at = AppTest.from_file(app, default_timeout=300)
        at.run()
        if page != "app.py":
            at.switch_page(page)
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        reruns, cpu, errors = [], [], []
        for params in params_list * ROUNDS:
            for key in list(at.query_params):
                del at.query_params[key]
            for key, value in params.items():
                at.query_params[key] = value
            at.session_state["_url_written"] = None  # as if a new address was opened
            started, cpu_started = time.perf_counter(), time.process_time()
            at.run()
            reruns.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            errors += [e.message for e in at.exception] + [e.value for e in at.error]
        results[page] = {
            "first_run_s": first,
            "rerun_p50_s": statistics.median(reruns),
            "rerun_max_s": max(reruns),
            "reruns_s": reruns,
            "rerun_cpu_p50_s": statistics.median(cpu),
            "errors": sorted(set(map(str, errors)))[:5],
        }
    results["_memory"] = {
        "rss_mb": psutil.Process().memory_info().rss / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    Path(out).write_text(json.dumps(results), encoding="utf-8")


def main() -> None:
    args = scale.parse_args(__doc__ or "")
    results = {}
    for name in args.scale_list:
        db_dir, raw = scale.db_dir(name), scale.raw_dir(name)
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="ipdash-bench-pages-") as tmp:
            out = Path(tmp) / "pages.json"
            env = scale.clean_env(
                IPDASH_DB_DIR=str(db_dir),
                IPDASH_RAW_DIR=str(raw),
                IPDASH_STORIES=str(Path(tmp) / "saved.yaml"),
            )
            subprocess.run(
                [sys.executable, __file__, "--child", str(out)],
                check=True,
                env=env,
                cwd=scale.ROOT,
            )
            pages = json.loads(out.read_text(encoding="utf-8"))
        memory = pages.pop("_memory")
        print(f"== {scale.label(name)}")
        print(f"{'page':<28} {'first run':>9} {'rerun p50':>9} {'rerun max':>9}  (seconds)")
        for page, row in pages.items():
            flag = f"  errors: {row['errors']}" if row["errors"] else ""
            print(
                f"{page:<28} {row['first_run_s']:>9.3f} {row['rerun_p50_s']:>9.3f} "
                f"{row['rerun_max_s']:>9.3f}{flag}"
            )
        worst = max(pages, key=lambda p: pages[p]["rerun_max_s"])
        print(
            f"worst rerun: {worst} {pages[worst]['rerun_max_s']:.3f} s (target <= "
            f"{TARGET_RERUN_S} s); app process memory after every page: "
            f"{memory['rss_mb']:.0f} MB (peak {memory['peak_rss_mb']:.0f} MB; target <= "
            f"{TARGET_MEMORY_MB} MB)"
        )
        results[name] = {
            "pages": pages,
            "worst_page": worst,
            "worst_rerun_s": pages[worst]["rerun_max_s"],
            "memory": memory,
            "load_1min": load,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    print(f"wrote {scale.write_results('pages', results)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
