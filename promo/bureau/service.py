"""`BureauService`: the bureau's view on one database and the current lists, as the bot, the
console chat and the CLI use it (`Services.bureau`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from promo.store.tables import DemoRow

from promo.bureau.charts import ranking_png, trend_data, trend_png
from promo.bureau.milestones import overdue
from promo.bureau.periods import Period, parse_period
from promo.bureau.rules import Ledger, load_raw
from promo.bureau.scoreboard import Board, build_board, may_open
from promo.bureau.units import UnitRegistry

__all__ = ["BureauService", "Snapshot"]


@dataclass
class Snapshot:
    """One reading of the records: the ledger, the board and the overdue nodes agree."""

    board: Board
    ledger: Ledger
    overdue: dict


class BureauService:
    def __init__(self, db, library, settings=None):
        self.db = db
        self._library = library if callable(library) else (lambda: library)
        self.settings = settings

    def _setting(self, name, default):
        return getattr(self.settings, name, default) if self.settings is not None else default

    @property
    def registry(self) -> UnitRegistry:
        return UnitRegistry.from_library(self._library())

    def is_demo(self) -> bool:
        with self.db.read() as s:
            return bool(s.scalar(select(func.count()).select_from(DemoRow)))

    def ledger(self, registry: UnitRegistry | None = None) -> Ledger:
        registry = registry or self.registry
        return Ledger(load_raw(self.db, self._setting("fx", None)),
                      lambda s: (u.id if (u := registry.resolve(s)) else None),
                      self._setting("high_level_yuan", 100_000_000))

    def period(self, text: str | None, today: dt.date, default: str = "month") -> Period:
        return parse_period(text, today, default)

    def snapshot(self, period: Period, today: dt.date) -> Snapshot:
        registry = self.registry
        ledger = self.ledger(registry)
        late = overdue(self.db, ledger, today, contact_days=self._setting("contact_days", 30),
                       signed_days=self._setting("signed_days", 90))
        board = build_board(self.db, registry, period, today, ledger=ledger,
                            high_level_yuan=self._setting("high_level_yuan", 100_000_000),
                            fx=self._setting("fx", None), overdue={u: len(v) for u, v in late.items()},
                            demo=self.is_demo())
        unlisted = self.unlisted_user_units(registry)
        if unlisted:
            board.notes.append("授权名单中有单位不在单位清单（lists/units.yaml）中：" + "、".join(unlisted)
                               + "。请登记该单位，或把它写成已有单位的别名（aliases）。")
        return Snapshot(board, ledger, late)

    def unlisted_user_units(self, registry: UnitRegistry | None = None) -> list[str]:
        """Units of active officers that lists/units.yaml does not know (their work would be
        scored under a unit nobody ranks)."""
        from promo.store.tables import User

        registry = registry or self.registry
        with self.db.read() as s:
            units = {u for u in s.scalars(select(User.unit).where(User.active.is_(True))) if u}
        return sorted(u for u in units if registry.resolve(u) is None)

    def ranking_png(self, snap: Snapshot) -> bytes:
        return ranking_png(snap.board)

    def trend_png(self, unit_id: str, year: int, today: dt.date, snap: Snapshot | None = None) -> bytes:
        registry = self.registry
        unit = registry.get(unit_id)
        ledger = snap.ledger if snap else self.ledger(registry)
        upto = 12 if year < today.year else today.month
        target = registry.target(unit_id, year)
        cap = None
        if target and (target.domestic_wan or target.foreign_wan):
            cap = {"capital": ((target.domestic_wan or 0) + (target.foreign_wan or 0)) * 10_000}
        return trend_png(unit.name if unit else unit_id, year, trend_data(ledger, unit_id, year, upto), cap,
                         demo=self.is_demo())

    def unit_of(self, user) -> str | None:
        """The unit id of an officer (the allow-list's unit resolved through lists/units.yaml)."""
        if user is None or not user.unit:
            return None
        u = self.registry.resolve(user.unit)
        return u.id if u else user.unit

    def may_open(self, user, unit_id: str) -> bool:
        return may_open(user, unit_id, self.registry)

    def records(self, snap: Snapshot, user, unit_id: str, indicator: str) -> dict:
        if not self.may_open(user, unit_id):
            raise PermissionError("only the unit's officers, its lead and admins see these records")
        p = snap.board.period
        return snap.ledger.records(unit_id, indicator, p.first, p.last)
