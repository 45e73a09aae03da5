"""Meetings: add/edit/delete round trips, permissions, history, conflicts, queries."""

from __future__ import annotations

import datetime as dt

import pytest

from promo.store.access import AccessStore
from promo.store.db import Conflict, Database, NotFound, PermissionDenied
from promo.meetings.store import MeetingStore, company_key, normalise_stage

T0 = dt.datetime(2025, 3, 10, 6, 0, tzinfo=dt.timezone.utc)   # 14:00 in Heihe
USERS = [
    {"id": 11, "name": "张三", "role": "officer", "unit": "爱辉区"},
    {"id": 12, "name": "李四", "role": "officer", "unit": "爱辉区"},
    {"id": 13, "name": "王组长", "role": "lead", "unit": "爱辉区"},
    {"id": 14, "name": "赵组长", "role": "lead", "unit": "北安市"},
    {"id": 15, "name": "管理员", "role": "admin", "unit": "市投促局"},
    {"id": 16, "name": "孙五", "role": "officer", "unit": "黑河自贸片区"},
]
DRAFT = {
    "meeting_date": dt.date(2025, 3, 9), "place": "深圳", "company": "飞鹤乳业有限公司",
    "company_id": "feihe", "person": "刘总", "title": "副总裁", "chain_ids": ["dairy"],
    "topic": "年产5万吨婴幼儿奶粉项目选址", "amount_yuan": 800_000_000, "currency": "CNY",
    "stage": "对接", "next_step": "寄送园区资料", "followup_date": dt.date(2025, 3, 20),
    "raw": "3月9日 深圳 飞鹤 刘总 副总裁 奶粉 8亿",
}


@pytest.fixture
def store(db):
    return MeetingStore(db)


def test_add_round_trip(store, users, db):
    m = store.add(DRAFT, users[11], T0)
    assert m.id and m.version == 1
    other = Database(db.url.render_as_string(hide_password=False))   # committed: others see it
    try:
        again = MeetingStore(other).get(m.id)
    finally:
        other.dispose()
    for k, v in DRAFT.items():
        assert getattr(again, k) == (v if k != "stage" else "contact"), k
    assert again.logged_by == 11 and again.logged_by_name == "张三" and again.unit == "爱辉区"
    assert again.created_at == T0 == again.updated_at and again.deleted_at is None
    assert again.company_key == "飞鹤乳业"
    assert [h.field for h in store.history(m.id)] == ["_created"]


def test_add_defaults_and_cleaning(store, users):
    m = store.add({"company": "  中粮\x00集团 ", "amount_yuan": 5e7, "chain_ids": "grain"},
                  users[11], dt.datetime(2025, 3, 9, 17, 0, tzinfo=dt.timezone.utc))
    assert m.meeting_date == dt.date(2025, 3, 10)          # 01:00 next day in Beijing
    assert m.company == "中粮集团" and m.currency == "CNY" and m.chain_ids == ["grain"]
    assert m.amount_yuan == 50_000_000 and isinstance(m.amount_yuan, int)
    long = store.add({"place": "x" * 500}, users[11], T0)
    assert len(long.place) == 200


def test_add_refuses_unknown_fields_and_bad_values(store, users):
    with pytest.raises(ValueError, match="unknown meeting fields"):
        store.add({"compnay": "typo"}, users[11], T0)
    assert store.add({"compnay": "typo", "company": "x"}, users[11], T0,
                     ignore_unknown=True).company == "x"
    for bad in ({"stage": "almost"}, {"amount_yuan": -1}, {"currency": "dollars"},
                {"meeting_date": "9 March"}, {"followup_date": dt.datetime(2025, 1, 1)}):
        with pytest.raises(ValueError):
            store.add(bad, users[11], T0)


