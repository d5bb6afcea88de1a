"""`python -m ipdash serve`: workers behind nginx. The proxy's configuration is checked on
its own (and by `nginx -t`); then a real server (2 workers) takes simultaneous sessions
through the proxy (bench/load.py's websocket clients, keeping cookies as a browser does),
keeps each visitor on one worker, enforces the upload limit, restarts a killed worker
and stops every process on SIGTERM. A plan added through the proxy on one worker is seen
on both (tests/test_serve.py::test_a_plan_added_on_one_worker_is_seen_on_every_worker,
in a browser). Needs nginx (./run test installs it); CI fails without it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from ipdash import paths, serve
from ipdash.errors import IpdashError
from tests.conftest import TEST_SETTINGS, require_program

TOKEN = "workshop-admin-7f3a"
STARTUP = 180


def _load_bench() -> object:
    """bench/load.py as a module (its websocket clients keep cookies like a browser)."""
    if "bench_load" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "bench_load", paths.ROOT / "bench" / "load.py"
        )
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["bench_load"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules["bench_load"]


# ---------------------------------------------------------------------------------------
# The proxy's configuration


def _config(tmp_path: Path, user: str | None = None) -> str:
    return serve.nginx_config(
        "127.0.0.1:8600",
        ["127.0.0.1:9001", "127.0.0.1:9002"],
        tmp_path / "run",
        tmp_path / "logs",
        serve.upload_limit_mb(),
        user,
    )


def test_the_proxy_sticks_by_a_cookie_it_sets(tmp_path):
    config = _config(tmp_path)
    cookie = serve.STICKY_COOKIE
    # The cookie names the worker that answered; a cookie naming one of ours goes there,
    # anything else (none, or a made-up one) to the group.
    assert f"map $cookie_{cookie} $ipdash_upstream {{" in config
    assert '"127.0.0.1:9001" 127.0.0.1:9001;' in config
    assert "default ipdash_workers;" in config
    assert "proxy_pass http://$ipdash_upstream;" in config
    assert (
        f'add_header Set-Cookie "{cookie}=$ipdash_answered; Path=/; HttpOnly; SameSite=Lax" always;'
        in config
    )
    assert "ip_hash" not in config  # never by address: a room behind one NAT is one address
    assert re.findall(r"server (127\.0\.0\.1:\d+)", config) == ["127.0.0.1:9001", "127.0.0.1:9002"]
    assert "error_page 502 504 = @any_worker;" in config  # a worker down: another takes over


def test_the_proxy_passes_websockets_with_long_timeouts(tmp_path):
    config = _config(tmp_path)
    for location in config.split("location ")[1:]:
        assert "proxy_set_header Upgrade $http_upgrade;" in location
        assert "proxy_set_header Connection $connection_upgrade;" in location
        assert "proxy_read_timeout 1d;" in location
        assert "proxy_http_version 1.1;" in location


def test_the_proxy_has_the_apps_upload_limit_and_keeps_its_files_in_its_folders(tmp_path):
    config = _config(tmp_path)
    assert serve.upload_limit_mb() == 10  # .streamlit/config.toml, as the page says
    assert "client_max_body_size 10m;" in config
    assert f"pid {tmp_path / 'run' / 'nginx.pid'};" in config
    for kind in serve.TEMPS:
        assert f"{kind}_temp_path {tmp_path / 'run' / 'tmp' / kind};" in config
    assert f"access_log {tmp_path / 'logs' / 'nginx-access.log'} ipdash;" in config
    assert f"error_log {tmp_path / 'logs' / 'nginx-error.log'} warn;" in config
    assert "/etc/" not in config
    assert "/var/" not in config
    assert "user " not in config.split("events", 1)[0]
    assert "user nobody nogroup;" in _config(tmp_path, "nobody nogroup")


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = require_program("nginx", "nginx")
    for folder in ("run", "logs", *(f"run/tmp/{k}" for k in serve.TEMPS)):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "run" / "nginx.conf").write_text(_config(tmp_path), encoding="utf-8")
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path / "run"),
            "-e",
            str(tmp_path / "logs" / "e.log"),
            "-c",
            str(tmp_path / "run" / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_a_missing_nginx_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(IpdashError, match=r"needs nginx.*apt-get install nginx"):
        serve.find_nginx()


def test_the_cli_reports_a_missing_nginx_in_plain_words(monkeypatch):
    from tests.conftest import run_cli

    monkeypatch.setattr(
        serve, "find_nginx", lambda: (_ for _ in ()).throw(IpdashError("needs nginx"))
    )
    result = run_cli("serve", "--workers", "1", "--port", "1")
    assert (result.returncode, result.stderr.strip()) == (2, "error: needs nginx")


def test_a_database_that_cannot_be_built_stops_serve_with_the_reason(tmp_path):
    from ipdash.settings import Settings

    broken = Settings(raw_dir=tmp_path / "no-such-folder", db_dir=tmp_path / "db")
    with pytest.raises(IpdashError, match=r"the database could not be built in .*manifest"):
        serve._ensure_database(broken)


def test_a_port_in_use_is_reported_before_anything_starts():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(IpdashError, match=rf"cannot listen on 127.0.0.1:{port} .*--port"):
            serve._check_port_free("127.0.0.1", port)


def test_serve_defaults_to_a_worker_per_core():
    from ipdash.cli import make_parser

    args = make_parser().parse_args(["serve"])
    assert (args.workers, args.port, args.allow_edits) == (os.cpu_count(), 8501, False)


# ---------------------------------------------------------------------------------------
# A real server


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    run_dir: Path
    log_dir: Path
    raw: Path
    db_dir: Path

    def state(self) -> dict:
        return json.loads((self.run_dir / "serve.json").read_text(encoding="utf-8"))

    def logs(self) -> str:
        return "\n".join(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(self.log_dir.iterdir())
        )


def start_serve(
    root: Path, raw: Path, db_dir: Path, workers: int, token: str | None = None
) -> Server:
    run_dir, log_dir = root / "run", root / "logs"
    port = serve.free_ports(1)[0]
    env = {
        **os.environ,
        **TEST_SETTINGS.with_(raw_dir=raw, db_dir=db_dir, log_dir=log_dir).to_env(),
        "IPDASH_ADMIN_TOKEN": token or "",
    }
    out = (root / "serve.out").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ipdash",
            "serve",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--run-dir",
            str(run_dir),
            "--log-dir",
            str(log_dir),
        ],
        cwd=paths.ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = Server(proc, f"http://127.0.0.1:{port}", run_dir, log_dir, raw, db_dir)
    deadline = time.monotonic() + STARTUP
    while "ipdash is serving at" not in (root / "serve.out").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(server)
            pytest.fail(f"ipdash serve did not start: {(root / 'serve.out').read_text()[-2000:]}")
        time.sleep(0.3)
    return server


def stop(server: Server) -> int:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
    try:
        return server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        return server.proc.wait()


@pytest.fixture(scope="module")
def server(corpus_template, tmp_path_factory) -> Iterator[Server]:
    require_program("nginx", "nginx")
    root = tmp_path_factory.mktemp("serve")
    raw, db_dir = root / "raw", root / "db"
    shutil.copytree(corpus_template[0], raw)
    shutil.copytree(corpus_template[1], db_dir, ignore=shutil.ignore_patterns("*.lock"))
    running = start_serve(root, raw, db_dir, workers=2, token=TOKEN)
    yield running
    stop(running)


def _get(url: str, cookie: str = "", data: bytes | None = None) -> tuple[int, list[str], bytes]:
    """Status, Set-Cookie headers and body of a request (with these cookies)."""
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get_all("Set-Cookie") or [], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_all("Set-Cookie") or [], exc.read()


def _requests(server: Server) -> list[tuple[str, str, str]]:
    """(request, worker, cookie sent) of every request the proxy passed to a worker."""
    log = (server.log_dir / "nginx-access.log").read_text(encoding="utf-8")
    found = re.findall(r'"([^"]*)" \d+ \d+ \S+ upstream=(\S+) cookie=(\S*)', log)
    return [(request, upstream, cookie) for request, upstream, cookie in found if upstream != "-"]


@pytest.mark.slow
def test_simultaneous_sessions_through_the_proxy_all_succeed(server):
    load = _load_bench()
    results = asyncio.run(load.wave(server.url, 6, server.proc.pid))
    assert results.errors == []
    assert len(results.loads) == 6
    assert len(results.reruns) == 12
    # Every session got the sticky cookie from the proxy, naming a worker, and downloaded
    # its CSV through it (a session whose search matches nothing has no CSV).
    workers = {f"127.0.0.1:{w['port']}" for w in server.state()["workers"]}
    assert {c.get(serve.STICKY_COOKIE) for c in results.cookies} <= workers
    assert len(results.downloads) >= 4
    # Every request that carried the cookie (websocket, download) reached the worker it names.
    sent = [(worker, cookie) for _, worker, cookie in _requests(server) if cookie != "-"]
    assert sent
    assert [s for s in sent if s[0] != s[1]] == []


@pytest.mark.slow
def test_visitors_are_spread_over_the_workers_and_stay_on_theirs(server):
    workers = {f"127.0.0.1:{w['port']}" for w in server.state()["workers"]}
    given = []
    for made_up in ["", "visitor", "10.0.0.1:80", "127.0.0.1:22"]:  # none of ours: the group
        for _ in range(4):
            status, set_cookies, _ = _get(
                f"{server.url}/_stcore/health", f"{serve.STICKY_COOKIE}={made_up}"
            )
            assert status == 200
            given += [
                c.split(";")[0].split("=", 1)[1]
                for c in set_cookies
                if c.startswith(serve.STICKY_COOKIE)
            ]
    assert len(given) == 16
    assert set(given) == workers  # both workers took new visitors
    for worker in workers:
        _, set_cookies, _ = _get(f"{server.url}/_stcore/health", f"{serve.STICKY_COOKIE}={worker}")
        assert f"{serve.STICKY_COOKIE}={worker}; Path=/; HttpOnly; SameSite=Lax" in set_cookies
    assert not any("10.0.0.1" in worker or ":22" in worker for _, worker, _ in _requests(server))


@pytest.mark.slow
def test_the_proxy_has_the_apps_upload_limit(server):
    too_big = b"x" * (serve.upload_limit_mb() * 1024 * 1024 + 1)
    status, _, _ = _get(f"{server.url}/_stcore/upload_file/s/f", data=too_big)
    assert status == 413
    status, _, _ = _get(f"{server.url}/_stcore/upload_file/s/f", data=b"x" * 1024 * 1024)
    assert status != 413  # reaches Streamlit, which refuses a request without a session


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_visitors_carry_on(server):
    before = server.state()
    victim = before["workers"][0]
    os.kill(victim["pid"], signal.SIGKILL)
    load = _load_bench()
    # While it is down or starting, the proxy sends visitors to the other worker.
    results = asyncio.run(load.wave(server.url, 2, server.proc.pid))
    assert results.errors == []
    deadline = time.monotonic() + STARTUP
    while True:
        worker = server.state()["workers"][0]
        if worker["pid"] not in (None, victim["pid"]) and serve.answers(
            f"http://127.0.0.1:{worker['port']}"
        ):
            break
        assert time.monotonic() < deadline, "the killed worker was not restarted"
        time.sleep(0.5)
    assert worker["restarts"] == 1
    assert (
        f"worker-1 (pid {victim['pid']}) exited with -9"
        in (server.log_dir / "serve.log").read_text()
    )
    results = asyncio.run(load.wave(server.url, 4, server.proc.pid))
    assert results.errors == []


@pytest.mark.slow
def test_the_admin_token_is_required_and_never_echoed(server):
    """Without the token a visitor sees the password field, not the uploader; the
    token appears in no log and no address (it is only ever typed into the page)."""
    texts = asyncio.run(_page_elements(server.url, "Add_a_plan"))
    assert any("needs the admin token" in t for t in texts)
    assert "file_uploader" not in " ".join(texts)
    assert TOKEN not in server.logs()
    assert TOKEN not in (server.run_dir / "nginx.conf").read_text()


async def _page_elements(url: str, page: str, query: str = "", cookie: str = "") -> list[str]:
    """The elements a page sends to a new session (their type and text)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    found = []
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": cookie} if cookie else None
    async with websockets.connect(
        stream, subprotocols=["streamlit"], max_size=2**26, additional_headers=headers
    ) as ws:
        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = query
        await ws.send(message.SerializeToString())
        while True:
            forward = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), 60))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                found.append(f"{element.WhichOneof('type')}: {element}")
            elif kind == "script_finished":
                return found


