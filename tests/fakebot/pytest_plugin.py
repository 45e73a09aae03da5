"""pytest fixtures for the fake Bot API. Enable with, in tests/conftest.py:

    pytest_plugins = ["tests.fakebot.pytest_plugin"]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeBotAPI


@pytest.fixture
def fakebot() -> Iterator[FakeBotAPI]:
    """A fresh FakeBotAPI. At teardown any rejected request or unanswered callback query fails
    the test; a test that provokes rejections on purpose takes them with `take_violations()`."""
    fake = FakeBotAPI()
    yield fake
    problems = fake.problems()
    if problems:
        pytest.fail("fake Bot API saw problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def fakebot_app(fakebot: FakeBotAPI):
    """An Application (not yet initialised) talking to `fakebot`; use `async with fakebot_app:`."""
    return fakebot.build_app()
