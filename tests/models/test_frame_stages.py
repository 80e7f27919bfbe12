"""The threaded frame pipeline: order kept, bounded, every stage's error raised in the caller, nothing left hanging."""

from __future__ import annotations

import threading
import time

import pytest

from models.pipelines.stages import Stages


def _slow(items, delay=0.001):
    for item in items:
        time.sleep(delay)
        yield item


def test_items_flow_through_in_order():
    written = []
    with Stages() as stages:
        doubled = stages.background((2 * x for x in stages.background(_slow(range(50)), 4)), 4)
        sink = stages.sink(written.append, 2)
        for x in doubled:
            sink.put(x + 1)
        sink.finish()
    assert written == [2 * x + 1 for x in range(50)]


def test_a_producer_error_reaches_the_caller():
    def broken():
        yield 1
        raise ValueError("the decoder broke")

    with pytest.raises(ValueError, match="decoder broke"), Stages() as stages:
        list(stages.background((x for x in stages.background(broken(), 2)), 2))
    assert not [t for t in threading.enumerate() if t.name in ("stage", "sink")]


def test_a_sink_error_stops_the_producers():
    def fail(item):
        if item == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), Stages() as stages:
        sink = stages.sink(fail, 1)
        for x in stages.background(_slow(range(10_000)), 2):
            sink.put(x)
        sink.finish()
    assert not [t for t in threading.enumerate() if t.name in ("stage", "sink")]


def test_a_caller_error_stops_every_stage():
    with pytest.raises(KeyError), Stages() as stages:
        sink = stages.sink(lambda item: None, 1)
        for x in stages.background(_slow(range(10_000)), 2):
            sink.put(x)
            if x == 5:
                raise KeyError("swap failed")
    assert not [t for t in threading.enumerate() if t.name in ("stage", "sink")]