def test_edit_by_author_writes_history(store, users):
    m = store.add(DRAFT, users[11], T0)
    later = T0 + dt.timedelta(hours=2)
    m2 = store.edit(m.id, {"amount_yuan": 900_000_000, "next_step": "邀请来黑河考察",
                           "person": "刘总"}, users[11], later, expected_version=1)
    assert m2.version == 2 and m2.amount_yuan == 900_000_000 and m2.updated_at == later
    hist = [(h.field, h.old_value, h.new_value, h.changed_by, h.changed_at, h.version)
            for h in store.history(m.id)][1:]
    assert sorted(hist) == sorted([
        ("amount_yuan", "800000000", "900000000", 11, later, 2),
        ("next_step", "寄送园区资料", "邀请来黑河考察", 11, later, 2),
    ])                                                    # unchanged 'person' leaves no row
    same = store.edit(m.id, {"person": "刘总"}, users[11], later, expected_version=2)
    assert same.version == 2                              # a no-op edit is not a new version


def test_edit_company_recomputes_key(store, users):
    m = store.add(DRAFT, users[11], T0)
    store.edit(m.id, {"company": "伊利股份", "company_id": None}, users[11], T0, expected_version=1)
    assert store.get(m.id).company_key == "伊利"
    assert sorted(h.field for h in store.history(m.id)[1:]) == ["company", "company_id"]


@pytest.mark.parametrize("editor,allowed", [
    (11, True),    # the author
    (12, False),   # an officer of the same unit
    (13, True),    # the unit's lead
    (14, False),   # a lead of another unit
    (15, False),   # an admin of another unit
    (16, False),   # an officer of another unit
])
def test_who_may_edit(store, users, editor, allowed):
    m = store.add(DRAFT, users[11], T0)
    if allowed:
        assert store.edit(m.id, {"topic": "新内容"}, users[editor], T0, 1).version == 2
        assert store.history(m.id)[-1].changed_by == editor
    else:
        with pytest.raises(PermissionDenied):
            store.edit(m.id, {"topic": "新内容"}, users[editor], T0, 1)
        with pytest.raises(PermissionDenied):
            store.soft_delete(m.id, users[editor], T0)
        assert store.get(m.id).topic == DRAFT["topic"] and len(store.history(m.id)) == 1


def test_revoked_author_may_not_edit(store, users, db):
    m = store.add(DRAFT, users[11], T0)
    AccessStore(db).revoke(11, by=15, now=T0)
    with pytest.raises(PermissionDenied):
        store.edit(m.id, {"topic": "x"}, AccessStore(db).get(11), T0, 1)


def test_stale_version_is_a_conflict(store, users):
    m = store.add(DRAFT, users[11], T0)
    store.edit(m.id, {"topic": "A"}, users[13], T0, expected_version=1)   # the lead edits first
    with pytest.raises(Conflict):
        store.edit(m.id, {"topic": "B"}, users[11], T0, expected_version=1)
    assert store.get(m.id).topic == "A"
    assert store.edit(m.id, {"topic": "B"}, users[11], T0, expected_version=2).topic == "B"


def test_soft_delete_keeps_the_row_and_restores(store, users):
    m = store.add(DRAFT, users[11], T0)
    d = store.soft_delete(m.id, users[11], T0 + dt.timedelta(hours=1), expected_version=1)
    assert d.deleted_at == T0 + dt.timedelta(hours=1) and d.deleted_by == 11 and d.version == 2
    assert store.get(m.id) is None
    kept = store.get(m.id, include_deleted=True)
    assert kept is not None and kept.company == DRAFT["company"]
    assert store.mine(11) == [] and store.between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == []
    assert store.history(m.id)[-1].field == "deleted_at"
    with pytest.raises(NotFound):
        store.edit(m.id, {"topic": "x"}, users[11], T0)
    store.restore(m.id, users[13], T0)
    assert store.get(m.id) is not None
    assert [h.field for h in store.history(m.id)] == ["_created", "deleted_at", "deleted_at"]


def test_missing_meeting_or_project(store, users):
    with pytest.raises(NotFound):
        store.edit(999, {"topic": "x"}, users[11], T0)
    assert store.get(999) is None
    with pytest.raises(NotFound):
        store.add({"company": "x", "project_id": 999}, users[11], T0)
    m = store.add({"company": "x"}, users[11], T0)
    with pytest.raises(NotFound):
        store.edit(m.id, {"project_id": 999}, users[11], T0)
    assert store.get(m.id).version == 1


