"""Follow-ups: due lists, closing by a later meeting, reminders that fire once, nudges."""

from __future__ import annotations

import datetime as dt

import pytest

from promo.store.access import AccessStore
from promo.store.db import PermissionDenied
from promo.meetings.followups import FollowUps, keep_in_touch
from promo.meetings.store import MeetingStore
from promo.lists.models import Person

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
TODAY = dt.date(2025, 3, 10)
D = dt.date
USERS = [
    {"id": 11, "name": "张三", "role": "officer", "unit": "爱辉区"},
    {"id": 12, "name": "李四", "role": "officer", "unit": "爱辉区"},
    {"id": 15, "name": "管理员", "role": "admin", "unit": "市投促局"},
    {"id": 16, "name": "孙五", "role": "officer", "unit": "黑河自贸片区"},
]


@pytest.fixture
def world(db):
    access = AccessStore(db)
    access.seed(USERS, T0)
    u = {x["id"]: access.get(x["id"]) for x in USERS}
    store, fu = MeetingStore(db), FollowUps(db)

    def add(who, company, day, followup=None, **kw):
        return store.add({"company": company, "meeting_date": D(2025, 3, day),
                          "followup_date": followup, **kw}, u[who], T0)

    m = {
        "today": add(11, "甲公司", 1, D(2025, 3, 10)),
        "overdue": add(11, "乙公司", 1, D(2025, 3, 5)),
        "upcoming": add(11, "丙公司", 2, D(2025, 3, 15)),
        "far": add(11, "丁公司", 2, D(2025, 3, 30)),
        "superseded": add(11, "戊公司", 1, D(2025, 3, 8)),
        "later_same_unit": add(12, "戊公司有限公司", 4),
        "other_unit_met": add(11, "己公司", 1, D(2025, 3, 8)),
        "other_unit_meeting": add(16, "己公司", 4),
        "done": add(11, "庚公司", 1, D(2025, 3, 9)),
        "no_company": add(11, None, 3, D(2025, 3, 10), person="某客商"),
        "deleted": add(11, "辛公司", 1, D(2025, 3, 9)),
        "someone_else": add(12, "壬公司", 1, D(2025, 3, 9)),
    }
    fu.mark_done(m["done"].id, u[11], T0)
    store.soft_delete(m["deleted"].id, u[11], T0)
    return access, store, fu, u, m


def test_due_buckets(world):
    _, _, fu, _, m = world
    due_today, overdue, upcoming = fu.due(11, TODAY)
    assert [x.id for x in due_today] == [m["today"].id, m["no_company"].id]
    assert [x.id for x in overdue] == [m["overdue"].id, m["other_unit_met"].id]
    assert [x.id for x in upcoming] == [m["upcoming"].id]
    assert [x.id for x in fu.due(11, TODAY, horizon_days=30)[2]] == [m["upcoming"].id, m["far"].id]
    assert [x.id for x in fu.due(12, TODAY)[1]] == [m["someone_else"].id]


def test_later_lists_what_comes_after_the_window(world):
    _, _, fu, _, m = world
    assert [x.id for x in fu.later(11, TODAY)] == [m["far"].id]          # after the 7 days of due()
    assert fu.later(11, TODAY, horizon_days=30) == []
    assert fu.later(12, TODAY) == []


def test_a_later_meeting_with_the_company_closes_it(world):
    _, store, fu, u, m = world
    store.add({"company": "乙公司", "meeting_date": D(2025, 3, 6)}, u[12], T0)  # colleague went
    assert m["overdue"].id not in [x.id for x in fu.due(11, TODAY)[1]]
    # an EARLIER meeting with the company does not count
    store.add({"company": "丙公司", "meeting_date": D(2025, 2, 1)}, u[11], T0)
    assert [x.id for x in fu.due(11, TODAY)[2]] == [m["upcoming"].id]


def test_mark_done_permissions_and_history(world):
    _, store, fu, u, m = world
    with pytest.raises(PermissionDenied):
        fu.mark_done(m["today"].id, u[16], T0)
    done = fu.mark_done(m["today"].id, u[11], T0 + dt.timedelta(days=9))
    assert done.followup_done_by == 11 and done.followup_done_at == T0 + dt.timedelta(days=9)
    assert store.history(m["today"].id)[-1].field == "followup_done_at"
    assert fu.mark_done(m["today"].id, u[11], T0).followup_done_at == done.followup_done_at


