"""Models loaded once per worker process and kept: the only global mutable state in the project."""

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
    return list(_cache)


def clear() -> None:
    with _lock:
        _cache.clear()
