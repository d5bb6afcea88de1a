"""Load test: many people on one server at once, as in a workshop.

Starts the servers to compare on loopback (or uses --url), then opens N sessions at the
same moment on each. Every session opens the Measures page, changes the filters twice (a
search, then a plan) and downloads the CSV of what it filtered. Prints p50/p95 of page
load and of rerun, the errors, and the server's memory (every process of it) before and
after. With --soak MINUTES it keeps opening and closing sessions for that long and prints
the server's memory each minute.

The servers (--targets, default all three, side by side in one run):
- `floor`: bench/floor_app.py, the plainest Streamlit app doing the same visible work
  (one query, a table, one chart, a CSV button) in one process;
- `one`: ipdash in one process (`streamlit run app.py`, what `./run app` starts);
- `serve`: `python -m ipdash serve` (--workers, default one per core) behind nginx;
- `floor-tuned` (on request): the floor with the Streamlit settings ipdash runs with
  (no full garbage collection after every script run; .streamlit/config.toml).

Two kinds of client:
- `--client ws` (default): websocket clients speaking Streamlit's protocol, as the
  browser does: the page's address fetched first (keeping the cookies it sets, as a
  browser does: behind `ipdash serve` the sticky cookie), then a rerun message with the
  page and address on the websocket, then every message until the script finishes; the
  CSV fetched over HTTP with the same cookies. Light enough that the 2 cores measure the
  server, not the browsers.
- `--client browser`: one headless Chromium with a browser context per session, which
  also renders every page (on a 2-core machine the browsers then compete with the
  server for the CPU).

    .venv/bin/python bench/load.py --sessions 10,20,40,80            # floor, one, serve
    .venv/bin/python bench/load.py --targets serve --workers 2 --sessions 40
    .venv/bin/python bench/load.py --client browser --targets one --sessions 20
    .venv/bin/python bench/load.py --soak 30 --targets one --sessions 10

Bounded: loopback only, at most 100 sessions at once, each step times out.
Prints figures (and writes bench/out/load.json); asserts nothing (exit 1 only if a
session failed).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ipdash import paths  # noqa: E402 - after the project root is on the path
from tests import layout  # noqa: E402

CHROMIUM = layout.CHROMIUM
# The browser tests' arguments, plus shared memory in /tmp instead of /dev/shm for the
# many pages the load test keeps open in one browser.
LAUNCH_ARGS = [*layout.LAUNCH_ARGS, "--disable-dev-shm-usage"]
# The started server's output: where a page's error is explained.
SERVER_LOG = ROOT / "bench" / "out" / "load-server.log"
# One step (a page load, a rerun, a download) taking longer than this counts as an error.
STEP_TIMEOUT_MS = 60_000
# Searches and plans the sessions choose from, so that sessions differ.
SEARCHES = ["patent", "trademark", "copyright", "enforcement", "geographical", "innovation"]
YEARS = ["2012", "2014", "2020", "2022"]


TARGETS = ("floor", "one", "serve")
# The page each target's sessions open ("" is a one-page app's only page).
PAGE = {"floor": "", "floor-tuned": "", "one": "Measures", "serve": "Measures", "url": "Measures"}
STICKY_COOKIE = "ipdash_worker"


@dataclass
class Results:
    loads: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    downloads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Per session: the cookies the page's address set (behind ipdash serve: the sticky one).
    cookies: list[dict[str, str]] = field(default_factory=list)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server at {url} stopped while starting: see {log}")
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer within {seconds:.0f} s: see {log}")


def start_server(target: str, db_dir: str, workers: int = 0) -> tuple[subprocess.Popen, str]:
    """Start one of TARGETS on a free loopback port, reading the database in db_dir;
    its output goes to bench/out/load-<target>.log."""
    from ipdash.store.db import current_db_path

    log_path = SERVER_LOG.parent / f"load-{target}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w", encoding="utf-8")
    env = {**os.environ, "IPDASH_DB_DIR": db_dir}
    port = _free_port()
    streamlit = [sys.executable, "-m", "streamlit", "run"]
    options = ["--server.headless", "true", "--server.port", str(port)]
    options += ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    cwd = ROOT
    if target.startswith("floor"):
        # Run from a folder without ipdash's .streamlit/config.toml: Streamlit's defaults,
        # as a plain app has them; `floor-tuned` takes the runner settings ipdash uses.
        cwd = Path(db_dir)
        command = [*streamlit, str(ROOT / "bench" / "floor_app.py"), *options]
        if target == "floor-tuned":
            command += ["--runner.postScriptGC", "false"]
        command += ["--", str(current_db_path(Path(db_dir)))]
    elif target == "one":
        command = [*streamlit, "app.py", *options]
    else:
        command = [sys.executable, "-m", "ipdash", "serve", "--port", str(port)]
        command += ["--address", "127.0.0.1", "--workers", str(workers or os.cpu_count() or 1)]
        command += [
            "--run-dir",
            str(Path(db_dir) / "run"),
            "--log-dir",
            str(SERVER_LOG.parent / "serve-logs"),
        ]
    proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(proc, url, log_path)
    return proc, url


def _worker_urls(target: str, url: str, db_dir: str) -> list[str]:
    """The addresses that reach each worker of a server (ipdash serve: each worker's
    loopback port, from its state file), or the server's own."""
    import json

    state = Path(db_dir) / "run" / "serve.json"
    if target != "serve" or not state.exists():
        return [url]
    workers = json.loads(state.read_text(encoding="utf-8"))["workers"]
    return [f"http://127.0.0.1:{w['port']}" for w in workers]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process and its children have used so far:
    on a shared machine a steadier measure of the work a wave costs than wall time."""
    try:
        process = psutil.Process(pid)
        procs = [process, *process.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in procs)
    except psutil.Error:
        return float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children, in MB."""
    try:
        process = psutil.Process(pid)
        procs = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 1024 / 1024
    except psutil.Error:
        return float("nan")


