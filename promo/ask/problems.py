"""Investor problems (解决什么): reported in one message, confirmed, then followed to solved.

    officer: 飞鹤反映环评批复慢，希望月底前解决
    → draft: company 飞鹤 (feihe), stage approval (环评), unit 市生态环境局, deadline 2026-11-30
    → saved as #id (committed before "已保存"), status open → in_progress → solved (with a note)

The office's ledger `lists/problems.yaml` is imported once into the database (by its id, `ref`);
after that the database holds each problem's state. Nothing here knows Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from promo.store.db import (
    Conflict,
    Database,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    as_utc,
)
from promo.store.tables import InvestorProblem, ProblemHistory, Project

STAGES = ("approval", "land", "construction", "policy_payment", "other")
STAGE_LABELS = {"approval": "审批", "land": "用地", "construction": "建设", "policy_payment": "政策兑现",
                "other": "其他"}
STATUSES = ("open", "in_progress", "solved")
STATUS_LABELS = {"open": "待办", "in_progress": "办理中", "solved": "已解决"}
NEXT = {"open": ("in_progress", "solved"), "in_progress": ("solved", "open"), "solved": ("in_progress",)}

# What the words of a problem say about its stage and which unit answers for it (first hit wins).
RULES: list[tuple[str, str, str]] = [
    (r"环评|环境影响|排污", "approval", "市生态环境局"),
    (r"入统|统计", "approval", "市统计局"),
    (r"通关|海关|口岸|大桥|customs|таможн", "other", "黑河海关"),
    (r"取水|水资源|用水|供水", "approval", "市水务局"),
    (r"消防|施工许可|规划许可|建设许可|permit|разрешени", "approval", "市住房和城乡建设局"),
    (r"土地证|用地|土地|地块|征地|land|земл", "land", "市自然资源局"),
    (r"电力|接电|增容|用电|供电|power", "construction", "国网黑河供电公司"),
    (r"供暖|管网|燃气|水电气|没通", "construction", "市住房和城乡建设局"),
    (r"奖励|补贴|兑现|贴息|减免|拨付|subsid", "policy_payment", "市财政局"),
    (r"审批|批复|手续|备案|许可|approval", "approval", "市营商环境建设监督局"),
    (r"施工|开工|建设", "construction", "市住房和城乡建设局"),
]
DEFAULT_UNIT = "市营商环境建设监督局"
_QUERY = re.compile(r"还有多少|解决了没|解决了吗|进度|清单|有哪些|哪些没|列表|[?？]|how many|list", re.IGNORECASE)
_CUT = re.compile(r"^(客户说|企业说|投资者说|投资人说|上次)|[，,。；;]?\s*(希望|请|麻烦|争取|要求)\S*$")


def is_question(text: str) -> bool:
    """"投资者反映的问题 还有多少没解决" asks for the list; "飞鹤反映环评批复慢" reports one."""
    return bool(_QUERY.search(text or ""))


@dataclass
class ProblemDraft:
    summary: str
    company: str | None = None
    company_id: str | None = None
    project_ref: str | None = None
    project_id: int | None = None
    chain_ids: list[str] = field(default_factory=list)
    stage: str = "other"
    unit: str = DEFAULT_UNIT
    deadline: dt.date | None = None
    raw: str = ""

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["deadline"] = self.deadline.isoformat() if self.deadline else None
        return d

    @classmethod
    def from_json(cls, d: dict) -> ProblemDraft:
        d = dict(d)
        d["deadline"] = dt.date.fromisoformat(d["deadline"]) if d.get("deadline") else None
        return cls(**d)


def parse_problem(text: str, matcher, today: dt.date) -> ProblemDraft:
    """A problem report in one message → a draft (nothing stored)."""
    from promo.meetings.dates import parse_dates

    raw = (text or "").strip()[:1000]
    lib = matcher.library
    company_id = project_ref = None
    chains: list[str] = []
    for term, *_ in matcher.find(raw, {"company", "project", "chain"}):
        if term.kind == "company" and company_id is None:
            company_id = term.ref
        elif term.kind == "project" and project_ref is None:
            project_ref = term.ref
        elif term.kind == "chain" and term.ref not in chains:
            chains.append(term.ref)
    company = lib.get("companies", company_id)
    if company is not None:
        chains = chains or list(company.chains)
    if project_ref is None and company_id:
        # the company's project in the ledger of problems, or the one open project of its chain
        for seed in lib.lists.get("problems", []):
            if seed.company == company_id and seed.project:
                project_ref = seed.project
                break
    stage, unit = "other", DEFAULT_UNIT
    for pattern, st, un in RULES:
        if re.search(pattern, raw, re.IGNORECASE):
            stage, unit = st, un
            break
    deadline = None
    for d in parse_dates(raw, today):
        if d.value and d.value >= today:
            deadline = d.value
    summary = _CUT.sub("", raw).strip(" ，,。") or raw
    return ProblemDraft(summary=summary[:300], company=company.name if company else None, company_id=company_id,
                        project_ref=project_ref, chain_ids=chains[:3], stage=stage, unit=unit,
                        deadline=deadline, raw=raw)


class ProblemStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ----------------------------------------------------------------------- writing
    def import_seed(self, seeds, now: dt.datetime | None = None) -> int:
        """Insert the ledger's problems not yet in the database (by `ref`); returns how many."""
        now = as_utc(now)
        with self.db.session() as s:
            known = set(s.scalars(select(InvestorProblem.ref).where(InvestorProblem.ref.is_not(None))))
            added = 0
            for p in seeds:
                if p.id in known:
                    continue
                s.add(InvestorProblem(ref=p.id, summary=p.name, company_id=p.company, project_ref=p.project,
                                      chain_ids=[], stage=p.stage, unit=p.unit, deadline=p.deadline,
                                      status=p.status, note=p.note, raised_on=p.raised, reporter_unit=p.reported_by,
                                      created_at=now, updated_at=now,
                                      solved_at=now if p.status == "solved" else None))
                added += 1
        return added

    def add(self, draft: ProblemDraft, user, now: dt.datetime | None = None) -> InvestorProblem:
        now = as_utc(now)
        if draft.stage not in STAGES:
            raise ValueError(f"unknown stage {draft.stage!r}")
        with self.db.session() as s:
            project_id = draft.project_id
            if project_id is None and draft.company_id:
                project_id = s.scalars(select(Project.id).where(Project.company_id == draft.company_id)
                                       .order_by(Project.updated_at.desc()).limit(1)).first()
            row = InvestorProblem(summary=draft.summary, company=draft.company, company_id=draft.company_id,
                                  project_ref=draft.project_ref, project_id=project_id,
                                  chain_ids=list(draft.chain_ids), stage=draft.stage, unit=draft.unit,
                                  deadline=draft.deadline, status="open", raised_on=now.date(),
                                  reported_by=int(user.user_id), reporter_unit=getattr(user, "unit", None),
                                  raw=draft.raw, created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            s.add(ProblemHistory(problem_id=row.id, from_status=None, to_status="open", note=None,
                                 changed_by=row.reported_by, changed_at=now))
        return row

    def set_status(self, problem_id: int, status: str, user, now: dt.datetime | None = None, *,
                   note: str | None = None, expected_version: int | None = None) -> InvestorProblem:
        """open → in_progress → solved (solved needs a note); solved may be reopened (in_progress)."""
        now = as_utc(now)
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if status == "solved" and not (note or "").strip():
            raise ValueError("solving a problem needs a note")
        with self.db.session() as s:
            row = s.get(InvestorProblem, problem_id)
            if row is None:
                raise NotFound(f"problem {problem_id} not found")
            if not can_see(user):
                raise PermissionDenied("problem records are for authorised officers")
            if expected_version is not None and row.version != expected_version:
                raise Conflict(f"problem {problem_id} changed meanwhile")
            if status not in NEXT[row.status]:
                raise InvalidTransition(f"{row.status} → {status}")
            s.add(ProblemHistory(problem_id=row.id, from_status=row.status, to_status=status,
                                 note=(note or "").strip()[:1000] or None, changed_by=int(user.user_id), changed_at=now))
            row.status = status
            if note:
                row.note = note.strip()[:1000]
            row.solved_at = now if status == "solved" else None
            row.updated_at = now
        done = self.get(problem_id)
        assert done is not None      # written in the session above
        return done

    # ----------------------------------------------------------------------- reading
    def get(self, problem_id: int) -> InvestorProblem | None:
        with self.db.read() as s:
            return s.get(InvestorProblem, problem_id)

    def history(self, problem_id: int) -> list[ProblemHistory]:
        with self.db.read() as s:
            return list(s.scalars(select(ProblemHistory).where(ProblemHistory.problem_id == problem_id)
                                  .order_by(ProblemHistory.id)))

    def find(self, *, company_id: str | None = None, project_ref: str | None = None,
             project_id: int | None = None, unit: str | None = None, reporter_unit: str | None = None,
             open_only: bool = False, limit: int = 50) -> list[InvestorProblem]:
        q = select(InvestorProblem)
        if company_id:
            q = q.where(InvestorProblem.company_id == company_id)
        if project_ref:
            q = q.where(InvestorProblem.project_ref == project_ref)
        if project_id is not None:
            q = q.where(InvestorProblem.project_id == project_id)
        if unit:
            q = q.where(InvestorProblem.unit == unit)
        if reporter_unit:
            q = q.where(InvestorProblem.reporter_unit == reporter_unit)
        if open_only:
            q = q.where(InvestorProblem.status != "solved")
        q = q.order_by(InvestorProblem.status == "solved", InvestorProblem.deadline.is_(None),
                       InvestorProblem.deadline, InvestorProblem.id).limit(limit)
        with self.db.read() as s:
            return list(s.scalars(q))

    def overdue(self, today: dt.date) -> dict[str, list[InvestorProblem]]:
        """Open problems past their deadline, by responsible unit (what goes to the unit's lead)."""
        q = (select(InvestorProblem).where(InvestorProblem.status != "solved",
                                           InvestorProblem.deadline.is_not(None),
                                           InvestorProblem.deadline < today)
             .order_by(InvestorProblem.unit, InvestorProblem.deadline))
        out: dict[str, list[InvestorProblem]] = {}
        with self.db.read() as s:
            for row in s.scalars(q):
                out.setdefault(row.unit or DEFAULT_UNIT, []).append(row)
        return out


def can_see(user) -> bool:
    """Problem records are for authorised officers (any active user of the allow-list)."""
    return user is not None and getattr(user, "role", None) in ("officer", "lead", "admin")


def problem_record(row: InvestorProblem, lib, today: dt.date) -> dict[str, Any]:
    company = lib.get("companies", row.company_id) if lib is not None else None
    project = lib.get("projects", row.project_ref) if lib is not None else None
    return {"kind": "problem", "id": row.id, "ref": row.ref, "summary": row.summary,
            "company_id": row.company_id, "company": company.name if company else row.company,
            "project_ref": row.project_ref, "project": project.name if project else None,
            "project_id": row.project_id, "stage": row.stage, "stage_label": STAGE_LABELS.get(row.stage, row.stage),
            "unit": row.unit, "deadline": row.deadline.isoformat() if row.deadline else None,
            "overdue": bool(row.deadline and row.deadline < today and row.status != "solved"),
            "status": row.status, "status_label": STATUS_LABELS.get(row.status, row.status), "note": row.note,
            "raised_on": row.raised_on.isoformat()}
