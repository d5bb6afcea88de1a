"""`python -m ipdash serve`: one server for a room of people.

N Streamlit worker processes on loopback ports behind nginx, which keeps each visitor on
one worker by a cookie it sets (a session's websocket, its downloads and its uploads must
reach the worker that holds the session; a cookie, not the client's address, because a
workshop's participants often share one address behind their organisation's NAT). A
supervisor (this module) starts the workers, waits until each answers its health check,
starts nginx from a generated configuration in a runtime folder (no system files
touched, no privileges needed), prints the address, restarts a worker or nginx that dies
(with backoff), and stops everything on SIGTERM or SIGINT. Every log is in one folder:
the supervisor's (serve.log), nginx's (nginx-access.log, nginx-error.log), each
worker's (worker-N.log) and the change log of the corpus (changes.log).

The workers are a shared server (IPDASH_SHARED): adding and removing plans needs the
admin token, or `--allow-edits` (ipdash.store.edits).
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ipdash import paths
from ipdash.errors import IpdashError
from ipdash.settings import Settings

# The cookie nginx sets to keep a visitor on one worker (a random key, not a secret).
STICKY_COOKIE = "ipdash_worker"
# How long a worker or nginx may take to answer its health check after a start: a cold
# start imports Streamlit, Plotly and Polars, slower with several starting at once.
STARTUP_SECONDS = 120
# Restart backoff: the first restart after 1 s, then doubling up to this; a process
# that ran this long before dying starts again after 1 s.
MAX_BACKOFF_SECONDS = 30.0
# How long processes may take to stop on SIGTERM before they are killed.
STOP_SECONDS = 10.0
STREAMLIT_CONFIG = paths.ROOT / ".streamlit" / "config.toml"
NGINX_INSTALL = "install Debian's nginx package (`apt-get install nginx`, or `./run setup`)"
LOG = logging.getLogger("ipdash.serve")


@dataclass(frozen=True)
class ServeOptions:
    """What `ipdash serve` was asked for."""

    workers: int
    port: int
    address: str = "0.0.0.0"  # noqa: S104 - a workshop server is reached from other machines
    run_dir: Path = paths.DEFAULT_RUN_DIR
    log_dir: Path = paths.DEFAULT_LOG_DIR
    allow_edits: bool = False


def upload_limit_mb(config: Path = STREAMLIT_CONFIG) -> int:
    """The upload limit of the app (server.maxUploadSize in .streamlit/config.toml, MB):
    the proxy's client_max_body_size is the same."""
    with config.open("rb") as handle:
        return int(tomllib.load(handle).get("server", {}).get("maxUploadSize", 200))


def find_nginx() -> str:
    """The nginx program, or an error saying how to install it."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise IpdashError(f"`ipdash serve` needs nginx, which is not installed: {NGINX_INSTALL}")
    return found


def _worker_user() -> str | None:
    """Started as root, nginx's worker processes run as nobody (never as root)."""
    if os.geteuid() != 0:
        return None
    try:
        grp.getgrnam("nogroup")
    except KeyError:
        return "nobody"
    return "nobody nogroup"


