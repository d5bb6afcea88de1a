"""Build time of the real corpus: parse, resolve and write a database, repeated.

Prints figures; asserts nothing (machines here are noisy). Target: under 2 s wall on a
2-core machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from ipdash import paths

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipdash.store.build import build_database

RUNS = 5


def main() -> None:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            started = time.perf_counter()
            result = build_database(paths.DEFAULT_RAW, db_dir=Path(tmp))
            times.append(time.perf_counter() - started)
    n = sum(p.n_measures for p in result.plans)
    print(f"build of the real corpus ({n} measures, {len(result.plans)} plans), {RUNS} runs:")
    print(f"  first run (cold imports/caches): {times[0]:.2f} s")
    rest = times[1:]
    print(f"  median of the rest: {statistics.median(rest):.2f} s   max: {max(rest):.2f} s")
    print(f"  target: < 2 s wall -> {'met' if max(times) < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
