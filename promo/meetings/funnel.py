"""Projects and the funnel the city scores units on: contact (对接) → signed (签约) →
registered in statistics (入统) → construction started (开工), plus capital (到位资金) agreed and
in place, domestic (内资) and foreign (外资).

A project moves forward one stage at a time (`advance`); any other move (skip, go back, fix a
date) is a *correction* that only a lead/admin of the project's unit may make. Every stage
change and every capital change is kept (`project_stages`, `project_capital`), so a month's
report can be recomputed at any time.

`unit_report(unit, month)` — the monthly scoring:
- flows in the month: contacts held (meetings logged by the unit, by meeting date), projects
  newly contacted, signed, registered, started (by the stage dates), capital that arrived
  (sum of the in-place increases dated in the month);
- conversion rates as of the month's last day, over all of the unit's projects (a cumulative
  funnel, optionally only projects first contacted on/after `cohort_from`):
  contact→signed = reached signed / reached contact, signed→registered = reached registered /
  reached signed, registered→started = reached started / reached registered. A project that
  reached a later stage counts as having reached the earlier ones. None when the denominator
  is 0.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from promo.store.db import Conflict, Database, InvalidTransition, NotFound, PermissionDenied, as_utc
from promo.meetings.store import (STAGE_LABELS, STAGES, Actor, company_key, local_today,
                                  normalise_stage)
from promo.meetings.fx import FxRates
from promo.store.tables import Meeting, Project, ProjectCapital, ProjectStage

__all__ = ["ProjectStore", "ProjectView", "Project", "STAGES", "STAGE_LABELS", "month_bounds",
           "InvalidTransition", "Money", "to_yuan", "capital_amounts"]

_DATE_COL = {"contact": "contact_date", "signed": "signed_date",
             "registered": "registered_date", "started": "started_date"}
_CAPITAL = {("domestic", "agreed"): "domestic_agreed_yuan",
            ("foreign", "agreed"): "foreign_agreed_yuan",
            ("domestic", "in_place"): "domestic_in_place_yuan",
            ("foreign", "in_place"): "foreign_in_place_yuan"}


@dataclass(frozen=True)
class Money:
    """A cumulative capital figure in its currency (whole units; CNY: yuan)."""

    amount: int
    currency: str = "CNY"


def to_yuan(amount: int, rate: Decimal | str) -> int:
    """`amount` units at `rate` yuan each, rounded to the yuan (half up)."""
    return int((Decimal(amount) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def capital_amounts(rows) -> dict[tuple[str, str, str], int]:
    """(origin, measure, currency) → the cumulative amount in that currency, from a project's
    capital changes (rows from before revision 0004 are yuan)."""
    out: dict[tuple[str, str, str], int] = {}
    for r in rows:
        cur = r.currency or "CNY"
        delta = r.delta_amount if r.delta_amount is not None else (r.delta_yuan or 0)
        key = (r.origin, r.measure, cur)
        out[key] = out.get(key, 0) + int(delta)
    return out


@dataclass
class ProjectView:
    project: Project
    stages: list[ProjectStage] = field(default_factory=list)
    capital: list[ProjectCapital] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    def amounts(self) -> dict[tuple[str, str, str], int]:
        """(origin, measure, currency) → cumulative amount in that currency."""
        return capital_amounts(self.capital)

    def unconverted(self) -> dict[tuple[str, str], int]:
        """(measure, currency) → foreign amounts kept without a yuan figure (no rate configured
        when they were recorded)."""
        out: dict[tuple[str, str], int] = {}
        for r in self.capital:
            if r.delta_yuan is None and r.delta_amount:
                key = (r.measure, r.currency or "CNY")
                out[key] = out.get(key, 0) + int(r.delta_amount)
        return {k: v for k, v in out.items() if v}


def month_bounds(month: Any) -> tuple[dt.date, dt.date]:
    """'2025-03', (2025, 3) or any date in the month → (first day, last day)."""
    if isinstance(month, dt.datetime):
        month = month.date()
    if isinstance(month, dt.date):
        y, m = month.year, month.month
    elif isinstance(month, tuple):
        y, m = month
    else:
        y, m = (int(p) for p in str(month).strip().split("-")[:2])
    first = dt.date(y, m, 1)
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _name_key(text: str | None) -> str:
    return company_key(text) or ""


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def _similarity(query: str, target: str) -> float:
    if not query or not target:
        return 0.0
    if query in target:
        return 1.0
    a, b = _bigrams(query), _bigrams(target)
    jacc = len(a & b) / len(a) if a else 0.0  # share of the query's bigrams found
    return max(jacc, difflib.SequenceMatcher(None, query, target).ratio())


class ProjectStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ----------------------------------------------------------------------- create / find

    def find_or_create(self, company: str | None, what: str | None, unit: str, *,
                       company_id: str | None = None, chain_ids: list[str] | None = None,
                       user: Actor | None = None, contact_date: dt.date | None = None,
                       now: dt.datetime | None = None) -> Project:
        """The unit's project for this company and subject, created at stage 'contact' when
        there is none. `what` is the project's subject (e.g. 年产10万吨乳粉项目); without it the
        project is named after the company."""
        now = as_utc(now)
        name = (what or company or "").strip()
        if not name:
            raise ValueError("a project needs a company or a subject")
        if not unit:
            raise ValueError("a project needs a unit")
        ckey = company_key(company)
        with self.db.session() as s:
            q = select(Project).where(Project.unit == unit).order_by(Project.id.desc())
            for p in s.scalars(q):
                same_company = ((company_id and p.company_id == company_id)
                                or (ckey and p.company_key == ckey)
                                or (not ckey and not company_id and not p.company_key))
                if same_company and _name_key(p.name) == _name_key(name):
                    return p
            p = Project(name=name[:200], company=(company or "").strip()[:200] or None,
                        company_id=company_id, company_key=ckey, chain_ids=list(chain_ids or []),
                        unit=unit, stage="contact",
                        contact_date=contact_date or local_today(now),
                        domestic_agreed_yuan=0, foreign_agreed_yuan=0,
                        domestic_in_place_yuan=0, foreign_in_place_yuan=0,
                        created_by=user.user_id if user else None, created_at=now, updated_at=now)
            s.add(p)
            s.flush()
            s.add(ProjectStage(project_id=p.id, from_stage=None, to_stage="contact",
                               stage_date=p.contact_date, correction=False, note=None,
                               changed_by=p.created_by, changed_at=now))
            return p

    def of_unit(self, unit: str, *, limit: int | None = None) -> list[Project]:
        """The unit's projects, most recently changed first."""
        q = select(Project).where(Project.unit == unit).order_by(Project.updated_at.desc(), Project.id.desc())
        with self.db.read() as s:
            return list(s.scalars(q if limit is None else q.limit(limit)))

    def search(self, name: str, *, unit: str | None = None, limit: int = 10,
               min_score: float = 0.5) -> list[Project]:
        """Projects whose name or company contains `name` (after normalisation), then close
        fuzzy matches; best first."""
        query = _name_key(name) or (name or "").strip().casefold()
        if not query:
            return []
        q = select(Project)
        if unit is not None:
            q = q.where(Project.unit == unit)
        with self.db.read() as s:
            projects = list(s.scalars(q))
        scored = []
        for p in projects:
            score = max(_similarity(query, _name_key(p.name)),
                        _similarity(query, p.company_key or ""),
                        1.0 if p.company_id and p.company_id == name.strip() else 0.0)
            if score >= min_score:
                scored.append((score, p.updated_at, p))
        scored.sort(key=lambda t: (-t[0], -t[1].timestamp()))
        return [p for _, _, p in scored[:limit]]

    def get(self, project_id: int) -> ProjectView | None:
        with self.db.read() as s:
            p = s.get(Project, int(project_id))
            if p is None:
                return None
            stages = list(s.scalars(select(ProjectStage).where(ProjectStage.project_id == p.id)
                                    .order_by(ProjectStage.id)))
            capital = list(s.scalars(select(ProjectCapital)
                                     .where(ProjectCapital.project_id == p.id)
                                     .order_by(ProjectCapital.id)))
            meetings = list(s.scalars(select(Meeting)
                                      .where(Meeting.project_id == p.id,
                                             Meeting.deleted_at.is_(None))
                                      .order_by(Meeting.meeting_date, Meeting.id)))
            return ProjectView(p, stages, capital, meetings)

    # ----------------------------------------------------------------------- changes

    @staticmethod
    def _check(p: Project | None, user: Actor, *, lead: bool = False) -> Project:
        if p is None:
            raise NotFound("no such project")
        if getattr(user, "active", True) is False or user.unit is None or user.unit != p.unit:
            raise PermissionDenied("only users of the project's unit may change it")
        if lead and user.role not in ("lead", "admin"):
            raise PermissionDenied("only a lead or admin may correct a project's stage")
        return p

    def advance(self, project_id: int, to_stage: str, date: dt.date, user: Actor,
                now: dt.datetime | None = None, *, correction: bool = False,
                note: str | None = None) -> Project:
        """Move a project to `to_stage` on `date`. Without `correction` only the next stage is
        allowed, dated no earlier than the current stage. With `correction` (lead/admin of
        the unit only) any stage and date: moving back clears the later stages' dates."""
        now = as_utc(now)
        stage = normalise_stage(to_stage)
        if stage is None:
            raise ValueError("to_stage is required")
        to_stage = stage
        try:
            with self.db.session() as s:
                p = self._check(s.get(Project, int(project_id)), user, lead=correction)
                cur, new = STAGES.index(p.stage), STAGES.index(to_stage)
                if not correction:
                    if new != cur + 1:
                        raise InvalidTransition(
                            f"a project at {p.stage} can only move to "
                            f"{STAGES[cur + 1] if cur + 1 < len(STAGES) else '(nothing: last stage)'}; "
                            "other moves are corrections for a lead or admin")
                    prev = getattr(p, _DATE_COL[p.stage])
                    if prev and date < prev:
                        raise InvalidTransition(f"{to_stage} date {date} is before the "
                                                f"{p.stage} date {prev}")
                for later in STAGES[new + 1:]:
                    setattr(p, _DATE_COL[later], None)
                setattr(p, _DATE_COL[to_stage], date)
                old_stage, p.stage, p.updated_at = p.stage, to_stage, now
                s.flush()
                s.add(ProjectStage(project_id=p.id, from_stage=old_stage, to_stage=to_stage,
                                   stage_date=date, correction=correction, note=note,
                                   changed_by=int(user.user_id), changed_at=now))
                return p
        except StaleDataError:
            raise Conflict("the project was changed by someone else; try again") from None

    def set_capital(self, project_id: int, user: Actor, now: dt.datetime | None = None, *,
                    as_of: dt.date, domestic_agreed: int | Money | None = None,
                    foreign_agreed: int | Money | None = None, domestic_in_place: int | Money | None = None,
                    foreign_in_place: int | Money | None = None, note: str | None = None,
                    fx: FxRates | None = None) -> Project:
        """Set the project's cumulative capital figures as of `as_of` (see `record_capital`)."""
        return self.record_capital(project_id, user, now, as_of=as_of, domestic_agreed=domestic_agreed,
                                   foreign_agreed=foreign_agreed, domestic_in_place=domestic_in_place,
                                   foreign_in_place=foreign_in_place, note=note, fx=fx)[0]

    def record_capital(self, project_id: int, user: Actor, now: dt.datetime | None = None, *,
                       as_of: dt.date, domestic_agreed: int | Money | None = None,
                       foreign_agreed: int | Money | None = None, domestic_in_place: int | Money | None = None,
                       foreign_in_place: int | Money | None = None, note: str | None = None,
                       fx: FxRates | None = None) -> tuple[Project, list[ProjectCapital]]:
        """Set the project's cumulative capital figures as of `as_of`; returns the project and
        the changes recorded. Only the given figures change. A figure is an int (yuan) or a
        `Money` — cumulative *in its currency*: "外资到位 500万美元" sets the project's foreign
        capital in place in dollars, beside any in yuan or roubles. Each change is recorded
        with its delta in the currency and, for a foreign currency, the rate `fx` states for it
        (its date and source kept on the row) and the yuan figures at that rate; without a
        configured rate the change is kept in its currency with no yuan figure (the project's
        yuan totals do not move). Domestic capital (内资) is in yuan."""
        now = as_utc(now)
        given = {("domestic", "agreed"): domestic_agreed, ("foreign", "agreed"): foreign_agreed,
                 ("domestic", "in_place"): domestic_in_place,
                 ("foreign", "in_place"): foreign_in_place}
        money: dict[tuple[str, str], Money] = {}
        for key, v in given.items():
            if v is None:
                continue
            m = v if isinstance(v, Money) else Money(v)      # an int is yuan
            amount = m.amount
            if isinstance(amount, bool) or int(amount) != amount or amount < 0:
                raise ValueError("capital figures are whole, non-negative amounts")
            cur = (m.currency or "CNY").upper()
            if key[0] == "domestic" and cur != "CNY":
                raise ValueError("domestic capital (内资) is recorded in yuan")
            money[key] = Money(int(amount), cur)
        fx = fx or FxRates()
        try:
            with self.db.session() as s:
                p = self._check(s.get(Project, int(project_id)), user)
                held = capital_amounts(s.scalars(select(ProjectCapital)
                                                 .where(ProjectCapital.project_id == p.id)))
                rows = []
                for (origin, measure), m in money.items():
                    old_amount = held.get((origin, measure, m.currency), 0)
                    delta = m.amount - old_amount
                    if not delta:
                        continue
                    rate = fx.rate(m.currency) if m.currency != "CNY" else None
                    col = _CAPITAL[(origin, measure)]
                    old = getattr(p, col)
                    if m.currency == "CNY":
                        dy: int | None = delta
                    else:
                        dy = to_yuan(delta, rate) if rate is not None else None
                    if dy is not None:
                        setattr(p, col, max(0, old + dy))
                    rows.append(ProjectCapital(
                        project_id=p.id, origin=origin, measure=measure,
                        old_yuan=old if dy is not None else None,
                        new_yuan=getattr(p, col) if dy is not None else None,
                        delta_yuan=getattr(p, col) - old if dy is not None else None,
                        currency=m.currency, old_amount=old_amount, new_amount=m.amount, delta_amount=delta,
                        fx_rate=str(rate) if rate is not None else None,
                        fx_date=fx.date if rate is not None else None,
                        fx_source=(fx.source or None) if rate is not None else None,
                        as_of=as_of, note=note, changed_by=int(user.user_id), changed_at=now))
                if rows:
                    p.updated_at = now
                    s.flush()
                    s.add_all(rows)
                    s.flush()
                return p, rows
        except StaleDataError:
            raise Conflict("the project was changed by someone else; try again") from None

    def add_capital_in_place(self, project_id: int, user: Actor, now: dt.datetime | None = None,
                             *, as_of: dt.date, domestic: int = 0, foreign: int = 0,
                             note: str | None = None) -> Project:
        """Convenience: capital in yuan that arrived on `as_of` (added to the in-place totals)."""
        view = self.get(project_id)
        if view is None:
            raise NotFound("no such project")
        held = view.amounts()
        return self.set_capital(project_id, user, now, as_of=as_of, note=note,
                                domestic_in_place=held.get(("domestic", "in_place", "CNY"), 0) + domestic
                                if domestic else None,
                                foreign_in_place=held.get(("foreign", "in_place", "CNY"), 0) + foreign
                                if foreign else None)

    # ----------------------------------------------------------------------- reports

    def unit_report(self, unit: str | None, month: Any, *,
                    cohort_from: dt.date | None = None) -> dict[str, Any]:
        """The month's scoring figures for a unit (None: the whole city). See module doc."""
        first, last = month_bounds(month)
        with self.db.read() as s:
            mq = select(Meeting.company_id, Meeting.company_key).where(
                Meeting.deleted_at.is_(None), Meeting.meeting_date >= first,
                Meeting.meeting_date <= last)
            pq = select(Project)
            cq = (select(ProjectCapital.origin, ProjectCapital.measure,
                         func.sum(ProjectCapital.delta_yuan))
                  .join(Project, Project.id == ProjectCapital.project_id)
                  .where(ProjectCapital.as_of >= first, ProjectCapital.as_of <= last)
                  .group_by(ProjectCapital.origin, ProjectCapital.measure))
            if unit is not None:
                mq = mq.where(Meeting.unit == unit)
                pq = pq.where(Project.unit == unit)
                cq = cq.where(Project.unit == unit)
            meetings = s.execute(mq).all()
            projects = list(s.scalars(pq))
            capital = {(o, m): int(v or 0) for o, m, v in s.execute(cq)}

        def in_month(d: dt.date | None) -> bool:
            return d is not None and first <= d <= last

        flows = {st: sum(1 for p in projects if in_month(getattr(p, _DATE_COL[st])))
                 for st in STAGES}
        reached = dict.fromkeys(STAGES, 0)
        for p in projects:
            if cohort_from and (p.contact_date is None or p.contact_date < cohort_from):
                continue
            dates = [getattr(p, _DATE_COL[st]) for st in STAGES]
            for i, st in enumerate(STAGES):
                if any(d is not None and d <= last for d in dates[i:]):
                    reached[st] += 1

        def rate(num: str, den: str) -> float | None:
            return round(reached[num] / reached[den], 4) if reached[den] else None

        def money(measure: str) -> dict[str, int]:
            d, f = capital.get(("domestic", measure), 0), capital.get(("foreign", measure), 0)
            return {"domestic": d, "foreign": f, "total": d + f}

        return {
            "unit": unit,
            "month": f"{first.year:04d}-{first.month:02d}",
            "from": first,
            "to": last,
            "contacts": len(meetings),
            "companies_contacted": len({cid or key for cid, key in meetings if cid or key}),
            "new_projects": flows["contact"],
            "signed": flows["signed"],
            "registered": flows["registered"],
            "started": flows["started"],
            "capital_in_place_yuan": money("in_place"),
            "capital_agreed_yuan": money("agreed"),
            "funnel_to_date": reached,
            "rates": {"contact_to_signed": rate("signed", "contact"),
                      "signed_to_registered": rate("registered", "signed"),
                      "registered_to_started": rate("started", "registered")},
        }

    def units(self) -> list[str]:
        with self.db.read() as s:
            names = set(s.scalars(select(Project.unit).distinct()))
            names |= {u for u in s.scalars(select(Meeting.unit).distinct()) if u}
        return sorted(names)

    def ranking(self, month: Any) -> list[dict[str, Any]]:
        """Every unit's report for the month (擂台赛), ordered by registered, signed,
        capital in place, contacts — a neutral default; the leaders' weighting may differ."""
        reports = [self.unit_report(u, month) for u in self.units()]
        reports.sort(key=lambda r: (-r["registered"], -r["signed"],
                                    -r["capital_in_place_yuan"]["total"], -r["contacts"],
                                    r["unit"]))
        return reports
