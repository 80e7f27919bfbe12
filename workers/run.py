"""Start a portal worker: reconcile the database with Redis on start, then every interval in a thread."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from portal.queue import QUEUES, connect
from workers.worker import PortalWorker

log = logging.getLogger(__name__)
RECONCILE_INTERVAL = 30  # seconds between reconciler runs in each worker


def reconcile_once(app: Flask, connection, lock_seconds: int = 0) -> dict[str, int] | None:
    """One reconciler pass in its own app context; a failure (Redis or database down) is logged, never raised."""
    from portal.extensions import db
    from workers.reconcile import reconcile

    with app.app_context():
        try:
            counts = reconcile(connection, time_limit=app.config["JOB_TIMEOUT"], lock_seconds=lock_seconds)
            if not counts.get("skipped"):
                from workers.upkeep import upkeep

                counts.update(upkeep(connection))
            if any(v for k, v in counts.items() if k != "skipped"):
                log.info("reconciler: %s", counts)
            return counts
        except Exception as exc:  # the next pass tries again
            log.warning("reconciler pass failed: %s: %s", type(exc).__name__, exc)
            db.session.rollback()
            return None
        finally:
            db.session.remove()


def _reconcile_forever(app: Flask, connection, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        reconcile_once(app, connection, lock_seconds=max(1, int(interval) - 1))


def start_reconciler(app: Flask, connection, interval: float) -> threading.Event:
    """A daemon thread running the reconciler every interval seconds; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_reconcile_forever, args=(app, connection, interval, stop), daemon=True,
                     name="reconciler").start()
    return stop


def wait_for_redis(connection, max_delay: float = 30.0) -> None:
    """Block until Redis answers (a worker started while Redis is down waits instead of exiting)."""
    delay = 1.0
    while True:
        try:
            connection.ping()
            return
        except RedisError as exc:
            log.warning("Redis unreachable (%s); trying again in %.0f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, max_delay)


def _work(app: Flask, connection, queues, burst: bool, name: str | None) -> None:
    import json

    from portal.queue import DEVICE_KEY
    from workers.device import announce

    with app.app_context():
        worker = PortalWorker(list(queues or QUEUES), connection=connection, name=name,
                              job_monitoring_interval=app.config.get("WORKER_HEARTBEAT", 30))
        if name:  # our own registration left by a Redis that blinked: not another live worker
            connection.delete(worker.key)
        device_key = DEVICE_KEY.format(worker.name)
        connection.set(device_key, json.dumps(announce(worker.name).record()), ex=7 * 24 * 3600)
        try:
            worker.work(burst=burst, logging_level="INFO")
        finally:
            try:
                connection.delete(device_key)
            except RedisError:
                pass


def run_worker(app: Flask, queues=(), *, burst: bool = False, name: str | None = None,
               interval: float | None = None) -> None:
    """Work until stopped; when Redis goes away, wait for it and work again (the database keeps the jobs)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    connection = connect(app.config["REDIS_URL"], app.config["EMBEDDED_REDIS_DB"])
    interval = interval or app.config.get("RECONCILE_INTERVAL", RECONCILE_INTERVAL)
    wait_for_redis(connection)
    reconcile_once(app, connection)
    stop = None if burst else start_reconciler(app, connection, interval)
    try:
        while True:
            try:
                _work(app, connection, queues, burst, name)
                return
            except RedisConnectionError as exc:
                if burst:
                    raise
                log.warning("lost Redis (%s); working again when it is back", exc)
                wait_for_redis(connection)
                reconcile_once(app, connection)
    finally:
        if stop is not None:
            stop.set()
