"""Beyond one machine: the Dockerfile and compose.yaml. There is no container engine on
these machines (the docker client only), so neither is built or run here; instead they
are read and checked: the image is set up by the same script as a laptop and CI
(`./run setup`, whose steps `./run test` runs), and the replicas sit behind a proxy
configured exactly as `ipdash serve` configures its own."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from ipdash import paths, serve

DOCKERFILE = (paths.ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((paths.ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)  # continuation lines
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_image_is_debian_slim_set_up_by_the_run_script():
    steps = _instructions()
    base = [rest for keyword, rest in steps if keyword == "FROM"]
    assert base == ["python:3.11-slim-bookworm"]  # Debian 12 (bookworm), slim
    runs = [rest for keyword, rest in steps if keyword == "RUN"]
    assert runs[0].startswith("./run setup")
    # Nothing installs behind the script's back: every package comes from ./run setup.
    for run in runs:
        assert not re.search(r"\b(apt-get|apt|pip|pip3|uv)\b", run.split("&&")[0]), run
    # ./run setup installs what `ipdash serve` needs: Chromium and nginx.
    script = (paths.ROOT / "run").read_text(encoding="utf-8")
    setup = script.split("    setup)", 1)[1].split(";;", 1)[0]
    assert '"${SERVE_PACKAGES[@]}"' in setup
    packages = re.search(r"^SERVE_PACKAGES=\((.*)\)$", script, re.M).group(1).split()
    assert {"chromium", "nginx"} <= set(packages)
    # The files ./run setup reads are copied before it runs.
    copied = next(rest for keyword, rest in steps if keyword == "COPY").split()
    assert {"run", "requirements.txt", "requirements-dev.txt"} <= set(copied)


def test_the_image_serves_with_ipdash_serve():
    cmd = next(rest for keyword, rest in _instructions() if keyword == "CMD")
    assert cmd.startswith('["./run", "serve"')
    assert "EXPOSE 8501" in DOCKERFILE


def test_the_image_leaves_out_local_state():
    ignored = (paths.ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "data/db", "data/logs", "bench/out"} <= set(ignored)


def test_compose_runs_replicas_behind_the_proxy():
    services = COMPOSE["services"]
    replicas = {name: s for name, s in services.items() if name.startswith("app-")}
    assert len(replicas) >= 2
    addresses = tuple(f"{s['networks']['ipdash']['ipv4_address']}:8501" for s in replicas.values())
    assert addresses == serve.COMPOSE_REPLICAS
    for replica in replicas.values():
        command = replica["command"]
        assert command[:5] == [".venv/bin/python", "-m", "streamlit", "run", "app.py"]
        assert "--server.port=8501" in command
        assert "--server.address=0.0.0.0" in command
        # A visitor cannot change what the room sees; the database is read-only.
        assert replica["environment"]["IPDASH_READ_ONLY"] == "1"
        assert "db:/app/data/db:ro" in replica["volumes"]
        assert replica["depends_on"]["build"]["condition"] == "service_completed_successfully"
    proxy = services["proxy"]
    assert proxy["ports"] == ["8501:8501"]
    assert set(proxy["depends_on"]) == set(replicas)
    command = shlex.split(proxy["command"][-1].split("&&")[-1])
    assert command[:2] == ["exec", "nginx"]
    assert command[command.index("-c") + 1] == "/app/deploy/nginx.conf"
    # The build writes the generations every replica reads.
    assert "db:/app/data/db" in services["build"]["volumes"]
    assert services["build"]["command"] == ["./run", "ipdash", "build"]


def test_the_compose_proxy_is_configured_as_ipdash_serve_configures_its_own():
    written = serve.COMPOSE_PROXY_CONFIG.read_text(encoding="utf-8")
    assert written == serve.compose_proxy_config(), (
        "deploy/nginx.conf is out of date: regenerate it with\n"
        '.venv/bin/python -c "from ipdash import serve; '
        'serve.COMPOSE_PROXY_CONFIG.write_text(serve.compose_proxy_config())"'
    )
    for address in serve.COMPOSE_REPLICAS:
        assert f"server {address} " in written
    assert "client_max_body_size 10m;" in written


def test_nginx_accepts_the_compose_proxy_configuration(tmp_path):
    """`nginx -t` on deploy/nginx.conf, with its container paths moved into tmp_path."""
    import subprocess

    from tests.conftest import require_program

    nginx = require_program("nginx", "nginx")
    config = serve.COMPOSE_PROXY_CONFIG.read_text(encoding="utf-8")
    config = config.replace("/app/data", str(tmp_path)).replace("user nobody nogroup;", "")
    (tmp_path / "run" / "tmp").mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(config, encoding="utf-8")
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "logs" / "e.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_setup_the_image_runs_works_here():
    """`./run setup`, the Dockerfile's install step, on this machine (where ./run test
    has installed everything, it checks and changes nothing)."""
    import subprocess

    result = subprocess.run(
        ["./run", "setup"], cwd=paths.ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "set up: Python 3." in result.stderr
