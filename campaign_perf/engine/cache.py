"""The one cache of the library: bounded, least recently used first out.

An engine keeps what it computed for a log (records tables, cubes, the report core's slices
and events) in instances of :class:`Cache`; nothing else in the library caches results.
Evicting an entry calls ``on_evict``, so an engine can drop the temporary table or view
behind it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import pandas as pd

__all__ = ["RESULTS_BYTES", "Cache", "results_cache"]

#: How much the pandas results an engine keeps for the reports of a log (slices of cubes,
#: events) may weigh together; the latest result is kept whatever it weighs.
RESULTS_BYTES = 256 * 2**20

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Cache(Generic[K, V]):
    """A mapping bounded in size that evicts its least recently used entries.

    Parameters
    ----------
    limit : int
        The most the entries may weigh together (with the default ``weigh``, how many
        entries are kept).
    weigh : callable, optional
        The weight of a value (e.g. its bytes); default 1 per entry. The entry just put
        stays even when it alone weighs more than ``limit``: the last result is always kept.
    on_evict : callable, optional
        Called with the key and value of each entry evicted or cleared.
    """

    def __init__(
        self,
        limit: int,
        *,
        weigh: Callable[[V], int] | None = None,
        on_evict: Callable[[K, V], None] | None = None,
    ) -> None:
        self.limit = limit
        self._weigh = weigh or (lambda _: 1)
        self._on_evict = on_evict
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value of ``key``: the kept one (now the most recently used), or ``make()``'s,
        kept before older entries are evicted to stay within the limit."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key][0]
        value = make()
        weight = self._weigh(value)
        self._entries[key] = (value, weight)
        self._weight += weight
        while self._weight > self.limit and len(self._entries) > 1:
            self._evict(next(iter(self._entries)))
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Evict every entry (``on_evict`` is called for each)."""
        for key in list(self._entries):
            self._evict(key)

    def _evict(self, key: K) -> None:
        value, weight = self._entries.pop(key)
        self._weight -= weight
        if self._on_evict is not None:
            self._on_evict(key, value)


def _nbytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(index=True, deep=False).sum())


def results_cache() -> Cache[Any, pd.DataFrame]:
    """The cache of an engine's pandas results, bounded by :data:`RESULTS_BYTES`."""
    return Cache(RESULTS_BYTES, weigh=_nbytes)
