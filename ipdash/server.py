"""The dashboard as a server process on loopback, for the browser tests and the load test
(`./run app` starts it for people)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from typing import IO

from ipdash import paths
from ipdash.errors import IpdashError

# How long a server may take to answer its health check: a cold start imports Streamlit,
# Plotly and Polars in a few seconds, on a busy machine in many more.
STARTUP_SECONDS = 60


def start_app(env: Mapping[str, str], log: IO[str]) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port with these environment settings
    added, its output to `log`; returns the process and its address once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
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
        ],
        cwd=paths.ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)  # noqa: S310 - http on loopback
            return proc, url
        except OSError:
            time.sleep(0.2)
    stop_app(proc)
    raise IpdashError(f"streamlit did not answer at {url} within {STARTUP_SECONDS} s")


def stop_app(proc: subprocess.Popen) -> None:
    """Stop a server started by start_app (killed if it does not stop in 10 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
