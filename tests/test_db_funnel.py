"""Projects and the funnel: find/search, stage moves and corrections, capital, monthly report."""

from __future__ import annotations

import datetime as dt

import pytest

from promo.store.db import InvalidTransition, NotFound, PermissionDenied
from promo.meetings.funnel import Money, ProjectStore, month_bounds
from promo.meetings.fx import parse_fx
from promo.meetings.projects import ProjectService, parse_capital
from promo.meetings.store import MeetingStore
from tests.pg import seed_users

T0 = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.timezone.utc)
D = dt.date
USERS = [
    {"id": 11, "name": "张三", "role": "officer", "unit": "爱辉区"},
    {"id": 13, "name": "王组长", "role": "lead", "unit": "爱辉区"},
    {"id": 14, "name": "赵组长", "role": "lead", "unit": "北安市"},
    {"id": 15, "name": "管理员", "role": "admin", "unit": "爱辉区"},
]


@pytest.fixture
def projects(db):
    return ProjectStore(db)


def _project(projects, users, company, contact, *moves, unit="爱辉区", who=11, what=None):
    p = projects.find_or_create(company, what, unit, user=users[who], contact_date=contact, now=T0)
    for stage, day in moves:
        p = projects.advance(p.id, stage, day, users[who], T0)
    return p


def test_find_or_create_is_idempotent_per_unit(projects, users):
    a = projects.find_or_create("飞鹤乳业有限公司", "乳粉项目", "爱辉区", company_id="feihe",
                                chain_ids=["dairy"], user=users[11], now=T0)
    assert (a.stage, a.contact_date, a.chain_ids) == ("contact", D(2025, 4, 1), ["dairy"])
    assert projects.find_or_create("飞鹤乳业", "乳粉项目", "爱辉区", now=T0).id == a.id
    assert projects.find_or_create(None, "乳粉项目", "爱辉区", company_id="feihe", now=T0).id == a.id
    assert projects.find_or_create("飞鹤乳业", "牧场项目", "爱辉区", now=T0).id != a.id
    assert projects.find_or_create("飞鹤乳业", "乳粉项目", "北安市", now=T0).id != a.id
    assert projects.find_or_create("飞鹤乳业", None, "爱辉区", now=T0).name == "飞鹤乳业"
    with pytest.raises(ValueError):
        projects.find_or_create(None, None, "爱辉区", now=T0)


def test_search(projects, users):
    _project(projects, users, "飞鹤乳业有限公司", D(2025, 1, 1), what="年产5万吨乳粉项目")
    _project(projects, users, "中粮集团", D(2025, 1, 1), what="玉米深加工项目")
    _project(projects, users, "紫金矿业", D(2025, 1, 1), what="多宝山铜矿扩建", unit="北安市", who=14)
    assert [p.company for p in projects.search("乳粉")] == ["飞鹤乳业有限公司"]
    assert [p.company for p in projects.search("飞鹤")] == ["飞鹤乳业有限公司"]
    assert [p.name for p in projects.search("玉米深加工")] == ["玉米深加工项目"]
    assert [p.name for p in projects.search("多宝山铜矿扩建工程")] == ["多宝山铜矿扩建"]  # fuzzy
    assert projects.search("紫金", unit="爱辉区") == []
    assert projects.search("量子计算") == [] and projects.search("  ") == []


def test_advance_one_step_at_a_time(projects, users):
    p = _project(projects, users, "飞鹤", D(2025, 1, 10))
    p = projects.advance(p.id, "签约", D(2025, 2, 1), users[11], T0, note="签约仪式")
    assert (p.stage, p.signed_date) == ("signed", D(2025, 2, 1))
    with pytest.raises(InvalidTransition):
        projects.advance(p.id, "started", D(2025, 3, 1), users[11], T0)       # skips 入统
    with pytest.raises(InvalidTransition):
        projects.advance(p.id, "contact", D(2025, 3, 1), users[11], T0)       # backwards
    with pytest.raises(InvalidTransition):
        projects.advance(p.id, "registered", D(2025, 1, 31), users[11], T0)   # before 签约
    with pytest.raises(PermissionDenied):
        projects.advance(p.id, "registered", D(2025, 3, 1), users[14], T0)    # other unit
    p = projects.advance(p.id, "registered", D(2025, 3, 1), users[11], T0)
    p = projects.advance(p.id, "started", D(2025, 3, 20), users[11], T0)
    with pytest.raises(InvalidTransition):
        projects.advance(p.id, "started", D(2025, 3, 21), users[11], T0)      # nothing after
    with pytest.raises(NotFound):
        projects.advance(999, "signed", D(2025, 3, 1), users[11], T0)


