"""Load test: many people on one `streamlit run` server at once, as in a workshop.

Starts the app on loopback (or uses --url), then opens N concurrent sessions. Every
session opens the Measures page, changes the filters twice (a search, then a plan) and
downloads the CSV of what it filtered. Prints p50/p95 of page load and of rerun, the
errors, and the server's memory before and after. With --soak MINUTES it keeps opening
and closing sessions for that long and prints the server's memory each minute.

Two kinds of client:
- `--client ws` (default): websocket clients speaking Streamlit's protocol, as the
  browser does (a rerun message with the page and address, then every message until
  the script finishes; the CSV fetched over HTTP). Light enough that the 2 cores measure
  the server, not the browsers.
- `--client browser`: one headless Chromium with a browser context per session, which
  also renders every page (on a 2-core machine the browsers then compete with the
  server for the CPU).

    .venv/bin/python bench/load.py --sessions 20
    .venv/bin/python bench/load.py --sessions 10,20,40,60,80   # where does p95 pass 1.5 s?
    .venv/bin/python bench/load.py --client browser --sessions 20
    .venv/bin/python bench/load.py --soak 30 --sessions 10

Bounded: loopback only, at most --sessions concurrent sessions, each step times out.
Prints figures; asserts nothing (exit 1 only if a session failed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from ipdash import paths

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# The started server's output: where a page's error is explained.
SERVER_LOG = ROOT / "bench" / "out" / "load-server.log"
# One step (a page load, a rerun, a download) taking longer than this counts as an error.
STEP_TIMEOUT_MS = 60_000
# Searches and plans the sessions choose from, so that sessions differ.
SEARCHES = ["patent", "trademark", "copyright", "enforcement", "geographical", "innovation"]
YEARS = ["2012", "2014", "2020", "2022"]


@dataclass
class Results:
    loads: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    downloads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def start_server(db_dir: str) -> tuple[subprocess.Popen, str]:
    from ipdash.errors import IpdashError
    from ipdash.server import start_app

    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    try:
        return start_app({"IPDASH_DB_DIR": db_dir}, SERVER_LOG.open("w", encoding="utf-8"))
    except IpdashError as exc:
        raise SystemExit(f"{exc}; see {SERVER_LOG}") from exc


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
        await page.goto(f"{url}/Measures", timeout=STEP_TIMEOUT_MS)
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
            await download.save_as(os.path.join(download_dir, f"s{n}.csv"))
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
    url: str, n: int, results: Results, download_dir: str, wide: bool = False
) -> None:
    """One person over Streamlit's websocket protocol: the Measures page, two filter
    changes (reruns in the same session), and the CSV download."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    search, year = SEARCHES[n % len(SEARCHES)], YEARS[n % len(YEARS)]
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(
            stream, subprotocols=["streamlit"], max_size=2**26, open_timeout=60
        ) as ws:
            session_id = ""

            async def run(query: str) -> tuple[float, list[str]]:
                nonlocal session_id
                message = BackMsg()
                message.rerun_script.query_string = query
                message.rerun_script.page_name = "Measures"
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
                        if which == "download_button" and button.label == "Download CSV":
                            urls.append(button.url or f"deferred:{button.deferred_file_id}")
                    elif kind == "page_not_found":
                        raise RuntimeError("page not found")
                    elif kind == "script_finished":
                        return time.perf_counter() - started, urls

            elapsed, _ = await run("")
            results.loads.append(elapsed)
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
                data = await asyncio.to_thread(_fetch, target)
                if not data.startswith(b"\xef\xbb\xbf") or b"measure_id" not in data[:200]:
                    raise RuntimeError(f"the download is not the measures CSV: {data[:40]!r}")
                Path(download_dir, f"s{n}.csv").write_bytes(data)
                results.downloads.append(time.perf_counter() - started)
    except Exception as exc:  # a failed session is a result, not a crash of the test
        results.errors.append(f"session {n}: {type(exc).__name__}: {str(exc)[:200]}")


def _fetch(target: str) -> bytes:
    with urllib.request.urlopen(target, timeout=STEP_TIMEOUT_MS / 1000) as response:
        return response.read()


async def wave(
    url: str, sessions: int, pid: int, client: str = "ws", wide: bool = False
) -> Results:
    results = Results()
    if client == "ws":
        with tempfile.TemporaryDirectory() as downloads:
            await asyncio.gather(
                *(ws_session(url, n, results, downloads, wide) for n in range(sessions))
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


def report(label: str, results: Results, before: float, after: float) -> None:
    print(
        f"{label}: page load p50 {_pct(results.loads, 50)} s, p95 {_pct(results.loads, 95)} s; "
        f"rerun p50 {_pct(results.reruns, 50)} s, p95 {_pct(results.reruns, 95)} s; "
        f"CSV download p50 {_pct(results.downloads, 50)} s; "
        f"errors {len(results.errors)}; server memory {before:.0f} → {after:.0f} MB",
        flush=True,
    )
    for error in results.errors[:5]:
        print(f"  {error}")
    if results.errors:
        print(f"  (the server's log: {SERVER_LOG})")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="20", help="concurrent sessions, or a list: 10,20")
    parser.add_argument("--url", help="an app already running (default: start one)")
    parser.add_argument("--soak", type=float, default=0, help="minutes of open/close sessions")
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument(
        "--wide",
        action="store_true",
        help="ws: the second change maps bodies to successors instead of picking a plan, "
        "so the CSV is the whole search result (with IPDASH_RAW_DIR pointing at a large "
        "synthetic corpus: a file made when clicked)",
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.sessions.split(",")]
    if max(counts) > 100:
        raise SystemExit("at most 100 sessions (this is a bounded test)")
    with tempfile.TemporaryDirectory(prefix="ipdash-load-") as tmp:
        from ipdash.store.build import build_database

        build_database(paths.DEFAULT_RAW, db_dir=Path(tmp))
        proc, url = (None, args.url) if args.url else start_server(tmp)
        pid = proc.pid if proc else 0
        try:
            # One session first, so the figures below are not the server's cold start.
            asyncio.run(wave(url, 1, pid, args.client))
            if args.soak:
                return asyncio.run(soak(url, counts[0], args.soak, pid, args.client))
            status = 0
            for n in counts:
                before = rss_mb(pid)
                results = asyncio.run(wave(url, n, pid, args.client, args.wide))
                report(f"{n} {args.client} sessions", results, before, rss_mb(pid))
                status = status or (1 if results.errors else 0)
            return status
        finally:
            if proc:
                from ipdash.server import stop_app

                stop_app(proc)


if __name__ == "__main__":
    sys.exit(main())
