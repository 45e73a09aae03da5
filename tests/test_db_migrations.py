"""Migrations: from empty to head, idempotent, reversible, and the models match them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from promo.store.db import Database, as_utc
from promo.store.tables import Base, KeyValue
from tests.pg import database_url, make_database, run_at_once

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"users", "invites", "access_audit", "meetings", "meeting_history", "projects",
          "investor_problems", "investor_problem_history",
          "project_stages", "project_capital", "followup_reminders", "kv", "processed_updates"}


def _diff(database: Database, metadata: sa.MetaData = Base.metadata) -> list:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True})
        return compare_metadata(ctx, metadata)


def test_migrate_from_empty_then_again(backend, tmp_path):
    with make_database(backend, tmp_path, migrate=False) as database:
        assert database.current_revision() is None
        head = database.head_revision()
        assert database.migrate() == head
        assert set(sa.inspect(database.engine).get_table_names()) >= TABLES
        assert database.migrate() == head          # every start calls it: a no-op now
        with database.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_models_match_migrations(db):
    """`alembic check`: autogenerate finds nothing to do against a migrated database."""
    assert _diff(db) == []


def test_the_check_would_notice_drift(db):
    drifted = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    sa.Table("meetings", drifted, sa.Column("surprise", sa.Integer), extend_existing=True)
    diff = _diff(db, drifted)
    assert any(d[0] == "add_column" and d[3].name == "surprise" for d in diff)


def test_downgrade_to_base_and_up_again(db):
    cfg = db.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert not TABLES & set(sa.inspect(db.engine).get_table_names())
    db.migrate()
    assert _diff(db) == []


def test_alembic_check_command_line(sqlite_db):
    """The command-line `alembic check` (as a developer runs it) agrees."""
    env = dict(os.environ, PROMO_DB_URL=str(sqlite_db.url))
    out = subprocess.run([sys.executable, "-m", "alembic", "-c", "migrations/alembic.ini", "check"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "No new upgrade operations detected" in out.stdout + out.stderr


def test_two_starts_at_once_migrate_once(backend, tmp_path):
    """Two bot processes starting together: both migrate calls succeed, one chain applied."""
    with database_url(backend, tmp_path) as url:
        dbs = [Database(url) for _ in range(3)]
        errors = run_at_once(lambda d: d.migrate(), dbs)
        try:
            assert errors == []
            assert all(d.current_revision() == d.head_revision() for d in dbs)
        finally:
            for d in dbs:
                d.dispose()


def test_sqlite_pragmas(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2           # FULL
        assert pragma("busy_timeout") == 5000
        assert pragma("foreign_keys") == 1


def test_foreign_keys_are_enforced(db):
    from promo.store.tables import MeetingHistory

    with pytest.raises(sa.exc.IntegrityError):
        with db.session() as s:
            s.add(MeetingHistory(meeting_id=999, field="x", changed_by=1,
                                 changed_at=as_utc(None), version=1))


def test_timestamps_are_aware_utc(db):
    beijing = dt.timezone(dt.timedelta(hours=8))
    t = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=beijing)
    with db.session() as s:
        s.add(KeyValue(namespace="t", key="k", value=1, updated_at=t))
    with db.read() as s:
        back = s.get(KeyValue, ("t", "k")).updated_at
    assert back == t and back.tzinfo == dt.timezone.utc and back.hour == 1


def test_naive_datetimes_are_refused(db):
    with pytest.raises(ValueError):
        as_utc(dt.datetime(2025, 1, 1))
    with pytest.raises(sa.exc.StatementError):
        with db.session() as s:
            s.add(KeyValue(namespace="t", key="k", value=1, updated_at=dt.datetime(2025, 1, 1)))


def test_default_url_and_repr_hide_password(tmp_path):
    url = Database.default_url(tmp_path / "data")
    assert url.endswith("/data/promo.db") and url.startswith("sqlite:///")
    d = Database("postgresql+psycopg://bot:s3cret@db.example:5432/promo")
    assert "s3cret" not in repr(d)
    d.dispose()
    d = Database(url)
    assert (tmp_path / "data").is_dir()
    d.dispose()
