"""Follow-ups seen from the chat: /todo (due, overdue, the next days, people to keep in touch
with), marking one done, and the reminders — when each goes out and whether it still does
(over `FollowUps`, the store). No Telegram here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from promo.meetings.followups import FollowUps, Nudge, keep_in_touch
from promo.meetings.store import MeetingStore
from promo.store.tables import Meeting

TODO_WINDOW_DAYS = 7          # /todo lists follow-ups up to this many days ahead


@dataclass
class Todo:
    due_today: list[Meeting] = field(default_factory=list)
    overdue: list[Meeting] = field(default_factory=list)
    upcoming: list[Meeting] = field(default_factory=list)
    nudges: list[Nudge] = field(default_factory=list)
    later: list[Meeting] = field(default_factory=list)      # open, after the window
    window_days: int = TODO_WINDOW_DAYS


class FollowUpService:
    def __init__(self, services: Any, meetings: MeetingStore) -> None:
        self.svc = services
        self.meetings = meetings
        self.store = FollowUps(services.db, tz=services.settings.timezone)

    # ----------------------------------------------------------------------- /todo

    def todo(self, user: Any, today: dt.date) -> Todo:
        """Due today, overdue and the next `TODO_WINDOW_DAYS` days, plus the open follow-ups
        after that window (so an empty window never reads as "nothing to follow up")."""
        days = TODO_WINDOW_DAYS
        due_today, overdue, upcoming = self.store.due(user.user_id, today, horizon_days=days)
        later = self.store.later(user.user_id, today, horizon_days=days)
        return Todo(due_today, overdue, upcoming, self.nudges(user, today), later, days)

    @staticmethod
    def liaison_matches(person: Any, user: Any) -> bool:
        """Whose nudge is it: the person's liaison names the officer ("刘专员" in "北安市 刘专员")
        or the officer's unit ("北安市 刘主任" for any officer of 北安市). A sensitive person
        (ministry natives) only goes to the liaison named, never to the whole unit."""
        return _liaison_is(person.liaison, person.sensitive, user)

    def nudges(self, user: Any, today: dt.date, limit: int = 5) -> list[Nudge]:
        # The match reads two columns of the people store; a Person is built only for the
        # officer's own people, not for everyone on the lists.
        store = self.svc.library.people
        rows = zip(store.values("liaison"), store.values("sensitive"))
        people = [store[i] for i, (liaison, sensitive) in enumerate(rows) if _liaison_is(liaison, sensitive, user)]
        if not people:
            return []
        met = self.store.meetings_by_person(people)
        return keep_in_touch(people, met, today, days=self.svc.settings.keep_in_touch_days)[:limit]

    def mark_done(self, meeting_id: int, user: Any, now: dt.datetime) -> Meeting:
        return self.store.mark_done(meeting_id, user, now)

    # ----------------------------------------------------------------------- reminders

    def remind_time(self, followup_date: dt.date) -> dt.datetime:
        return self.store.remind_time(followup_date)

    def reminder_for(self, m: Meeting) -> dt.datetime | None:
        return self.store.remind_time(m.followup_date) if m.followup_date else None

    def to_schedule(self, now: dt.datetime) -> list[tuple[int, int, dt.datetime]]:
        """(meeting_id, user_id, when) of every reminder still to go out."""
        return self.store.reminders_to_schedule(now)

    def upcoming_reminder(self, m: Meeting, now: dt.datetime) -> dt.datetime | None:
        """The reminder of a just saved or edited meeting, when it is still ahead; else None."""
        if m.followup_date is None or m.followup_done_at is not None:
            return None
        when = self.store.remind_time(m.followup_date)
        return when if when > now else None

    def settle(self, m: Meeting, now: dt.datetime) -> None:
        """A follow-up whose reminder time has already passed when it is logged (回访 today,
        logged in the afternoon) needs no reminder: the officer is looking at it, and /todo
        lists it. Recording it as sent keeps the restart scan from firing it late."""
        if m.followup_date is not None:
            when = self.store.remind_time(m.followup_date)
            if when <= now:
                self.store.reminder_sent(m.id, when, now)

    def claim(self, meeting_id: int, user_id: int, when: dt.datetime, now: dt.datetime) -> Meeting | None:
        """The reminder queued for (meeting, when) goes out now: the meeting, claimed as sent
        (so a second job stays silent); None when it no longer goes out — the follow-up was
        done, re-dated or removed since the job was queued, the officer was revoked, or another
        job sent it already."""
        m = self.meetings.get(meeting_id)
        if m is None or m.followup_done_at is not None or m.followup_date is None \
                or self.store.remind_time(m.followup_date) != when:
            return None
        if meeting_id not in {o.id for o in self.store.open_followups(user_id=user_id)}:
            return None
        if self.svc.user(user_id) is None:           # revoked since
            return None
        if not self.store.reminder_sent(meeting_id, when, now):
            return None                              # another job sent it already
        return m


def _liaison_is(liaison: str | None, sensitive: bool, user: Any) -> bool:
    """`FollowUpService.liaison_matches` on the two fields it reads."""
    liaison = (liaison or "").strip()
    if not liaison:
        return False
    if user.display_name and len(user.display_name) >= 2 and user.display_name in liaison:
        return True
    if sensitive:
        return False
    unit = liaison.split()[0] if " " in liaison else None
    return bool(user.unit and unit and unit == user.unit)