def test_corrections_are_for_leads_and_admins(projects, users):
    p = _project(projects, users, "飞鹤", D(2025, 1, 10), ("signed", D(2025, 2, 1)),
                 ("registered", D(2025, 3, 1)))
    with pytest.raises(PermissionDenied):
        projects.advance(p.id, "contact", D(2025, 1, 10), users[11], T0, correction=True)
    with pytest.raises(PermissionDenied):
        projects.advance(p.id, "contact", D(2025, 1, 10), users[14], T0, correction=True)
    p = projects.advance(p.id, "signed", D(2025, 2, 3), users[13], T0, correction=True,
                         note="入统未获批准，签约日期更正")
    assert (p.stage, p.signed_date, p.registered_date) == ("signed", D(2025, 2, 3), None)
    p = projects.advance(p.id, "started", D(2025, 3, 5), users[15], T0, correction=True)
    assert p.stage == "started" and p.registered_date is None
    stages = projects.get(p.id).stages
    assert [(s.from_stage, s.to_stage, s.correction) for s in stages] == [
        (None, "contact", False), ("contact", "signed", False), ("signed", "registered", False),
        ("registered", "signed", True), ("signed", "started", True)]
    assert stages[3].note == "入统未获批准，签约日期更正" and stages[3].changed_by == 13


def test_capital_and_get(projects, users, db):
    p = _project(projects, users, "飞鹤", D(2025, 1, 10))
    projects.set_capital(p.id, users[11], T0, as_of=D(2025, 2, 1), domestic_agreed=800_000_000)
    p = projects.add_capital_in_place(p.id, users[11], T0, as_of=D(2025, 3, 1),
                                      domestic=100_000_000, foreign=20_000_000)
    p = projects.add_capital_in_place(p.id, users[11], T0, as_of=D(2025, 3, 20), domestic=50_000_000)
    assert (p.domestic_agreed_yuan, p.domestic_in_place_yuan, p.foreign_in_place_yuan) == \
           (800_000_000, 150_000_000, 20_000_000)
    with pytest.raises(ValueError):
        projects.set_capital(p.id, users[11], T0, as_of=D(2025, 3, 1), foreign_agreed=-5)
    with pytest.raises(PermissionDenied):
        projects.set_capital(p.id, users[14], T0, as_of=D(2025, 3, 1), foreign_agreed=5)
    m = MeetingStore(db).add({"company": "飞鹤", "project_id": p.id,
                              "meeting_date": D(2025, 1, 10)}, users[11], T0)
    view = projects.get(p.id)
    assert [x.id for x in view.meetings] == [m.id]
    assert [(c.origin, c.measure, c.delta_yuan) for c in view.capital] == [
        ("domestic", "agreed", 800_000_000), ("domestic", "in_place", 100_000_000),
        ("foreign", "in_place", 20_000_000), ("domestic", "in_place", 50_000_000)]
    assert projects.get(999) is None


def test_month_bounds():
    assert month_bounds("2025-02") == (D(2025, 2, 1), D(2025, 2, 28))
    assert month_bounds((2024, 12)) == (D(2024, 12, 1), D(2024, 12, 31))
    assert month_bounds(D(2024, 2, 17)) == (D(2024, 2, 1), D(2024, 2, 29))


