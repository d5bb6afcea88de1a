"""Parse time per measure of documents the parser has never seen, this checkout beside
the parser of an earlier commit (default: 37da83a, before the parser was generalised),
in the same run.

Each parser runs in its own process (both are the package `ipdash`): the earlier one from
a copy of that commit's `ipdash/` and `data/` made with `git archive` into a temporary
folder. Both parse the same bytes with `parse_bytes` (read, parse, resolve every name),
best of REPEATS after one warm-up. Documents: a synthetic corpus in the real plans'
formats (`ipdash synth`, a seed no test uses) and the test plans in tests/data/plans/.
A parser that finds no measures in a document prints "-" for it.

    .venv/bin/python bench/bench_parse.py [--base COMMIT] [--measures N]

Prints figures; asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "37da83a"
REPEATS = 5

# Run inside each checkout: time parse_bytes on every file given, print JSON.
_TIMER = """
import json, sys, time
from pathlib import Path
from ipdash.corpus.document import parse_bytes
from ipdash.errors import ParseError
out = {}
for name in sys.argv[2:]:
    data = Path(name).read_bytes()
    try:
        parse_bytes(data, Path(name).name)
    except ParseError:
        out[name] = None
        continue
    best = float("inf")
    for _ in range(int(sys.argv[1])):
        started = time.perf_counter()
        doc = parse_bytes(data, Path(name).name)
        best = min(best, time.perf_counter() - started)
    out[name] = [len(doc.parsed.measures), best]
print(json.dumps(out))
"""


def _times(checkout: Path, files: list[Path]) -> dict[str, list | None]:
    result = subprocess.run(
        [sys.executable, "-c", _TIMER, str(REPEATS), *map(str, files)],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _export(commit: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", commit, "ipdash", "data/patterns", "data/registry", "data/taxonomy"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def _documents(tmp: Path, measures: int) -> list[Path]:
    synth = tmp / "synth"
    subprocess.run(
        [
            *(sys.executable, "-m", "ipdash", "synth", "--measures", str(measures)),
            *("--seed", "91", "--out", str(synth), "--years", "2016-2023"),
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    plans = sorted((ROOT / "tests" / "data" / "plans").glob("*.txt"))
    return sorted(synth.glob("*.txt")) + plans


def _cell(entry: list | None) -> str:
    if entry is None:
        return f"{'-':>9} {'-':>9}"
    n, seconds = entry
    return f"{n:>9} {seconds / max(n, 1) * 1e6:>9.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=BASE, help=f"earlier commit (default {BASE})")
    parser.add_argument("--measures", type=int, default=1200, help="synthetic measures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "base").mkdir()
        _export(args.base, tmp / "base")
        files = _documents(tmp, args.measures)
        old = _times(tmp / "base", files)
        new = _times(ROOT, files)
    print(f"parse_bytes per measure, best of {REPEATS} (µs); base = {args.base}")
    print(f"{'document':<28} {'base: n':>9} {'µs/m':>9}   {'now: n':>9} {'µs/m':>9}")
    totals = {"base": [0, 0.0], "now": [0, 0.0]}
    for f in files:
        key = str(f)
        print(f"{f.name[:28]:<28} {_cell(old[key])}   {_cell(new[key])}")
        if old[key] is not None and new[key] is not None:  # only what both parse
            for side, entry in (("base", old[key]), ("now", new[key])):
                totals[side][0] += entry[0]
                totals[side][1] += entry[1]
    per = {k: v[1] / max(v[0], 1) * 1e6 for k, v in totals.items()}
    print(
        f"{'documents both parse':<28} {totals['base'][0]:>9} {per['base']:>9.0f}   "
        f"{totals['now'][0]:>9} {per['now']:>9.0f}"
    )


if __name__ == "__main__":
    main()
