"""Build at every scale: wall time, measures per second, peak memory and database size.

Each build runs in a fresh process (as `python -m ipdash build` does) into a temporary
database directory; its memory is sampled 20 times a second over the process and any
worker processes it starts (peak of the sum), and the process reports its own peak
(ru_maxrss). Prints figures and writes bench/out/build.json; asserts nothing.

    .venv/bin/python bench/bench_scale_build.py [--scales real,3840,38400,100000] [--quick]
        [--profile]   # also write a pyinstrument profile per scale to bench/out/
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

# Builds per scale: more where a build is short (the first of them warms the disk cache).
RUNS_SMALL, RUNS_LARGE = 3, 1
# Above this many measures one build per scale is enough (and takes long).
LARGE = 20_000
# Memory samples per second while a build runs.
SAMPLE_HZ = 20
# Target at 100,000 measures (issue 7).
TARGET_PER_SECOND = 5_000


def child(raw: str, db_dir: str, profile: str) -> None:
    """Run one build and print what it did as JSON (in the measured process)."""
    import resource

    from ipdash.store.build import build_database

    started = time.perf_counter()
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    result = build_database(raw_dir=Path(raw), db_dir=Path(db_dir))
    seconds = time.perf_counter() - started
    if profile:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(show_all=False), encoding="utf-8")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": seconds,
                # The build's own CPU and that of its worker processes (large corpora).
                "cpu_seconds": usage.ru_utime
                + usage.ru_stime
                + children.ru_utime
                + children.ru_stime,
                "n_measures": sum(p.n_measures for p in result.plans),
                "n_plans": len(result.plans),
                "db_bytes": result.path.stat().st_size,
                "max_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "max_rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def one_build(raw: Path, profile: Path | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="ipdash-bench-build-") as tmp:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", str(raw), tmp, str(profile or "")],
            stdout=subprocess.PIPE,
            text=True,
            env=scale.clean_env(IPDASH_DB_DIR=tmp),
            cwd=scale.ROOT,
        )
        watched = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(1 / SAMPLE_HZ)
        wall = time.perf_counter() - started
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"build of {raw} failed (exit {process.returncode})")
        report = json.loads(out.strip().splitlines()[-1])
    return {**report, "process_wall_seconds": wall, "peak_rss_tree_mb": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", action="store_true", help="write pyinstrument profiles")
    args = scale.parse_args(__doc__ or "", parser)
    results = {}
    print(
        f"{'scale':<16} {'measures':>9} {'plans':>5} {'build s':>8} {'measures/s':>10} "
        f"{'cpu s':>7} {'peak MB':>8} {'db MB':>7}  (median of runs; build_database)"
    )
    for name in args.scale_list:
        raw = scale.raw_dir(name)
        n = int(name) if name != scale.REAL else 384
        runs = RUNS_LARGE if n > LARGE else RUNS_SMALL
        profile = scale.OUT / f"profile-build-{name}.txt" if args.profile else None
        load = os.getloadavg()[0]
        reports = [one_build(raw, profile) for _ in range(runs)]
        seconds = statistics.median(r["seconds"] for r in reports)
        measures = reports[0]["n_measures"]
        row = {
            "measures": measures,
            "plans": reports[0]["n_plans"],
            "runs": runs,
            "build_seconds": seconds,
            "build_seconds_all": [r["seconds"] for r in reports],
            "process_seconds": statistics.median(r["process_wall_seconds"] for r in reports),
            "measures_per_second": measures / seconds,
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in reports),
            "measures_per_cpu_second": measures
            / statistics.median(r["cpu_seconds"] for r in reports),
            "peak_rss_mb": max(r["peak_rss_tree_mb"] for r in reports),
            "peak_rss_build_process_mb": max(r["max_rss_self_mb"] for r in reports),
            "peak_rss_one_worker_mb": max(r["max_rss_workers_mb"] for r in reports),
            "db_mb": reports[0]["db_bytes"] / 2**20,
            "load_1min": load,
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        results[name] = row
        print(
            f"{scale.label(name):<16} {measures:>9,} {row['plans']:>5} {seconds:>8.2f} "
            f"{row['measures_per_second']:>10,.0f} {row['cpu_seconds']:>7.1f} "
            f"{row['peak_rss_mb']:>8.0f} "
            f"{row['db_mb']:>7.1f}"
        )
    if "100000" in results:
        rate = results["100000"]["measures_per_second"]
        verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
        print(f"target at 100,000 measures: >= {TARGET_PER_SECOND:,}/s: {verdict} ({rate:,.0f}/s)")
    print(f"wrote {scale.write_results('build', results)}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
