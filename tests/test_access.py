"""The allow-list: seeding from config, invites (one-time, expiring), revoking, the audit."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from promo.store.access import AccessStore, NotFound, PermissionDenied, RedeemResult, Role
from promo.store.tables import AccessAudit, Invite

T0 = dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.timezone.utc)
ADMIN, LEAD, OFFICER = 1001, 1002, 1003
CONFIG = [
    {"id": ADMIN, "name": "管理员", "role": "admin", "unit": "市投促局"},
    {"id": LEAD, "name": "乳业专班组长", "role": "lead", "unit": "乳制品专班"},
    {"id": OFFICER, "name": "张三", "role": "officer", "unit": "爱辉区"},
]


@pytest.fixture
def access(db):
    store = AccessStore(db)
    store.seed(CONFIG, T0)
    return store


def test_seed_and_lookups(access):
    assert [u.user_id for u in access.list_users()] and len(access.list_users()) == 3
    u = access.get(OFFICER)
    assert (u.display_name, u.role, u.unit, u.active) == ("张三", "officer", "爱辉区", True)
    assert u.created_at == T0 and u.created_by is None
    assert access.is_authorised(OFFICER) and not access.is_authorised(42)
    assert access.role(ADMIN) == "admin" and access.role(42) is None
    assert access.get(ADMIN).is_admin and access.get(LEAD).is_lead_or_admin
    assert not access.get(OFFICER).is_lead_or_admin


def test_seed_is_idempotent_and_updates(access):
    assert access.seed(CONFIG, T0)["unchanged"] == 3
    changed = [dict(CONFIG[2], unit="北安市")] + CONFIG[:2]
    assert access.seed(changed, T0)["updated"] == 1
    assert access.get(OFFICER).unit == "北安市"
    assert len(access.list_users()) == 3


def test_seed_accepts_the_config_module_format(access):
    """promo.config.parse_users gives user_id/role/unit/name, with '' for what is left out."""
    access.seed([{"user_id": 777, "role": "officer", "unit": "", "name": ""}], T0)
    assert (access.get(777).display_name, access.get(777).unit) == ("777", None)
    access.seed([{"user_id": OFFICER, "role": "officer", "unit": "", "name": ""}], T0)
    assert (access.get(OFFICER).display_name, access.get(OFFICER).unit) == ("张三", "爱辉区")


def test_seed_rejects_bad_entries(access):
    with pytest.raises(ValueError):
        access.seed([{"name": "no id"}], T0)
    with pytest.raises(ValueError):
        access.seed([{"id": 5, "role": "boss"}], T0)
    with pytest.raises(ValueError):
        access.seed([{"id": 5, "rol": "officer"}], T0)   # typo in a key is an error


def test_seed_never_reactivates_a_revoked_user_unless_told(access):
    access.revoke(OFFICER, by=ADMIN, now=T0)
    access.seed(CONFIG, T0 + dt.timedelta(hours=1))
    assert not access.is_authorised(OFFICER)
    counts = access.seed([dict(CONFIG[2], reactivate=True)], T0 + dt.timedelta(hours=2))
    assert counts["reactivated"] == 1 and access.is_authorised(OFFICER)
    access.seed([dict(CONFIG[2], active=False)], T0 + dt.timedelta(hours=3))
    assert not access.is_authorised(OFFICER)


def test_invite_roundtrip(access, db):
    code = access.create_invite(ADMIN, "officer", "五大连池市", now=T0)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code)
    with db.read() as s:  # only the hash is stored
        hashes = s.scalars(sa.select(Invite.code_hash)).all()
    assert hashes and code not in hashes[0]
    res = access.redeem(code, 2001, "李四", T0 + dt.timedelta(hours=1))
    assert isinstance(res, RedeemResult) and res.ok and res.reason is None
    u = access.get(2001)
    assert (u.role, u.unit, u.display_name, u.created_by) == ("officer", "五大连池市", "李四", ADMIN)
    assert access.is_authorised(2001)


def test_invite_used_twice_fails_with_a_reason(access):
    code = access.create_invite(ADMIN, Role.lead, "乳制品专班", now=T0)
    assert access.redeem(code, 2001, "李四", T0).ok
    second = access.redeem(code, 2002, "王五", T0)
    assert not second.ok and second.reason == "used" and "只能使用一次" in second.message
    assert not access.is_authorised(2002)


def test_invite_expires(access):
    code = access.create_invite(ADMIN, "officer", "孙吴县", ttl=dt.timedelta(hours=48), now=T0)
    late = access.redeem(code, 2001, "李四", T0 + dt.timedelta(hours=48, seconds=1))
    assert not late.ok and late.reason == "expired" and "过期" in late.message
    # an expired code is not consumed by the refusal, but stays unusable
    assert access.redeem(code, 2001, "李四", T0 + dt.timedelta(hours=49)).reason == "expired"


def test_unknown_code(access):
    assert access.redeem("no-such-code", 2001, "x", T0).reason == "unknown"
    assert access.redeem("", 2001, "x", T0).reason == "unknown"


def test_revoked_inviter_is_irrelevant(access):
    access.seed([{"id": 1009, "name": "副管理员", "role": "admin", "unit": "市投促局"}], T0)
    code = access.create_invite(1009, "officer", "逊克县", now=T0)
    access.revoke(1009, by=ADMIN, now=T0)
    assert access.redeem(code, 2001, "李四", T0).ok


def test_revoked_user_cannot_come_back_with_a_code(access):
    access.revoke(OFFICER, by=ADMIN, now=T0)
    code = access.create_invite(ADMIN, "officer", "爱辉区", now=T0)
    res = access.redeem(code, OFFICER, "张三", T0)
    assert not res.ok and res.reason == "revoked_user"
    assert not access.is_authorised(OFFICER)
    access.reactivate(OFFICER, by=ADMIN, now=T0)
    assert access.is_authorised(OFFICER)


def test_member_does_not_consume_a_code(access):
    code = access.create_invite(ADMIN, "officer", "爱辉区", now=T0)
    assert access.redeem(code, OFFICER, "张三", T0).reason == "already_member"
    assert access.redeem(code, 2001, "李四", T0).ok


def test_only_admins_invite_and_revoke(access):
    for who in (LEAD, OFFICER, 424242):
        with pytest.raises(PermissionDenied):
            access.create_invite(who, "officer", "爱辉区", now=T0)
        with pytest.raises(PermissionDenied):
            access.revoke(OFFICER if who != OFFICER else LEAD, by=who, now=T0)
    with pytest.raises(PermissionDenied):
        access.revoke(ADMIN, by=ADMIN, now=T0)            # no self-lockout


def test_revoked_admin_loses_powers(access):
    access.seed([{"id": 1009, "name": "副管理员", "role": "admin", "unit": "市投促局"}], T0)
    access.revoke(1009, by=ADMIN, now=T0)
    with pytest.raises(PermissionDenied):
        access.create_invite(1009, "officer", "爱辉区", now=T0)


def test_revoke(access):
    u = access.revoke(OFFICER, by=ADMIN, now=T0 + dt.timedelta(days=1))
    assert not u.active and u.revoked_by == ADMIN and u.revoked_at == T0 + dt.timedelta(days=1)
    assert not access.is_authorised(OFFICER) and access.role(OFFICER) is None
    assert access.get(OFFICER) is not None                       # the row stays
    assert len(access.list_users(include_revoked=False)) == 2


def test_audit_trail(access):
    code = access.create_invite(ADMIN, "officer", "北安市", now=T0)
    access.redeem(code, 2001, "李四", T0)
    access.redeem(code, 2002, "王五", T0)
    access.revoke(2001, by=ADMIN, now=T0)
    actions = [(a.action, a.actor_id, a.target_user_id) for a in reversed(access.audit())]
    assert actions[:3] == [("seed_add", None, ADMIN), ("seed_add", None, LEAD),
                           ("seed_add", None, OFFICER)]
    assert actions[3:] == [("invite_create", ADMIN, None), ("invite_redeem", 2001, 2001),
                           ("invite_refused", 2002, 2002), ("revoke", ADMIN, 2001)]
    refused = access.audit(target_user_id=2002)[0]
    assert refused.details == {"reason": "used"}
    assert isinstance(refused, AccessAudit)


def test_same_code_raced_by_many_threads_admits_one(access):
    code = access.create_invite(ADMIN, "officer", "爱辉区", now=T0)
    results: list[RedeemResult] = []
    barrier = threading.Barrier(6)

    def go(uid):
        barrier.wait()
        results.append(access.redeem(code, uid, f"u{uid}", T0))

    threads = [threading.Thread(target=go, args=(3000 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.ok for r in results) == [False] * 5 + [True]
    assert {r.reason for r in results if not r.ok} == {"used"}


# =========================================================================== typed input (/revoke, /invite)

@pytest.mark.parametrize("typed, expected", [
    ("123456789", 123456789), (" 1003 ", 1003), ("１００３", 1003), (str(2**53 - 1), 2**53 - 1),
    ("99999999999999999999", None), (str(2**63), None), (str(2**53), None), ("0", None), ("-5", None),
    ("--5", None), ("+5", None), ("²", None), ("٣", None), ("12ab", None), ("1.5", None), ("", None), (None, None),
])
def test_parse_user_id(typed, expected):
    from promo.store.access import parse_user_id

    assert parse_user_id(typed) == expected


def test_huge_ids_are_no_such_user_not_an_overflow(access):
    """99999999999999999999 used to reach the database and raise OverflowError."""
    with pytest.raises(NotFound) as info:
        access.revoke(99999999999999999999, by=ADMIN, now=T0)
    assert info.value.reason == "not_found"
    assert access.get(99999999999999999999) is None and access.get(-1) is None
    with pytest.raises(PermissionDenied):
        access.revoke(OFFICER, by=99999999999999999999, now=T0)


def test_revoke_refusals_carry_a_reason(access):
    with pytest.raises(PermissionDenied) as own:
        access.revoke(ADMIN, by=ADMIN, now=T0)
    with pytest.raises(PermissionDenied) as not_admin:
        access.revoke(ADMIN, by=OFFICER, now=T0)
    with pytest.raises(NotFound) as missing:
        access.revoke(424242, by=ADMIN, now=T0)
    assert (own.value.reason, not_admin.value.reason, missing.value.reason) == ("self", "not_admin", "not_found")


@pytest.mark.parametrize("word, role", [("officer", "officer"), ("Lead", "lead"), ("ADMIN", "admin"),
                                        ("管理员", "admin"), ("专班负责人", "lead"), ("专员", "officer"),
                                        ("boss", None), ("爱辉区", None), ("leader", None)])
def test_parse_role(word, role):
    from promo.store.access import parse_role

    assert parse_role(word) == role


@pytest.mark.parametrize("word, meant", [("admn", "admin"), ("amdin", "admin"), ("oficer", "officer"),
                                         ("offcier", "officer"), ("leader", "lead"), ("leed", None),
                                         ("adm", "admin"), ("boss", None), ("manager", None), ("user", None),
                                         ("x", None)])
def test_suggest_role(word, meant):
    from promo.store.access import suggest_role

    assert suggest_role(word) == meant
