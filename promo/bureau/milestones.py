"""Milestone checks (节点督查): projects whose next node is overdue, per unit.

- 对接后无跟进: a project still at contact with no meeting for `contact_days` (default 30);
- 签约未入统: signed, not registered `signed_days` (default 90) after signing;
- 计划开工逾期: a planned start of construction passed without a start;
- 资金未按期到位: capital agreed to be in place by a date, and less in place on that date;
- 问题逾期未办结: a problem an investor raised, past its deadline and not marked solved.

Planned nodes (start, capital, problem) are `project_milestones` rows (`MilestoneStore`).
Only a project group's owner is checked (duplicates are not the unit's projects, see rules.py).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from promo.store.db import NotFound, PermissionDenied, as_utc
from promo.store.tables import Project, ProjectMilestone

__all__ = ["MilestoneStore", "Overdue", "overdue", "MILESTONE_KINDS", "CHECK_LABELS", "parse_node", "parse_yuan"]

MILESTONE_KINDS = {"start": "计划开工", "capital": "资金到位", "problem": "问题办结"}
CHECK_LABELS = {"stale_contact": "对接后无跟进", "not_registered": "签约未入统", "start": "计划开工逾期",
                "capital": "资金未按期到位", "problem": "问题逾期未办结"}


@dataclass(frozen=True)
class Overdue:
    unit_id: str
    project_id: int
    project: str
    check: str
    due: dt.date
    days_over: int
    detail: str = ""

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.check]


class MilestoneStore:
    def __init__(self, db) -> None:
        self.db = db

    def add(self, project_id: int, kind: str, due_date: dt.date, *, amount_yuan: int | None = None,
            note: str | None = None, user=None, now: dt.datetime | None = None) -> ProjectMilestone:
        """A planned node. With `user`: only officers of the project's unit (or admins) may."""
        if kind not in MILESTONE_KINDS:
            raise ValueError(f"unknown milestone kind {kind!r}; use {', '.join(MILESTONE_KINDS)}")
        if kind == "capital" and not amount_yuan:
            raise ValueError("a capital milestone needs the amount due (amount_yuan)")
        with self.db.session() as s:
            project = s.get(Project, int(project_id))
            if project is None:
                raise NotFound("no such project")
            if user is not None and getattr(user, "role", None) != "admin" and getattr(user, "unit", None) != project.unit:
                raise PermissionDenied("only officers of the project's unit may plan its nodes")
            row = ProjectMilestone(project_id=int(project_id), kind=kind, due_date=due_date,
                                   amount_yuan=amount_yuan, note=note,
                                   created_by=getattr(user, "user_id", None), created_at=as_utc(now))
            s.add(row)
            s.flush()
            return row

    def done(self, milestone_id: int, day: dt.date, user=None) -> ProjectMilestone:
        with self.db.session() as s:
            row = s.get(ProjectMilestone, int(milestone_id))
            if row is None:
                raise NotFound("no such milestone")
            project = s.get(Project, row.project_id)
            if user is not None and getattr(user, "role", None) != "admin" and getattr(user, "unit", None) != project.unit:
                raise PermissionDenied("only officers of the project's unit may close its nodes")
            row.done_at = day
            return row

    def all(self) -> list[ProjectMilestone]:
        with self.db.read() as s:
            return list(s.scalars(select(ProjectMilestone).order_by(ProjectMilestone.id)))


def _last_meetings(ledger, owner_of: dict) -> dict[int, dt.date]:
    """The latest meeting date per project group (keyed by the group owner's id)."""
    last_meeting: dict[int, dt.date] = {}
    for m in ledger.raw.meetings:
        if m.project_id in owner_of:
            g = owner_of[m.project_id]
            key = g.owner.id
            last_meeting[key] = max(last_meeting.get(key, m.date), m.date)
    return last_meeting


def _stale_contact(g, today: dt.date, last_meeting: dict[int, dt.date], contact_days: int):
    """(check, due, detail) when a contacted, unsigned group has had no contact for contact_days."""
    if not (g.reached("contact", today) and not g.reached("signed", today)):
        return None
    seen = max(filter(None, [g.dates["contact"], last_meeting.get(g.owner.id)]), default=None)
    if seen and (today - seen).days > contact_days:
        return "stale_contact", seen + dt.timedelta(days=contact_days), f"最近一次对接 {seen.isoformat()}"
    return None


def _not_registered(g, today: dt.date, signed_days: int):
    """(check, due, detail) when a signed group is still not registered after signed_days."""
    signed = g.dates["signed"]
    if signed and signed <= today and not g.reached("registered", today) \
            and (today - signed).days > signed_days:
        return "not_registered", signed + dt.timedelta(days=signed_days), f"签约于 {signed.isoformat()}"
    return None


