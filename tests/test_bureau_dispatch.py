"""Dispatch claims across processes: of several processes racing for the same period exactly one
may post; a claim that was never posted is taken over only after the lease; the due rules."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from promo.bureau.dispatch import LEASE, DispatchLedger, due_month, due_week
from promo.store.db import Database
from tests.pg import database_url

T = dt.datetime(2026, 10, 3, 1, 5, tzinfo=dt.timezone.utc)
TZ = ZoneInfo("Asia/Shanghai")


def test_of_racing_processes_exactly_one_claims_the_period(backend, tmp_path):
    with database_url(backend, tmp_path) as url:
        first = Database(url)
        first.migrate()
        dbs = [first] + [Database(url) for _ in range(3)]
        won: list[str] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(dbs))

        def run(i, d):
            try:
                barrier.wait()
                if DispatchLedger(d).claim("board", "2026-09", "-100777", f"p{i}", T):
                    won.append(f"p{i}")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(dbs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        try:
            assert errors == [] and len(won) == 1
            ledger = DispatchLedger(first)
            ledger.posted("board", "2026-09", "-100777", won[0], T)
            # posted: never again, not even after the lease
            assert not ledger.claim("board", "2026-09", "-100777", "late", T + 10 * LEASE)
            assert ledger.claim("board", "2026-10", "-100777", "late", T + 10 * LEASE)   # the next month
            # a claim never posted is taken over after the lease, by one process only
            assert not ledger.claim("board", "2026-10", "-100777", "x", T + 10 * LEASE + LEASE / 2)
            assert ledger.claim("board", "2026-10", "-100777", "y", T + 12 * LEASE)
            assert not ledger.claim("board", "2026-10", "-100777", "z", T + 12 * LEASE)
            ledger.release("board", "2026-10", "-100777", "y")          # sending failed: free again
            assert ledger.claim("board", "2026-10", "-100777", "z", T + 12 * LEASE)
        finally:
            for d in dbs:
                d.dispose()


def test_when_a_dispatch_is_due():
    assert due_month(dt.datetime(2026, 10, 3, 8, 59, tzinfo=TZ), 3, 9) is None
    assert due_month(dt.datetime(2026, 10, 3, 9, 0, tzinfo=TZ), 3, 9).key == "2026-09"
    assert due_month(dt.datetime(2026, 1, 20, 9, 0, tzinfo=TZ), 3, 9).key == "2025-12"
    assert due_week(dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ), 9) is None          # Monday before 9:00
    assert due_week(dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ), 9) == "2026-W49"
    assert due_week(dt.datetime(2026, 12, 3, 7, 0, tzinfo=TZ), 9) == "2026-W49"
