"""Settings: everything ipdash reads from the environment, read in one place.

The documented variables (README, "Settings") are read once per process by `current()`;
everything else receives a `Settings` (or the paths in it) as an argument. Tests construct
their own and install them with `use()`; child processes get them through `to_env()`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ipdash import paths

# What a true flag looks like in the environment or an address (?successor=1).
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def parse_flag(value: object) -> bool:
    """True for "1", "true", "yes" or "on" (any case, spaces ignored)."""
    return str(value or "").strip().lower() in TRUE_WORDS


@dataclass(frozen=True)
class Settings:
    """Where ipdash keeps its files and what a server allows."""

    # The source documents and their manifest (IPDASH_RAW_DIR).
    raw_dir: Path = paths.DEFAULT_RAW
    # Where database generations are written (IPDASH_DB_DIR).
    db_dir: Path = paths.DEFAULT_DB_DIR
    # The stories users save (IPDASH_STORIES); the ready-made ones ship with the code.
    stories_file: Path = paths.DEFAULT_STORIES_FILE
    # Switch off adding plans in the app (IPDASH_READ_ONLY).
    read_only: bool = False
    # The Chrome/Chromium binary for chart images (BROWSER_PATH, as kaleido names it).
    browser_path: str | None = None
    # A server shared by many people (IPDASH_SHARED; `ipdash serve` sets it for its
    # workers): adding and removing plans needs the admin token or allow_edits.
    shared: bool = False
    # The token that lets a visitor of a shared server add and remove plans
    # (IPDASH_ADMIN_TOKEN). Never shown: kept out of repr, logs and addresses.
    admin_token: str | None = field(default=None, repr=False)
    # Edits open to every visitor of a shared server (IPDASH_ALLOW_EDITS; `ipdash serve
    # --allow-edits` sets it).
    allow_edits: bool = False
    # Where the server's logs and the log of changes to the corpus go (IPDASH_LOG_DIR).
    log_dir: Path = paths.DEFAULT_LOG_DIR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives (unset variables keep the defaults)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            raw_dir=Path(env.get("IPDASH_RAW_DIR") or defaults.raw_dir),
            db_dir=Path(env.get("IPDASH_DB_DIR") or defaults.db_dir),
            stories_file=Path(env.get("IPDASH_STORIES") or defaults.stories_file),
            read_only=parse_flag(env.get("IPDASH_READ_ONLY")),
            browser_path=env.get("BROWSER_PATH") or None,
            shared=parse_flag(env.get("IPDASH_SHARED")),
            admin_token=env.get("IPDASH_ADMIN_TOKEN") or None,
            allow_edits=parse_flag(env.get("IPDASH_ALLOW_EDITS")),
            log_dir=Path(env.get("IPDASH_LOG_DIR") or defaults.log_dir),
        )

    def to_env(self) -> dict[str, str]:
        """The same settings as environment variables, for a child process."""
        env = {
            "IPDASH_RAW_DIR": str(self.raw_dir),
            "IPDASH_DB_DIR": str(self.db_dir),
            "IPDASH_STORIES": str(self.stories_file),
            "IPDASH_READ_ONLY": "1" if self.read_only else "",
            "IPDASH_SHARED": "1" if self.shared else "",
            "IPDASH_ALLOW_EDITS": "1" if self.allow_edits else "",
            "IPDASH_LOG_DIR": str(self.log_dir),
        }
        if self.browser_path:
            env["BROWSER_PATH"] = self.browser_path
        if self.admin_token:
            env["IPDASH_ADMIN_TOKEN"] = self.admin_token
        return env

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


_current: Settings | None = None


def current() -> Settings:
    """This process's settings: read from the environment on first use, then kept."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


@contextlib.contextmanager
def use(settings: Settings) -> Iterator[Settings]:
    """Make `settings` this process's settings for the block (tests, benchmarks)."""
    global _current
    before = _current
    _current = settings
    try:
        yield settings
    finally:
        _current = before
