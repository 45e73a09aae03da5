"""Follow-ups (回访) and keep-in-touch nudges.

A meeting with a `followup_date` opens a follow-up. It is closed when someone marks it done or
when a later meeting with the same company is logged by the same unit (the conversation moved
on; the later meeting carries its own follow-up, if any). Soft-deleted meetings open nothing.

Reminders: the bot schedules one job per open follow-up at `remind_at` (09:00 Beijing time by
default) on the follow-up date. After a restart it rebuilds its job queue from
`reminders_to_schedule(now)`, which leaves out reminders already sent (`reminder_sent`) —
so a reminder never fires twice, and one missed while the bot was down fires on start (within
`grace`). Changing the follow-up date makes a new reminder time, which is scheduled again.

`keep_in_touch` is a pure function over the people lists: important people (strength ≥ 4)
nobody has met for 90 days. Its result names people: show it to authorised officers only, and
a `sensitive` person's nudge to their liaison only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from promo.store.db import Conflict, Database, NotFound, PermissionDenied, as_utc, insert_on_conflict
from promo.meetings.store import Actor, MeetingStore, _fmt
from promo.store.tables import FollowupReminder, Meeting, MeetingHistory
from promo.store.tables import User as UserRow

__all__ = ["FollowUps", "Nudge", "keep_in_touch"]


@dataclass(frozen=True)
class Nudge:
    person_id: str
    name: str
    list: str
    strength: int
    liaison: str | None
    sensitive: bool
    last_contact: dt.date | None   # None: never met, as far as we know
    days_since: int | None


def _scope(m: Any) -> Any:
    """Whose follow-up it is: the unit's (or the officer's, for a meeting without a unit)."""
    return m.unit if m.unit is not None else ("user", m.logged_by)


# Two meetings are with the same company when both have a company id and the ids agree, or
# otherwise when their company name keys agree.


class FollowUps:
    def __init__(self, db: Database, *, remind_at: dt.time = dt.time(9, 0),
                 tz: str = "Asia/Shanghai") -> None:
        self.db = db
        self.remind_at = remind_at
        self.tz = ZoneInfo(tz)

    # ----------------------------------------------------------------------- open follow-ups

    def open_followups(self, *, user_id: int | None = None,
                       unit: str | None = None) -> list[Meeting]:
        """Meetings whose follow-up is neither done nor superseded by a later meeting."""
        q = select(Meeting).where(Meeting.followup_date.is_not(None),
                                  Meeting.followup_done_at.is_(None),
                                  Meeting.deleted_at.is_(None))
        if user_id is not None:
            q = q.where(Meeting.logged_by == int(user_id))
        if unit is not None:
            q = q.where(Meeting.unit == unit)
        with self.db.read() as s:
            candidates = list(s.scalars(q))
            keys = {m.company_key for m in candidates if m.company_key}
            cids = {m.company_id for m in candidates if m.company_id}
            if not keys and not cids:
                return candidates
            others = list(s.execute(select(
                Meeting.id, Meeting.unit, Meeting.logged_by, Meeting.company_id,
                Meeting.company_key, Meeting.meeting_date).where(
                Meeting.deleted_at.is_(None),
                Meeting.company_key.in_(keys) | Meeting.company_id.in_(cids))))
        # the latest (date, id) per scope and company, split the way _same_company matches:
        # by id when both meetings have one, else by name key
        by_id: dict[Any, tuple] = {}
        by_key_no_id: dict[Any, tuple] = {}
        by_key_any: dict[Any, tuple] = {}

        def bump(d: dict, k: Any, v: tuple) -> None:
            if k not in d or d[k] < v:
                d[k] = v

        for o in others:
            scope, v = _scope(o), (o.meeting_date, o.id)
            if o.company_id:
                bump(by_id, (scope, o.company_id), v)
            if o.company_key:
                bump(by_key_any, (scope, o.company_key), v)
                if not o.company_id:
                    bump(by_key_no_id, (scope, o.company_key), v)
        result = []
        for m in candidates:
            scope, v = _scope(m), (m.meeting_date, m.id)
            latest = []
            if m.company_id:
                latest.append(by_id.get((scope, m.company_id)))
                latest.append(by_key_no_id.get((scope, m.company_key)))
            else:
                latest.append(by_key_any.get((scope, m.company_key)))
            if not any(x is not None and x > v for x in latest):
                result.append(m)
        return result

    def due(self, user_id: int, today: dt.date, *, horizon_days: int = 7
            ) -> tuple[list[Meeting], list[Meeting], list[Meeting]]:
        """(due today, overdue, upcoming within `horizon_days`) for the user's own meetings,
        each sorted by follow-up date."""
        due_today, overdue, upcoming = [], [], []
        horizon = today + dt.timedelta(days=horizon_days)
        for m in sorted(self.open_followups(user_id=user_id),
                        key=lambda m: (m.followup_date, m.id)):
            assert m.followup_date is not None          # an open follow-up has its date
            if m.followup_date == today:
                due_today.append(m)
            elif m.followup_date < today:
                overdue.append(m)
            elif m.followup_date <= horizon:
                upcoming.append(m)
        return due_today, overdue, upcoming

    def later(self, user_id: int, today: dt.date, *, horizon_days: int = 7) -> list[Meeting]:
        """The user's open follow-ups after the `due` window (today + `horizon_days`), by date:
        /todo shows the window and says how many come later."""
        horizon = today + dt.timedelta(days=horizon_days)
        return sorted((m for m in self.open_followups(user_id=user_id) if m.followup_date > horizon),  # type: ignore[operator]  # open: dated
                      key=lambda m: (m.followup_date, m.id))

    def mark_done(self, meeting_id: int, user: Actor, now: dt.datetime | None = None) -> Meeting:
        now = as_utc(now)
        try:
            with self.db.session() as s:
                m = s.get(Meeting, int(meeting_id))
                if m is None or m.deleted_at is not None:
                    raise NotFound(f"meeting {meeting_id} not found")
                if not MeetingStore.can_edit(m, user):
                    raise PermissionDenied("only the author or a lead/admin of the same unit "
                                           "may close this follow-up")
                if m.followup_done_at is not None:
                    return m
                m.followup_done_at, m.followup_done_by, m.updated_at = now, int(user.user_id), now
                s.flush()
                s.add(MeetingHistory(meeting_id=m.id, field="followup_done_at", old_value=None,
                                     new_value=_fmt(now), changed_by=int(user.user_id),
                                     changed_at=now, version=m.version))
                return m
        except StaleDataError:
            raise Conflict(f"meeting {meeting_id} was changed by someone else") from None

    # ----------------------------------------------------------------------- reminders

    def remind_time(self, followup_date: dt.date) -> dt.datetime:
        """When the reminder for a follow-up date goes out (aware, UTC)."""
        local = dt.datetime.combine(followup_date, self.remind_at, tzinfo=self.tz)
        return local.astimezone(dt.timezone.utc)

    def reminders_to_schedule(self, now: dt.datetime, *,
                              grace: dt.timedelta = dt.timedelta(days=7)
                              ) -> list[tuple[int, int, dt.datetime]]:
        """(meeting_id, user_id, when) for every open follow-up whose reminder has not been
        sent, with `when` ≥ now − grace (older ones show up in `due` as overdue instead).
        `when` may be in the past: fire those at once. Users who were revoked get none."""
        now = as_utc(now)
        open_ = self.open_followups()
        if not open_:
            return []
        with self.db.read() as s:
            sent = set(s.execute(select(FollowupReminder.meeting_id, FollowupReminder.remind_at)
                                 .where(FollowupReminder.meeting_id.in_([m.id for m in open_]))))
            inactive = set(s.scalars(select(UserRow.user_id).where(UserRow.active.is_(False))))
        out = []
        for m in open_:
            when = self.remind_time(m.followup_date)  # type: ignore[arg-type]  # open: dated
            if when < now - grace or (m.id, when) in sent or m.logged_by in inactive:
                continue
            out.append((m.id, m.logged_by, when))
        out.sort(key=lambda t: (t[2], t[0]))
        return out

    def reminder_sent(self, meeting_id: int, when: dt.datetime,
                      now: dt.datetime | None = None) -> bool:
        """Record that the reminder for (meeting, when) went out. True the first time, False if
        it had already been recorded (the caller should then not send it again)."""
        now = as_utc(now)
        with self.db.session() as s:
            return insert_on_conflict(
                s, FollowupReminder,
                {"meeting_id": int(meeting_id), "remind_at": as_utc(when), "sent_at": now},
                index_elements=["meeting_id", "remind_at"]) == 1

    # ----------------------------------------------------------------------- people

    def meetings_by_person(self, people: Iterable[Any], *, since: dt.date | None = None
                           ) -> dict[str, list[dt.date]]:
        """Meeting dates per person id, found by the person's name in the meeting's `person`
        field (or raw text). When both the person and the meeting carry a company id, they
        must agree (two 王伟 at different companies are different people)."""
        q = select(Meeting.person, Meeting.raw, Meeting.company_id, Meeting.meeting_date).where(
            Meeting.deleted_at.is_(None))
        if since is not None:
            q = q.where(Meeting.meeting_date >= since)
        with self.db.read() as s:
            rows = s.execute(q).all()
        out: dict[str, list[dt.date]] = defaultdict(list)
        for p in people:
            name = (p.name or "").strip()
            if len(name) < 2:
                continue
            for person, raw, company_id, date in rows:
                if p.company_id and company_id and p.company_id != company_id:
                    continue
                if name in (person or "") or name in (raw or ""):
                    out[p.id].append(date)
        return dict(out)


def _as_date(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return getattr(v, "meeting_date", None)


def keep_in_touch(people: Iterable[Any], meetings_by_person: Mapping[str, Iterable[Any]],
                  today: dt.date, days: int = 90, min_strength: int = 4) -> list[Nudge]:
    """Nudges for people with strength ≥ `min_strength` whose last contact — the later of
    their list's `last_contact` and the meetings mentioning them (`meetings_by_person`: person
    id → meetings or dates) — is `days` or more days ago, or unknown. Never-met people come
    first, then the longest silence."""
    nudges = []
    for p in people:
        if (p.strength or 0) < min_strength:
            continue
        dates = [d for d in (_as_date(x) for x in meetings_by_person.get(p.id, ())) if d]
        if p.last_contact:
            dates.append(p.last_contact)
        dates = [d for d in dates if d <= today]  # a date in the future is a typo, not a contact
        last = max(dates) if dates else None
        since = (today - last).days if last else None
        if since is not None and since < days:
            continue
        nudges.append(Nudge(p.id, p.name, getattr(p.list, "value", p.list), p.strength,
                            p.liaison, bool(p.sensitive), last, since))
    nudges.sort(key=lambda n: (n.days_since is not None, -(n.days_since or 0), -n.strength, n.person_id))
    return nudges
