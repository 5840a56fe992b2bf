"""A bounded in-process LRU with a per-entry time to live (the L1 cache)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")

_ABSENT = object()


class TTLCache(Generic[V]):
    def __init__(self, max_items: int, ttl_s: float) -> None:
        self.max_items = max_items
        self.ttl_s = ttl_s
        self._data: OrderedDict[str, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_items > 0 and self.ttl_s > 0

    def __len__(self) -> int:
        return len(self._data)

    def lookup(self, key: str) -> tuple[bool, V | None]:
        """(found, value); an expired entry counts as not found and is dropped."""
        entry = self._data.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if expires < time.monotonic():
            del self._data[key]
            return False, None
        self._data.move_to_end(key)
        return True, value

    def put(self, key: str, value: V, ttl_s: float | None = None) -> None:
        if not self.enabled:
            return
        ttl = self.ttl_s if ttl_s is None else min(ttl_s, self.ttl_s)
        self._data[key] = (time.monotonic() + ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_items:
            self._data.popitem(last=False)

    def drop(self, key: str) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()