def test_unit_report_on_a_hand_made_example(projects, users, db):
    """爱辉区 in March 2025, worked out by hand:

    P1 contact 01-10, signed 02-05, registered 03-12, started 03-28 → registered+started in March
    P2 contact 02-01, signed 03-03                                  → signed in March
    P3 contact 03-05, signed 03-20                                  → new + signed in March
    P4 contact 03-15                                                → new in March
    P5 contact 02-20                                                → nothing in March
    P6 contact 03-02, signed 04-02 (after the month)                → new in March
    P7 北安市 contact 03-01, signed 03-10                           → not this unit
    Reached by 31 March: contact 6, signed 3 (P1 P2 P3), registered 1, started 1
    → contact→signed 3/6 = 0.5, signed→registered 1/3, registered→started 1/1.
    Capital in March: P1 domestic in place 1 000 000 → 3 000 000 (+2 000 000 on 03-15),
    P1 foreign in place +500 000 (03-20); P2 domestic agreed 10 000 000 (03-03).
    Meetings in March: 4 by 爱辉区 (two with the same company), 1 deleted, 1 in February,
    1 by 北安市 → contacts 4, companies contacted 3.
    """
    p1 = _project(projects, users, "甲公司", D(2025, 1, 10), ("signed", D(2025, 2, 5)),
                  ("registered", D(2025, 3, 12)), ("started", D(2025, 3, 28)))
    p2 = _project(projects, users, "乙公司", D(2025, 2, 1), ("signed", D(2025, 3, 3)))
    _project(projects, users, "丙公司", D(2025, 3, 5), ("signed", D(2025, 3, 20)))
    _project(projects, users, "丁公司", D(2025, 3, 15))
    _project(projects, users, "戊公司", D(2025, 2, 20))
    _project(projects, users, "己公司", D(2025, 3, 2), ("signed", D(2025, 4, 2)))
    p7 = _project(projects, users, "庚公司", D(2025, 3, 1), ("signed", D(2025, 3, 10)),
                  unit="北安市", who=14)
    u = users[11]
    projects.set_capital(p1.id, u, T0, as_of=D(2025, 2, 28), domestic_in_place=1_000_000)
    projects.set_capital(p1.id, u, T0, as_of=D(2025, 3, 15), domestic_in_place=3_000_000)
    projects.set_capital(p1.id, u, T0, as_of=D(2025, 3, 20), foreign_in_place=500_000)
    projects.set_capital(p2.id, u, T0, as_of=D(2025, 3, 3), domestic_agreed=10_000_000)
    projects.set_capital(p7.id, users[14], T0, as_of=D(2025, 3, 3), domestic_in_place=9_000_000)
    store = MeetingStore(db)
    for day, company, who in [(3, "甲公司", 11), (9, "甲公司有限公司", 13), (12, "乙公司", 11),
                              (31, "丙公司", 15), (28, "丁公司", 14)]:
        store.add({"meeting_date": D(2025, 3, day), "company": company}, users[who], T0)
    store.add({"meeting_date": D(2025, 2, 27), "company": "戊公司"}, u, T0)
    gone = store.add({"meeting_date": D(2025, 3, 4), "company": "删除公司"}, u, T0)
    store.soft_delete(gone.id, u, T0)

    r = projects.unit_report("爱辉区", "2025-03")
    assert (r["unit"], r["month"], r["from"], r["to"]) == ("爱辉区", "2025-03", D(2025, 3, 1),
                                                           D(2025, 3, 31))
    assert (r["contacts"], r["companies_contacted"]) == (4, 3)
    assert (r["new_projects"], r["signed"], r["registered"], r["started"]) == (3, 2, 1, 1)
    assert r["capital_in_place_yuan"] == {"domestic": 2_000_000, "foreign": 500_000,
                                          "total": 2_500_000}
    assert r["capital_agreed_yuan"] == {"domestic": 10_000_000, "foreign": 0, "total": 10_000_000}
    assert r["funnel_to_date"] == {"contact": 6, "signed": 3, "registered": 1, "started": 1}
    assert r["rates"] == {"contact_to_signed": 0.5, "signed_to_registered": 0.3333,
                          "registered_to_started": 1.0}

    april = projects.unit_report("爱辉区", D(2025, 4, 15))
    assert april["signed"] == 1 and april["rates"]["contact_to_signed"] == round(4 / 6, 4)
    cohort = projects.unit_report("爱辉区", "2025-03", cohort_from=D(2025, 3, 1))
    assert cohort["funnel_to_date"] == {"contact": 3, "signed": 1, "registered": 0, "started": 0}
    empty = projects.unit_report("逊克县", "2025-03")
    assert empty["contacts"] == 0 and empty["rates"]["contact_to_signed"] is None
    city = projects.unit_report(None, "2025-03")
    assert city["signed"] == 3 and city["capital_in_place_yuan"]["domestic"] == 11_000_000
    ranking = projects.ranking("2025-03")
    assert [x["unit"] for x in ranking] == ["爱辉区", "北安市"]


