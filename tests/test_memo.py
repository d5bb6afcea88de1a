"""The bounded cache behind the figure and file caches (present/memo.py)."""

from __future__ import annotations

import threading
import time

import pytest

from ipdash.present.memo import Memo


def test_threads_asking_at_once_make_the_value_once():
    memo: Memo[str] = Memo(4)
    calls = []

    def make() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "value"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", make))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(results) == [("value", False)] * 7 + [("value", True)]


def test_the_least_recently_used_goes_first():
    memo: Memo[int] = Memo(2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    memo.get("a", lambda: 0)  # used again: b is now the oldest
    memo.get("c", lambda: 3)
    assert memo.get("a", lambda: -1) == (1, False)
    assert memo.get("b", lambda: -2) == (-2, True)


def test_a_size_limit_keeps_the_newest():
    memo: Memo[bytes] = Memo(10, len, 5)
    memo.get("a", lambda: b"123")
    memo.get("b", lambda: b"4567")
    assert len(memo) == 1
    memo.get("c", lambda: b"x" * 100)
    assert memo.get("c", lambda: b"") == (b"x" * 100, False)


def test_a_failure_is_not_kept():
    memo: Memo[int] = Memo(2)

    def fails() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        memo.get("k", fails)
    assert memo.get("k", lambda: 7) == (7, True)
