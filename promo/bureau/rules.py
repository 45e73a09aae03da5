"""The counting rules (统计口径), the one place they live. Every figure of the scoreboard is
computed here from the raw records (projects, their stage dates, capital changes, meetings):

1. **A project is counted once, for the unit that first signed it.** Project rows are grouped
   by identity — the same subject (normalised project name) and the same company (the same
   list id or the same normalised name) — whichever unit logged them. The group's owner is the member
   signed first (earliest signing date, then the lowest id); a group nobody signed yet belongs
   to the member contacted first. The owner is credited with the group's signing, registration
   (入统) and start (开工), each dated by the earliest member that reached the stage; the other
   members are duplicates and count for nobody.
2. **Stage dates are the corrected ones.** A back-dated stage counts in the month of its date;
   a correction that moves a project back clears its later stages, so past months are
   recomputed (figures are always as the records stand now).
3. **Capital in place counts only increases.** A period's capital is the growth of the group's
   cumulative in-place capital over the period (a correction downwards is negative). A
   duplicate or a capital increase (增资) entered as a new row adds only what exceeds the
   largest cumulative figure already recorded for the group: the group's cumulative figure is
   the largest of its members' (never below zero: a change dated before the figures it
   corrects does not make capital negative).
4. **Foreign capital** (外资) is kept apart from domestic (内资), in its own currency and in
   yuan at the rate stated for each change (`PROMO_FX_RATES` with its date and source, kept on
   the record). A foreign amount recorded while its currency had no rate counts in yuan at the
   rate configured now, stated with the figure; while there is none it is not converted: it is
   shown in its currency in a "not converted" note and left out of every yuan figure (never
   guessed). Rule 3 applies per currency: a group's cumulative figure is, in each currency, the
   largest of its members' (its amount in the currency and its yuan at their rates), and its
   yuan figure is the sum over the currencies — so the per-currency parts add up to the whole.
5. **High-level projects** (高能级): groups signed in the period whose agreed capital
   (domestic + foreign) as of the period's end reaches the threshold (`PROMO_HIGH_LEVEL_YUAN`,
   default 1亿元).
6. **Contacts** (对接活动): meetings a unit logged, by meeting date; deleted ones excluded.
7. **Conversion rates** as of the period's end over the unit's groups: contact→signed =
   reached signed / reached contact, signed→registered, registered→started likewise; a group
   that reached a later stage has reached the earlier ones; None when nothing to divide by.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from promo.meetings.funnel import to_yuan
from promo.meetings.fx import FxRates
from promo.meetings.store import STAGES, company_key
from promo.store.tables import Meeting, Project, ProjectCapital

__all__ = ["Raw", "Group", "Ledger", "load_raw", "RULES", "HIGH_LEVEL_YUAN", "FLOW_KEYS", "Rate"]

HIGH_LEVEL_YUAN = 100_000_000
RULES = __doc__.split("\n\n", 1)[1].strip()
FLOW_KEYS = ("contacts", "new_projects", "signed", "registered", "started", "domestic", "foreign",
             "capital", "high_level")
_DATE = {"contact": "contact_date", "signed": "signed_date", "registered": "registered_date",
         "started": "started_date"}
_FAR = dt.date(9999, 12, 31)


@dataclass
class ProjectRec:
    id: int
    name: str
    company: str | None
    company_id: str | None
    company_key: str | None
    unit: str
    stage: str
    dates: dict[str, dt.date | None]
    chain_ids: list[str]


@dataclass
class MeetingRec:
    id: int
    unit: str | None
    date: dt.date
    company: str | None
    project_id: int | None
    logged_by_name: str | None


@dataclass(frozen=True)
class Rate:
    """A rate a foreign amount was converted at: yuan for one unit, its date and source."""

    currency: str
    rate: str
    date: dt.date | None
    source: str | None


Series = tuple[list[dt.date], list[int]]     # dates and running sums


@dataclass
class Raw:
    projects: list[ProjectRec]
    capital: dict[tuple[int, str, str, str], Series]        # (project, origin, measure, currency) → yuan
    meetings: list[MeetingRec]
    span: tuple[dt.date, dt.date] | None   # earliest and latest date of any record
    # (project, origin, measure, currency) → amounts of foreign currencies converted to yuan,
    # and those without a yuan figure (no rate then, none now)
    converted: dict[tuple[int, str, str, str], Series] = field(default_factory=dict)
    unconverted: dict[tuple[int, str, str, str], Series] = field(default_factory=dict)
    # (project, origin, measure, currency) → [(as_of, the rate it was converted at)]
    rates: dict[tuple[int, str, str, str], list[tuple[dt.date, Rate]]] = field(default_factory=dict)

    def has_records(self, first: dt.date, last: dt.date) -> bool:
        return self.span is not None and self.span[0] <= last and self.span[1] >= first


def _append(series: dict, key, day: dt.date, value: int) -> None:
    dates, sums = series.setdefault(key, ([], []))
    dates.append(day)
    sums.append((sums[-1] if sums else 0) + int(value))


def load_raw(db, fx: FxRates | None = None) -> Raw:
    """The records; `fx` (the configured rates) converts foreign amounts recorded without a
    rate (rule 4)."""
    fx = fx or FxRates()
    rates_now: dict[str, Decimal] = dict(fx.rates)
    with db.read() as s:
        projects = [ProjectRec(p.id, p.name, p.company, p.company_id, p.company_key, p.unit, p.stage,
                               {st: getattr(p, col) for st, col in _DATE.items()}, list(p.chain_ids or []))
                    for p in s.scalars(select(Project).order_by(Project.id))]
        changes = s.execute(select(ProjectCapital.project_id, ProjectCapital.origin, ProjectCapital.measure,
                                   ProjectCapital.as_of, ProjectCapital.delta_yuan, ProjectCapital.currency,
                                   ProjectCapital.delta_amount, ProjectCapital.fx_rate, ProjectCapital.fx_date,
                                   ProjectCapital.fx_source)
                            .order_by(ProjectCapital.as_of, ProjectCapital.id)).all()
        meetings = [MeetingRec(m.id, m.unit, m.meeting_date, m.company, m.project_id, m.logged_by_name)
                    for m in s.scalars(select(Meeting).where(Meeting.deleted_at.is_(None))
                                       .order_by(Meeting.meeting_date, Meeting.id))]
    capital: dict = {}
    converted: dict = {}
    unconverted: dict = {}
    rates: dict = {}
    for pid, origin, measure, as_of, delta, currency, amount, rate, rate_date, source in changes:
        cur = currency or "CNY"
        key = (pid, origin, measure, cur)
        if cur == "CNY":
            _append(capital, key, as_of, delta if delta is not None else amount or 0)
            continue
        if delta is None and cur in rates_now:     # recorded without a rate: the one configured now
            rate, rate_date, source = str(rates_now[cur]), fx.date, fx.source
            delta = to_yuan(int(amount or 0), rate)
        if delta is None:
            _append(unconverted, key, as_of, amount or 0)
            continue
        _append(capital, key, as_of, delta)
        _append(converted, key, as_of, amount or 0)
        rates.setdefault(key, []).append((as_of, Rate(cur, str(rate), rate_date, source or None)))
    all_dates = [d for p in projects for d in p.dates.values() if d] + [m.date for m in meetings] + \
                [d for dates, _ in capital.values() for d in dates] + \
                [d for dates, _ in unconverted.values() for d in dates]
    span = (min(all_dates), max(all_dates)) if all_dates else None
    return Raw(projects, capital, meetings, span, converted, unconverted, rates)


def _subject(p: ProjectRec) -> str:
    return company_key(p.name) or p.name.strip().casefold()


def group_projects(projects: list[ProjectRec]) -> list[list[ProjectRec]]:
    """Projects that are one: the same subject and the same company — the same list id or
    the same normalised name (飞鹤乳业有限公司 = 飞鹤乳业), or no company on either side."""
    parent = {p.id: p.id for p in projects}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple, int] = {}
    for p in projects:
        subject = _subject(p)
        keys: list[tuple[str, ...] | None] = [("id", subject, p.company_id) if p.company_id else None,
                                              ("name", subject, p.company_key) if p.company_key else None]
        if not p.company_id and not p.company_key:
            keys = [("none", subject)]
        for k in filter(None, keys):
            if k in first:
                parent[find(p.id)] = find(first[k])
            else:
                first[k] = p.id
    out: dict[int, list[ProjectRec]] = defaultdict(list)
    for p in projects:
        out[find(p.id)].append(p)
    return list(out.values())


@dataclass
class Group:
    key: tuple[int, ...]             # (the first member's id,)
    members: list[ProjectRec]
    owner: ProjectRec = field(init=False)   # set by __post_init__
    dates: dict[str, dt.date | None] = field(default_factory=dict)

    def __post_init__(self):
        signed = [p for p in self.members if p.dates["signed"]]
        if signed:
            self.owner = min(signed, key=lambda p: (p.dates["signed"] or _FAR, p.id))   # all dated: `or` only narrows
        else:
            self.owner = min(self.members, key=lambda p: (p.dates["contact"] or _FAR, p.id))
        for st in STAGES:
            ds = [d for d in (p.dates[st] for p in self.members) if d]
            self.dates[st] = min(ds) if ds else None

    @property
    def duplicates(self) -> list[ProjectRec]:
        return [p for p in self.members if p is not self.owner]

    def reached(self, stage: str, upto: dt.date) -> bool:
        i = STAGES.index(stage)
        return any((d := self.dates[st]) is not None and d <= upto for st in STAGES[i:])


class Ledger:
    """The raw records grouped and credited; figures per unit and period."""

    def __init__(self, raw: Raw, resolve, high_level_yuan: int = HIGH_LEVEL_YUAN):
        """`resolve(unit string) -> unit id or None`; unknown unit strings keep their string."""
        self.raw = raw
        self.high_level_yuan = high_level_yuan
        self._resolve = resolve
        self.groups = [Group((ms[0].id,), ms) for ms in group_projects(raw.projects)]
        self._currencies_of: dict[tuple, list[str]] = {}
        self._held: dict[tuple[int, str, str], set[str]] = defaultdict(set)   # (project, origin, measure) → currencies
        for pid, origin, measure, currency in raw.capital:
            self._held[(pid, origin, measure)].add(currency)
        self.by_unit: dict[str, list[Group]] = defaultdict(list)
        for g in self.groups:
            self.by_unit[self.unit_of(g.owner.unit)].append(g)
        self.meetings_by_unit: dict[str, list[MeetingRec]] = defaultdict(list)
        for m in raw.meetings:
            if m.unit:
                self.meetings_by_unit[self.unit_of(m.unit)].append(m)

    def unit_of(self, text: str) -> str:
        return self._resolve(text) or text

    def units_seen(self) -> set[str]:
        return set(self.by_unit) | set(self.meetings_by_unit)

    # ----------------------------------------------------------------- capital
    @staticmethod
    def _at(series: Series | None, upto: dt.date) -> int:
        if not series:
            return 0
        dates, sums = series
        i = bisect.bisect_right(dates, upto)
        return sums[i - 1] if i else 0

    def _cum(self, pid: int, origin: str, measure: str, currency: str, upto: dt.date) -> int:
        return self._at(self.raw.capital.get((pid, origin, measure, currency)), upto)

    def group_capital(self, g: Group, origin: str, upto: dt.date, measure: str = "in_place") -> int:
        """The group's cumulative capital in yuan: per currency the largest of its members'
        (never below zero), summed over the currencies (rule 3, rule 4)."""
        currencies = self._currencies_of.get((g.key, origin, measure))
        if currencies is None:
            currencies = sorted({c for p in g.members for c in self._held.get((p.id, origin, measure), ())})
            self._currencies_of[(g.key, origin, measure)] = currencies
        return sum(max(0, *(self._cum(p.id, origin, measure, c, upto) for p in g.members)) for c in currencies)

    def capital_in(self, g: Group, origin: str, first: dt.date, last: dt.date) -> int:
        return self.group_capital(g, origin, last) - self.group_capital(g, origin, first - dt.timedelta(days=1))

    def _currency_in(self, series: dict, g: Group, currency: str, first: dt.date, last: dt.date,
                     measure: str = "in_place") -> int:
        """Rule 3 in one currency: the growth of the group's largest cumulative amount."""
        def cum(upto):
            return max(0, *(self._at(series.get((p.id, "foreign", measure, currency)), upto) for p in g.members))
        return cum(last) - cum(first - dt.timedelta(days=1))

    def currencies(self) -> list[str]:
        return sorted({k[3] for k in (*self.raw.converted, *self.raw.unconverted)})

    def foreign_detail(self, groups: list[Group], first: dt.date, last: dt.date) -> dict:
        """Foreign capital in place of the period per currency: {"converted": {currency:
        amount}, "unconverted": {currency: amount}, "rates": [{currency, rate, date, source}, …]
        (the rates the period's converted amounts were converted at)}; zero amounts left out."""
        converted: dict[str, int] = {}
        unconverted: dict[str, int] = {}
        rates: set[Rate] = set()
        for cur in self.currencies():
            a = sum(self._currency_in(self.raw.converted, g, cur, first, last) for g in groups)
            b = sum(self._currency_in(self.raw.unconverted, g, cur, first, last) for g in groups)
            if a:
                converted[cur] = a
                rates |= {r for g in groups for p in g.members
                          for day, r in self.raw.rates.get((p.id, "foreign", "in_place", cur), [])
                          if first <= day <= last}
            if b:
                unconverted[cur] = b
        return {"converted": converted, "unconverted": unconverted,
                "rates": [dict(r.__dict__) for r in sorted(rates, key=lambda r: (r.currency, r.date or dt.date.min,
                                                                                  Decimal(r.rate)))]}

    def agreed(self, g: Group, upto: dt.date) -> int:
        return sum(self.group_capital(g, o, upto, "agreed") for o in ("domestic", "foreign"))

    def is_high_level(self, g: Group, first: dt.date, last: dt.date) -> bool:
        d = g.dates["signed"]
        return d is not None and first <= d <= last and self.agreed(g, last) >= self.high_level_yuan

    # ----------------------------------------------------------------- figures
    def figures(self, unit: str, first: dt.date, last: dt.date) -> dict:
        groups = self.by_unit.get(unit, [])

        def dated(stage):
            return [g for g in groups if (d := g.dates[stage]) and first <= d <= last]

        dom = sum(self.capital_in(g, "domestic", first, last) for g in groups)
        frn = sum(self.capital_in(g, "foreign", first, last) for g in groups)
        reached = {st: sum(1 for g in groups if g.reached(st, last)) for st in STAGES}

        def rate(num, den):
            return round(reached[num] / reached[den], 4) if reached[den] else None

        return {
            "contacts": sum(1 for m in self.meetings_by_unit.get(unit, []) if first <= m.date <= last),
            "new_projects": len(dated("contact")),
            "signed": len(dated("signed")),
            "registered": len(dated("registered")),
            "started": len(dated("started")),
            "domestic": dom, "foreign": frn, "capital": dom + frn,
            "foreign_detail": self.foreign_detail(groups, first, last),
            "high_level": sum(1 for g in groups if self.is_high_level(g, first, last)),
            "reached": reached,
            "rate_cs": rate("signed", "contact"),
            "rate_sr": rate("registered", "signed"),
            "rate_rs": rate("started", "registered"),
        }

    def records(self, unit: str, indicator: str, first: dt.date, last: dt.date) -> dict:
        """The records behind one figure: the credited projects (with the figure's share) and,
        for contacts, the meetings."""
        groups = self.by_unit.get(unit, [])
        rows: list[dict[str, Any]] = []
        meetings: list[MeetingRec] = []
        if indicator == "contacts":
            meetings = [m for m in self.meetings_by_unit.get(unit, []) if first <= m.date <= last]
        for g in groups:
            amount = None
            detail = None
            if indicator in ("domestic", "foreign", "capital"):
                origins = ("domestic", "foreign") if indicator == "capital" else (indicator,)
                amount = sum(self.capital_in(g, o, first, last) for o in origins)
                if "foreign" in origins:
                    detail = self.foreign_detail([g], first, last)
                if not amount and not (detail and detail["unconverted"]):
                    continue
            elif indicator == "high_level":
                if not self.is_high_level(g, first, last):
                    continue
                amount = self.agreed(g, last)
            elif indicator in ("signed", "registered", "started", "new_projects"):
                st = "contact" if indicator == "new_projects" else indicator
                if not ((d := g.dates[st]) and first <= d <= last):
                    continue
            elif indicator.startswith("rate_"):
                if not g.reached("contact", last):
                    continue
            else:
                continue
            stage_now = max((st for st in STAGES if g.reached(st, last)), key=STAGES.index, default="contact")
            rows.append({"id": g.owner.id, "name": g.owner.name, "company": g.owner.company,
                         "stage": stage_now, "dates": dict(g.dates), "amount_yuan": amount,
                         "foreign_detail": detail,
                         "duplicates": [(p.id, p.unit) for p in g.duplicates]})
        rows.sort(key=lambda r: (-(r["amount_yuan"] or 0), r["id"]))
        return {"projects": rows, "meetings": meetings}