# --------------------------------------------------------------------------- currencies (issue 14)

FX = parse_fx("USD=7.10, EUR=7.80", "2026-11-30", "中国人民银行 人民币汇率中间价")


def test_foreign_capital_is_kept_in_its_currency_and_in_yuan_at_the_stated_rate(projects, users):
    p = _project(projects, users, "俄罗斯远东农业控股", D(2026, 10, 1))
    p, rows = projects.record_capital(p.id, users[11], T0, as_of=D(2026, 11, 5), fx=FX,
                                      foreign_agreed=Money(8_000_000, "USD"),
                                      foreign_in_place=Money(5_000_000, "USD"))
    placed = next(r for r in rows if r.measure == "in_place")
    assert (placed.currency, placed.old_amount, placed.new_amount, placed.delta_amount) == ("USD", 0, 5_000_000, 5_000_000)
    assert (placed.fx_rate, placed.fx_date, placed.fx_source) == ("7.10", D(2026, 11, 30), "中国人民银行 人民币汇率中间价")
    assert (placed.old_yuan, placed.new_yuan, placed.delta_yuan) == (0, 35_500_000, 35_500_000)
    assert (p.foreign_in_place_yuan, p.foreign_agreed_yuan) == (35_500_000, 56_800_000)
    # a yuan figure of foreign capital beside the dollars: cumulative per currency
    p = projects.set_capital(p.id, users[11], T0, as_of=D(2026, 11, 6), foreign_in_place=10_000_000)
    assert p.foreign_in_place_yuan == 45_500_000
    # no rate for roubles: kept in roubles, no yuan figure, the project's yuan totals unchanged
    p, rows = projects.record_capital(p.id, users[11], T0, as_of=D(2026, 11, 7), fx=FX,
                                      foreign_in_place=Money(30_000_000, "RUB"))
    assert [(r.currency, r.delta_amount, r.delta_yuan, r.new_yuan, r.fx_rate) for r in rows] == \
           [("RUB", 30_000_000, None, None, None)]
    assert p.foreign_in_place_yuan == 45_500_000
    view = projects.get(p.id)
    assert view.amounts()[("foreign", "in_place", "USD")] == 5_000_000
    assert view.amounts()[("foreign", "in_place", "CNY")] == 10_000_000
    assert view.unconverted() == {("in_place", "RUB"): 30_000_000}
    # a correction down in dollars gives back yuan at the rate stated for it
    p, rows = projects.record_capital(p.id, users[11], T0, as_of=D(2026, 11, 20), fx=FX,
                                      foreign_in_place=Money(4_000_000, "USD"))
    assert (rows[0].delta_amount, rows[0].delta_yuan) == (-1_000_000, -7_100_000)
    assert p.foreign_in_place_yuan == 38_400_000
    with pytest.raises(ValueError):
        projects.set_capital(p.id, users[11], T0, as_of=D(2026, 11, 20), domestic_in_place=Money(5, "USD"))


