"""A small key-value store in the database: JSON values by (namespace, key).

The bot keeps its conversation state here (a half-filled meeting form survives a restart) and
its cache of Telegram file_ids. Every call is its own committed transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, select

from promo.store.db import Database, as_utc, insert_on_conflict, rowcount
from promo.store.tables import KeyValue

__all__ = ["KVStore"]

_MISSING = object()


class KVStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _check(namespace: str, key: str, value: Any = _MISSING) -> None:
        if not namespace or len(namespace) > 64:
            raise ValueError("namespace must be 1–64 characters")
        if not isinstance(key, str) or not key or len(key) > 255:
            raise ValueError("key must be a string of 1–255 characters")
        if value is not _MISSING:
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"value is not JSON-serialisable: {exc}") from None

    def get(self, namespace: str, key: str, default: Any = None) -> Any:
        self._check(namespace, key)
        with self.db.read() as s:
            row = s.get(KeyValue, (namespace, key))
            return default if row is None else row.value

    def set(self, namespace: str, key: str, value: Any, now: dt.datetime | None = None) -> None:
        self._check(namespace, key, value)
        with self.db.session() as s:
            insert_on_conflict(s, KeyValue, {"namespace": namespace, "key": key, "value": value,
                                             "updated_at": as_utc(now)},
                               index_elements=["namespace", "key"],
                               update=["value", "updated_at"])

    def delete(self, namespace: str, key: str) -> bool:
        """True if the key existed."""
        self._check(namespace, key)
        with self.db.session() as s:
            return rowcount(s.execute(delete(KeyValue).where(KeyValue.namespace == namespace,
                                                             KeyValue.key == key))) > 0

    def all(self, namespace: str) -> dict[str, Any]:
        with self.db.read() as s:
            return {r.key: r.value for r in s.scalars(
                select(KeyValue).where(KeyValue.namespace == namespace).order_by(KeyValue.key))}

    def updated_at(self, namespace: str, key: str) -> dt.datetime | None:
        with self.db.read() as s:
            row = s.get(KeyValue, (namespace, key))
            return row.updated_at if row else None

    def keep_newest(self, namespace: str, keep: int) -> int:
        """Delete all but the `keep` most recently set keys of `namespace` (a bounded namespace,
        e.g. the answer card's queries); the number deleted. Keys set in the same microsecond as
        the `keep`-th newest are kept too."""
        with self.db.session() as s:
            cutoff = s.scalar(select(KeyValue.updated_at).where(KeyValue.namespace == namespace)
                              .order_by(KeyValue.updated_at.desc()).offset(max(0, keep - 1)).limit(1))
            if cutoff is None:
                return 0
            return rowcount(s.execute(delete(KeyValue).where(KeyValue.namespace == namespace,
                                                             KeyValue.updated_at < cutoff)))

    def clear(self, namespace: str) -> int:
        with self.db.session() as s:
            return rowcount(s.execute(delete(KeyValue).where(KeyValue.namespace == namespace)))