def nginx_config(
    listen: str,
    upstreams: list[str],
    run_dir: Path,
    log_dir: Path,
    upload_mb: int,
    user: str | None = None,
) -> str:
    """nginx's configuration: listen on `listen` (address:port), keep each visitor on one
    of `upstreams` (host:port each) by a cookie, pass websockets on, keep the app's upload
    limit, and keep the pid, temporary files and logs in the given folders.

    The cookie names the worker that last answered the visitor. A visitor without one
    (or with one naming no worker of ours) goes to the worker with the fewest open
    connections (a session's websocket stays open, so sessions spread evenly), and the
    answer sets the cookie to that worker; every later request (the websocket, downloads,
    uploads) goes straight to it. If that worker is down, the request goes to another
    one and the cookie follows, so a session begun while a worker restarts stays whole
    on the worker that took it (a cookie holding a hash key would send its downloads
    back to the restarted worker, which does not know the session)."""
    workers = "\n".join(f'        "{u}" {u};' for u in upstreams)
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    temp = "\n".join(
        f"    {kind}_temp_path {run_dir / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    proxy = """proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_connect_timeout 5s;
            # A websocket stays open as long as the browser tab; a download made when
            # clicked (a chart image, a large table) takes seconds.
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_buffering off;"""
    cookie = STICKY_COOKIE
    return f"""# Generated by ipdash/serve.py (nginx_config): change that, not this file.
{f"user {user};" if user else ""}
worker_processes 1;
daemon off;
pid {run_dir / "nginx.pid"};
error_log {log_dir / "nginx-error.log"} warn;

events {{
    worker_connections 4096;
}}

http {{
{temp}
    log_format ipdash '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                      '$request_time upstream=$upstream_addr cookie=$cookie_{cookie}';
    access_log {log_dir / "nginx-access.log"} ipdash;
    server_tokens off;

    # The same upload limit as the app (.streamlit/config.toml server.maxUploadSize).
    client_max_body_size {upload_mb}m;
    # Uploads and downloads pass straight through: nothing is written to disk.
    proxy_request_buffering off;
    proxy_max_temp_file_size 0;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    # Sticky sessions: the worker the visitor's cookie names, if it is one of ours;
    # anyone else to the group (fewest connections first).
    map $cookie_{cookie} $ipdash_upstream {{
{workers}
        default ipdash_workers;
    }}
    # The worker that answered (the last one tried), else the cookie as it was.
    map $upstream_addr $ipdash_answered {{
        "~(?<last>[0-9.]+:[0-9]+)$" $last;
        default $cookie_{cookie};
    }}

    upstream ipdash_workers {{
        least_conn;
{servers}
    }}

    server {{
        listen {listen};
        add_header Set-Cookie "{cookie}=$ipdash_answered; Path=/; HttpOnly; SameSite=Lax" always;

        location / {{
            proxy_pass http://$ipdash_upstream;
            {proxy}
            # The cookie's worker is down (restarting): another one takes the visitor.
            error_page 502 504 = @any_worker;
        }}

        location @any_worker {{
            proxy_pass http://ipdash_workers;
            proxy_next_upstream error timeout;
            {proxy}
        }}
    }}
}}
"""


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def answers(url: str) -> bool:
    """The server at `url` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when the supervisor dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """A process the supervisor keeps running: a worker or nginx."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] | None = None
    health_url: str | None = None
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0
    backoff: float = 1.0
    restart_at: float | None = None
    _out: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        if self._out is None:
            self._out = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.command,
            cwd=paths.ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,  # the terminal's Ctrl-C reaches the supervisor only
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self.started = time.monotonic()
        self.restart_at = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signum)  # type: ignore[union-attr]

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class Supervisor:
    """Starts the workers and nginx, keeps them running, stops them all."""

    def __init__(self, options: ServeOptions, settings: Settings) -> None:
        if options.workers < 1:
            raise IpdashError(f"--workers must be at least 1, got {options.workers}")
        self.options = options
        self.nginx = find_nginx()
        self.run_dir = options.run_dir.resolve()
        self.log_dir = options.log_dir.resolve()
        self.stopping = False
        worker_settings = settings.with_(
            shared=True, allow_edits=options.allow_edits, log_dir=self.log_dir
        )
        self.settings = worker_settings
        self.ports = free_ports(options.workers)
        self.proxy_url = f"http://{_local(options.address)}:{options.port}"
        cookie_secret = secrets.token_hex(32)  # the same for every worker of this server
        self.workers = [
            Child(
                f"worker-{n + 1}",
                _worker_command(port),
                self.log_dir / f"worker-{n + 1}.log",
                env={
                    **os.environ,
                    **worker_settings.to_env(),
                    "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
                },
                health_url=f"http://127.0.0.1:{port}",
            )
            for n, port in enumerate(self.ports)
        ]
        self.proxy = Child(
            "nginx",
            [
                self.nginx,
                "-p",
                str(self.run_dir),
                "-e",
                str(self.log_dir / "nginx-error.log"),
                "-c",
                str(self.run_dir / "nginx.conf"),
            ],
            self.log_dir / "nginx-error.log",
            health_url=self.proxy_url,
        )

    @property
    def children(self) -> list[Child]:
        return [*self.workers, self.proxy]

    def prepare(self) -> None:
        """The folders, the supervisor's log, the nginx configuration, the database."""
        _check_port_free(self.options.address, self.options.port)
        for folder in (self.run_dir, self.log_dir, *(self.run_dir / "tmp" / k for k in TEMPS)):
            folder.mkdir(parents=True, exist_ok=True)
        user = _worker_user()
        if user:  # nginx's workers (nobody) may need its temporary folders
            for kind in TEMPS:
                with contextlib.suppress(OSError):
                    os.chown(self.run_dir / "tmp" / kind, _nobody_uid(), -1)
        handler = logging.FileHandler(self.log_dir / "serve.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        LOG.addHandler(handler)
        terminal = logging.StreamHandler(sys.stderr)  # exits and restarts: also on screen
        terminal.setLevel(logging.WARNING)
        terminal.setFormatter(logging.Formatter("[ipdash serve] %(message)s"))
        LOG.addHandler(terminal)
        LOG.setLevel(logging.INFO)
        config = nginx_config(
            f"{self.options.address}:{self.options.port}",
            [f"127.0.0.1:{p}" for p in self.ports],
            self.run_dir,
            self.log_dir,
            upload_limit_mb(),
            user,
        )
        (self.run_dir / "nginx.conf").write_text(config, encoding="utf-8")
        _ensure_database(self.settings)

    def start(self) -> str:
        """Start every worker, wait for their health checks, then nginx; the address."""
        self.prepare()
        LOG.info("starting %d workers on ports %s", len(self.workers), self.ports)
        for worker in self.workers:
            worker.start()
        self._wait_healthy(self.workers)
        _warm([w.health_url for w in self.workers if w.health_url])
        LOG.info("starting nginx on %s:%d", self.options.address, self.options.port)
        self.proxy.start()
        self._wait_healthy([self.proxy])
        self.write_state()
        return self.proxy_url

    def _wait_healthy(self, children: list[Child]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        waiting = list(children)
        while waiting:
            if self.stopping:
                raise IpdashError("stopped while starting")
            for child in list(waiting):
                if not child.alive():
                    code = child.proc.returncode if child.proc else "?"
                    raise IpdashError(
                        f"{child.name} stopped while starting (exit status {code}): "
                        f"see {child.log}{_tail(child.log)}"
                    )
                if child.health_url and answers(child.health_url):
                    waiting.remove(child)
                    LOG.info("%s is up (pid %d)", child.name, child.proc.pid)  # type: ignore[union-attr]
            if waiting and time.monotonic() > deadline:
                names = ", ".join(c.name for c in waiting)
                raise IpdashError(
                    f"{names} did not answer within {STARTUP_SECONDS} s: see {self.log_dir}"
                )
            time.sleep(0.2)

    def write_state(self) -> None:
        """The processes as they are now, in run_dir/serve.json (for people and tests)."""
        state = {
            "supervisor": os.getpid(),
            "url": self.proxy_url,
            "log_dir": str(self.log_dir),
            "nginx": self.proxy.proc.pid if self.proxy.alive() else None,  # type: ignore[union-attr]
            "workers": [
                {
                    "name": w.name,
                    "port": port,
                    "pid": w.proc.pid if w.alive() else None,  # type: ignore[union-attr]
                    "restarts": w.restarts,
                }
                for w, port in zip(self.workers, self.ports, strict=True)
            ],
        }
        (self.run_dir / "serve.json").write_text(json.dumps(state, indent=2), encoding="utf-8")

    def check(self) -> None:
        """Restart what died (after its backoff)."""
        now = time.monotonic()
        for child in self.children:
            if child.alive() or self.stopping:
                continue
            if child.restart_at is None:
                ran = now - child.started
                child.backoff = 1.0 if ran >= MAX_BACKOFF_SECONDS else child.backoff
                child.restart_at = now + child.backoff
                LOG.warning(
                    "%s (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                    child.name,
                    child.proc.pid,  # type: ignore[union-attr]
                    child.proc.returncode,  # type: ignore[union-attr]
                    ran,
                    child.backoff,
                )
                child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
            elif now >= child.restart_at:
                child.restarts += 1
                child.start()
                LOG.info("%s restarted (pid %d)", child.name, child.proc.pid)  # type: ignore[union-attr]
                self.write_state()

    def stop(self) -> None:
        """SIGTERM to nginx and every worker; SIGKILL what still runs after STOP_SECONDS."""
        self.stopping = True
        for child in [self.proxy, *self.workers]:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                LOG.warning("%s did not stop within %.0f s: killed", child.name, STOP_SECONDS)
                child.proc.kill()
                child.proc.wait()
            child.close()
        with contextlib.suppress(OSError):
            (self.run_dir / "serve.json").unlink()
        LOG.info("stopped")


TEMPS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _nobody_uid() -> int:
    import pwd

    return pwd.getpwnam("nobody").pw_uid


def _check_port_free(address: str, port: int) -> None:
    """Fail early, in words, when the port is taken (before starting any worker)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError as exc:
            raise IpdashError(
                f"cannot listen on {address}:{port} ({exc.strerror}): another program uses "
                "that port; choose another with --port (PORT=… ./run serve)"
            ) from exc


def _local(address: str) -> str:
    """The address to reach a server listening on `address` from this machine."""
    return "127.0.0.1" if address in ("0.0.0.0", "", "*") else address  # noqa: S104


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return ("\n" + "\n".join(text)) if text else ""


def _worker_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
    ]


def _ensure_database(settings: Settings) -> None:
    """Build the database once here, before the workers start, rather than in each; in a
    child process, so that the supervisor, which runs as long as the server, does not
    keep DuckDB and Polars in memory (about 150 MB)."""
    code = (
        "import sys; from ipdash.serve import ensure_database_now; sys.exit(ensure_database_now())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=paths.ROOT,
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        LOG.info("%s", line)
    if result.returncode != 0:
        raise IpdashError(
            f"the database could not be built in {settings.db_dir}: "
            f"{result.stderr.strip()[-2000:] or 'see python -m ipdash build'}"
        )


# The pages a worker opens once before the server says it is up, so that the first
# visitors do not wait for a worker's first run (imports, the connection, the figures
# and queries of the landing pages): the Overview and the Measures page.
WARM_PAGES = ("", "Measures")


def _warm(urls: list[str]) -> None:
    """Open WARM_PAGES once on every worker (in a child process: it speaks Streamlit's
    websocket protocol, which the supervisor need not keep in memory)."""
    code = "import sys; from ipdash.serve import warm_now; sys.exit(warm_now(sys.argv[1:]))"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *urls],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    if result.returncode != 0:  # the server still works: the first visitors wait longer
        LOG.warning("warming the workers failed: %s", result.stderr.strip()[-500:])
    else:
        LOG.info(
            "workers warmed (%s) in %.1f s",
            ", ".join(p or "Overview" for p in WARM_PAGES),
            time.monotonic() - started,
        )


def warm_now(urls: list[str]) -> int:
    """(In the child process of _warm.) Run each of WARM_PAGES once on each worker."""
    import asyncio

    import websockets  # Streamlit's own dependency
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async def open_page(url: str, page: str) -> None:
        stream = url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(
            stream, subprotocols=["streamlit"], max_size=2**26, open_timeout=60
        ) as ws:
            message = BackMsg()
            message.rerun_script.page_name = page
            await ws.send(message.SerializeToString())
            while True:
                raw = await asyncio.wait_for(ws.recv(), 60)
                if ForwardMsg.FromString(raw).WhichOneof("type") == "script_finished":
                    return

    async def warm_all() -> None:
        for page in WARM_PAGES:
            await asyncio.gather(*(open_page(url, page) for url in urls))

    asyncio.run(warm_all())
    return 0


def ensure_database_now() -> int:
    """(In the child process of _ensure_database.) Build the database if there is none,
    or rebuild it if the sources changed since it was built; 1 with the reason on error."""
    from ipdash.settings import current
    from ipdash.store.build import build_database, rebuild_if_out_of_date
    from ipdash.store.db import current_db_path

    settings = current()
    try:
        if current_db_path(settings.db_dir) is None:
            result = build_database(raw_dir=settings.raw_dir, db_dir=settings.db_dir)
            print(f"built the database (first start): {result.path}")
        elif (rebuilt := rebuild_if_out_of_date(settings.raw_dir, settings.db_dir)) is not None:
            print(f"rebuilt the database, the sources changed since it was built: {rebuilt.path}")
    except IpdashError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def serve(options: ServeOptions, settings: Settings, out: IO[str] = sys.stdout) -> int:
    """Run the server until SIGTERM or SIGINT; returns the exit status."""
    supervisor = Supervisor(options, settings)

    def request_stop(signum: int, _frame: object) -> None:
        LOG.info("received %s: stopping", signal.Signals(signum).name)
        supervisor.stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        url = supervisor.start()
        where = (
            "every address of this machine"
            if _local(options.address) != options.address
            else options.address
        )
        print(
            f"ipdash is serving at {url} ({len(supervisor.workers)} workers, listening on "
            f"{where}); logs in {supervisor.log_dir}; Ctrl-C stops it",
            file=out,
            flush=True,
        )
        while not supervisor.stopping:
            supervisor.check()
            time.sleep(0.2)
        return 0
    finally:
        supervisor.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# `compose.yaml`: replicas of the app (one Streamlit process each) at fixed addresses on
# the compose network, behind a proxy container running nginx with this module's
# configuration (deploy/nginx.conf, checked against compose_proxy_config by the tests).
COMPOSE_REPLICAS = ("172.28.0.11:8501", "172.28.0.12:8501", "172.28.0.13:8501")
COMPOSE_PROXY_CONFIG = paths.ROOT / "deploy" / "nginx.conf"


def compose_proxy_config(replicas: tuple[str, ...] = COMPOSE_REPLICAS) -> str:
    """The proxy's configuration in the compose deployment (paths inside the image; the
    container runs as root, so nginx's workers run as nobody)."""
    return nginx_config(
        "0.0.0.0:8501",
        list(replicas),
        Path("/app/data/run"),
        Path("/app/data/logs"),
        upload_limit_mb(),
        "nobody nogroup",
    )
