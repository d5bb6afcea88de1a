"""Kill test: start `python -m ipdash build` and kill it (SIGKILL) at a random moment,
many times over: half the trials at any moment of the build, half while it writes the
database file (the moments that matter most). After every kill the database the app
would serve (the generation CURRENT points to) must be complete, either the old
generation or the new one, never missing, half-written or unreadable. The next build
must still succeed.

    .venv/bin/python bench/kill_build.py [--trials 50] [--seed 1]

Prints a line per trial and a summary; exits 1 if any trial left a bad database.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ipdash.store.db import connect_read_only, current_db_path  # noqa: E402

# The corpus has this many measure rows (present and omitted); a complete database
# holds all of them and says so in build_info.
EXPECTED_MEASURES = 384
# Tables written first, in the middle and last by the build: all must be filled.
TABLES = ("measures", "measure_agencies", "measure_themes", "measure_facts")
# Writing the database file and switching to it take about this long (seconds).
WRITE_WINDOW = 0.4
COUNTS = (
    "SELECT (SELECT count(*) FROM measures), (SELECT count(*) FROM measure_agencies), "
    "(SELECT count(*) FROM measure_themes), (SELECT count(*) FROM measure_facts)"
)


def build(db_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ipdash", "build", "--db-dir", str(db_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_write(db_dir: Path, proc: subprocess.Popen) -> bool:
    """Wait until the build starts writing its database file (a .tmp file appears)."""
    while proc.poll() is None:
        if any(p.suffix == ".tmp" for p in db_dir.iterdir()):
            return True
        time.sleep(0.002)
    return False


def served(db_dir: Path) -> tuple[str | None, str]:
    """The served generation's build id, and "" if it is complete or what is wrong."""
    path = current_db_path(db_dir)
    if path is None:
        return None, "no current generation"
    try:
        con = connect_read_only(path)
    except Exception as exc:
        return None, f"cannot open {path.name}: {exc}"
    try:
        build_id, n = con.execute("SELECT build_id, n_measures FROM build_info").fetchall()[0]
        counts = dict(zip(TABLES, con.execute(COUNTS).fetchall()[0], strict=True))
    except Exception as exc:
        return None, f"{path.name} is incomplete: {exc}"
    finally:
        con.close()
    if n != EXPECTED_MEASURES or counts["measures"] != EXPECTED_MEASURES:
        return build_id, f"{path.name} holds {counts['measures']} measures, not {n}"
    if min(counts.values()) == 0:
        return build_id, f"{path.name} has an empty table: {counts}"
    return build_id, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="ipdash-kill-") as tmp:
        db_dir = Path(tmp) / "db"
        started = time.perf_counter()
        if build(db_dir).wait() != 0:
            print("the first build failed")
            return 1
        duration = time.perf_counter() - started
        print(f"an uninterrupted build takes {duration:.2f} s; killing at 0–{duration * 1.2:.2f} s")
        bad = 0
        outcomes = {"old": 0, "new": 0}
        for trial in range(1, args.trials + 1):
            before, problem = served(db_dir)
            assert not problem, problem
            proc = build(db_dir)
            if trial % 2:
                delay = rng.uniform(0, duration * 1.2)
                time.sleep(delay)
                moment = f"after {delay:.2f} s"
            else:
                delay = rng.uniform(0, WRITE_WINDOW)
                writing = wait_for_write(db_dir, proc)
                time.sleep(delay)
                moment = f"{delay:.2f} s into writing" if writing else "after it ended"
            killed = proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
            else:
                moment = "never: it had finished"
            proc.wait()
            after, problem = served(db_dir)
            outcome = "new" if after != before else "old"
            if problem:
                bad += 1
                outcome = f"BAD: {problem}"
            else:
                outcomes[outcome] += 1
            print(f"trial {trial:>3}: killed {moment} (exit {proc.returncode}): {outcome}")
        final = build(db_dir).wait()
        _, problem = served(db_dir)
        leftovers = sorted(p.name for p in db_dir.iterdir() if p.suffix == ".tmp")
        print(
            f"{args.trials} trials: {outcomes['old']} served the old generation, "
            f"{outcomes['new']} the new one, {bad} bad; a build afterwards "
            f"{'succeeded' if final == 0 and not problem else 'FAILED'}; "
            f"temporary files left: {len(leftovers)}"
        )
        return 1 if bad or final != 0 or problem or leftovers else 0


if __name__ == "__main__":
    sys.exit(main())
