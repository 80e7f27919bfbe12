"""The portal's RQ worker: no fork per job, so models stay loaded; a thread keeps heartbeats going."""

from __future__ import annotations

import logging
import threading
import time

from rq import Queue
from rq.exceptions import DequeueTimeout
from rq.worker import SimpleWorker, WorkerStatus

from portal.queue import paused_in

log = logging.getLogger(__name__)
PAUSE_POLL = 5  # s: a worker notices a paused or resumed queue within this long


class PausableQueue(Queue):
    """Dequeues only from queues an operator has not paused (portal.queue.PAUSED_KEY, mirrored from the DB)."""

    @classmethod
    def dequeue_any(cls, queues, timeout, connection, *args, **kwargs):
        paused = paused_in(connection)
        active = [q for q in queues if q.name not in paused]
        if not active:
            if timeout is None:  # burst: nothing to do while every queue is paused
                return None
            time.sleep(min(timeout, PAUSE_POLL))
            raise DequeueTimeout(timeout, [q.key for q in queues])
        if timeout is not None and paused:  # wake up now and then to see a queue resumed
            timeout = min(timeout, PAUSE_POLL)
        elif timeout is not None:
            timeout = min(timeout, 60)  # and to see one paused
        return super().dequeue_any(active, timeout, connection, *args, **kwargs)


class PortalWorker(SimpleWorker):
    """Runs each job in this process (TensorFlow is not fork-safe) and sends heartbeats while it runs.

    RQ's SimpleWorker sends no heartbeat during a job, so a long job would look like a dead worker;
    a daemon thread calls maintain_heartbeats every job_monitoring_interval seconds instead.
    """

    queue_class = PausableQueue

    def execute_job(self, job, queue):
        execution = self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeats, args=(job, execution, stop), daemon=True)
        beat.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            beat.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def _heartbeats(self, job, execution, stop: threading.Event) -> None:
        while not stop.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except Exception:  # a missed beat must not kill the job; Redis may be restarting
                log.warning("worker %s: heartbeat failed", self.name, exc_info=True)
