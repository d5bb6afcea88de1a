"""Shared by the scale benchmarks (bench/bench_scale_*.py): the corpus sizes, their
corpora and databases, and where the figures go.

A scale is the real corpus ("real", data/raw, read only) or a number of measures of the
synthetic corpus (`python -m ipdash synth --seed SEED`), written once to
bench/out/scale/<n>/raw. Each scale has one prepared database generation in
bench/out/scale/<name>/db, rebuilt when the sources or the code change (its data
version differs); the build benchmark times fresh builds in temporary directories.
Nothing here touches data/db or data/raw.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ipdash import paths  # noqa: E402

OUT = ROOT / "bench" / "out"
SCALE_DIR = OUT / "scale"
# The sizes measured: the real corpus (384 measures), about 10x and 100x it, and
# 100,000 measures (about 260x), the size the dashboard must stay instant at.
DEFAULT_SCALES = ("real", "3840", "38400", "100000")
QUICK_SCALES = ("real", "3840")
# The synthetic corpus's seed: every run measures the same documents.
SEED = 1
REAL = "real"


def parse_args(
    description: str, extra: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """--scales real,3840,... and --quick (real and 3840 only); unknown flags (meant for
    other benchmark scripts run by run_all.py) are ignored."""
    parser = extra or argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--scales",
        default=",".join(DEFAULT_SCALES),
        help=f"comma-separated: 'real' or a number of synthetic measures "
        f"(default {','.join(DEFAULT_SCALES)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"only {', '.join(QUICK_SCALES)}: a run of minutes"
    )
    args, _ = parser.parse_known_args()
    args.scale_list = list(QUICK_SCALES) if args.quick else _scales(args.scales)
    return args


def _scales(text: str) -> list[str]:
    scales = [s.strip() for s in text.split(",") if s.strip()]
    for s in scales:
        if s != REAL and not s.isdigit():
            raise SystemExit(f"--scales: {s!r} is neither 'real' nor a number of measures")
    return scales


def raw_dir(scale: str) -> Path:
    """The scale's sources: data/raw for the real corpus, else the synthetic corpus
    (generated on first use)."""
    if scale == REAL:
        return paths.DATA / "raw"
    out = SCALE_DIR / scale / "raw"
    stamp = out / ".synth"
    wanted = f"measures={scale} seed={SEED} code={_synth_code_version()}"
    if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted):
        if out.exists():
            shutil.rmtree(out)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ipdash",
                "synth",
                *("--measures", scale, "--seed", str(SEED)),
                "--out",
                out,
            ],
            check=True,
            cwd=ROOT,
            env=clean_env(),
            stdout=subprocess.DEVNULL,
        )
        stamp.write_text(wanted, encoding="utf-8")
        print(f"  (generated {int(scale):,} measures in {time.perf_counter() - started:.1f} s)")
    return out


def _synth_code_version() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in (
        ROOT / "ipdash" / "corpus" / "synth.py",
        ROOT / "data" / "synth" / "templates.yaml",
        *sorted((ROOT / "data" / "raw").iterdir()),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def db_dir(scale: str) -> Path:
    """The scale's prepared database directory, built (or rebuilt) if out of date."""
    from ipdash.store.build import build_database, sources_version
    from ipdash.store.db import connect_read_only, current_db_path

    raw = raw_dir(scale)
    directory = SCALE_DIR / scale / "db"
    current = current_db_path(directory)
    if current is not None:
        con = connect_read_only(current)
        try:
            built = con.execute("SELECT data_version FROM build_info").fetchall()[0][0]
        finally:
            con.close()
        if built == sources_version(raw):
            return directory
    started = time.perf_counter()
    build_database(raw_dir=raw, db_dir=directory)
    print(f"  (built the {label(scale)} database in {time.perf_counter() - started:.1f} s)")
    return directory


def db_path(scale: str) -> Path:
    from ipdash.store.db import current_db_path

    path = current_db_path(db_dir(scale))
    assert path is not None
    return path


def label(scale: str) -> str:
    return "real corpus" if scale == REAL else f"{int(scale):,} measures"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for subprocesses: the project's defaults, never another run's
    database or sources, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("IPDASH_DB_DIR", "IPDASH_RAW_DIR")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def quiet_streamlit() -> None:
    """Silence Streamlit's "missing ScriptRunContext" warning, logged on every AppTest run."""
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    """with timer() as t: ...; t[0] is the elapsed wall time in seconds."""
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    import duckdb
    import polars
    import streamlit

    info: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "streamlit": streamlit.__version__,
    }
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "CPU max MHz"):
                info[key.strip()] = value.strip()
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def write_results(name: str, results: dict[str, object]) -> Path:
    """bench/out/<name>.json, merged with the scales measured before (a quick run keeps
    the larger scales of an earlier full run)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    previous: dict = {}
    if path.is_file():
        with contextlib.suppress(ValueError):
            previous = json.loads(path.read_text(encoding="utf-8"))
    scales = {**previous.get("scales", {}), **results}
    payload = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "scales": scales,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path
