"""A `backend` fixture per test folder with its own Redis database on MySQL runs: the portal fixtures are
re-imported by each folder's conftest, so each folder has its own worker; a shared Redis db would let one
folder's worker take another folder's jobs (it would look them up in the wrong database)."""

import os

from tests.portal.conftest import backend_fixture as portal_backend_fixture

# The hardening suites run once, on the production pair (MySQL + Redis) when CI provides it, else on the
# embedded default; the portal suite (tests/portal) covers both backends for every feature.
HARDENING_BACKENDS = ["mysql"] if os.environ.get("TEST_DATABASE_URL", "").startswith("mysql") else ["sqlite"]


def backend_fixture(redis_db: int):
    return portal_backend_fixture(HARDENING_BACKENDS, redis_db)
