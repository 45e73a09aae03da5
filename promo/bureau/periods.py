"""Reporting periods: a month (2026-07), a quarter (2026Q3) or a year (2026)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Period", "parse_period"]

_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_QUARTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]([1-4])$|^(\d{4})年?第?([1-4一二三四])季度?$")
_YEAR = re.compile(r"^(\d{4})年?$")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class Period:
    kind: str            # month | quarter | year
    year: int
    index: int           # month 1-12, quarter 1-4, or 1 for a year

    @property
    def first(self) -> dt.date:
        if self.kind == "month":
            return dt.date(self.year, self.index, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.index - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.year, 12, 31)
        end_month = self.index if self.kind == "month" else 3 * self.index
        nxt = dt.date(self.year + (end_month == 12), end_month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        return {"month": f"{self.year}-{self.index:02d}", "quarter": f"{self.year}Q{self.index}",
                "year": f"{self.year}"}[self.kind]

    @property
    def label(self) -> str:
        return {"month": f"{self.year}年{self.index}月", "quarter": f"{self.year}年第{self.index}季度",
                "year": f"{self.year}年"}[self.kind]

    def last_year(self) -> "Period":
        return Period(self.kind, self.year - 1, self.index)

    def year_to_date(self) -> tuple[dt.date, dt.date]:
        return dt.date(self.year, 1, 1), self.last

    def months(self) -> list["Period"]:
        first, last = self.first.month, self.last.month
        return [Period("month", self.year, m) for m in range(first, last + 1)]

    def previous(self) -> "Period":
        """The period before (the month before a month, …)."""
        if self.kind == "year":
            return Period("year", self.year - 1, 1)
        n = 12 if self.kind == "month" else 4
        return Period(self.kind, self.year - (self.index == 1), n if self.index == 1 else self.index - 1)

    def time_progress(self, today: dt.date | None = None) -> float:
        """Share of the year passed at the period's end (or today, inside the period)."""
        end = self.last if today is None or today > self.last else max(today, self.first)
        start = dt.date(self.year, 1, 1)
        days = (dt.date(self.year, 12, 31) - start).days + 1
        return round(((end - start).days + 1) / days, 4)

    def __str__(self) -> str:
        return self.key


def parse_period(text: str | None, today: dt.date, default: str = "month") -> Period:
    """'2026-07', '2026年7月', '2026Q3', '2026年第三季度', '2026', or a word: 月/month (the last
    current month), 季/quarter, 年/year. ValueError with what to write."""
    s = (text or "").strip().replace(" ", "")
    word = {"": default, "month": "month", "月": "month", "本月": "month", "quarter": "quarter",
            "季": "quarter", "季度": "quarter", "本季": "quarter", "本季度": "quarter",
            "year": "year", "年": "year", "本年": "year", "全年": "year", "今年": "year",
            "上月": "last_month", "lastmonth": "last_month"}.get(s.lower())
    if word == "month":
        return Period("month", today.year, today.month)
    if word == "last_month":
        return Period("month", today.year, today.month).previous()
    if word == "quarter":
        return Period("quarter", today.year, (today.month - 1) // 3 + 1)
    if word == "year":
        return Period("year", today.year, 1)
    if m := _MONTH.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return Period("month", y, mo)
    if m := _QUARTER.match(s):
        y = int(m.group(1) or m.group(3))
        q = m.group(2) or m.group(4)
        return Period("quarter", y, int(_CN.get(q, q)))
    if m := _YEAR.match(s):
        return Period("year", int(m.group(1)), 1)
    raise ValueError(f"看不懂时间段“{text}”：请写 2026-07（月）、2026Q3（季度）或 2026（年），"
                     "也可以写 月 / 季度 / 年 · use 2026-07, 2026Q3 or 2026")