def _missed_start(ms, g):
    started = g.dates["started"]
    if started is None or started > ms.due_date:
        return "start", ms.due_date, ms.note or ""
    return None


def _missed_capital(ms, g, ledger):
    have = sum(ledger.group_capital(g, o, ms.due_date) for o in ("domestic", "foreign"))
    if have < (ms.amount_yuan or 0):
        return "capital", ms.due_date, (f"应到位 {(ms.amount_yuan or 0) / 10_000:.0f}万元，"
                                        f"截至当日到位 {have / 10_000:.0f}万元")
    return None


def _missed_milestone(ms, g, ledger):
    """(check, due, detail) for a past-due, open planned node that is not met."""
    if ms.kind == "start":
        return _missed_start(ms, g)
    if ms.kind == "capital":
        return _missed_capital(ms, g, ledger)
    if ms.kind == "problem":
        return "problem", ms.due_date, ms.note or ""
    return None


def overdue(db, ledger, today: dt.date, *, contact_days: int = 30, signed_days: int = 90) -> dict[str, list[Overdue]]:
    """Overdue nodes per unit id (owners of project groups), most overdue first."""
    owner_of = {p.id: g for g in ledger.groups for p in g.members}
    last_meeting = _last_meetings(ledger, owner_of)
    out: dict[str, list[Overdue]] = {}

    def add(g, found) -> None:
        if found is None:
            return
        check, due, detail = found
        unit = ledger.unit_of(g.owner.unit)
        out.setdefault(unit, []).append(Overdue(unit, g.owner.id, g.owner.name, check, due,
                                                (today - due).days, detail))

    for g in ledger.groups:
        add(g, _stale_contact(g, today, last_meeting, contact_days))
        add(g, _not_registered(g, today, signed_days))
    for ms in MilestoneStore(db).all():
        g = owner_of.get(ms.project_id)
        if g is None or ms.done_at is not None or ms.due_date >= today:
            continue
        add(g, _missed_milestone(ms, g, ledger))
    for items in out.values():
        items.sort(key=lambda o: (-o.days_over, o.project_id))
    return out


_KIND_WORDS = {"开工": "start", "计划开工": "start", "start": "start", "资金": "capital", "到位": "capital",
               "资金到位": "capital", "capital": "capital", "问题": "problem", "problem": "problem"}
NODE_USAGE = ("用法：<code>/node 项目号 开工 2026-10-15</code> · <code>/node 项目号 资金 2026-10-31 5000万</code> · "
              "<code>/node 项目号 问题 2026-11-30 用地指标未落实</code> · <code>/node 办结 节点号</code>")


def parse_yuan(text: str | None) -> int | None:
    """'5000万' / '1.2亿' / '50000000' → yuan; None for nothing; ValueError otherwise."""
    if not text:
        return None
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    for suffix, scale in (("亿元", 100_000_000), ("亿", 100_000_000), ("万元", 10_000), ("万", 10_000), ("元", 1)):
        if t.endswith(suffix):
            return int(round(float(t[: -len(suffix)]) * scale))
    return int(t)


def parse_node(text: str) -> dict:
    """What an officer types after /node → {'project_id', 'kind', 'due', 'amount_yuan', 'note'} or
    {'done': id}; ValueError with a Chinese message saying what to write."""
    parts = unicodedata.normalize("NFKC", text or "").split()
    if len(parts) == 2 and parts[0] in ("办结", "done", "完成"):
        if parts[1].lstrip("#").isdigit():
            return {"done": int(parts[1].lstrip("#"))}
        raise ValueError("办结请写节点号，例如 /node 办结 7")
    if len(parts) < 3 or not parts[0].lstrip("#").isdigit():
        raise ValueError("请写项目号、节点类型（开工 / 资金 / 问题）和日期")
    kind = _KIND_WORDS.get(parts[1].lower())
    if kind is None:
        raise ValueError(f"节点类型“{parts[1]}”不认识：请写 开工、资金 或 问题")
    try:
        due = dt.date.fromisoformat(parts[2].replace("/", "-").replace(".", "-"))
    except ValueError:
        raise ValueError(f"日期“{parts[2]}”请写成 2026-10-15") from None
    amount, rest = None, parts[3:]
    if kind == "capital":
        if not rest:
            raise ValueError("资金节点请写应到位金额，例如 5000万")
        try:
            amount = parse_yuan(rest[0])
        except ValueError:
            raise ValueError(f"金额“{rest[0]}”请写成 5000万 或 1.2亿") from None
        rest = rest[1:]
    return {"project_id": int(parts[0].lstrip("#")), "kind": kind, "due": due, "amount_yuan": amount,
            "note": " ".join(rest) or None}
