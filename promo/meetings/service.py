"""What the chat does with meetings, in plain Python (no Telegram): the handlers call this.

`MeetingService` is the one entry for the bot's meeting features; each responsibility is its
own part, reached through it:
- routing (`promo.meetings.routing`): is a plain text a meeting report?
- the draft (`promo.meetings.draft`): the card / form being confirmed, with its JSON form;
- field inputs (`inputs`, `promo.meetings.inputs`): drafts from a text, typed values of a field;
- projects (`project_service`, `promo.meetings.projects`): which project a meeting joins,
  search, stage moves, capital;
- follow-ups (`followups`, `promo.meetings.todo`): /todo, nudges, reminders and whether one
  still goes out;
- and here: the card's data (the duplicate-contact warning), saving (project, then the meeting;
  committed before it returns), edits of saved meetings, /mine and the Excel export.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from promo.store.db import NotFound, PermissionDenied
from promo.meetings.draft import Draft
from promo.meetings.export import export_xlsx
from promo.meetings.funnel import ProjectStore, month_bounds
from promo.meetings.inputs import FieldInputs
from promo.meetings.projects import ProjectService
from promo.meetings.resolver import MatcherResolver
from promo.meetings.store import MeetingStore, PriorContact
from promo.meetings.todo import FollowUpService
from promo.store.tables import Meeting, Project

DUPLICATE_DAYS = 90


@dataclass
class SaveResult:
    meeting: Meeting
    project: Project | None
    project_created: bool = False
    duplicate: bool = False        # an identical meeting had already been saved: not saved again


class MeetingService:
    """The meeting features over the stores of one `promo.services.Services`."""

    def __init__(self, services: Any) -> None:
        self.svc = services
        self.inputs = FieldInputs(lambda: self.svc.matcher)
        self.project_service = ProjectService(services.projects)
        self.followups = FollowUpService(services, services.meetings)

    @property
    def meetings(self) -> MeetingStore:
        return self.svc.meetings

    @property
    def projects(self) -> ProjectStore:
        return self.svc.projects

    @property
    def library(self):
        return self.svc.library

    def resolver(self) -> MatcherResolver:
        return self.inputs.resolver()

    # ----------------------------------------------------------------------- the card

    def prior_contacts(self, f: dict, user: Any, today: dt.date) -> list[PriorContact]:
        """Other units' meetings with this company in the last 90 days, latest per officer."""
        company, cid = f.get("company"), f.get("company_id")
        if not company and not cid:
            return []
        found = self.meetings.recent_by_company(str(company or cid), today - dt.timedelta(days=DUPLICATE_DAYS),
                                                exclude_unit=user.unit, company_id=cid)
        seen, out = set(), []
        for p in found:
            if p.user_id == user.user_id or (p.unit, p.user_id) in seen:
                continue
            seen.add((p.unit, p.user_id))
            out.append(p)
        return out[:3]

    # ----------------------------------------------------------------------- saving

    def _already_saved(self, fields: dict, user: Any, now: dt.datetime) -> Meeting | None:
        """The same message saved by the same officer in the last day (a second ✅ on an old
        card after a restart, when the draft's removal was not yet persisted)."""
        for m in self.meetings.mine(user.user_id, limit=10):
            if (m.raw == fields.get("raw") and m.meeting_date == fields["meeting_date"]
                    and m.company == fields.get("company") and m.topic == fields.get("topic")
                    and m.amount == fields.get("amount") and m.person == fields.get("person")
                    and now - m.created_at < dt.timedelta(days=1)):
                return m
        return None

    def save(self, draft: Draft, user: Any, now: dt.datetime) -> SaveResult:
        """Project first (found or created), then the meeting; each commits before returning,
        so when this returns the meeting is on disk. ValueError while the card still asks
        which project the meeting joins (the caller asks first)."""
        fields = draft.store_fields()
        if fields["meeting_date"] is None:
            fields["meeting_date"] = now.astimezone(self.svc.tz).date()
        if (dup := self._already_saved(fields, user, now)) is not None:
            view = self.projects.get(dup.project_id) if dup.project_id else None
            return SaveResult(dup, view.project if view else None, duplicate=True)
        choice = self.project_service.project_choice(draft, user.unit)
        if choice.kind == "ask":
            raise ValueError("the project is not chosen yet: same project or a new one")
        project, created = None, False
        if choice.kind == "existing":
            project = choice.project
        elif choice.kind == "new":
            before = {p.id for p in self.project_service.company_projects(draft.f, user.unit)}
            project = self.projects.find_or_create(
                fields.get("company"), choice.name, user.unit, company_id=fields.get("company_id"),
                chain_ids=fields["chain_ids"], user=user, contact_date=fields["meeting_date"], now=now)
            created = project.id not in before
        meeting = self.meetings.add({**fields, "project_id": project.id if project else None}, user, now)
        self.followups.settle(meeting, now)
        return SaveResult(meeting, project, created)

    # ----------------------------------------------------------------------- saved meetings

    def mine(self, user: Any, limit: int = 10) -> list[Meeting]:
        return self.meetings.mine(user.user_id, limit)

    def open_meeting(self, meeting_id: int, user: Any) -> Meeting:
        """A meeting the user may change; NotFound / PermissionDenied otherwise."""
        m = self.meetings.get(meeting_id)
        if m is None:
            raise NotFound(f"meeting {meeting_id} not found")
        if not self.meetings.can_edit(m, user):
            raise PermissionDenied("only the author or a lead/admin of the same unit may change "
                                   "this meeting")
        return m

    def edit_meeting(self, meeting_id: int, changes: dict, user: Any, now: dt.datetime,
                     version: int) -> Meeting:
        changes = {k: v for k, v in changes.items() if k != "amount_approx"}
        if "company_id" in changes and "company" not in changes:
            changes.pop("company_id")
        m = self.meetings.edit(meeting_id, changes, user, now, expected_version=version)
        if "followup_date" in changes:
            self.followups.settle(m, now)
        return m

    def refused_edit(self, meeting_id: int, user: Any, exc: Exception) -> tuple[str, Meeting | None]:
        """Why `edit_meeting` raised, and what to show now: ("changed", the meeting as it is now)
        when someone else changed it and the user may still edit it; else ("denied" | "gone" |
        "locked", None) — the user's change is dropped."""
        fresh = self.meetings.get(meeting_id)
        if fresh is None or isinstance(exc, (NotFound, PermissionDenied)) or not self.meetings.can_edit(fresh, user):
            return ("denied" if isinstance(exc, PermissionDenied) else "gone" if fresh is None else "locked"), None
        return "changed", fresh

    # ----------------------------------------------------------------------- export

    def export(self, user: Any, start: dt.date, end: dt.date) -> tuple[bytes, int, str]:
        """(xlsx bytes, rows, file name): the user's meetings, or the unit's for a lead/admin."""
        if user.role in ("lead", "admin") and user.unit:
            rows = self.meetings.between(start, end, unit=user.unit)
        else:
            rows = self.meetings.between(start, end, user_id=user.user_id)
        buf = io.BytesIO()
        chains = {c.id: c.name for c in self.library.chains}
        n = export_xlsx(rows, buf, chain_names=chains, tz=self.svc.settings.timezone,
                        rates=self.svc.settings.fx)
        return buf.getvalue(), n, export_filename(start, end)