def _visitors_on_each_worker(server: Server) -> list[str]:
    """Cookies of a visitor on each worker."""
    return [f"{serve.STICKY_COOKIE}=127.0.0.1:{w['port']}" for w in server.state()["workers"]]


def _matches(server: Server, cookie: str, query: str) -> str:
    elements = asyncio.run(_page_elements(server.url, "Measures", query, cookie))
    found = [e for e in elements if " match (" in e or "No measures match" in e]
    assert found, elements
    return found[0]


@pytest.mark.slow
@pytest.mark.browser
def test_a_plan_added_on_one_worker_is_seen_on_every_worker(server, chromium, tmp_path):
    """Add a plan through the proxy (the admin token typed in the page, the upload
    passing the proxy to the session's worker): every worker shows it on the next run."""
    from playwright.sync_api import expect, sync_playwright

    from ipdash.store import edits
    from tests.layout import LAUNCH_ARGS
    from tests.test_intake import PLAN_2023

    visitors = _visitors_on_each_worker(server)
    for cookie in visitors:  # no 2023 plan yet: the address's plan is ignored
        assert "match (of all plans)" in _matches(server, cookie, "year=2023")
    plan = tmp_path / "plan2023.txt"
    plan.write_text(PLAN_2023, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        page.goto(f"{server.url}/Add_a_plan")
        token = page.get_by_role("textbox", name="Admin token")
        expect(token).to_be_visible(timeout=60_000)
        expect(page.locator('input[type="file"]')).to_have_count(0)
        token.fill(TOKEN)
        token.press("Enter")
        expect(page.get_by_text("Admin token accepted")).to_be_visible(timeout=60_000)
        page.locator('input[type="file"]').set_input_files(plan)
        button = page.get_by_role("button", name="Add this plan and rebuild the database")
        expect(button).to_be_enabled(timeout=60_000)
        button.click()
        expect(page.get_by_text("and built a new database")).to_be_visible(timeout=120_000)
        assert TOKEN not in page.url
        browser.close()
    for cookie in visitors:  # a new run on each worker reads the new generation
        assert "6 measures" in _matches(server, cookie, "year=2023")
    log = edits.read_changes(server.log_dir)
    assert [(e["action"], e["plan"], e["outcome"]) for e in log] == [("add", "2023", "done")]
    assert TOKEN not in server.logs()


@pytest.mark.slow
def test_sigterm_stops_every_process(corpus_template, tmp_path):
    require_program("nginx", "nginx")
    raw, db_dir = tmp_path / "raw", tmp_path / "db"
    shutil.copytree(corpus_template[0], raw)
    shutil.copytree(corpus_template[1], db_dir, ignore=shutil.ignore_patterns("*.lock"))
    running = start_serve(tmp_path, raw, db_dir, workers=1)
    state = running.state()
    pids = [state["nginx"], *(w["pid"] for w in state["workers"])]
    children = psutil.Process(running.proc.pid).children(recursive=True)
    assert {c.pid for c in children} >= set(pids)
    assert stop(running) == 0
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == []
    assert not (running.run_dir / "serve.json").exists()
    assert "stopped" in (running.log_dir / "serve.log").read_text()
