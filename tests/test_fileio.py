"""ipdash.fileio: files are written whole or not at all, one writer at a time."""

from __future__ import annotations

import threading
import time

import pytest

from ipdash.fileio import exclusive_lock, write_atomic


def test_write_atomic_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "manifest.csv"
    target.write_bytes(b"old")
    write_atomic(target, b"new,content\n")
    assert target.read_bytes() == b"new,content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "saved.yaml"
    target.write_bytes(b"old")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ipdash.fileio.os.replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.yaml"]


def test_exclusive_lock_lets_one_holder_in_at_a_time(tmp_path):
    lock = tmp_path / "sub" / ".x.lock"
    inside: list[int] = []
    overlaps: list[int] = []

    def hold(n: int) -> None:
        with exclusive_lock(lock):
            if inside:
                overlaps.append(n)
            inside.append(n)
            time.sleep(0.02)
            inside.remove(n)

    threads = [threading.Thread(target=hold, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert lock.exists()
