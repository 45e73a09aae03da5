"""Shared test setup: the strict fake Bot API, a cache folder outside the repo, and a bot wired
to the sample data with a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytest_plugins = ["tests.fakebot.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Derived caches of the lists go to one folder per test session, never into the repo.
os.environ.setdefault("PROMO_CACHE_DIR", tempfile.mkdtemp(prefix="promo-test-cache-"))


@pytest.fixture(scope="session")
def matcher():
    from promo.matcher import load_matcher

    return load_matcher(ROOT, today=TODAY)


@pytest.fixture(scope="session")
def library(matcher):
    return matcher.library