def test_reminders_fire_once_and_survive_a_restart(world, db):
    access, store, fu, u, m = world
    now = dt.datetime(2025, 3, 10, 0, 0, tzinfo=UTC)          # 08:00 in Heihe
    jobs = fu.reminders_to_schedule(now)
    at9 = lambda d: dt.datetime(d.year, d.month, d.day, 1, 0, tzinfo=UTC)  # noqa: E731  09:00 +08
    expected = {(m[k].id, m[k].logged_by, at9(m[k].followup_date))
                for k in ("today", "overdue", "upcoming", "far", "other_unit_met", "no_company",
                          "someone_else")}
    assert set(jobs) == expected
    assert jobs == sorted(jobs, key=lambda j: (j[2], j[0]))
    mid, _, when = next(j for j in jobs if j[0] == m["today"].id)
    assert fu.reminder_sent(mid, when, now) is True
    assert fu.reminder_sent(mid, when, now) is False            # second time: already sent
    restarted = FollowUps(db)                                  # a new process
    assert mid not in [j[0] for j in restarted.reminders_to_schedule(now)]
    # moving the follow-up date schedules a new reminder
    store.edit(mid, {"followup_date": D(2025, 3, 12)}, u[11], now, expected_version=1)
    assert (mid, 11, at9(D(2025, 3, 12))) in restarted.reminders_to_schedule(now)
    # grace: a week later, reminders older than 7 days are left to the overdue list
    later = restarted.reminders_to_schedule(now + dt.timedelta(days=8))
    assert m["overdue"].id not in [j[0] for j in later]
    # revoked users get none
    access.revoke(11, by=15, now=now)
    assert {j[1] for j in restarted.reminders_to_schedule(now)} == {12}


def test_remind_time_is_local_morning(db):
    fu = FollowUps(db, remind_at=dt.time(8, 30))
    assert fu.remind_time(D(2025, 3, 10)) == dt.datetime(2025, 3, 10, 0, 30, tzinfo=UTC)


def _person(pid, strength, last=None, **kw):
    return Person(id=pid, list="hometown", name=kw.pop("name", f"人{pid}"), hometown="爱辉区",
                  strength=strength, last_contact=last, **kw)


def test_keep_in_touch():
    people = [
        _person("p1", 5, D(2024, 10, 1)),                     # 160 days ago
        _person("p2", 4, D(2024, 10, 1)),                     # but met on 2025-02-01
        _person("p3", 3),                                     # not important enough
        _person("p4", 4),                                     # never met
        _person("p5", 5, TODAY - dt.timedelta(days=90)),      # exactly 90 days
        _person("p6", 5, TODAY - dt.timedelta(days=89)),
        _person("p7", 5, D(2024, 1, 1)),                      # a future meeting date is a typo
    ]
    meetings = {"p2": [D(2025, 2, 1)], "p7": [D(2026, 1, 1)]}
    nudges = keep_in_touch(people, meetings, TODAY)
    assert [(n.person_id, n.days_since) for n in nudges] == [
        ("p4", None), ("p7", 434), ("p1", 160), ("p5", 90)]
    assert nudges[0].last_contact is None and nudges[2].last_contact == D(2024, 10, 1)
    assert [n.person_id for n in keep_in_touch(people, meetings, TODAY, days=30,
                                               min_strength=5)] == ["p7", "p1", "p5", "p6"]


def test_meetings_by_person(world):
    _, store, fu, u, _ = world
    store.add({"company": "飞鹤", "company_id": "feihe", "person": "王建国 董事长",
               "meeting_date": D(2025, 3, 3)}, u[11], T0)
    store.add({"company": "伊利", "raw": "在呼和浩特见了王建国", "meeting_date": D(2025, 3, 5)},
              u[11], T0)
    people = [_person("a", 5, name="王建国"), _person("b", 5, name="王建国", company_id="yili"),
              _person("c", 5, name="李")]
    got = fu.meetings_by_person(people)
    assert got == {"a": [D(2025, 3, 3), D(2025, 3, 5)], "b": [D(2025, 3, 5)]}
    assert keep_in_touch(people[:1], got, TODAY) == []
