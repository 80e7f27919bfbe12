"""The portal fixtures (backend, app, worker, users, browser), and API tokens made through the browser page."""

import re

import pytest

from tests.portal.conftest import app, browser, users, worker  # noqa: F401  (fixtures)
from tests.security.backends import backend_fixture

backend = backend_fixture(redis_db=10)

_TOKEN = re.compile(r'<code id="token-value">([^<]+)</code>')


def make_token(b, name: str = "laptop") -> str:
    """Create a token on the API tokens page (signed-in browser b) and read it from the page, shown once."""
    r = b.post("/account/tokens/", {"name": name}, token_page="/account/tokens/")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    match = _TOKEN.search(r.get_data(as_text=True))
    assert match, "the new token is not on the page"
    return match.group(1)


@pytest.fixture()
def api_user(browser, users):
    """A member signed in on the browser, with an API token: (browser, token, user_id)."""
    user_id, email, password = users("member")
    b = browser()
    b.login(email, password)
    return b, make_token(b), user_id


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
