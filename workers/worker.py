"""The portal's RQ worker: no fork per job, so models stay loaded; a thread keeps heartbeats going."""

from __future__ import annotations

import logging
import threading

from rq.worker import SimpleWorker, WorkerStatus

log = logging.getLogger(__name__)


class PortalWorker(SimpleWorker):
    """Runs each job in this process (TensorFlow is not fork-safe) and sends heartbeats while it runs.

    RQ's SimpleWorker sends no heartbeat during a job, so a long job would look like a dead worker;
    a daemon thread calls maintain_heartbeats every job_monitoring_interval seconds instead.
    """

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
