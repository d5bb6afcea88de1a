"""ipdash.store.db and the build's atomic publication of database generations."""

from __future__ import annotations

import duckdb
import pytest

from ipdash import paths
from ipdash.errors import DatabaseMissingError
from ipdash.store import build as build_module
from ipdash.store.build import build_database
from ipdash.store.db import (
    POINTER,
    connect_read_only,
    current_db_path,
    prune_generations,
    publish_generation,
    resolve_db,
)


def measure_count(path):
    con = connect_read_only(path)
    try:
        return con.execute("SELECT count(*) FROM measures").fetchone()[0]
    finally:
        con.close()


def test_generations_switch_atomically_and_old_ones_are_pruned(tmp_path):
    first = build_database(paths.DEFAULT_RAW, db_dir=tmp_path).path
    assert current_db_path(tmp_path) == first
    reader = connect_read_only(first)  # a session still reading the first generation
    second = build_database(paths.DEFAULT_RAW, db_dir=tmp_path).path
    third = build_database(paths.DEFAULT_RAW, db_dir=tmp_path).path
    assert current_db_path(tmp_path) == third
    assert sorted(p.name for p in tmp_path.glob("ipdash-*.duckdb")) == sorted(
        [second.name, third.name]
    )
    assert reader.execute("SELECT count(*) FROM measures").fetchone()[0] == 384  # still readable
    reader.close()
    assert (tmp_path / POINTER).read_text(encoding="utf-8").strip() == third.name


def test_a_failed_build_leaves_the_current_database(tmp_path, monkeypatch):
    good = build_database(paths.DEFAULT_RAW, db_dir=tmp_path).path

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "write_database", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        build_database(paths.DEFAULT_RAW, db_dir=tmp_path)
    assert current_db_path(tmp_path) == good
    assert measure_count(good) == 384
    assert not list(tmp_path.glob("*.tmp"))


def test_single_file_mode(tmp_path):
    target = tmp_path / "analysis.duckdb"
    result = build_database(paths.DEFAULT_RAW, db=target)
    assert result.path == target
    assert measure_count(target) == 384
    build_database(paths.DEFAULT_RAW, db=target)  # replaced in place
    assert measure_count(target) == 384
    assert not (tmp_path / POINTER).exists()


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(DatabaseMissingError, match="run `python -m ipdash build`"):
        resolve_db(None, tmp_path)
    with pytest.raises(DatabaseMissingError, match="no database at"):
        resolve_db(tmp_path / "nope.duckdb", tmp_path)


def test_pointer_to_missing_file_means_no_database(tmp_path):
    (tmp_path / "ipdash-x.duckdb").write_bytes(b"")
    publish_generation(tmp_path, tmp_path / "ipdash-x.duckdb")
    (tmp_path / "ipdash-x.duckdb").unlink()
    assert current_db_path(tmp_path) is None


def test_prune_removes_leftovers(tmp_path):
    (tmp_path / "ipdash-1.duckdb.tmp").write_bytes(b"partial")
    assert [p.name for p in prune_generations(tmp_path)] == ["ipdash-1.duckdb.tmp"]


def test_read_only_connection_cannot_touch_files_or_settings(built_db, tmp_path):
    con = connect_read_only(built_db)
    try:
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            f"COPY measures TO '{tmp_path / 'out.csv'}'",
            f"ATTACH '{tmp_path / 'x.duckdb'}'",
            "SET enable_external_access = true",
            "DELETE FROM measures",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        assert con.execute("SELECT count(*) FROM measures").fetchone()[0] == 384
    finally:
        con.close()
    assert not (tmp_path / "out.csv").exists()
