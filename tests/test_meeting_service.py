"""The plain-Python side of the meeting chat (promo/meetings/service.py, resolver.py): which texts
are meeting reports, drafts as JSON, typed corrections, the card's data, saving with a project,
duplicate contacts, nudges, export and the small command parsers. No Telegram here."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from promo.config import Settings
from promo.meetings.parse import parse_meeting
from promo.meetings.resolver import MatcherResolver
from promo.meetings.draft import Draft, card_lines, meeting_fields
from promo.meetings.projects import capital_without_agreement, parse_capital
from promo.meetings.routing import looks_like_meeting
from promo.meetings.service import MeetingService, export_filename, parse_range, person_label
from promo.services import Services

from .conftest import NOW, ROOT, TODAY
from .sample import BEIDAHUANG_VP, FEIHE_VP, company, person

FEIHE = "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访"


# ---------------------------------------------------------------------- routing

@pytest.mark.parametrize("text", [
    FEIHE,
    "3/12见了伊利王总",
    "昨天拜访了中粮集团，谈玉米深加工",
    "上周五接待了俄罗斯阿穆尔州的客商，洽谈木材加工项目",
    "与蒙牛李总洽谈液态奶项目，计划投资3亿元",
    "和飞鹤签约了，总投资10亿",
    "Met COFCO VP Li in Harbin yesterday, RMB 200 million",
    "Visited Feihe HQ in Beijing today, discussed the dairy plant",
    "meeting with Mr Wang of Yili yesterday about milk powder",
    "11月20日在哈尔滨见了飞鹤李总",
])
def test_meeting_reports_are_meetings(text):
    assert looks_like_meeting(text, TODAY)


@pytest.mark.parametrize("text", [
    "飞鹤乳业 副总 北京 奶粉",
    "feihe dairy vp",
    "Благовещенск логистика",
    "fei he naifen",
    "飛鶴",
    "中储粮 hrb",
    "乳制品 视频 3分钟 俄语",
    "黑河学院 校友 深圳",
    "北安 老乡 物流",
    "找谁对接飞鹤",
    "怎么对接伊利集团？",
    "对接 俄罗斯 物流",
    "签约仪式 视频",
    "飞鹤 奶粉 " + "很长" * 3000,
    "",
    "/log 今天见了飞鹤张总",
])
def test_profiles_and_questions_are_not_meetings(text):
    assert not looks_like_meeting(text, TODAY)


# ---------------------------------------------------------------------- resolver

def test_resolver_maps_companies_chains_and_places(matcher):
    r = MatcherResolver(matcher)
    text = FEIHE
    [(cid, label, start, end, score)] = r.find_company(text)
    assert (cid, label, text[start:end]) == ("feihe", company("feihe").name, "飞鹤") and score >= 0.9
    assert r.find_chains(text) == ["dairy"]
    assert r.find_place(text) == [("北京市", 3, 5)]          # the list's name, once per stretch
    en = "Met COFCO VP Li in Harbin yesterday"
    assert [h[0] for h in r.find_company(en)] == ["cofco"]
    assert [p[0] for p in r.find_place(en)] == ["哈尔滨市"]


# ---------------------------------------------------------------------- drafts

def test_draft_is_json_and_defaults_the_date_visibly(matcher):
    d = parse_meeting("见了伊利王总，谈奶源基地", TODAY, MatcherResolver(matcher))
    draft = Draft.from_parse(d, TODAY)
    assert Draft.from_json(json.loads(json.dumps(draft.to_json()))) == draft    # persistence stores JSON
    assert draft.f["meeting_date"] == TODAY.isoformat() and draft.assumed == ["meeting_date"]
    lines = {line["key"]: line["value"] for line in card_lines(draft.f, matcher.library, draft.assumed)}
    assert "未写明" in lines["meeting_date"]
    draft.set_fields({"meeting_date": "2026-11-20"})
    assert draft.assumed == []
    fields = draft.store_fields()
    assert fields["meeting_date"] == dt.date(2026, 11, 20) and fields["company_id"] == "yili"


def test_questions_become_json_and_answers_fill_the_field(matcher):
    d = parse_meeting("3/12见了伊利王总", TODAY, MatcherResolver(matcher))
    draft = Draft.from_parse(d, TODAY)
    [q] = draft.q
    assert q["field"] == "meeting_date" and q["values"] == ["2025-12-03", "2026-03-12"]
    assert "meeting_date" not in draft.assumed             # asked, not defaulted
    assert draft.answer_question(1) and draft.f["meeting_date"] == "2026-03-12" and not draft.q
    d = parse_meeting("昨天见了飞鹤张总和伊利李总", TODAY, MatcherResolver(matcher))
    draft = Draft.from_parse(d, TODAY)
    assert draft.q[0]["values"] == [["feihe", company("feihe").name], ["yili", company("yili").name]]
    assert not draft.answer_question(5)
    draft.answer_question(0)
    assert (draft.f["company_id"], draft.f["company"]) == ("feihe", company("feihe").name)


# ---------------------------------------------------------------------- the service

@pytest.fixture
def service(tmp_path):
    env = {"PROMO_DATA_DIR": str(ROOT), "PROMO_DB_URL": f"sqlite:///{tmp_path / 'promo.db'}",
           "PROMO_USERS": "1:officer:北安市:刘专员; 2:officer:北安市:陈专员; 3:lead:乳制品专班:王组长; "
                          "4:officer:驻京办:张主任",
           "PROMO_RELOAD_SECONDS": "0"}
    services = Services(Settings.load(env=env, dotenv=tmp_path / "no.env"), clock=lambda: NOW)
    services.start()
    yield MeetingService(services)
    services.stop()


def user(service, uid):
    return service.svc.user(uid)


@pytest.mark.parametrize("name, text, expected", [
    ("meeting_date", "2026-11-20", {"meeting_date": "2026-11-20"}),
    ("meeting_date", "昨天", {"meeting_date": "2026-11-25"}),
    ("followup_date", "下周三", {"followup_date": "2026-12-02"}),
    ("followup_date", "无", {"followup_date": None}),
    ("amount", "3.5亿", {"amount": 350_000_000, "amount_yuan": 350_000_000}),
    ("amount", "RMB 200 million", {"amount_yuan": 200_000_000}),
    ("amount", "无", {"amount": None, "amount_yuan": None, "currency": None}),
    ("stage", "签约", {"stage": "signed"}),
    ("company", "伊利", {"company": company("yili").name, "company_id": "yili"}),
    ("company", "某某新材料", {"company": "某某新材料", "company_id": None}),
    ("chain_ids", "大豆", {"chain_ids": ["soybean"]}),
    ("topic", "液态奶工厂", {"topic": "液态奶工厂"}),
    ("person", "-", {"person": None}),
])
def test_typed_values(service, name, text, expected):
    got = service.inputs.parse_field(name, text, TODAY)
    assert got.error is None and got.question is None
    assert expected.items() <= got.changes.items()


def test_typed_values_that_need_a_question_or_are_not_understood(service):
    bare = service.inputs.parse_field("amount", "5000", TODAY)
    assert bare.question["values"] == [50_000_000, 5000]        # 5000万 or 5000 yuan: asked
    assert service.inputs.parse_field("meeting_date", "3/12", TODAY).question["values"] == ["2025-12-03", "2026-03-12"]
    assert service.inputs.parse_field("meeting_date", "改天吧", TODAY).error
    assert service.inputs.parse_field("amount", "很多钱", TODAY).error
    assert service.inputs.parse_field("stage", "快了", TODAY).error


def test_save_creates_project_once_and_reuses_it(service):
    officer = user(service, 1)
    draft = service.inputs.draft_from_text(FEIHE, TODAY)
    assert service.project_service.project_choice(draft, "北安市").kind == "new"
    first = service.save(draft, officer, NOW)
    assert first.project_created and first.project.name == "奶粉工厂扩产"
    assert first.meeting.project_id == first.project.id and first.meeting.unit == "北安市"
    # the same company again with another subject: the company's only project
    again = service.inputs.draft_from_text("今天见了飞鹤李总，谈扩产进度", TODAY)
    choice = service.project_service.project_choice(again, "北安市")
    assert choice.kind == "existing" and choice.project.id == first.project.id
    # unless a new one is chosen on the card
    again.project = {"new": "扩产进度"}
    second = service.save(again, officer, NOW)
    assert second.project_created and second.project.id != first.project.id
    # another unit never joins this unit's project
    lead_choice = service.project_service.project_choice(service.inputs.draft_from_text(FEIHE, TODAY), "乳制品专班")
    assert lead_choice.kind == "new"


def test_saving_the_same_message_twice_is_not_a_second_meeting(service):
    officer = user(service, 1)
    draft = service.inputs.draft_from_text(FEIHE, TODAY)
    first = service.save(draft, officer, NOW)
    again = service.save(Draft.from_json(json.loads(json.dumps(draft.to_json()))), officer,
                         NOW + dt.timedelta(minutes=5))
    assert again.duplicate and again.meeting.id == first.meeting.id
    assert len(service.meetings.mine(1)) == 1


def test_prior_contacts_are_other_units_in_ninety_days(service):
    f = service.inputs.draft_from_text(FEIHE, TODAY).f
    add = service.meetings.add
    add({"company": "飞鹤", "company_id": "feihe", "meeting_date": dt.date(2026, 11, 20)}, user(service, 3), NOW)
    add({"company": company("feihe").name, "meeting_date": dt.date(2026, 11, 1)}, user(service, 4), NOW)
    add({"company": "飞鹤", "company_id": "feihe", "meeting_date": dt.date(2026, 8, 1)}, user(service, 4), NOW)
    add({"company": "飞鹤", "company_id": "feihe", "meeting_date": dt.date(2026, 11, 24)}, user(service, 2), NOW)
    prior = service.prior_contacts(f, user(service, 1), TODAY)
    assert [(p.unit, p.display_name, p.meeting_date) for p in prior] == [
        ("乳制品专班", "王组长", dt.date(2026, 11, 20)), ("驻京办", "张主任", dt.date(2026, 11, 1))]


def test_nudges_go_to_the_liaisons_unit_and_sensitive_ones_to_the_liaison_only(service):
    people = service.library.people
    officer = user(service, 1)
    mine = [p for p in people if service.followups.liaison_matches(p, officer)]
    assert mine and all(p.liaison.startswith("北安市") for p in mine)
    names = {n.name for n in service.followups.nudges(officer, TODAY, limit=50)}
    assert person(BEIDAHUANG_VP).name in names and person(FEIHE_VP).name not in names        # 2026-05-08 vs 2026-10-20
    sensitive = [p for p in people if p.sensitive and p.liaison]
    p = sensitive[0]
    unit, liaison_name = p.liaison.split()[0], p.liaison.split()[-1]

    class U:
        def __init__(self, name, unit):
            self.display_name, self.unit = name, unit

    assert not service.followups.liaison_matches(p, U("别人", unit))
    assert service.followups.liaison_matches(p, U(liaison_name, "任何单位"))
    # a meeting with the person counts as contact
    service.meetings.add({"person": person(BEIDAHUANG_VP).name, "meeting_date": TODAY}, officer, NOW)
    assert person(BEIDAHUANG_VP).name not in {n.name for n in service.followups.nudges(officer, TODAY, limit=50)}


def test_export_is_mine_or_the_units(service):
    from openpyxl import load_workbook

    add = service.meetings.add
    add({"company": "甲", "meeting_date": dt.date(2026, 11, 2)}, user(service, 1), NOW)
    add({"company": "乙", "meeting_date": dt.date(2026, 11, 3)}, user(service, 2), NOW)
    data, n, name = service.export(user(service, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (n, name) == (1, "对接记录_2026-11.xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    assert [r[2] for r in ws.iter_rows(min_row=2, values_only=True)] == ["甲"]


def test_edit_needs_the_author_or_a_lead_of_the_unit(service):
    m = service.save(service.inputs.draft_from_text(FEIHE, TODAY), user(service, 1), NOW).meeting
    from promo.store.db import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.open_meeting(m.id, user(service, 2))          # same unit, but an officer
    with pytest.raises(PermissionDenied):
        service.open_meeting(m.id, user(service, 3))          # a lead of another unit
    f = meeting_fields(service.open_meeting(m.id, user(service, 1)))
    assert json.loads(json.dumps(f)) == f


# ---------------------------------------------------------------------- small parsers

def test_small_parsers():
    assert parse_range([], TODAY) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert parse_range(["2026-10"], TODAY) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert parse_range(["2026-11-30", "2026-11-01"], TODAY) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    with pytest.raises(ValueError):
        parse_range(["上个月"], TODAY)
    assert export_filename(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "对接记录_2026-11.xlsx"
    assert export_filename(dt.date(2026, 11, 2), dt.date(2026, 11, 30)) == "对接记录_2026-11-02_2026-11-30.xlsx"
    assert parse_capital("3 内资到位 5000万") == (3, {"domestic_in_place": (50_000_000, False, "CNY")})
    assert parse_capital("#7 内资协议 2亿 外资到位 +300万") == (
        7, {"domestic_agreed": (200_000_000, False, "CNY"), "foreign_in_place": (3_000_000, True, "CNY")})
    for bad in ("", "内资到位 5000万", "3 到位 5000万", "3 内资到位 很多"):
        with pytest.raises(ValueError):
            parse_capital(bad)
    assert person_label("张", "总") == "张总"
    assert person_label("冷友斌", "董事长") == "冷友斌 董事长"
    assert person_label("Li", "VP") == "VP Li"
    assert person_label(None, "副总") == "副总"


def test_topic_naming_another_project_asks_instead_of_attaching(service):
    officer = user(service, 1)
    old = service.projects.find_or_create("飞鹤", "北安乳制品加工二期项目", "北安市", company_id="feihe",
                                          user=officer, now=NOW)
    draft = service.inputs.draft_from_text("今天见了飞鹤张总，谈液态奶项目", TODAY)
    choice = service.project_service.project_choice(draft, "北安市")
    assert (choice.kind, choice.project.id, choice.name) == ("ask", old.id, "液态奶项目")
    with pytest.raises(ValueError):
        service.save(draft, officer, NOW)                     # never attached silently
    assert not service.meetings.mine(1)
    draft.project = {"id": old.id}                         # "same project"
    assert service.save(draft, officer, NOW).project.id == old.id
    # a subject that names no project still joins the company's only project
    talk = service.inputs.draft_from_text("今天见了飞鹤李总，谈扩产进度", TODAY)
    assert service.project_service.project_choice(talk, "北安市").kind == "existing"
    # nor does the project's own name
    same = service.inputs.draft_from_text("今天见了飞鹤李总，谈乳制品加工二期项目", TODAY)
    assert service.project_service.project_choice(same, "北安市").kind == "existing"


def test_typed_values_outside_the_bounds_are_asked(service):
    far = service.inputs.parse_field("meeting_date", "9999-12-31", TODAY)
    assert far.changes is None and far.question["values"] == ["9999-12-31"]
    assert "确认是9999年12月31日" in far.question["prompt"]
    old = service.inputs.parse_field("followup_date", "1999年3月1日", TODAY)
    assert old.question["values"] == ["1999-03-01"]
    huge = service.inputs.parse_field("amount", "9999999亿", TODAY)
    assert huge.question["values"] == [9_999_999 * 10 ** 8] and "amount" not in (huge.changes or {})
    assert service.inputs.parse_field("meeting_date", "2026-02-30", TODAY).error.startswith("「2026-02-30」不是有效日期")
    assert service.inputs.parse_field("amount", "9000亿", TODAY).changes["amount_yuan"] == 9000 * 10 ** 8


def test_known_company_fills_the_chains(service):
    draft = Draft(f={"company": "中国储备粮管理集团有限公司", "company_id": "sinograin", "chain_ids": []})
    service.inputs.fill_chains(draft)
    assert draft.f["chain_ids"] == ["grain_logistics", "soybean", "corn"]
    chosen = Draft(f={"company_id": "sinograin", "chain_ids": ["dairy"]})
    service.inputs.fill_chains(chosen)
    assert chosen.f["chain_ids"] == ["dairy"]              # a choice is never overwritten
    assert service.resolver().company_chains("sinograin_hlj")   # a branch has its own (or its group's)
    draft.f.update(company="内蒙古伊利实业集团股份有限公司", company_id="yili")   # the company changed
    service.inputs.fill_chains(draft)
    assert draft.f["chain_ids"] == service.resolver().company_chains("yili") != ["grain_logistics", "soybean", "corn"]


def test_person_label_with_address_forms():
    assert person_label("张总", None) == "张总"
    assert person_label("张总经理", "总经理") == "张总经理"
    assert person_label("王振江", "总经理") == "王振江 总经理"


def test_capital_without_agreement():
    zero = {"domestic_in_place": 0, "foreign_in_place": 0, "domestic_agreed": 0, "foreign_agreed": 0}
    assert capital_without_agreement(zero, {"domestic_in_place": 5})  == ["domestic"]
    assert capital_without_agreement(zero, {"domestic_in_place": 5, "domestic_agreed": 9}) == []
    assert capital_without_agreement({**zero, "foreign_agreed": 9}, {"foreign_in_place": 5}) == []
    assert capital_without_agreement(zero, {"domestic_agreed": 9}) == []
    assert capital_without_agreement({**zero, "domestic_in_place": 5}, {"domestic_in_place": 3}) == []   # a correction down
