"""Where a server's time goes under load: py-spy samples one ipdash process (or the floor)
while N sessions open the Measures page at the same instant (the page-load phase), and
again while the same N sessions all change a filter at the same instant (the rerun
phase). Prints, per phase, the share of the process's samples in each part of the work
(the page script and what it calls, Streamlit's own handling, the queries) and the
functions with the most samples; writes the raw stacks to bench/out/profile-*.txt.

    .venv/bin/python bench/profile_load.py --sessions 40
    .venv/bin/python bench/profile_load.py --sessions 40 --target floor

Needs py-spy (requirements-dev.txt) and permission to read another process's memory
(root, or ptrace allowed). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 - bench/load.py, after the paths are set

from ipdash import paths  # noqa: E402

OUT = ROOT / "bench" / "out"

# Parts of the work, by the first frame in a stack that matches (checked in this order).
PARTS = [
    ("Excel file made with the page (export.to_xlsx_bytes)", ("to_xlsx_bytes",)),
    ("CSV made with the page (export.to_csv_bytes)", ("to_csv_bytes",)),
    ("queries (DuckDB, Polars; cached or not)", ("_cached_query", "(duckdb", "_frame (")),
    ("Plotly figure built (present/)", ("present/views.py", "present/figures.py")),
    ("chart sent (st.plotly_chart: figure to JSON)", ("plotly_chart",)),
    ("tables sent (st.dataframe: frame to Arrow)", ("dataframe (streamlit", "arrow")),
    ("sidebar: navigation and filters", ("navigation (", "filter_sidebar (")),
    ("other page code (pages/, web/, widgets)", ("pages/", "ipdash/web/", "app.py")),
    ("Streamlit running the script (session, widgets, cache)", ("script_runner", "scriptrunner")),
    (
        "Streamlit sending messages (protobuf, websocket)",
        ("tornado", "protobuf", "forward_msg", "websocket"),
    ),
]


def part_of(stack: str) -> str:
    for label, needles in PARTS:
        if any(n in stack for n in needles):
            return label
    return "other (interpreter, threads, garbage collection)"


def summarise(raw: Path, title: str) -> None:
    """Share of samples per part of the work and the busiest functions (self time)."""
    parts: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        parts[part_of(stack)] += n
        own[stack.split(";")[-1]] += n
    print(f"\n{title}: {total} samples")
    for label, n in parts.most_common():
        print(f"  {n / total:6.1%}  {label}")
    print("  busiest functions (own time):")
    for frame, n in own.most_common(12):
        print(f"  {n / total:6.1%}  {frame[:110]}")


async def _phases(url: str, sessions: int, pid: int, stem: str) -> None:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    loaded = 0
    all_loaded = asyncio.Event()
    go_rerun = asyncio.Event()
    done = 0
    all_done = asyncio.Event()

    async def run(ws: object, query: str) -> None:
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        await ws.send(message.SerializeToString())  # type: ignore[attr-defined]
        while True:
            raw = await asyncio.wait_for(ws.recv(), 120)  # type: ignore[attr-defined]
            if ForwardMsg.FromString(raw).WhichOneof("type") == "script_finished":
                return

    async def one(n: int) -> None:
        nonlocal loaded, done
        stream = url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=2**26) as ws:
            await run(ws, "")
            loaded += 1
            if loaded == sessions:
                all_loaded.set()
            await go_rerun.wait()
            await run(ws, f"q={load.SEARCHES[n % len(load.SEARCHES)]}")
            done += 1
            if done == sessions:
                all_done.set()

    page = "Measures" if stem == "one" else ""
    spy = _spy(pid, OUT / f"profile-{stem}-load.txt")
    tasks = [asyncio.create_task(one(n)) for n in range(sessions)]
    started = time.perf_counter()
    await all_loaded.wait()
    print(f"page loads: {sessions} sessions in {time.perf_counter() - started:.1f} s")
    _stop_spy(spy)
    spy = _spy(pid, OUT / f"profile-{stem}-rerun.txt")
    started = time.perf_counter()
    go_rerun.set()
    await all_done.wait()
    print(f"reruns: {sessions} sessions in {time.perf_counter() - started:.1f} s")
    _stop_spy(spy)
    await asyncio.gather(*tasks)


def _spy(pid: int, out: Path) -> subprocess.Popen:
    py_spy = Path(sys.executable).parent / "py-spy"
    command = [str(py_spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "200"]
    command += ["--output", str(out), "--nonblocking", "--full-filenames"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches
    return proc


def _stop_spy(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--target", choices=("one", "floor"), default="one")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ipdash-profile-") as tmp:
        from ipdash.store.build import build_database

        build_database(paths.DEFAULT_RAW, db_dir=Path(tmp))
        proc, url = load.start_server(args.target, tmp)
        try:
            asyncio.run(load.wave(url, 1, proc.pid, page=load.PAGE[args.target]))  # warm
            print(f"load average {os.getloadavg()[0]:.2f}")
            asyncio.run(_phases(url, args.sessions, proc.pid, args.target))
            print(f"load average {os.getloadavg()[0]:.2f}")
        finally:
            load.stop_server(proc)
    for phase in ("load", "rerun"):
        raw = OUT / f"profile-{args.target}-{phase}.txt"
        if raw.exists():
            summarise(raw, f"{args.target}, {args.sessions} simultaneous {phase}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
