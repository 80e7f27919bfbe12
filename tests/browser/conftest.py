"""The real portal served by waitress on a free loopback port (one per backend), a real worker, and Chromium."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.portal.conftest import app, users, worker  # noqa: F401  (fixtures)
from tests.security.backends import backend_fixture

backend = backend_fixture(redis_db=12)

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def portal_url(app, worker):
    """The portal app served by waitress in a thread (8 threads), with the session's worker behind it."""
    from waitress.server import create_server

    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page_for(chromium, portal_url, backend):
    """page_for(email, password) -> a signed-in page in a fresh context; shot(name) saves a screenshot."""
    contexts = []

    def make(email: str, password: str):
        context = chromium.new_context(base_url=portal_url, accept_downloads=True, viewport={"width": 1200,
                                                                                             "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/jobs**")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page_as(page_for, users):
    """page_as(role) -> a page signed in as a new user of that role."""
    return lambda role: page_for(*users(role)[1:])


@pytest.fixture()
def shot(backend, request):
    SHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SHOTS / f"{backend['name']}-{request.node.originalname}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
