"""Every figure of the scoreboard recomputed by an independent implementation
(tests/bureau_oracle.py) from the raw records, over generated histories with corrections,
back-dated stages, capital increases and decreases, duplicate signings and deleted meetings,
and foreign capital in USD, EUR, RUB and HKD recorded at two stated rates, without any rate
(converted at the rate configured now) and in a currency no rate is ever given for (HKD: not
converted); plus the counting rules on a hand-made case with the expected numbers written out."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from promo.store.access import AccessStore
from promo.bureau.periods import Period, parse_period
from promo.bureau.rules import Ledger, load_raw
from promo.bureau.scoreboard import INDICATORS, build_board, may_open, unit_records
from promo.bureau.units import UnitRegistry
from promo.store.db import Database, InvalidTransition
from promo.meetings.funnel import Money, ProjectStore
from promo.meetings.fx import parse_fx
from promo.meetings.store import MeetingStore

from .bureau_oracle import Oracle

D = dt.date
T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.timezone.utc)
# unit strings as the allow-list writes them: names, an alias (北安 = 北安市), an unlisted unit
UNIT_STRINGS = ["北安市", "北安", "爱辉区", "黑河自贸片区", "乳制品专班", "大豆精深加工产业链专班", "招商局", "某某办"]
COMPANIES = [("飞鹤乳业有限公司", "feihe"), ("中粮集团", "cofco"), ("紫金矿业", None), ("北大荒集团", None),
             ("九三粮油工业集团", None), ("黑河对俄物流有限公司", None), ("伊利实业集团股份有限公司", "yili"), (None, None)]
SUBJECTS = ["乳粉项目", "大豆蛋白项目", "物流园项目", None]
# the rates stated when changes were recorded (two dates; RUB missing in the later one), and now
FX_JUNE = parse_fx("USD=7.05, EUR=7.70, RUB=0.085", "2026-06-30", "中国外汇交易中心 人民币汇率中间价")
FX_NOV = parse_fx("USD=7.10, EUR=7.80", "2026-11-30", "中国人民银行 人民币汇率中间价")
FX_NOW = parse_fx("USD=7.12, RUB=0.0875", "2026-12-01", "中国外汇交易中心 人民币汇率中间价")
CURRENCIES = ["USD", "EUR", "RUB", "HKD"]      # HKD: never a rate


@pytest.fixture(scope="module")
def registry(library):
    return UnitRegistry.from_library(library)


def resolver(registry):
    return lambda s: (u.id if (u := registry.resolve(s)) else None)


def make_users(db):
    users, uid = [], 100
    for unit in UNIT_STRINGS:
        for role in ("officer", "lead"):
            uid += 1
            users.append({"id": uid, "name": f"{unit}{role}", "role": role, "unit": unit})
    access = AccessStore(db)
    access.seed(users, T0)
    return [access.get(u["id"]) for u in users]


DATE_LO, DATE_HI = D(2025, 6, 1), D(2026, 12, 31)


def rand_date(rnd, lo=DATE_LO, hi=DATE_HI):
    return lo + dt.timedelta(days=rnd.randrange((hi - lo).days + 1))


def generate(db, seed: int, steps: int = 160):
    rnd = random.Random(seed)
    users = make_users(db)
    projects, meetings = ProjectStore(db), MeetingStore(db)
    made = []
    for _ in range(steps):
        op = rnd.random()
        user = rnd.choice(users)
        mine = [p for p in made if p.unit == user.unit]
        if op < 0.22 or not mine:
            company, cid = rnd.choice(COMPANIES)
            subject = rnd.choice(SUBJECTS) if company else rnd.choice(SUBJECTS[:3])
            p = projects.find_or_create(company, subject, user.unit, company_id=cid, user=user,
                                        contact_date=rand_date(rnd), now=T0)
            if p.id not in {q.id for q in made}:
                made.append(p)
            if rnd.random() < 0.5:
                meetings.add({"meeting_date": p.contact_date, "company": company, "project_id": p.id}, user, T0)
            continue
        p = projects.get(rnd.choice(mine).id).project
        if op < 0.50:            # one step forward, dated 0-60 days after the current stage (back-dated)
            stages = ["contact", "signed", "registered", "started"]
            i = stages.index(p.stage)
            if i < 3:
                cur = getattr(p, f"{p.stage}_date") or p.contact_date
                try:
                    projects.advance(p.id, stages[i + 1], cur + dt.timedelta(days=rnd.randrange(61)), user, T0)
                except InvalidTransition:
                    pass
        elif op < 0.58 and user.role == "lead":   # corrections: any stage, any date
            projects.advance(p.id, rnd.choice(["contact", "signed", "registered", "started"]),
                             rand_date(rnd), user, T0, correction=True)
        elif op < 0.80:           # capital increases (and some decreases: corrections)
            kw = {}
            if rnd.random() < 0.7:
                kw["domestic_in_place"] = max(0, p.domestic_in_place_yuan + rnd.choice([1, 1, 1, -1]) * rnd.randrange(1, 40) * 1_000_000)
            if rnd.random() < 0.3:
                kw["foreign_in_place"] = max(0, p.foreign_in_place_yuan + rnd.randrange(1, 20) * 1_000_000)
            if rnd.random() < 0.4:
                kw["domestic_agreed"] = rnd.choice([50_000_000, 100_000_000, 150_000_000, 300_000_000])
            fx = None
            if rnd.random() < 0.6:          # in a foreign currency, cumulative in it (some corrections down)
                cur = rnd.choice(CURRENCIES)
                have = projects.get(p.id).amounts()
                measure = "foreign_in_place" if rnd.random() < 0.75 else "foreign_agreed"
                held = have.get(("foreign", measure.split("_", 1)[1], cur), 0)
                step = rnd.choice([1, 1, 1, -1]) * rnd.randrange(1, 30) * (1_000_000 if cur != "RUB" else 10_000_000)
                kw[measure] = Money(max(0, held + step), cur)
                fx = rnd.choice([FX_JUNE, FX_NOV, None])
            projects.set_capital(p.id, user, T0, as_of=rand_date(rnd), fx=fx, **kw)
        elif op < 0.95:
            m = meetings.add({"meeting_date": rand_date(rnd), "company": p.company, "project_id": p.id}, user, T0)
            if rnd.random() < 0.15:
                meetings.soft_delete(m.id, user, T0)
        else:
            meetings.add({"meeting_date": rand_date(rnd), "company": "某来访企业"}, user, T0)
    return users


PERIODS = [Period("month", 2026, m) for m in range(1, 13)] + \
          [Period("quarter", 2026, q) for q in range(1, 5)] + [Period("year", 2026, 1), Period("quarter", 2025, 3)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_figure_matches_the_independent_implementation(tmp_path, registry, seed):
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    db.migrate()
    generate(db, seed)
    oracle = Oracle(tmp_path / "b.db", resolver(registry), rates=FX_NOW.rates)
    ledger = Ledger(load_raw(db, FX_NOW), resolver(registry))
    assert any(len(g["members"]) > 1 for g in oracle.groups), "the history must hold duplicate signings"
    kinds = {("stored" if d is not None else "none") if cur != "CNY" else "cny" for *_, d, cur, _ in oracle.capital}
    assert kinds == {"stored", "none", "cny"}, "the history must hold converted, unconverted and yuan changes"
    checked = foreign_seen = unconverted_seen = 0
    for period in PERIODS:
        board = build_board(db, registry, period, D(2026, 12, 3), ledger=ledger, fx=FX_NOW)
        for section in board.sections:
            for row in section.rows:
                want = oracle.figures(row.unit_id, period.first, period.last)
                want_foreign = oracle.foreign(row.unit_id, period.first, period.last)
                assert {k: row.foreign[k] for k in ("converted", "unconverted")} == want_foreign, \
                    (seed, period.key, row.unit_id)
                foreign_seen += bool(want_foreign["converted"])
                unconverted_seen += bool(want_foreign["unconverted"])
                want_ytd = oracle.figures(row.unit_id, D(period.year, 1, 1), period.last)
                for key in INDICATORS:
                    assert row.figures[key].value == want[key], (seed, period.key, row.unit_id, key)
                    if INDICATORS[key].kind != "rate":
                        assert row.figures[key].ytd == want_ytd[key], (seed, period.key, row.unit_id, key)
                    checked += 1
                for key in ("signed", "registered", "domestic", "foreign", "contacts", "high_level"):
                    recs = ledger.records(row.unit_id, key, period.first, period.last)
                    if key in ("domestic", "foreign"):
                        assert sum(r["amount_yuan"] for r in recs["projects"]) == want[key]
                    elif key == "contacts":
                        assert len(recs["meetings"]) == want[key]
                    else:
                        assert len(recs["projects"]) == want[key]
        # the city's totals are the units' sums, and every unit with records is on the board
        seen = {r.unit_id for s in board.sections for r in s.rows}
        assert {g["unit"] for g in oracle.groups} <= seen | {u.id for u in registry.units}
        for key in ("signed", "registered", "domestic", "foreign", "contacts"):
            assert board.totals[key] == sum(oracle.figures(u, period.first, period.last)[key]
                                            for u in {g["unit"] for g in oracle.groups} | {u for u, _ in oracle.meetings})
    assert checked > 1000 and foreign_seen > 3 and unconverted_seen > 3, (foreign_seen, unconverted_seen)


def test_the_counting_rules_on_a_hand_made_case(tmp_path, registry):
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    db.migrate()
    users = {u.unit + u.role: u for u in make_users(db)}
    bei, ai, tf = users["北安市lead"], users["爱辉区lead"], users["乳制品专班lead"]
    ps = ProjectStore(db)
    # 北安 contacts 飞鹤's 乳粉项目 in June, signs it on 5 July (logged in November: back-dated)
    a = ps.find_or_create("飞鹤乳业有限公司", "乳粉项目", "北安市", company_id="feihe", user=bei, contact_date=D(2026, 6, 1), now=T0)
    ps.advance(a.id, "signed", D(2026, 7, 5), bei, T0)
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 7, 5), domestic_agreed=300_000_000)
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 7, 20), domestic_in_place=100_000_000)
    # 爱辉 logs the same project signed again at a fair in August, with 1.5亿 in place in August:
    # a duplicate signing (credited to 北安, first signer) whose capital counts only above 1亿
    b = ps.find_or_create("飞鹤乳业", "乳粉项目", "爱辉区", user=ai, contact_date=D(2026, 8, 1), now=T0)
    ps.advance(b.id, "signed", D(2026, 8, 10), ai, T0)
    ps.set_capital(b.id, ai, T0, as_of=D(2026, 8, 10), domestic_in_place=150_000_000)
    # 乳制品专班 signs a project in July, registers it in August, then a lead corrects it back to
    # contact in September: no signing, no registration any more
    c = ps.find_or_create("伊利实业集团股份有限公司", "液态奶项目", "乳制品专班", company_id="yili", user=tf, contact_date=D(2026, 7, 1), now=T0)
    ps.advance(c.id, "signed", D(2026, 7, 9), tf, T0)
    ps.advance(c.id, "registered", D(2026, 8, 9), tf, T0)
    ps.advance(c.id, "contact", D(2026, 7, 1), tf, T0, correction=True)
    # a capital correction downwards in September
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 9, 2), domestic_in_place=80_000_000)

    def fig(period, unit, key):
        return build_board(db, registry, period, D(2026, 12, 3)).row(unit).figures[key]

    jul, aug, sep, q3 = Period("month", 2026, 7), Period("month", 2026, 8), Period("month", 2026, 9), Period("quarter", 2026, 3)
    assert fig(jul, "beian", "signed").value == 1 and fig(jul, "beian", "high_level").value == 1
    assert fig(aug, "aihui", "signed").value == 0                     # the duplicate counts for nobody
    assert fig(jul, "beian", "domestic").value == 100_000_000
    assert fig(aug, "beian", "domestic").value == 50_000_000          # only the increase over 1亿
    assert fig(aug, "aihui", "domestic").value == 0
    assert fig(sep, "beian", "domestic").value == 0                   # max(0.8亿, 1.5亿) stays 1.5亿
    assert fig(q3, "beian", "domestic").value == 150_000_000
    assert fig(jul, "tf_dairy", "signed").value == 0 and fig(aug, "tf_dairy", "registered").value == 0
    assert fig(q3, "tf_dairy", "rate_cs").value == 0.0
    assert fig(q3, "beian", "rate_cs").value == 1.0 and fig(q3, "beian", "rate_sr").value == 0.0
    # targets, completion, rank and growth (2025Q3 figures entered in lists/targets.yaml)
    f = fig(q3, "beian", "domestic")
    assert f.target == 120000 * 10_000 and f.completion == round(150_000_000 / 1_200_000_000, 4)
    assert f.rank == 1 and f.last_year == 6200 * 10_000 and f.growth == round((150_000_000 - 62_000_000) / 62_000_000, 4)
    board = build_board(db, registry, q3, D(2026, 12, 3))
    assert board.time_progress == round(273 / 365, 4)
    assert board.sections[0].rows[0].unit_id == "beian"


def test_drill_down_is_for_the_unit_its_lead_and_admins(tmp_path, registry):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    db.migrate()
    users = {u.unit + u.role: u for u in make_users(db)}
    ps = ProjectStore(db)
    p = ps.find_or_create("中粮集团", "大豆蛋白项目", "北安", user=users["北安lead"], contact_date=D(2026, 7, 1), now=T0)
    ps.advance(p.id, "signed", D(2026, 7, 2), users["北安lead"], T0)
    period = Period("month", 2026, 7)
    # 北安 and 北安市 are one unit: both its officers may open it; 爱辉区 may not
    for who in ("北安市officer", "北安officer", "北安lead"):
        recs = unit_records(db, registry, "beian", "signed", period, users[who])
        assert [r["name"] for r in recs["projects"]] == ["大豆蛋白项目"]
    with pytest.raises(PermissionError):
        unit_records(db, registry, "beian", "signed", period, users["爱辉区lead"])
    admin = AccessStore(db)
    admin.seed([{"id": 999, "name": "管理员", "role": "admin", "unit": "招商局"}], T0)
    assert may_open(admin.get(999), "beian", registry)


def test_periods_parse_what_officers_type():
    today = D(2026, 12, 3)
    assert parse_period("2026-07", today).key == "2026-07"
    assert parse_period("2026年7月", today).key == "2026-07"
    assert parse_period("2026Q3", today).key == "2026Q3" and parse_period("2026年第三季度", today).key == "2026Q3"
    assert parse_period("季度", today).key == "2026Q4" and parse_period("年", today).key == "2026"
    assert parse_period("上月", today).key == "2026-11" and parse_period("", today).key == "2026-12"
    with pytest.raises(ValueError, match="2026-07"):
        parse_period("七月份吧", today)


def test_foreign_currencies_on_a_hand_made_case(tmp_path, registry):
    db = Database(f"sqlite:///{tmp_path / 'fx.db'}")
    db.migrate()
    users = {u.unit + u.role: u for u in make_users(db)}
    bei, ai = users["北安市lead"], users["爱辉区lead"]
    ps = ProjectStore(db)
    # 北安: 500万美元 in place in August at the November rate 7.10 (3550万元)
    a = ps.find_or_create("黑河对俄物流有限公司", "物流园项目", "北安市", user=bei, contact_date=D(2026, 6, 1), now=T0)
    ps.advance(a.id, "signed", D(2026, 7, 1), bei, T0)
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 8, 10), fx=FX_NOV, foreign_in_place=Money(5_000_000, "USD"))
    # 爱辉 logs it again with 600万美元 in September at the June rate 7.05 (4230万元): a duplicate,
    # so only the growth over the group's largest figure counts — 100万美元 and 680万元, for 北安
    b = ps.find_or_create("黑河对俄物流", "物流园项目", "爱辉区", user=ai, contact_date=D(2026, 8, 1), now=T0)
    ps.set_capital(b.id, ai, T0, as_of=D(2026, 9, 3), fx=FX_JUNE, foreign_in_place=Money(6_000_000, "USD"))
    # roubles without a rate, converted now at FX_NOW (0.0875); euros no rate at all
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 9, 5), foreign_in_place=Money(100_000_000, "RUB"))
    ps.set_capital(a.id, bei, T0, as_of=D(2026, 9, 6), foreign_in_place=Money(2_000_000, "EUR"))
    # a project signed in July whose agreed capital in dollars makes it high-level (1500万 × 7.10 ≥ 1亿)
    c = ps.find_or_create("中粮集团", "大豆蛋白项目", "北安市", user=bei, contact_date=D(2026, 6, 1), now=T0)
    ps.advance(c.id, "signed", D(2026, 7, 9), bei, T0)
    ps.set_capital(c.id, bei, T0, as_of=D(2026, 7, 9), fx=FX_NOV, foreign_agreed=Money(15_000_000, "USD"))

    def row(period):
        return build_board(db, registry, period, D(2026, 12, 3), fx=FX_NOW).row("beian")

    aug, sep = row(Period("month", 2026, 8)), row(Period("month", 2026, 9))
    assert aug.figures["foreign"].value == 35_500_000
    assert aug.foreign["converted"] == {"USD": 5_000_000}
    assert [(r["rate"], r["date"]) for r in aug.foreign["rates"]] == [("7.10", D(2026, 11, 30))]
    assert sep.figures["foreign"].value == 6_800_000 + 8_750_000
    assert sep.foreign["converted"] == {"RUB": 100_000_000, "USD": 1_000_000}
    assert sep.foreign["unconverted"] == {"EUR": 2_000_000}
    assert {(r["currency"], r["rate"]) for r in sep.foreign["rates"]} == {("RUB", "0.0875"), ("USD", "7.05")}
    jul = build_board(db, registry, Period("month", 2026, 7), D(2026, 12, 3), fx=FX_NOW)
    assert jul.row("beian").figures["high_level"].value == 1
    q3 = build_board(db, registry, Period("quarter", 2026, 3), D(2026, 12, 3), fx=FX_NOW)
    assert q3.row("aihui").figures["foreign"].value == 0 and not q3.row("aihui").foreign["converted"]
    assert q3.foreign_text() == ("其中 1亿卢布 @0.0875（2026-12-01 中国外汇交易中心 人民币汇率中间价）、600万美元 "
                                 "@7.05（2026-06-30 中国外汇交易中心 人民币汇率中间价）/7.10（2026-11-30 中国人民银行 人民币汇率中间价）"
                                 "；另有 200万欧元 未折算：未配置 EUR 汇率，不计入人民币数")
    assert q3.row("beian").figures["foreign"].value == 42_300_000 + 8_750_000     # the parts add up
    assert any("200万欧元" in n and "未折合人民币" in n for n in q3.notes)
    # without the rate configured now, the roubles are not converted either
    bare = build_board(db, registry, Period("month", 2026, 9), D(2026, 12, 3)).row("beian")
    assert bare.figures["foreign"].value == 6_800_000 and bare.foreign["unconverted"] == {"EUR": 2_000_000, "RUB": 100_000_000}
