"""Databases for the storage tests. The fixtures `backend`, `db` and `sqlite_db` built on these
helpers are in `tests/conftest.py`, so every test module has them without an import.

`db` is parametrised over SQLite (a temporary file) and PostgreSQL. The PostgreSQL variant
runs when PROMO_TEST_PG_URL is set and the server answers, e.g.

    PROMO_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python -m pytest

and is skipped with the reason otherwise. Every PostgreSQL test gets a fresh schema (dropped
afterwards) through `search_path`, so runs are repeatable and can share one database.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

PG_ENV = "PROMO_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")


@cache
def _pg_problem(url: str) -> str | None:
    """None when the server answers, else why not (without the password)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "skip"
        return f"PostgreSQL not reachable at {safe} ({type(exc).__name__}); set {PG_ENV}"
    return None


def pg_url() -> str:
    """The PostgreSQL URL for tests, or pytest.skip with the reason."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL not reachable at (no URL: {PG_ENV} is not set); set {PG_ENV}="
                    "postgresql+psycopg://user@host:5432/db to run the PostgreSQL variant")
    problem = _pg_problem(url)
    if problem:
        pytest.skip(problem)
    return url


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A fresh schema for one test; yields a URL whose search_path points at it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"promo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    u = make_url(url)
    opts = " ".join(filter(None, [u.query.get("options"), f"-csearch_path={schema}"]))
    try:
        yield u.update_query_dict({"options": opts}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def seed_users(db, users: list[dict], now) -> dict:
    """The allow-list seeded with `users` (config dicts) at `now`: user id → the stored user."""
    from promo.store.access import AccessStore

    access = AccessStore(db)
    access.seed(users, now)
    return {u["id"]: access.get(u["id"]) for u in users}


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the given backend (not migrated)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'promo.db'}"
    elif backend == "postgresql":
        with pg_schema(pg_url()) as url:
            yield url
    else:  # pragma: no cover
        raise ValueError(backend)


@contextmanager
def make_database(backend: str, tmp_path: Path, *, migrate: bool = True):
    """A `promo.store.db.Database` on a fresh database, migrated to head unless migrate=False."""
    from promo.store.db import Database

    with database_url(backend, tmp_path) as url:
        database = Database(url)
        try:
            if migrate:
                database.migrate()
            yield database
        finally:
            database.dispose()


def run_at_once(fn: Callable[[object], None], items: Iterable[object], timeout: float = 60) -> list[BaseException]:
    """`fn(item)` for every item, each in its own thread, all released together (a barrier):
    what two processes starting at the same moment do to one database. The errors raised."""
    items = list(items)
    barrier = threading.Barrier(len(items))
    errors: list[BaseException] = []

    def run(item: object) -> None:
        try:
            barrier.wait()
            fn(item)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return errors
