"""Shared fixtures: patterns, registry, the parsed seeds, and one database built per
test session into a temporary directory (never the project's data/db)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ipdash import paths
from ipdash import settings as ipdash_settings
from ipdash.corpus.agencies import Registry, load_registry
from ipdash.corpus.document import ParsedSource
from ipdash.corpus.patterns import Patterns, load_patterns
from ipdash.store.build import build_database, parse_all
from ipdash.store.db import connect_read_only

# Property tests (tests/test_hostile.py, tests/test_export.py): a modest budget on a
# workstation, more examples in CI (CI=1); HYPOTHESIS_PROFILE picks one explicitly. No
# deadline: other jobs on a shared machine stretch wall time (the tests that bound
# time measure it themselves).
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# The app and the CLI under test use their own database directory, never data/db, and
# their own saved-stories file, never data/stories/saved.yaml: these settings are this
# process's (in-process CLI and AppTest runs), and child processes (the CLI run as a user
# runs it, streamlit servers) get them through the environment.
TEST_SETTINGS = ipdash_settings.Settings(
    raw_dir=paths.DEFAULT_RAW,
    db_dir=Path(tempfile.mkdtemp(prefix="ipdash-test-db-")),
    stories_file=Path(tempfile.mkdtemp(prefix="ipdash-test-stories-")) / "saved.yaml",
    log_dir=Path(tempfile.mkdtemp(prefix="ipdash-test-logs-")),
)
os.environ.update(TEST_SETTINGS.to_env())


@pytest.fixture(scope="session", autouse=True)
def test_settings() -> Iterator[ipdash_settings.Settings]:
    with ipdash_settings.use(TEST_SETTINGS):
        yield TEST_SETTINGS


@pytest.fixture
def own_settings(monkeypatch):
    """Install other settings for one test: own_settings(db_dir=…, read_only=True)."""

    def install(**changes: object) -> ipdash_settings.Settings:
        changed = ipdash_settings.current().with_(**changes)
        monkeypatch.setattr(ipdash_settings, "_current", changed)
        return changed

    return install


SEEDS = {
    "2012-pdf": "000_8dd6051134989dae.txt",
    "2012-md": "001_0d2518ec689bdc93.txt",
    "2020": "002_504d37ac8016cd13.txt",
    "2022": "003_96a84c5ea217955a.txt",
    "2014": "004_cf8bd29487bfe8b0.txt",
}


@pytest.fixture(scope="session")
def patterns() -> Patterns:
    return load_patterns()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def parsed_seeds(patterns, registry) -> dict[str, ParsedSource]:
    _, docs = parse_all(paths.DEFAULT_RAW, patterns, registry)
    return {d.source.doc_id: d for d in docs}


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    db_dir = tmp_path_factory.mktemp("db")
    return build_database(paths.DEFAULT_RAW, db_dir=db_dir).path


@pytest.fixture
def con(built_db):
    connection = connect_read_only(built_db)
    yield connection
    connection.close()


@pytest.fixture
def q(con):
    """Named queries over the test database, as the deck and the CLI run them."""
    from ipdash.present.views import query_on

    return query_on(con)


@pytest.fixture(scope="session")
def corpus_template(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of data/raw and a database built from it, once per test session."""
    root = tmp_path_factory.mktemp("corpus-template")
    raw, db_dir = root / "raw", root / "db"
    shutil.copytree(paths.DEFAULT_RAW, raw, ignore=shutil.ignore_patterns(".*"))
    build_database(raw_dir=raw, db_dir=db_dir)
    return raw, db_dir


@pytest.fixture
def corpus(corpus_template, tmp_path) -> tuple[Path, Path]:
    """A test's own copy of data/raw and of a database built from it (for tests that add
    plans): copied from the session's template, not rebuilt (the data version does not
    depend on where the folder is, so the copy is up to date)."""
    raw, db_dir = tmp_path / "raw", tmp_path / "db"
    shutil.copytree(corpus_template[0], raw)
    shutil.copytree(corpus_template[1], db_dir, ignore=shutil.ignore_patterns("*.lock"))
    return raw, db_dir


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """`python -m ipdash ARGS` run in this process (ipdash.cli.main, with the test
    settings), its output captured: the same code path as the command, without starting
    a Python process per call."""
    from ipdash import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return CliResult(code, out.getvalue(), err.getvalue())


def require_program(name: str, package: str) -> str:
    """The program's path; a missing one skips the test on a workstation and fails it in
    CI (CI=1), where ./run test installs it."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is missing: install Debian's {package} (./run test does it as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def serve_app(env: dict[str, str], log: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port with these environment settings;
    yields its address and stops it afterwards."""
    from ipdash.errors import IpdashError
    from ipdash.server import start_app, stop_app

    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        try:
            proc, url = start_app(env, out)
        except IpdashError as exc:
            pytest.fail(f"{exc}; see {log}")
        try:
            yield url
        finally:
            stop_app(proc)


@pytest.fixture(scope="session")
def chromium() -> str:
    return require_program("chromium", "chromium")


def seed_text(doc_id: str) -> str:
    return (paths.DEFAULT_RAW / SEEDS[doc_id]).read_text(encoding="utf-8")
