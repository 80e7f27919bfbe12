"""Stages of a frame loop run in threads joined by bounded queues, so decoding, face finding, swapping and
encoding overlap (PyAV, OpenCV and the ONNX runtimes release the GIL while they work).

A bounded queue holds a few frames only, so memory stays flat and a slow stage holds the others back. An error in
any stage stops the others and is raised again in the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_END = object()


class _Failure:
    """An exception travelling down a queue to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Stages:
    """Owner of the stage threads: `with Stages() as s:`; leaving the block stops and joins them all."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> "Stages":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _start(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _put(self, q: queue.Queue, item: Any) -> bool:
        """Put, waiting while the queue is full; False once the stages are being stopped."""
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def background(self, items: Iterable, maxsize: int, name: str = "stage") -> Iterator:
        """An iterator over `items`, which are produced ahead in a thread (at most `maxsize` waiting)."""
        q: queue.Queue = queue.Queue(maxsize)

        def run() -> None:
            try:
                for item in items:
                    if not self._put(q, item):
                        return
                self._put(q, _END)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
                self._put(q, _Failure(exc))
            finally:
                getattr(items, "close", lambda: None)()

        self._start(run, name)
        return self._drain(q)

    def _drain(self, q: queue.Queue) -> Iterator:
        """Items until the end mark; an upstream error is raised here; ends early once the stages are stopped
        (whoever stopped them raises the reason)."""
        while True:
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if self.stop.is_set():
                    return
                continue
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def sink(self, consume: Callable[[Any], None], maxsize: int, name: str = "sink") -> "Sink":
        """A thread that calls `consume(item)` on each item put into it, in order."""
        return Sink(self, consume, maxsize, name)


class Sink:
    """The last stage: items go in with put(); finish() waits for all of them and raises the stage's error."""

    def __init__(self, stages: Stages, consume: Callable[[Any], None], maxsize: int, name: str) -> None:
        self.stages, self.consume = stages, consume
        self.queue: queue.Queue = queue.Queue(maxsize)
        self.error: BaseException | None = None
        self.done = threading.Event()
        stages._start(self._run, name)

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self.queue.get(timeout=0.1)
                except queue.Empty:
                    if self.stages.stop.is_set():
                        return
                    continue
                if item is _END:
                    return
                self.consume(item)
        except BaseException as exc:  # noqa: BLE001 - raised again in the producer's thread
            self.error = exc
            self.stages.stop.set()
        finally:
            self.done.set()

    def put(self, item: Any) -> None:
        """Hand one item over (waits while the queue is full); raises the sink's error if it failed."""
        if self.error is not None or not self.stages._put(self.queue, item):
            self._raise()

    def finish(self) -> None:
        """Wait until every item is consumed; raise the sink's error if it failed."""
        self.stages._put(self.queue, _END)
        self.done.wait()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error
        if self.stages.stop.is_set() and not self.done.is_set():
            raise RuntimeError("The frame pipeline was stopped before the last frame was written.")
