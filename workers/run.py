"""Start a portal worker on the configured Redis, after reconciling the queue with the database."""

from __future__ import annotations

import logging

from flask import Flask

from portal.queue import QUEUES, connect
from workers.worker import PortalWorker

log = logging.getLogger(__name__)


def run_worker(app: Flask, queues=(), *, burst: bool = False, name: str | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    connection = connect(app.config["REDIS_URL"], app.config["EMBEDDED_REDIS_DB"])
    from workers.reconcile import reconcile

    with app.app_context():
        reconcile(connection)
        worker = PortalWorker(list(queues or QUEUES), connection=connection, name=name)
        worker.work(burst=burst, logging_level="INFO")