async def session(browser: object, url: str, n: int, results: Results, download_dir: str) -> None:
    """One person: open Measures, search, pick a plan, download the CSV."""
    from playwright.async_api import expect

    context = await browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/Measures", timeout=STEP_TIMEOUT_MS)  # ipdash only
        await expect(page.get_by_text("match (of all plans)")).to_be_visible(
            timeout=STEP_TIMEOUT_MS
        )
        results.loads.append(time.perf_counter() - started)

        search = page.get_by_role("textbox", name="Search the text")
        started = time.perf_counter()
        await search.fill(SEARCHES[n % len(SEARCHES)])
        await search.press("Enter")
        # The page writes its filters into the address when its run ends.
        await expect(page).to_have_url(
            re.compile(rf".*[?&]q={SEARCHES[n % len(SEARCHES)]}(&|$)"), timeout=STEP_TIMEOUT_MS
        )
        await expect(page.get_by_text("match (of all plans)")).to_be_visible(
            timeout=STEP_TIMEOUT_MS
        )
        results.reruns.append(time.perf_counter() - started)

        year = YEARS[n % len(YEARS)]
        started = time.perf_counter()
        await page.goto(
            f"{url}/Measures?q={SEARCHES[n % len(SEARCHES)]}&year={year}",
            timeout=STEP_TIMEOUT_MS,
        )
        done = page.get_by_text("match (in the chosen plans)").or_(
            page.get_by_text("No measures match")
        )
        await expect(done.first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        results.loads.append(time.perf_counter() - started)

        button = page.get_by_role("button", name="Download CSV")
        if not await page.get_by_text("No measures match").count():
            await expect(button).to_be_visible(timeout=STEP_TIMEOUT_MS)
            started = time.perf_counter()
            async with page.expect_download(timeout=STEP_TIMEOUT_MS) as info:
                await button.click()
            download = await info.value
            await download.save_as(os.path.join(download_dir, f"s{n}.zip"))
            results.downloads.append(time.perf_counter() - started)
    except Exception as exc:  # a failed session is a result, not a crash of the test
        results.errors.append(f"session {n}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


def _pct(values: list[float], q: float) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[int(q) - 1]:.2f}"


async def ws_session(
    url: str,
    n: int,
    results: Results,
    download_dir: str,
    wide: bool = False,
    page: str = "Measures",
    cookies: dict[str, str] | None = None,
) -> None:
    """One person over Streamlit's websocket protocol: the page's address (keeping its
    cookies; `cookies`: the browser's already), the page, two filter changes (reruns in
    the same session), and the CSV download with the same cookies."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    search, year = SEARCHES[n % len(SEARCHES)], YEARS[n % len(YEARS)]
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        load_started = time.perf_counter()
        cookies = {**(cookies or {})}
        cookies.update(await asyncio.to_thread(_page_cookies, f"{url}/{page}", cookies))
        results.cookies.append(cookies)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        async with websockets.connect(
            stream,
            subprotocols=["streamlit"],
            max_size=2**26,
            open_timeout=60,
            additional_headers={"Cookie": cookie} if cookie else None,
        ) as ws:
            session_id = ""

            async def run(query: str) -> tuple[float, list[str]]:
                nonlocal session_id
                message = BackMsg()
                message.rerun_script.query_string = query
                message.rerun_script.page_name = page
                started = time.perf_counter()
                await ws.send(message.SerializeToString())
                urls: list[str] = []
                while True:
                    raw = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT_MS / 1000)
                    forward = ForwardMsg.FromString(raw)
                    kind = forward.WhichOneof("type")
                    if kind == "new_session" and forward.new_session.initialize.session_id:
                        session_id = forward.new_session.initialize.session_id
                    if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                        element = forward.delta.new_element
                        which = element.WhichOneof("type")
                        if which == "exception":
                            raise RuntimeError(f"the page raised: {element.exception.message}")
                        button = element.download_button
                        if which == "download_button" and button.label.startswith("Download CSV"):
                            urls.append(button.url or f"deferred:{button.deferred_file_id}")
                    elif kind == "page_not_found":
                        raise RuntimeError("page not found")
                    elif kind == "script_finished":
                        return time.perf_counter() - started, urls

            await run("")
            results.loads.append(time.perf_counter() - load_started)
            elapsed, _ = await run(f"q={search}")
            results.reruns.append(elapsed)
            # --wide: the second change keeps every plan, so that on a large corpus the
            # CSV holds more than a table shows and is made when clicked.
            second = "successor=1" if wide else f"year={year}"
            elapsed, urls = await run(f"q={search}&{second}")
            results.reruns.append(elapsed)
            if urls:
                started = time.perf_counter()
                csv_url = urls[0]
                if csv_url.startswith("deferred:"):
                    # A file made when clicked: ask the server for it, as the browser does.
                    request = BackMsg()
                    request.backend_operation_request.request_id = f"load-{n}"
                    request.backend_operation_request.session_id = session_id
                    request.backend_operation_request.deferred_file.file_id = csv_url[9:]
                    await ws.send(request.SerializeToString())
                    while True:
                        raw = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT_MS / 1000)
                        forward = ForwardMsg.FromString(raw)
                        if forward.WhichOneof("type") == "backend_operation_response":
                            response = forward.backend_operation_response
                            if response.error_msg:
                                raise RuntimeError(f"download failed: {response.error_msg}")
                            csv_url = response.deferred_file.url
                            break
                target = csv_url if csv_url.startswith("http") else url + "/" + csv_url.lstrip("/")
                data = await asyncio.to_thread(_fetch, target, cookie)
                if not _is_measures_download(data):
                    raise RuntimeError(f"the download is not the measures CSV: {data[:40]!r}")
                Path(download_dir, f"s{n}.zip").write_bytes(data)
                results.downloads.append(time.perf_counter() - started)
    except Exception as exc:  # a failed session is a result, not a crash of the test
        results.errors.append(f"session {n}: {type(exc).__name__}: {str(exc)[:200]}")


def _is_measures_download(data: bytes) -> bool:
    """A "Download CSV" of the measures: ipdash's zip whose first file is the measures CSV
    (readable headers), or the floor app's plain CSV (its database columns)."""
    if data.startswith(b"\xef\xbb\xbfplan_year,measure_no,measure_id"):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            first = archive.read(archive.namelist()[0])
    except (zipfile.BadZipFile, IndexError):
        return False
    return first.startswith(b"\xef\xbb\xbf") and b"Measure ID" in first[:200]


def _fetch(target: str, cookie: str = "") -> bytes:
    request = urllib.request.Request(target, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_MS / 1000) as response:
        return response.read()


def _page_cookies(address: str, cookies: dict[str, str] | None = None) -> dict[str, str]:
    """Fetch a page's address as a browser does first (with the cookies it has); the
    cookies the answer sets."""
    from http.cookies import SimpleCookie

    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    request = urllib.request.Request(address, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_MS / 1000) as response:
        response.read()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


async def wave(
    url: str,
    sessions: int,
    pid: int,
    client: str = "ws",
    wide: bool = False,
    page: str = "Measures",
) -> Results:
    results = Results()
    if client == "ws":
        with tempfile.TemporaryDirectory() as downloads:
            await asyncio.gather(
                *(ws_session(url, n, results, downloads, wide, page) for n in range(sessions))
            )
        return results
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as downloads:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            await asyncio.gather(
                *(session(browser, url, n, results, downloads) for n in range(sessions))
            )
            await browser.close()
    return results


def report(
    label: str, results: Results, before: float, after: float, cpu: float = float("nan")
) -> dict:
    """Print one wave's figures; return them as a row for the table and the JSON."""
    load = os.getloadavg()[0]
    print(
        f"{label}: page load p50 {_pct(results.loads, 50)} s, p95 {_pct(results.loads, 95)} s; "
        f"rerun p50 {_pct(results.reruns, 50)} s, p95 {_pct(results.reruns, 95)} s; "
        f"CSV download p50 {_pct(results.downloads, 50)} s ({len(results.downloads)} fetched); "
        f"errors {len(results.errors)}; server memory {before:.0f} → {after:.0f} MB; "
        f"server CPU {cpu:.1f} s; load average {load:.2f}",
        flush=True,
    )
    for error in results.errors[:5]:
        print(f"  {error}")
    if results.errors:
        print(f"  (the servers' logs: {SERVER_LOG.parent})")
    return {
        "label": label,
        "load_p50": _pct(results.loads, 50),
        "load_p95": _pct(results.loads, 95),
        "rerun_p50": _pct(results.reruns, 50),
        "rerun_p95": _pct(results.reruns, 95),
        "csv_p50": _pct(results.downloads, 50),
        "downloads": len(results.downloads),
        "errors": len(results.errors),
        "memory_before_mb": round(before),
        "memory_after_mb": round(after),
        "load_average": round(load, 2),
        "server_cpu_s": round(cpu, 2),
        "sticky_cookies": sum(1 for c in results.cookies if STICKY_COOKIE in c),
    }


async def soak(url: str, sessions: int, minutes: float, pid: int, client: str) -> int:
    """Open and close sessions for `minutes`; memory each minute; growth after warm-up."""
    end = time.monotonic() + minutes * 60
    start = time.monotonic()
    samples: list[tuple[float, float]] = [(0.0, rss_mb(pid))]  # before any session
    errors: list[str] = []
    rounds = 0
    next_sample = start + 60
    while time.monotonic() < end:
        results = await wave(url, sessions, pid, client)
        errors += results.errors
        rounds += 1
        if time.monotonic() >= next_sample:
            samples.append(((time.monotonic() - start) / 60, rss_mb(pid)))
            print(f"  minute {samples[-1][0]:5.1f}: server {samples[-1][1]:.0f} MB", flush=True)
            next_sample += 60
    samples.append(((time.monotonic() - start) / 60, rss_mb(pid)))
    warm = samples[min(2, len(samples) - 1)][1]  # after the caches filled (2 minutes)
    final = samples[-1][1]
    growth = (final - warm) / warm * 100
    total = (final - samples[0][1]) / samples[0][1] * 100
    print(
        f"soak: {minutes:g} min, {rounds} rounds of {sessions} sessions "
        f"({rounds * sessions} sessions opened and closed), {len(errors)} errors; memory "
        f"{samples[0][1]:.0f} MB at start, {warm:.0f} MB after warm-up, {final:.0f} MB at the end "
        f"({growth:+.1f}% after warm-up, {total:+.1f}% in all)"
    )
    for error in errors[:5]:
        print(f"  {error}")
    if errors:
        print(f"  (the server's log: {SERVER_LOG})")
    return 1 if errors else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="20", help="concurrent sessions, or a list: 10,20")
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"servers to compare, side by side for each size (default {','.join(TARGETS)})",
    )
    parser.add_argument("--workers", type=int, default=0, help="serve: workers (default: cores)")
    parser.add_argument("--url", help="an app already running (default: start the targets)")
    parser.add_argument("--soak", type=float, default=0, help="minutes of open/close sessions")
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument(
        "--wide",
        action="store_true",
        help="ws: the second change maps bodies to successors instead of picking a plan, "
        "so the CSV is the whole search result (with IPDASH_RAW_DIR pointing at a large "
        "synthetic corpus: a file made when clicked)",
    )
    parser.add_argument("--pause", type=float, default=3, help="seconds between waves")
    return parser.parse_args()


