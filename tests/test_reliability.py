"""Reliability checks that run whole programs: the kill test (bench/kill_build.py) kills
the build at random moments, 50 times, and requires the served database to be complete
every time. It takes about a minute, so it is marked slow (CI runs it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ipdash import paths


@pytest.mark.slow
def test_killing_the_build_never_leaves_a_broken_database():
    result = subprocess.run(
        [sys.executable, str(paths.ROOT / "bench" / "kill_build.py"), "--trials", "50"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=paths.ROOT,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:]
    assert summary.startswith("50 trials: ")
    assert ", 0 bad; a build afterwards succeeded; temporary files left: 0" in summary
