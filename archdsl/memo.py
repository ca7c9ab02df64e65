"""Memos bounded in bytes, and the size estimates they (and the work budgets) use.

An entry-count bound (`lru_cache(maxsize=...)`) says nothing about memory when one entry
can hold a 100,000-element list; these memos count an estimate of every entry's bytes and
drop the least recently used entries past their budget.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import update_wrapper
from typing import Any, Generic, TypeVar

V = TypeVar("V")

BYTES_PER_ELEMENT = 64
"""Estimated bytes of one element of a held value (a list slot and the object it holds, or a
frozen `(type, value)` pair); deliberately generous."""


def size_upto(value: Any, cap: int) -> int:
    """Elements of `value`, counting those of nested lists and tuples and the characters of
    strings (a scalar is 1); counting stops once past `cap`, so this costs at most ~`cap`."""
    if isinstance(value, str):
        return max(1, len(value))
    if not isinstance(value, (list, tuple)):
        return 1
    total = len(value) or 1
    for item in value:
        if total > cap:
            break
        if isinstance(item, (list, tuple, str)):
            total += size_upto(item, cap - total)
    return total


class ByteMemo(Generic[V]):
    """A least-recently-used memo holding at most `budget` estimated bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        found = self.entries.get(key)
        if found is None:
            return None
        self.entries.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, value: V, nbytes: int) -> V:
        """Remember `value` (estimated at `nbytes`) unless it alone is over a quarter of the budget."""
        if nbytes * 4 > self.budget or key in self.entries:
            return value
        self.entries[key] = (value, nbytes)
        self.used += nbytes
        while self.used > self.budget:
            _, (_, dropped) = self.entries.popitem(last=False)
            self.used -= dropped
        return value

    def clear(self) -> None:
        self.entries.clear()
        self.used = 0


def text_memo(budget: int, per_char: int) -> Callable[[Callable[[str], V]], Callable[[str], V]]:
    """Memoise a function of one string, its result estimated at `per_char` bytes a character."""

    def wrap(function: Callable[[str], V]) -> Callable[[str], V]:
        memo: ByteMemo[V] = ByteMemo(budget)

        def cached(text: str) -> V:
            found = memo.get(text)
            if found is None:
                found = memo.put(text, function(text), (len(text) + 16) * per_char)
            return found

        update_wrapper(cached, function)
        cached.cache_clear = memo.clear  # type: ignore[attr-defined]  # as lru_cache's, for cold-cache benchmarks
        return cached

    return wrap