# --------------------------------------------------------------------------- small parsers

def export_filename(start: dt.date, end: dt.date) -> str:
    first, last = month_bounds(start)
    if (start, end) == (first, last):
        return f"对接记录_{start:%Y-%m}.xlsx"
    return f"对接记录_{start.isoformat()}_{end.isoformat()}.xlsx"


def parse_range(args: list[str], today: dt.date) -> tuple[dt.date, dt.date]:
    """`/export` → this month; `2026-11` → that month; `2026-11-01 2026-11-30` → that range.
    ValueError when unreadable."""
    if not args:
        return month_bounds(today)
    if len(args) == 1 and re.fullmatch(r"\d{4}-\d{1,2}", args[0]):
        return month_bounds(args[0])
    if len(args) == 2:
        start, end = (dt.date.fromisoformat(a) for a in args)
        if end < start:
            start, end = end, start
        return start, end
    if len(args) == 1:
        d = dt.date.fromisoformat(args[0])
        return d, d
    raise ValueError("use: /export [YYYY-MM-DD YYYY-MM-DD]")


def person_label(person: str | None, title: str | None) -> str:
    """张 + 总 → 张总; 冷友斌 + 董事长 → 冷友斌 董事长; Li + VP → VP Li."""
    person, title = (person or "").strip(), (title or "").strip()
    if not title or person.endswith(title):          # 张总经理 + 总经理 → 张总经理
        return person
    if not person:
        return title
    if re.match(r"[A-Za-z]", person):
        return f"{title} {person}"
    return person + title if len(person) == 1 else f"{person} {title}"