def test_mine_and_between(store, users):
    for day, who in [(1, 11), (5, 11), (3, 12), (7, 16), (31, 11)]:
        store.add({"meeting_date": dt.date(2025, 3, day), "company": f"公司{day}"}, users[who], T0)
    assert [m.meeting_date.day for m in store.mine(11)] == [31, 5, 1]
    assert [m.meeting_date.day for m in store.mine(11, limit=2)] == [31, 5]
    march = store.between(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert [m.meeting_date.day for m in march] == [1, 3, 5, 7, 31]          # inclusive, by date
    assert [m.meeting_date.day for m in store.between(dt.date(2025, 3, 3), dt.date(2025, 3, 7),
                                                      unit="爱辉区")] == [3, 5]
    assert [m.logged_by for m in store.between(dt.date(2025, 3, 1), dt.date(2025, 3, 31),
                                               user_id=16)] == [16]


def test_recent_by_company_warns_about_other_units(store, users):
    store.add(dict(DRAFT, meeting_date=dt.date(2025, 2, 1)), users[16], T0)               # 自贸片区
    store.add({"company": "飞鹤乳业", "meeting_date": dt.date(2024, 10, 1)}, users[14], T0)  # too old
    store.add({"company": "飞鹤乳业 有限公司", "meeting_date": dt.date(2025, 3, 1)}, users[14], T0)
    store.add(dict(DRAFT, meeting_date=dt.date(2025, 3, 5)), users[12], T0)               # own unit
    since = dt.date(2025, 3, 10) - dt.timedelta(days=90)
    for query in ("飞鹤乳业有限公司", "飞鹤乳业", "飞鹤乳业股份有限公司"):
        for cid in (None, "feihe"):
            hits = store.recent_by_company(query, since, exclude_unit="爱辉区", company_id=cid)
            assert [(h.unit, h.display_name, h.meeting_date) for h in hits] == [
                ("北安市", "赵组长", dt.date(2025, 3, 1)),
                ("黑河自贸片区", "孙五", dt.date(2025, 2, 1)),
            ], query
    # by id alone: only meetings that were linked to the id
    assert [h.unit for h in store.recent_by_company("feihe", since)] == ["爱辉区", "黑河自贸片区"]
    assert len(store.recent_by_company("飞鹤", since, company_id="feihe")) == 2
    assert not hasattr(hits[0], "person") and not hasattr(hits[0], "topic")   # who and when only
    assert store.recent_by_company("伊利", since) == []


def test_company_key_and_stage():
    assert company_key("飞鹤乳业有限公司") == company_key("飞鹤乳业") == "飞鹤乳业"
    assert company_key("Ａｃｍｅ Co., Ltd.") == company_key("ACME") == "acme"
    assert company_key("ООО «Ромашка»") == company_key("ромашка")
    assert company_key(company_key("中国中铁股份有限公司")) == company_key("中国中铁股份有限公司")
    assert company_key("") is None and company_key("有限公司")       # never stripped to nothing
    assert normalise_stage("签约") == "signed" and normalise_stage(" Started ") == "started"
    assert normalise_stage("") is None


def test_add_takes_the_parsers_draft(store, users):
    parse = pytest.importorskip("promo.meetings.parse")
    draft = parse.parse_meeting("3月9日在深圳见了飞鹤乳业刘总，谈奶粉项目，投资5亿元，下周二回访",
                                dt.date(2025, 3, 10))
    m = store.add(draft, users[11], T0)
    assert (m.meeting_date, m.company, m.amount_yuan, m.amount, m.currency) == (
        dt.date(2025, 3, 9), "飞鹤乳业", 500_000_000, 500_000_000, "CNY")
    assert m.raw == draft.raw and m.followup_date == draft.followup_date
    usd = parse.parse_meeting("met Amur Logistics in Blagoveshchensk, 2 million USD warehouse",
                              dt.date(2025, 3, 10))
    m = store.add(usd, users[11], T0)
    assert (m.amount_yuan, m.amount, m.currency, m.amount_kind) == (None, 2_000_000, "USD",
                                                                    "investment")
