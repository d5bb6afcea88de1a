"""A small bounded cache shared by the threads of one server process (every Streamlit
session runs in its own thread): least recently used entries go first, and when several
threads ask for the same missing entry at once (a room opening the same page), one
makes it while the others wait for it instead of making it again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """At most `entries` values (and, with `size`, at most `limit` in total by that
    measure, always keeping the newest)."""

    def __init__(
        self, entries: int, size: Callable[[V], int] | None = None, limit: int = 0
    ) -> None:
        self.entries = entries
        self.size = size
        self.limit = limit
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def _kept(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def get(self, key: Hashable, make: Callable[[], V]) -> tuple[V, bool]:
        """The value for `key`, made by `make()` if missing; and whether it was made now."""
        value = self._kept(key)
        if value is not None:
            return value, False
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            value = self._kept(key)  # made by another thread while this one waited
            if value is not None:
                return value, False
            try:
                value = make()
                self._keep(key, value)
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return value, True

    def _keep(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._values[key] = value
            while len(self._values) > max(1, self.entries) or (
                self.size is not None
                and len(self._values) > 1
                and sum(map(self.size, self._values.values())) > self.limit
            ):
                self._values.popitem(last=False)
