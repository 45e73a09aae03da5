"""The answers of the seven lists (promo/ask/answers.py), the problem parser and store
(promo/ask/problems.py), the `check` messages of the new lists and `bot.py ask --json`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest

from promo.store.db import Database, InvalidTransition
from promo.ask.intent import IntentIndex
from promo.ask.answers import Context, ask
from promo.meetings.store import MeetingStore
from promo.ask.problems import ProblemStore, parse_problem

from .conftest import NOW, ROOT, TODAY

KINDS = {"material", "person", "event", "policy", "project", "target", "resource", "problem", "brief"}


@dataclass
class Officer:
    user_id: int = 1002
    display_name: str = "刘专员"
    role: str = "officer"
    unit: str | None = "北安市"


@pytest.fixture
def stores(tmp_path, library):
    db = Database(f"sqlite:///{tmp_path / 'promo.db'}")
    db.migrate()
    problems = ProblemStore(db)
    problems.import_seed(library.lists["problems"], now=NOW)
    yield problems, MeetingStore(db)
    db.dispose()


@pytest.fixture(scope="module")
def index(matcher):
    return IntentIndex(matcher.library, matcher.gazetteer)


@pytest.fixture
def ctx(matcher, index, stores):
    problems, meetings = stores
    return Context(matcher=matcher, index=index, today=TODAY, private=True, user=Officer(),
                   problems=problems, meetings=meetings)


def items(answer, key=None):
    return [i for s in answer.sections if key is None or s.key == key for i in s.items]


# ---------------------------------------------------------------------- 去哪招

def test_an_event_by_name_with_dates_place_and_attendees(ctx):
    a = ask("中博会在哪儿办，几号", ctx)
    [e] = items(a, "events")
    assert (e.kind, e.id, e.record["city"], e.record["start"]) == ("event", "chpa_expo_2027", "郑州", "2027-05-18")
    assert "2027年5月18日—21日" in e.lines[0] and "市招商局" in e.lines[1]


def test_events_by_period_and_chain(ctx):
    dec = ask("下个月有什么招商活动", ctx)
    starts = [i.record["start"] for i in items(dec, "events")]
    assert starts and all(s.startswith("2026-12") for s in starts)
    dairy = ask("乳业 招商会 有哪些", ctx)
    assert items(dairy, "events") and all("dairy" in i.record["chains"] for i in items(dairy, "events"))
    assert any(u.startswith("产业链") for u in dairy.understood)


# ---------------------------------------------------------------------- 配套什么

def test_policies_by_factor(ctx):
    a = ask("用水用气能给什么支持", ctx)
    got = [i.id for i in items(a, "policies")]
    assert "water_supply" in got and "gas_price_support" in got
    assert all(i.kind == "policy" and i.record["source"] for i in items(a, "policies"))


def test_an_expired_policy_is_never_offered_and_check_warns(tmp_path, matcher, index, stores):
    from promo.lists.loader import load_library
    from promo.matching.matcher import Matcher

    from .botkit import data_copy

    root = data_copy(tmp_path)
    path = root / "lists" / "policies.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: water_supply")
    path.write_text(text[:start] + text[start:].replace("  valid_from: 2025-01-01\n",
                                                       "  valid_from: 2025-01-01\n  expires: 2026-06-30\n", 1),
                    encoding="utf-8")
    lib = load_library(root, today=TODAY, use_cache=False)
    [w] = [w for w in lib.warnings if "expired on 2026-06-30" in w.message]
    assert w.file == "lists/policies.yaml" and w.line > 0 and "renew" in w.fix
    m = Matcher(lib)
    c = Context(matcher=m, index=IntentIndex(lib, m.gazetteer), today=TODAY, problems=stores[0])
    assert "water_supply" not in [i.id for i in items(ask("工业用水 优惠政策", c), "policies")]


def test_the_asks_upwards_are_for_leads(ctx):
    officer = ask("用地指标 需要跟省里要吗", ctx)
    assert not items(officer, "asks") and "仅限领导" in officer.message
    ctx.user = Officer(role="lead")
    lead = ask("用地指标 需要跟省里要吗", ctx)
    assert "ask_power_quota" in [i.id for i in items(lead, "asks")]


# ---------------------------------------------------------------------- 招什么

def test_projects_of_a_chain(ctx):
    a = ask("铜产业链的招商项目清单", ctx)
    got = [i.id for i in items(a, "projects")]
    assert "duobaoshan_copper_processing" in got and all(i.kind == "project" for i in items(a, "projects"))
    [p] = [i for i in items(a, "projects") if i.id == "duobaoshan_copper_processing"]
    assert p.record["open_problems"] == 1 and "用地指标不足" in p.lines[-1]


def test_targets_not_met_yet_follow_the_meeting_log(ctx):
    ctx.meetings.add({"company": "中国飞鹤有限公司", "company_id": "feihe", "meeting_date": dt.date(2026, 11, 10)},
                     Officer(), NOW)
    not_met = ask("乳制品链上哪些目标企业还没对接过", ctx)
    ids = [i.id for i in items(not_met, "targets")]
    assert "yili" in ids and "feihe" not in ids
    every = ask("乳制品 目标企业名单", ctx)
    [feihe] = [i for i in items(every, "targets") if i.id == "feihe"]
    assert feihe.kind == "target" and feihe.record["last_met"] == "2026-11-10" and "北安市" in feihe.lines[0]


def test_is_a_company_on_the_target_list(ctx):
    a = ask("飞鹤在不在乳业目标企业清单里", ctx)
    [s] = [s for s in a.sections if s.key == "targets"]
    assert s.note.startswith("✅ 中国飞鹤有限公司")


# ---------------------------------------------------------------------- 有什么

def test_resources_with_figures_and_material(ctx):
    a = ask("黑河有什么矿", ctx)
    first = items(a, "resources")[0]
    assert (first.kind, first.id) == ("resource", "copper_ore")
    assert "铜金属资源量 700万吨" in first.lines[0] and first.record["material_title"]


def test_the_chain_map(ctx):
    a = ask("乳业产业链图谱 上中下游", ctx)
    [m] = items(a, "map")
    assert m.record["chain"] == "dairy" and m.lines[0].startswith("⬆️ 上游")


# ---------------------------------------------------------------------- 解决什么

def test_a_problem_report_is_parsed_into_a_draft(matcher):
    d = parse_problem("飞鹤反映环评批复慢，希望月底前解决", matcher, TODAY)
    assert (d.company_id, d.project_ref, d.stage, d.unit, d.deadline) == (
        "feihe", "beian_milk_powder", "approval", "市生态环境局", dt.date(2026, 11, 30))
    assert d.summary == "飞鹤反映环评批复慢"
    d = parse_problem("象屿反映土地证办不下来，昨天见面时提的，请协调", matcher, TODAY)
    assert (d.company_id, d.stage, d.unit, d.deadline) == ("xiangyu", "land", "市自然资源局", None)


def test_problem_states_and_the_seed_import(stores, matcher, library):
    problems, _ = stores
    assert problems.import_seed(library.lists["problems"], now=NOW) == 0      # once only
    row = problems.add(parse_problem("九三反映电力增容迟迟没批", matcher, TODAY), Officer(), NOW)
    assert (row.status, row.stage, row.unit) == ("open", "construction", "国网黑河供电公司")
    with pytest.raises(ValueError):
        problems.set_status(row.id, "solved", Officer(), NOW)                  # a note is required
    problems.set_status(row.id, "in_progress", Officer(), NOW)
    done = problems.set_status(row.id, "solved", Officer(), NOW, note="供电公司已批复增容")
    assert done.status == "solved" and done.solved_at is not None
    with pytest.raises(InvalidTransition):
        problems.set_status(row.id, "open", Officer(), NOW)
    overdue = problems.overdue(TODAY)
    assert "市生态环境局" in overdue and all(r.status != "solved" for rows in overdue.values() for r in rows)


def test_problem_records_stay_out_of_groups(ctx):
    ctx.private = False
    a = ask("投资者反映的问题 还有多少没解决", ctx)
    assert not a.sections and "私聊" in a.message
    profile = ask("飞鹤乳业 副总 北京 奶粉", ctx)
    assert not items(profile, "people") and items(profile, "materials")


# ---------------------------------------------------------------------- the brief

def test_the_brief_sections(ctx):
    a = ask("明天见飞鹤王总", ctx)
    keys = [s.key for s in a.sections]
    assert keys[:2] == ["who", "contacts"] and {"materials", "people", "open", "policies", "events",
                                                 "followups"} <= set(keys)
    assert {i.kind for i in items(a)} <= KINDS


def test_no_company_no_brief(ctx):
    a = ask("明天见个客户 准备下背景", ctx)
    assert a.intent.intent == "brief" and "没认出" in a.message


# ---------------------------------------------------------------------- bot.py ask

@pytest.mark.parametrize("text, intent, kind", [
    ("龙商回归大会哪天开", "event", "event"), ("用水用气能给什么支持", "policy", "policy"),
    ("铜产业链的招商项目清单", "project", "project"), ("乳制品 目标企业名单", "project", "target"),
    ("大豆产量多少", "resource", "resource"), ("明天见飞鹤王总", "brief", "brief"),
    ("飞鹤乳业 副总 北京 奶粉", "profile", "person"), ("铜产业链的图册有吗", "say", "material"),
    ("投资者反映的问题 还有多少没解决", "problem", "problem"),
])
def test_cli_ask_json(tmp_path, monkeypatch, capsys, text, intent, kind):
    from promo.cli import main

    monkeypatch.setenv("PROMO_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["ask", text, "--json", "--today", "2026-11-26", "--data", str(ROOT)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["intent"] == intent
    found = [i["kind"] for s in out["sections"] for i in s["items"]]
    assert kind in found and set(found) <= KINDS


def test_cli_ask_text(tmp_path, monkeypatch, capsys):
    from promo.cli import main

    monkeypatch.setenv("PROMO_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["ask", "飞鹤反映环评批复慢，希望月底前解决", "--today", "2026-11-26", "--data", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("意图 intent: problem") and "市生态环境局" in out
