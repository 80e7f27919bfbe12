"""The worker's model cache: each key loaded once per process, and a loader may ask the cache itself."""

from __future__ import annotations

from workers import model_cache


def test_each_key_is_loaded_once():
    calls = []
    first = model_cache.get(("runner", "a"), lambda: calls.append(1) or object())
    assert model_cache.get(("runner", "a"), lambda: calls.append(2) or object()) is first
    assert calls == [1] and model_cache.loaded() == [("runner", "a")]


def test_a_loader_may_ask_the_cache_for_what_it_needs():
    """A runner's loader asks for the device (workers.device.current): the lock is re-entrant, no deadlock."""
    runner = model_cache.get(("runner", "b"), lambda: ("runner on", model_cache.get(("device",), lambda: "cpu")))
    assert runner == ("runner on", "cpu") and set(model_cache.loaded()) == {("runner", "b"), ("device",)}
