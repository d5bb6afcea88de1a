"""What the measure lineage costs the build: at each scale, a build in a fresh process (as
`python -m ipdash build` runs it) into a temporary directory, with the time the lineage
step took inside it (BuildResult.lineage_seconds), its rows and its share of the build.

Targets (issue 14): under 1 s added to the build of the real corpus; under a quarter of
the build time at 100,000 synthetic measures. Prints figures and writes
bench/out/lineage.json; asserts nothing (these machines are noisy).

    .venv/bin/python bench/bench_lineage.py [--scales real,3840,100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

# Builds per scale: the real corpus builds in about a second, so five of them.
RUNS = {"real": 5}
DEFAULT_RUNS = 1
# The scales of this benchmark by default: the real corpus and the two ends of the
# synthetic range.
DEFAULT_SCALES = "real,3840,100000"


def child(raw: str, db_dir: str) -> None:
    """One build, in the measured process; prints what it did as JSON."""
    import time

    import duckdb

    from ipdash.store.build import build_database

    started = time.perf_counter()
    result = build_database(raw_dir=Path(raw), db_dir=Path(db_dir))
    seconds = time.perf_counter() - started
    con = duckdb.connect(str(result.path), read_only=True)
    try:
        rows, links = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'continued') FROM measure_lineage"
        ).fetchone()
    finally:
        con.close()
    print(
        json.dumps(
            {
                "build_seconds": seconds,
                "lineage_seconds": result.lineage_seconds,
                "n_measures": sum(p.n_measures for p in result.plans),
                "n_plans": len(result.plans),
                "lineage_rows": rows,
                "links": links,
            }
        )
    )


def one_build(raw: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="ipdash-bench-lineage-") as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(raw), tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=scale.ROOT,
            env=scale.clean_env(),
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(name: str) -> dict:
    raw = scale.raw_dir(name)
    runs = [one_build(raw) for _ in range(RUNS.get(name, DEFAULT_RUNS))]
    first = runs[0]
    build = statistics.median(r["build_seconds"] for r in runs)
    lineage = statistics.median(r["lineage_seconds"] for r in runs)
    return {
        "n_measures": first["n_measures"],
        "n_plans": first["n_plans"],
        "runs": len(runs),
        "build_seconds": round(build, 2),
        "lineage_seconds": round(lineage, 2),
        "lineage_share": round(lineage / build, 3) if build else None,
        "build_without_lineage_seconds": round(build - lineage, 2),
        "lineage_rows": first["lineage_rows"],
        "links": first["links"],
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.set_defaults(scales=DEFAULT_SCALES)  # parser defaults win over scale.py's
    args = scale.parse_args(__doc__.splitlines()[0], parser)
    print(f"machine: {scale.machine()}")
    print(
        f"{'corpus':<20} {'measures':>9} {'plans':>6} {'build s':>8} {'lineage s':>10} "
        f"{'share':>6} {'rows':>9} {'links':>8}"
    )
    results = {}
    for name in args.scale_list:
        r = measure(name)
        results[name] = r
        print(
            f"{scale.label(name):<20} {r['n_measures']:>9,} {r['n_plans']:>6} "
            f"{r['build_seconds']:>8.2f} {r['lineage_seconds']:>10.2f} "
            f"{r['lineage_share']:>6.0%} {r['lineage_rows']:>9,} {r['links']:>8,}",
            flush=True,
        )
    real = results.get(scale.REAL)
    if real:
        verdict = "met" if real["lineage_seconds"] < 1 else "MISSED"
        print(f"target: the real corpus's build gains < 1 s -> {verdict}")
    large = results.get("100000")
    if large:
        verdict = "met" if large["lineage_share"] < 0.25 else "MISSED"
        print(f"target: at 100,000 measures lineage < 1/4 of the build -> {verdict}")
    path = scale.write_results("lineage", results)
    print(f"wrote {path.relative_to(scale.ROOT)}")


if __name__ == "__main__":
    main()
