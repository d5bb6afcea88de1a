"""Settings: the documented environment variables, read in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipdash import paths, settings
from ipdash.settings import Settings, parse_flag


def test_an_empty_environment_gives_the_defaults():
    assert Settings.from_env({}) == Settings(
        raw_dir=paths.ROOT / "data" / "raw",
        db_dir=paths.ROOT / "data" / "db",
        stories_file=paths.ROOT / "data" / "stories" / "saved.yaml",
        read_only=False,
        browser_path=None,
        shared=False,
        admin_token=None,
        allow_edits=False,
        log_dir=paths.ROOT / "data" / "logs",
    )


def test_every_documented_variable_is_read():
    env = {
        "IPDASH_RAW_DIR": "/srv/plans",
        "IPDASH_DB_DIR": "/srv/db",
        "IPDASH_STORIES": "/srv/stories.yaml",
        "IPDASH_READ_ONLY": "yes",
        "BROWSER_PATH": "/opt/chrome",
        "IPDASH_SHARED": "1",
        "IPDASH_ADMIN_TOKEN": "s3cret",
        "IPDASH_ALLOW_EDITS": "on",
        "IPDASH_LOG_DIR": "/srv/logs",
    }
    assert Settings.from_env(env) == Settings(
        Path("/srv/plans"),
        Path("/srv/db"),
        Path("/srv/stories.yaml"),
        True,
        "/opt/chrome",
        True,
        "s3cret",
        True,
        Path("/srv/logs"),
    )


def test_the_admin_token_is_not_in_the_settings_repr():
    assert "s3cret" not in repr(Settings(admin_token="s3cret"))


def test_settings_survive_the_trip_to_a_child_process_environment():
    mine = Settings(
        Path("/a"), Path("/b"), Path("/c.yaml"), True, "/chrome", True, "tok", True, Path("/l")
    )
    assert Settings.from_env(mine.to_env()) == mine
    assert Settings.from_env(Settings().to_env()) == Settings()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("", False),
        ("no", False),
        ("off", False),
        (None, False),
        ("2", False),
    ],
)
def test_flags(value, expected):
    assert parse_flag(value) is expected


def test_use_installs_settings_for_a_block_and_restores_them():
    before = settings.current()
    other = before.with_(read_only=not before.read_only)
    with settings.use(other):
        assert settings.current() == other
    assert settings.current() == before
