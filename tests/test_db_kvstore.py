"""The key-value store: JSON round trips, namespaces, overwrite, delete, persistence."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from promo.store.db import Database
from promo.store.kvstore import KVStore

T0 = dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.timezone.utc)


def test_round_trip(db):
    kv = KVStore(db)
    value = {"state": 3, "draft": {"company": "飞鹤", "chain_ids": ["dairy"], "amount": 1.5e8,
                                   "ok": True, "none": None}, "emoji": "✅"}
    kv.set("conversations", "meeting:1001:1001", value, now=T0)
    assert kv.get("conversations", "meeting:1001:1001") == value
    assert kv.updated_at("conversations", "meeting:1001:1001") == T0
    assert kv.get("conversations", "nope") is None and kv.get("conversations", "nope", 7) == 7
    for v in (None, 0, "", [], "字符串", [1, [2, {"3": 4}]], 2**62):
        kv.set("t", "k", v)
        assert kv.get("t", "k", "missing") == v


def test_overwrite_namespaces_delete(db):
    kv = KVStore(db)
    kv.set("file_ids", "pitch/city.mp4", "BAAC-1")
    kv.set("file_ids", "pitch/city.mp4", "BAAC-2", now=T0 + dt.timedelta(minutes=1))
    kv.set("file_ids", "pitch/dairy.pdf", "BQAC-9")
    kv.set("conversations", "pitch/city.mp4", {"other": "namespace"})
    assert kv.all("file_ids") == {"pitch/city.mp4": "BAAC-2", "pitch/dairy.pdf": "BQAC-9"}
    assert kv.delete("file_ids", "pitch/city.mp4") is True
    assert kv.delete("file_ids", "pitch/city.mp4") is False
    assert kv.all("file_ids") == {"pitch/dairy.pdf": "BQAC-9"}
    assert kv.all("conversations") == {"pitch/city.mp4": {"other": "namespace"}}
    assert kv.clear("file_ids") == 1 and kv.all("file_ids") == {}


def test_bad_input(db):
    kv = KVStore(db)
    with pytest.raises(ValueError):
        kv.set("ns", "k", {1, 2})               # not JSON
    with pytest.raises(ValueError):
        kv.set("ns", "k", float("nan"))
    with pytest.raises(ValueError):
        kv.set("", "k", 1)
    with pytest.raises(ValueError):
        kv.set("ns", "k" * 256, 1)


def test_survives_reopen(db):
    KVStore(db).set("conversations", "c", {"state": "ASK_COMPANY"})
    again = Database(db.url.render_as_string(hide_password=False))
    try:
        assert KVStore(again).get("conversations", "c") == {"state": "ASK_COMPANY"}
    finally:
        again.dispose()


def test_concurrent_sets_of_one_key(db):
    kv = KVStore(db)
    errors = []

    def writer(i):
        try:
            for j in range(10):
                kv.set("race", "k", [i, j])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and kv.get("race", "k")[1] == 9
