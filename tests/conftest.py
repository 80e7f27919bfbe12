"""Fixtures shared by the whole suite: shared weights, media the tests make, a signed-in portal client."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_WEIGHTS = Path(os.environ.get("SHARED_WEIGHTS", ROOT.parent / "shared" / "weights"))


@pytest.fixture(scope="session")
def shared_weights() -> Path:
    """../shared/weights (real model weights); tests that need it skip on a fresh clone."""
    if not SHARED_WEIGHTS.is_dir():
        pytest.skip(f"needs real model weights in {SHARED_WEIGHTS} (absent on a fresh clone)")
    return SHARED_WEIGHTS


@pytest.fixture()
def signed_in(browser, users):
    """signed_in(role) -> a test client signed in as a new user of that role (in folders with the portal fixtures)."""
    def make(role: str = "member"):
        _, email, password = users(role)
        client = browser()
        client.login(email, password)
        return client

    return make


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def face_video(media_dir) -> Path:
    """2 s, 10 fps, 640x360 H.264 + AAC video of six real faces."""
    from tests.videofactory import face_video

    return face_video(media_dir / "faces.mp4")


@pytest.fixture(scope="session")
def blank_video(media_dir) -> Path:
    from tests.videofactory import blank_video

    return blank_video(media_dir / "blank.mp4")
