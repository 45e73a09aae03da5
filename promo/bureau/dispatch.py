"""The monthly dispatch (按月调度) and the weekly milestone list, once per period.

On the configured day and hour (`PROMO_DISPATCH_DAY`, `PROMO_DISPATCH_HOUR`, local time) the
job posts last month's scoreboard and ranking chart to the leaders' chat (`PROMO_BOARD_CHAT`)
and each unit lead their unit's page; every Monday from that hour each lead gets their unit's
overdue nodes. A post is *claimed in the database before it is sent*: the row (kind, period,
target) is unique, so two processes, or a process restarted after kill -9, cannot both send it.

A claim whose process died before it could post (claimed, never marked posted) is taken over
after `LEASE` — the one window in which a message may go out twice is a process killed after
Telegram accepted the message and before the database noted it (milliseconds), against never
sending a month's dispatch at all.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from promo.store.db import as_utc
from promo.store.tables import BureauDispatch

from promo.bureau.periods import Period

__all__ = ["DispatchLedger", "due_month", "due_week", "LEASE", "process_token"]

LEASE = dt.timedelta(minutes=10)


def process_token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(6)}"


def due_month(local_now: dt.datetime, day: int, hour: int) -> Period | None:
    """Last month, once this month's dispatch day and hour have come; else None."""
    if (local_now.day, local_now.hour) < (day, hour):
        return None
    return Period("month", local_now.year, local_now.month).previous()


def due_week(local_now: dt.datetime, hour: int) -> str | None:
    """This ISO week's key (2026-W49) from Monday at `hour` on; else None."""
    if local_now.isoweekday() == 1 and local_now.hour < hour:
        return None
    year, week, _ = local_now.isocalendar()
    return f"{year}-W{week:02d}"


class DispatchLedger:
    def __init__(self, db, lease: dt.timedelta = LEASE) -> None:
        self.db = db
        self.lease = lease

    def claim(self, kind: str, period: str, target: str, token: str, now: dt.datetime | None = None) -> bool:
        """True when this process may post (kind, period, target): a new claim, or the takeover of
        a claim older than the lease that was never posted."""
        now = as_utc(now)
        try:
            with self.db.session() as s:
                s.add(BureauDispatch(kind=kind, period=period, target=str(target), claimed_at=now,
                                     claimed_by=token, posted_at=None))
            return True
        except IntegrityError:
            pass
        with self.db.session() as s:
            took = s.execute(update(BureauDispatch)
                             .where(BureauDispatch.kind == kind, BureauDispatch.period == period,
                                    BureauDispatch.target == str(target), BureauDispatch.posted_at.is_(None),
                                    BureauDispatch.claimed_at < now - self.lease)
                             .values(claimed_at=now, claimed_by=token)).rowcount
        return took == 1

    def posted(self, kind: str, period: str, target: str, token: str, now: dt.datetime | None = None) -> None:
        with self.db.session() as s:
            s.execute(update(BureauDispatch)
                      .where(BureauDispatch.kind == kind, BureauDispatch.period == period,
                             BureauDispatch.target == str(target), BureauDispatch.claimed_by == token)
                      .values(posted_at=as_utc(now)))

    def release(self, kind: str, period: str, target: str, token: str) -> None:
        """Sending failed (Telegram refused): let the next run try again at once."""
        with self.db.session() as s:
            row = s.scalar(select(BureauDispatch).where(
                BureauDispatch.kind == kind, BureauDispatch.period == period,
                BureauDispatch.target == str(target), BureauDispatch.claimed_by == token,
                BureauDispatch.posted_at.is_(None)))
            if row is not None:
                s.delete(row)

    def rows(self) -> list[BureauDispatch]:
        with self.db.read() as s:
            return list(s.scalars(select(BureauDispatch).order_by(BureauDispatch.id)))
