"""Shared test setup: the strict fake Bot API, a cache folder outside the repo, and a bot wired
to the sample data with a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.pg import BACKENDS, make_database, seed_users

pytest_plugins = ["tests.fakebot.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Derived caches of the lists go to one folder per test session, never into the repo.
os.environ.setdefault("PROMO_CACHE_DIR", tempfile.mkdtemp(prefix="promo-test-cache-"))


@pytest.fixture(scope="session")
def matcher():
    from promo.matching.matcher import load_matcher

    return load_matcher(ROOT, today=TODAY)


@pytest.fixture(scope="session")
def library(matcher):
    return matcher.library


@pytest.fixture
def bot(fakebot, tmp_path):
    """The real application on the sample data against the strict fake Bot API (tests/botkit.py)."""
    from tests.botkit import build_bot

    return build_bot(fakebot, tmp_path)


# --------------------------------------------------------------------------- databases
# `db` runs each storage test on SQLite and on PostgreSQL (skipped with the reason unless
# PROMO_TEST_PG_URL is set and answers); see tests/pg.py.

@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db(backend, tmp_path):
    """A migrated, empty database on each backend."""
    with make_database(backend, tmp_path) as database:
        yield database


@pytest.fixture
def sqlite_db(tmp_path):
    with make_database("sqlite", tmp_path) as database:
        yield database


@pytest.fixture
def users(db, request):
    """The test module's USERS seeded at its T0 on `db`: user id → the stored user."""
    return seed_users(db, request.module.USERS, request.module.T0)