def test_capital_command_figures_in_foreign_currencies():
    want = {"500万美元": (5_000_000, "USD"), "USD 5m": (5_000_000, "USD"), "3000万卢布": (30_000_000, "RUB"),
            "$2 million": (2_000_000, "USD"), "€1.5m": (1_500_000, "EUR"), "HKD 200万": (2_000_000, "HKD"),
            "5000万": (50_000_000, "CNY")}
    for text, (amount, cur) in want.items():
        pid, figures = parse_capital(f"7 外资到位 {text}")
        assert (pid, figures["foreign_in_place"]) == (7, (amount, False, cur)), text
    assert parse_capital("7 外资到位 +$2 million")[1]["foreign_in_place"] == (2_000_000, True, "USD")
    with pytest.raises(ValueError):
        parse_capital("7 内资到位 500万美元")          # domestic capital is in yuan


def test_capital_values_add_in_the_figures_currency(projects, users):
    p = _project(projects, users, "俄罗斯远东农业控股", D(2026, 10, 1))
    projects.set_capital(p.id, users[11], T0, as_of=D(2026, 11, 5), fx=FX, foreign_agreed=Money(8_000_000, "USD"),
                         foreign_in_place=Money(5_000_000, "USD"))
    view = projects.get(p.id)
    values, missing = ProjectService.capital_values(view, parse_capital(f"{p.id} 外资到位 +200万美元")[1])
    assert values == {"foreign_in_place": Money(7_000_000, "USD")} and missing == []
    values, missing = ProjectService.capital_values(view, parse_capital(f"{p.id} 外资到位 +3000万卢布")[1])
    assert values == {"foreign_in_place": Money(30_000_000, "RUB")} and missing == []   # agreed in dollars counts
    fresh = projects.get(_project(projects, users, "新企业", D(2026, 10, 1)).id)
    assert ProjectService.capital_values(fresh, parse_capital(f"{fresh.project.id} 外资到位 100万美元")[1])[1] == ["foreign"]


def test_upgrade_from_0003_keeps_the_yuan_rows(backend, tmp_path):
    """A database at revision 0003 with capital rows in yuan: 0004 adds the currency columns,
    the old rows read as yuan and count as before, and new foreign rows sit beside them."""
    import sqlalchemy as sa
    from alembic import command

    from promo.bureau.rules import Ledger, load_raw
    from tests.pg import make_database

    with make_database(backend, tmp_path, migrate=False) as database:
        cfg = database.alembic_config()
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
        with database.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO projects (id, name, unit, stage, chain_ids, contact_date, domestic_agreed_yuan, "
                "foreign_agreed_yuan, domestic_in_place_yuan, foreign_in_place_yuan, created_at, updated_at, version) "
                "VALUES (1, '乳粉项目', '爱辉区', 'contact', '[]', '2025-01-10', 0, 0, 0, 20000000, :t, :t, 1)"),
                {"t": T0})
            conn.execute(sa.text(
                "INSERT INTO project_capital (project_id, origin, measure, old_yuan, new_yuan, delta_yuan, as_of, "
                "changed_at) VALUES (1, 'foreign', 'in_place', 0, 20000000, 20000000, '2025-03-01', :t)"), {"t": T0})
        database.migrate()
        assert database.current_revision() == database.head_revision()
        with database.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT currency, delta_amount, fx_rate, delta_yuan FROM project_capital")).one()
        assert tuple(row) == (None, None, None, 20_000_000)
        store = ProjectStore(database)
        view = store.get(1)
        assert view.amounts() == {("foreign", "in_place", "CNY"): 20_000_000}
        user = seed_users(database, USERS, T0)[11]
        store.set_capital(1, user, T0, as_of=D(2025, 3, 20), fx=FX, foreign_in_place=Money(1_000_000, "USD"))
        store.set_capital(1, user, T0, as_of=D(2025, 3, 21), foreign_in_place=30_000_000)   # yuan: +1000万
        assert store.get(1).project.foreign_in_place_yuan == 20_000_000 + 7_100_000 + 10_000_000
        ledger = Ledger(load_raw(database), lambda s: s)
        g = ledger.groups[0]
        assert ledger.capital_in(g, "foreign", D(2025, 3, 1), D(2025, 3, 31)) == 37_100_000
        assert ledger.foreign_detail([g], D(2025, 3, 1), D(2025, 3, 31))["converted"] == {"USD": 1_000_000}
