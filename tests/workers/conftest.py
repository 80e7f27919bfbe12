"""Fixtures of the worker tests: every test starts and ends with an empty model cache."""

import pytest

from workers import model_cache


@pytest.fixture(autouse=True)
def empty_cache():
    model_cache.clear()
    yield
    model_cache.clear()