def table(rows: list[dict]) -> str:
    """The figures as a Markdown table (what docs/reliability.md shows)."""
    lines = [
        "| sessions at once | server | page load p50 / p95 | rerun p50 / p95 | CSV p50 "
        "| errors | server CPU | memory before → after | load avg |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['sessions']} | {r['target']} | {r['load_p50']} / {r['load_p95']} s "
            f"| {r['rerun_p50']} / {r['rerun_p95']} s | {r['csv_p50']} s | {r['errors']} "
            f"| {r['server_cpu_s']} s "
            f"| {r['memory_before_mb']} → {r['memory_after_mb']} MB | {r['load_average']} |"
        )
    return "\n".join(lines)


def main() -> int:
    import json

    args = _arguments()
    counts = [int(n) for n in args.sessions.split(",")]
    targets = ["url"] if args.url else [t.strip() for t in args.targets.split(",") if t.strip()]
    if max(counts) > 100:
        raise SystemExit("at most 100 sessions (this is a bounded test)")
    if set(targets) - {*TARGETS, "floor-tuned", "url"}:
        raise SystemExit(f"--targets: choose from {', '.join(TARGETS)}")
    if args.client == "browser" and any(t.startswith("floor") for t in targets):
        raise SystemExit("--client browser drives ipdash's pages: use --targets one,serve")
    with tempfile.TemporaryDirectory(prefix="ipdash-load-") as tmp:
        from ipdash.store.build import build_database

        build_database(paths.DEFAULT_RAW, db_dir=Path(tmp))
        servers: dict[str, tuple[subprocess.Popen | None, str]] = {}
        try:
            for target in targets:
                servers[target] = (
                    (None, args.url) if target == "url" else start_server(target, tmp, args.workers)
                )
                proc, url = servers[target]
                # One session first on every worker, so the figures below are not a
                # server's cold start.
                for warm in _worker_urls(target, url, tmp):
                    asyncio.run(wave(warm, 1, 0, args.client, page=PAGE[target]))
            if args.soak:
                proc, url = servers[targets[0]]
                return asyncio.run(
                    soak(url, counts[0], args.soak, proc.pid if proc else 0, args.client)
                )
            rows = []
            for n in counts:
                for target in targets:
                    proc, url = servers[target]
                    pid = proc.pid if proc else 0
                    time.sleep(args.pause)
                    before, cpu = rss_mb(pid), cpu_seconds(pid)
                    results = asyncio.run(wave(url, n, pid, args.client, args.wide, PAGE[target]))
                    cpu = cpu_seconds(pid) - cpu
                    row = report(
                        f"{n} {args.client} sessions, {target}", results, before, rss_mb(pid), cpu
                    )
                    rows.append({"sessions": n, "target": target, **row})
            print()
            print(table(rows))
            out = SERVER_LOG.parent / "load.json"
            out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
            return 1 if any(r["errors"] for r in rows) else 0
        finally:
            for proc, _ in servers.values():
                if proc:
                    stop_server(proc)


if __name__ == "__main__":
    sys.exit(main())
