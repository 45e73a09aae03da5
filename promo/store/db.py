"""The database: one SQLAlchemy 2 engine, sessions, Alembic migrations, domain exceptions.

`Database(url)` works on SQLite (the default, one file in the data directory) and PostgreSQL.
The ORM tables all live in `promo/store/tables.py` on one declarative `Base`; `migrations/` holds the
one Alembic chain that creates them. `Database.migrate()` runs on every start and is idempotent.

SQLite settings and why:
- WAL: readers never block the writer and the writer never blocks readers.
- synchronous=FULL: a commit is fsync'ed before `commit()` returns, so a meeting the bot has
  confirmed as "saved" survives kill -9 and a power cut.
- busy_timeout 5000 ms: a second writer waits for the first instead of failing at once.
- foreign keys on (SQLite leaves them off by default).
- Write sessions start with BEGIN IMMEDIATE: the write lock is taken at the start of the
  transaction, so two writers queue on busy_timeout instead of one failing half-way with
  "database is locked" (SQLITE_BUSY_SNAPSHOT, which the busy handler cannot retry). Read-only
  sessions (`Database.read()`) use a plain deferred BEGIN and never wait for writers.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from promo.store.tables import Base  # noqa: F401  (re-exported: the one declarative Base)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# pg_advisory_xact_lock key: two bot processes starting at once migrate one after the other.
_PG_MIGRATE_LOCK = 0x70726F6D6F  # "promo"
BUSY_TIMEOUT_MS = 5000       # SQLite: how long a write waits for another writer
MIGRATE_WAIT_MS = 120_000    # SQLite: how long a start waits for another process's migration
_PG_STARTUP_LOCK = 0x70726F6D6F01


# --------------------------------------------------------------------------- record ids

MAX_ID = 2**63 - 1   # SQLite's INTEGER and PostgreSQL's BIGINT: larger ids raise OverflowError
_ID = re.compile(r"#?([0-9]{1,19})")
FULL_WIDTH_DIGITS = {0xFF10 + i: str(i) for i in range(10)}   # a Chinese keyboard's １２３


def parse_id(text: Any) -> int | None:
    """A record id as an officer types it or a button carries it ("12", "#12", "＃１２"), or
    None when it cannot be one: letters, signs, "²" (which passes str.isdigit but not int),
    zero, or a number the database cannot hold (99999999999999999999)."""
    s = str(text if text is not None else "").strip().translate(FULL_WIDTH_DIGITS).replace("＃", "#")
    m = _ID.fullmatch(s)
    if not m:
        return None
    n = int(m.group(1))
    return n if 0 < n <= MAX_ID else None


def looks_like_id(text: Any) -> bool:
    """Text the officer meant as a number ("#…", digits of any script), valid or not: such a
    text gets "no record #…" rather than being read as a name."""
    s = str(text or "").strip().lstrip("#＃")
    return bool(s) and all(ch.isdigit() for ch in s)


# --------------------------------------------------------------------------- exceptions

class PromoError(Exception):
    """Base of the domain exceptions. Messages never carry personal data."""

    reason: str     # set on refusals (promo.store.access): a key the bot's templates turn into Chinese


class PermissionDenied(PromoError):
    """The user may not do this (wrong role, other unit, not the author)."""


class Conflict(PromoError):
    """Someone else changed the record first (stale version) or a uniqueness rule was hit."""


class NotFound(PromoError):
    """No such record (or it was soft-deleted)."""


class InvalidTransition(PromoError):
    """A funnel stage change that is not allowed (e.g. skipping a stage without a correction)."""


# --------------------------------------------------------------------------- time

def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(now: dt.datetime | None) -> dt.datetime:
    """`now` as an aware UTC datetime; None means the current time. Naive values are refused:
    the domain cannot guess whether a naive time is UTC or Beijing time."""
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.tzinfo.utcoffset(now) is None:
        raise ValueError("a timezone-aware datetime is required (got a naive one)")
    return now.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------- database

class Database:
    """Engine + sessions for one database URL.

    `session()` is for writes: commits when the block ends normally, rolls back on an exception.
    `read()` is for reads: one consistent snapshot, always rolled back.
    Objects loaded in a session stay usable after it closes (expire_on_commit=False); they are
    detached snapshots, not live rows.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            memory = self.url.database in (None, "", ":memory:")
            if memory:
                # one shared connection, or every checkout would see a new empty database
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            else:
                Path(self.url.database or "").expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_pre_ping=True)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, wal=self.url.database not in (None, "", ":memory:"))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(promo_read_only=True),
                                           expire_on_commit=False)
        self._migrate_lock = threading.Lock()
        # SQLite has one writer at a time. Threads of this process queue on this lock (woken in
        # order, at once) rather than on SQLite's busy handler, which polls with sleeps of up
        # to 100 ms and lets late-comers overtake; other processes still wait on busy_timeout.
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @staticmethod
    def default_url(data_dir: str | Path) -> str:
        """`sqlite:///<data_dir>/promo.db` — the default the caller chooses when no URL is set."""
        return f"sqlite:///{Path(data_dir).expanduser().resolve() / 'promo.db'}"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __repr__(self) -> str:  # never print a password
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    # ----------------------------------------------------------------------- sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session: committed on success, rolled back on error, always closed."""
        lock = self._write_lock
        if lock is not None and not lock.acquire(timeout=30):
            raise TimeoutError("the database stayed busy for 30 s")
        try:
            s = self._sessions()
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
            finally:
                s.close()
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (never commits; on SQLite it does not take the write lock)."""
        s = self._read_sessions()
        try:
            yield s
        finally:
            s.expunge_all()  # detach first: a rollback would expire what the caller keeps
            s.rollback()
            s.close()

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """One process at a time through the start-up writes (seeding the allow-list and the
        problems ledger), so workers starting together do not insert the same rows twice.
        PostgreSQL: a session advisory lock; SQLite: nothing — its write transactions begin
        IMMEDIATE, so the second seed already sees the first one's rows."""
        if self.dialect != "postgresql":
            yield
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_STARTUP_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_STARTUP_LOCK})
                conn.commit()

    # ----------------------------------------------------------------------- migrations

    def alembic_config(self):
        from alembic.config import Config

        ini = MIGRATIONS_DIR / "alembic.ini"
        cfg = Config(str(ini)) if ini.exists() else Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        # '%' is interpolation syntax in ConfigParser
        cfg.set_main_option("sqlalchemy.url",
                            self.url.render_as_string(hide_password=False).replace("%", "%%"))
        cfg.attributes["promo_skip_logging_config"] = True
        return cfg

    def migrate(self) -> str | None:
        """Apply every Alembic migration up to head. Safe to call on every start, and from two
        processes at once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock). Returns the
        revision the database is at."""
        from alembic import command

        with self._migrate_lock, self.engine.connect() as conn:
            sqlite = self.dialect == "sqlite"
            if sqlite:
                # Another process may be migrating (a whole chain takes seconds on a busy disk):
                # wait for it up to MIGRATE_WAIT_MS, not the 5 s of an ordinary write. Set on the
                # driver's connection, outside SQLAlchemy's transaction, and reset afterwards.
                _busy_timeout(conn, MIGRATE_WAIT_MS)
            try:
                with conn.begin():
                    if self.dialect == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATE_LOCK})
                    cfg = self.alembic_config()
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            finally:
                if sqlite:
                    _busy_timeout(conn, BUSY_TIMEOUT_MS)
        return self.current_revision()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def dispose(self) -> None:
        self.engine.dispose()

    close = dispose


