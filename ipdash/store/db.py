"""Where the database lives and how it is opened.

Each build writes a new generation file `data/db/ipdash-<build id>.duckdb` and then
switches the pointer file `data/db/CURRENT` to it with an atomic rename. Readers resolve
the pointer when they connect, so a running app keeps its open generation while new
connections see the new one; the previous generation is kept until the next build.
A build that fails or is killed leaves CURRENT pointing at a complete generation.

The app opens generations read-only with external file access disabled and the
configuration locked: a query can read the tables and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ipdash.errors import DatabaseMissingError
from ipdash.fileio import exclusive_lock

POINTER = "CURRENT"
GENERATION_PREFIX = "ipdash-"
GENERATION_SUFFIX = ".duckdb"
# Generations kept on disk: the current one and the one before it, for sessions still
# reading it when a new build lands.
KEEP_GENERATIONS = 2

READ_ONLY_CONFIG = {
    "enable_external_access": False,  # no read_csv('/etc/passwd'), ATTACH, COPY or httpfs
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,  # a query cannot SET these back
}


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def current_db_path(db_dir: Path) -> Path | None:
    """The generation CURRENT points to, or None if nothing has been built."""
    pointer = db_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name or "/" in name or not name.startswith(GENERATION_PREFIX):
        return None
    path = db_dir / name
    return path if path.is_file() else None


def generation_path(db_dir: Path, build_id: str) -> Path:
    return db_dir / f"{GENERATION_PREFIX}{build_id}{GENERATION_SUFFIX}"


def publish_generation(db_dir: Path, generation: Path) -> None:
    """Point CURRENT at a finished generation file, atomically and durably."""
    fsync_file(generation)
    handle, tmp = tempfile.mkstemp(prefix=".CURRENT.", dir=db_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(generation.name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, db_dir / POINTER)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(db_dir)


def prune_generations(db_dir: Path, keep: int = KEEP_GENERATIONS) -> list[Path]:
    """Delete old generations and leftovers of interrupted builds, keeping the current
    generation and the newest others up to `keep` in all. Call it holding the build lock."""
    current = current_db_path(db_dir)
    others = sorted(
        (p for p in db_dir.glob(f"{GENERATION_PREFIX}*{GENERATION_SUFFIX}") if p != current),
        key=lambda p: p.name,
        reverse=True,
    )
    kept = 1 if current else 0
    removed = []
    for path in others:
        if kept < keep:
            kept += 1
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    for leftover in [*db_dir.glob("*.tmp"), *db_dir.glob(".CURRENT.*")]:
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


@contextlib.contextmanager
def build_lock(db_dir: Path) -> Iterator[None]:
    """Serialise builds in one database directory (an exclusive lock on a lock file)."""
    with exclusive_lock(db_dir / ".build.lock"):
        yield


def resolve_db(db: Path | None, db_dir: Path) -> Path:
    """The database to read: an explicit file, else the current generation."""
    if db is not None:
        if not db.is_file():
            raise DatabaseMissingError(
                f"no database at {db}: run `python -m ipdash build --db {db}`"
            )
        return db
    current = current_db_path(db_dir)
    if current is None:
        raise DatabaseMissingError(
            f"no database has been built in {db_dir}: run `python -m ipdash build`"
        )
    return current


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot touch files, the network or its own settings."""
    return duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))
