"""What a worker process loads once and keeps, by key: its device, face finders, detector runners, swappers."""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable

_cache: dict[Hashable, Any] = {}
_lock = threading.RLock()  # re-entrant: a loader may itself ask the cache (the device, a backbone)


def get(key: Hashable, load: Callable[[], Any]) -> Any:
    """The cached object for key, loading it on first use."""
    with _lock:
        if key not in _cache:
            _cache[key] = load()
        return _cache[key]


def loaded() -> list[Hashable]:
    """The keys loaded so far (workers.device walks them to fit or halve batch sizes)."""
    return list(_cache)


def clear() -> None:
    """Forget everything loaded (tests start from an empty cache)."""
    with _lock:
        _cache.clear()
