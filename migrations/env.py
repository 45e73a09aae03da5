"""Alembic environment for the one migration chain of all tables (`promo/store/tables.py`).

Programmatic use (every start): `promo.store.db.Database(url).migrate()` hands its connection in
`config.attributes["connection"]`. Command-line use, from the repository root:

    PROMO_DB_URL=sqlite:///data/promo.db alembic -c migrations/alembic.ini upgrade head
    PROMO_DB_URL=sqlite:///tmp/x.db alembic -c migrations/alembic.ini revision --autogenerate -m "what"

SQLite cannot ALTER most things, so operations are rendered in batch mode there
(`with op.batch_alter_table(...)`); write new migrations that way so they run on both backends.
"""

from __future__ import annotations

import os

from alembic import context

from promo.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = os.environ.get("PROMO_DB_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set PROMO_DB_URL (e.g. sqlite:///data/promo.db) or sqlalchemy.url")
    return url


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"),
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from promo.store.db import Database  # same engine settings (SQLite pragmas) as the bot

    db = Database(_url())
    try:
        with db.engine.begin() as conn:
            _run(conn)
    finally:
        db.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