def _busy_timeout(conn, ms: int) -> None:
    """SQLite's busy_timeout on the driver's connection (no SQLAlchemy transaction begins)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.cursor().execute(f"PRAGMA busy_timeout={int(ms)}")


def _switch_to_wal(cur) -> None:
    """Put a new file in WAL mode. When several processes open a new file at once, the switch
    of one that read the old mode can fail at once with "database is locked" while another
    process, already switched, migrates (the busy handler does not cover it; seen under load):
    read the mode again and retry, up to MIGRATE_WAIT_MS."""
    deadline = time.monotonic() + MIGRATE_WAIT_MS / 1000
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            if str(cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked: could not switch it to WAL mode")
        time.sleep(0.05)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy (the "begin" hook below) emit BEGIN instead of pysqlite's own
        # implicit transactions, which start too late for a clean write lock.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # busy_timeout first: switching a new file to WAL needs the exclusive lock, and a
        # connection opened while another process migrates must wait for it, not fail with
        # "database is locked". Once the file is in WAL mode (it stays so) the switch is skipped.
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if wal:
            _switch_to_wal(cur)
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        if conn.get_execution_options().get("promo_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


# --------------------------------------------------------------------------- portable helpers

def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE changed (Session.execute is typed as a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount


def insert_on_conflict(session: Session, table, values: dict, index_elements: list[str],
                       update: list[str] | None = None) -> int:
    """INSERT … ON CONFLICT (index_elements) DO UPDATE SET update… (or DO NOTHING when `update`
    is empty), on SQLite and PostgreSQL. Returns the number of rows inserted or updated."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # the same API
    else:  # pragma: no cover
        raise NotImplementedError(f"upsert on {name}")
    table = getattr(table, "__table__", table)
    stmt = insert(table).values(**values)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=index_elements,
                                          set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=index_elements)
    # rowcount is -1 for this statement on psycopg 3; RETURNING counts on both backends
    return len(session.execute(stmt.returning(*table.primary_key.columns)).all())
