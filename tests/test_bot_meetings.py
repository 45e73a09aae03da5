"""Meeting log end to end: the real application against the strict fake Bot API.

One message → card → fix a field → save; questions for ambiguous dates and two companies;
English; the duplicate-contact warning; the step-by-step form across a restart; kill -9 right
after "已保存"; a reminder rebuilt after a restart; /todo; /export; refusing to edit someone
else's meeting; /project with a confirmed stage move. Every test fails if the bot sent
anything Telegram would refuse or left a button unanswered (the `fakebot` fixture).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from promo.store.db import Database
from promo.meetings.export import HEADERS
from promo.meetings.store import MeetingStore
from promo.store.tables import Project

from .botkit import LEAD, OFFICER, build_bot, kill_9_after, running
from .conftest import NOW, TODAY
from .sample import BEIDAHUANG_VP, FEIHE_VP, company, person

pytestmark = pytest.mark.asyncio

FEIHE = "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访"
UTC = dt.timezone.utc


def texts(calls) -> str:
    return "\n".join(c.params.get("text", "") or c.params.get("caption", "") for c in calls
                     if c.method in ("sendMessage", "editMessageText", "sendDocument"))


def labels(call) -> list[str]:
    from tests.fakebot import FakeBotAPI

    return [label for row in FakeBotAPI.buttons(call) for label, _ in row]


def meetings_of(bot):
    return bot.services.meetings.iter_all()


def field(text: str, label: str) -> str:
    m = re.search(rf"^{label}：(.*)$", text, re.M)
    return m.group(1) if m else ""


# ---------------------------------------------------------------------- one message


async def test_one_message_card_fix_amount_and_save(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, FEIHE)
        card = calls[-1]
        text = fakebot.plain(card.params["text"])
        assert "说什么" not in text                            # the meeting handler, not the answer card
        assert field(text, "日期") == "2026年11月26日（周四）"
        assert field(text, "地点") == "北京市"
        assert field(text, "企业").startswith(company("feihe").name) and "名单企业" in field(text, "企业")
        assert field(text, "人员") == "张总" and field(text, "职务") == "—"      # 张总 is the person
        assert field(text, "产业链") == "乳制品产业链"
        assert field(text, "金额") == "约5亿元（投资）"
        assert field(text, "阶段") == "对接"
        assert field(text, "洽谈内容") == "奶粉工厂扩产"
        assert field(text, "下一步") == "下周三回访"
        assert field(text, "回访日期") == "2026年12月2日（周三）"
        assert "将新建「奶粉工厂扩产」" in text
        assert {"✅ 保存", "❌ 取消", "✏️ 金额", "✏️ 日期", "✏️ 阶段", "✏️ 产业链"} <= set(labels(card))
        assert not meetings_of(bot)                           # nothing is saved before ✅

        ask = await fakebot.press(bot.app, bot.officer, card, "✏️ 金额")
        assert [c.method for c in ask] == ["answerCallbackQuery", "editMessageText"]
        assert "修改金额" in ask[-1].params["text"]
        fixed = await fakebot.send_text(bot.app, bot.officer, "3亿")
        new_card = fixed[-1]
        assert field(fakebot.plain(new_card.params["text"]), "金额") == "3亿元（投资）"

        saved = await fakebot.press(bot.app, bot.officer, new_card, "✅ 保存")
    done = fakebot.plain(saved[-1].params["text"])
    number = int(re.search(r"已保存 · 记录 #(\d+)", done).group(1))
    assert "⏰ 将于 12月2日 09:00 提醒回访" in done
    m = bot.services.meetings.get(number)
    assert (m.meeting_date, m.followup_date) == (TODAY, dt.date(2026, 12, 2))
    assert (m.place, m.company, m.company_id, m.person, m.title) == ("北京市", company("feihe").name, "feihe", "张总", None)
    assert (m.amount_yuan, m.currency, m.stage, m.topic) == (300_000_000, "CNY", "contact", "奶粉工厂扩产")
    assert m.chain_ids == ["dairy"] and m.raw == FEIHE
    assert (m.logged_by, m.unit) == (OFFICER, "北安市")
    project = bot.services.projects.get(m.project_id).project
    assert (project.name, project.company_id, project.unit, project.stage) == ("奶粉工厂扩产", "feihe", "北安市", "contact")
    assert f"#{project.id}" in done and "新建" in done


async def test_a_profile_is_not_a_meeting_and_its_card_offers_the_form(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
        card = calls[-1]
        assert "说什么" in fakebot.plain(card.params["text"])
        assert "📝 记录对接" in labels(card)
        form = await fakebot.press(bot.app, bot.officer, card, "📝 记录对接")
        question = form[-1]
        assert question.method == "sendMessage"               # the answer card stays as it was
        assert "是这家企业吗" in question.params["text"]
        assert company("feihe").name in labels(question)
        step2 = await fakebot.press(bot.app, bot.officer, question, company("feihe").name)
        text = fakebot.plain(step2[-1].params["text"])
        assert "第 2/5 步" in text and f"企业：{company('feihe').name}" in text
        assert {"今天", "昨天", "其他日期"} <= set(labels(step2[-1]))
        await fakebot.press(bot.app, bot.officer, step2[-1], "❌ 取消")
    assert not meetings_of(bot)


async def test_ambiguous_date_is_asked_with_two_buttons(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "3/12见了伊利王总")
        ask = calls[-1]
        assert "「3/12」指的是哪一天" in ask.params["text"] and "日期：" not in ask.params["text"]
        choices = [label for label in labels(ask) if "年" in label]
        assert choices == ["2025年12月3日（周三）", "2026年3月12日（周四）"]
        card = await fakebot.press(bot.app, bot.officer, ask, "2026年3月12日（周四）")
        text = fakebot.plain(card[-1].params["text"])
        assert field(text, "日期") == "2026年3月12日（周四）"
        assert field(text, "企业").startswith(company("yili").name)
        await fakebot.press(bot.app, bot.officer, card[-1], "✅ 保存")
    [m] = meetings_of(bot)
    assert m.meeting_date == dt.date(2026, 3, 12)


async def test_two_companies_are_asked_not_guessed(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "昨天在哈尔滨见了飞鹤张总和伊利李总")
        ask = calls[-1]
        assert "哪家企业" in ask.params["text"]
        assert {company("feihe").name, company("yili").name} <= set(labels(ask))
        # typing instead of choosing works too
        card = await fakebot.send_text(bot.app, bot.officer, "伊利")
        assert field(fakebot.plain(card[-1].params["text"]), "企业").startswith("内蒙古伊利")


async def test_english_message(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "Met COFCO VP Li in Harbin yesterday, RMB 200 million")
        text = fakebot.plain(calls[-1].params["text"])
        assert field(text, "日期") == "2026年11月25日（周三）"
        assert field(text, "地点") == "哈尔滨市"
        assert field(text, "企业").startswith(company("cofco").name)
        assert (field(text, "人员"), field(text, "职务")) == ("Li", "VP")
        assert field(text, "金额") == "2亿元（投资）"
        await fakebot.press(bot.app, bot.officer, calls[-1], "✅ 保存")
    [m] = meetings_of(bot)
    assert (m.company_id, m.amount_yuan, m.meeting_date) == ("cofco", 200_000_000, dt.date(2026, 11, 25))


async def test_log_command_with_text_and_a_stale_card(bot, fakebot):
    async with running(bot):
        first = (await fakebot.send_text(bot.app, bot.officer, "/log 昨天拜访了中粮集团，谈玉米深加工"))[-1]
        assert field(fakebot.plain(first.params["text"]), "企业").startswith(company("cofco").name)
        second = (await fakebot.send_text(bot.app, bot.officer, "今天见了蒙牛李总，谈液态奶"))[-1]
        stale = await fakebot.press(bot.app, bot.officer, first, "✅ 保存")     # replaced by the newer draft
        assert stale[-1].method == "answerCallbackQuery" and "已过期" in stale[-1].params["text"]
        assert not meetings_of(bot)
        cancelled = await fakebot.press(bot.app, bot.officer, second, "❌ 取消")
        assert "已取消" in cancelled[-1].params["text"] and not fakebot.buttons(cancelled[-1])
        # after the form is gone, a visitor profile goes to the answer card again
        profile = await fakebot.send_text(bot.app, bot.officer, "乳制品 视频")
        assert "说什么" in fakebot.plain(profile[-1].params["text"])
    assert not meetings_of(bot)


async def test_commands_menu_help_and_start_line(bot, fakebot):
    async with running(bot):
        menus = fakebot.requests("setMyCommands")
        start = await fakebot.send_text(bot.app, bot.officer, "/start")
        help_text = texts(await fakebot.send_text(bot.app, bot.officer, "/help"))
    private = [c for c in menus if c.params.get("scope", {}).get("type") == "all_private_chats"]
    names = {cmd["command"] for c in private for cmd in c.params["commands"]}
    assert {"log", "todo", "mine", "project", "export", "capital"} <= names
    assert all(f"/{name}" in help_text for name in ("log", "todo", "mine", "project", "export"))
    assert "记录对接" in texts(start) and "/log" in texts(start)


async def test_meeting_text_in_a_group_is_not_logged(bot, fakebot):
    group = fakebot.group(-100200, "招商工作群")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/log " + FEIHE, chat=group)
        assert "私聊" in texts(calls)
    assert not meetings_of(bot)


# ---------------------------------------------------------------------- duplicate warning


async def test_duplicate_contact_warning_names_the_other_unit(bot, fakebot):
    async with running(bot):
        lead_card = (await fakebot.send_text(bot.app, bot.lead, "11月20日在哈尔滨见了飞鹤李总，谈液态奶"))[-1]
        assert "⚠️" not in lead_card.params["text"]
        await fakebot.press(bot.app, bot.lead, lead_card, "✅ 保存")
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        assert "⚠️ 乳制品专班 王组长 于 11月20日 已对接过该企业" in fakebot.plain(card.params["text"])
        # the same unit's own earlier meeting is no warning; another company none either
        other = (await fakebot.send_text(bot.app, bot.officer, "今天见了伊利王总，谈奶源"))[-1]
        assert "⚠️" not in other.params["text"]


async def test_no_warning_after_ninety_days(bot, fakebot):
    lead = bot.services.user(LEAD)
    bot.services.meetings.add({"company": "中国飞鹤有限公司", "company_id": "feihe",
                               "meeting_date": TODAY - dt.timedelta(days=91)}, lead, NOW)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
    assert "⚠️" not in card.params["text"]


# ---------------------------------------------------------------------- the form and restarts


async def test_step_by_step_form_survives_a_restart(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        step1 = (await fakebot.send_text(bot.app, bot.officer, "/log"))[-1]
        assert "第 1/5 步" in step1.params["text"] and "哪家企业" in step1.params["text"]
        step2 = (await fakebot.send_text(bot.app, bot.officer, "伊利"))[-1]
        assert "第 2/5 步" in step2.params["text"]
        step3 = await fakebot.press(bot.app, bot.officer, step2, "昨天")
        assert "第 3/5 步" in step3[-1].params["text"]
    assert not meetings_of(bot)

    restarted = build_bot(fakebot, tmp_path)                   # same database = a restart
    async with running(restarted):
        step4 = (await fakebot.send_text(restarted.app, restarted.officer, "液态奶工厂扩建"))[-1]
        assert "第 4/5 步" in step4.params["text"]
        assert "洽谈内容：液态奶工厂扩建" in fakebot.plain(step4.params["text"])
        step5 = (await fakebot.send_text(restarted.app, restarted.officer, "5000万"))[-1]
        assert "第 5/5 步" in step5.params["text"]
        card = await fakebot.press(restarted.app, restarted.officer, step5, "跳过")
        text = fakebot.plain(card[-1].params["text"])
        assert field(text, "日期") == "2026年11月25日（周三）"
        assert field(text, "金额") == "5000万元（投资）"
        assert field(text, "回访日期") == "—"
        await fakebot.press(restarted.app, restarted.officer, card[-1], "✅ 保存")
    [m] = meetings_of(restarted)
    assert (m.company_id, m.meeting_date, m.topic, m.amount_yuan, m.followup_date) == \
        ("yili", dt.date(2026, 11, 25), "液态奶工厂扩建", 50_000_000, None)


async def test_unconfirmed_card_survives_a_restart(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
    restarted = build_bot(fakebot, tmp_path)
    async with running(restarted):
        saved = await fakebot.press(restarted.app, restarted.officer, card, "✅ 保存")
    assert "已保存" in saved[-1].params["text"]
    assert len(meetings_of(restarted)) == 1


async def test_kill_9_right_after_saved_loses_nothing(tmp_path):
    """tests/killbot.py runs the real application (job queue and persistence loop started)
    in a subprocess, logs a meeting and prints SAVED once the fake has recorded "已保存"."""
    line = kill_9_after("SAVED ", "tests.killbot", str(tmp_path))
    meeting_id = int(line.split()[1])
    db = Database(f"sqlite:///{tmp_path / 'promo.db'}")
    try:
        m = MeetingStore(db).get(meeting_id)
        assert m is not None and m.company_id == "feihe" and m.amount_yuan == 500_000_000
        assert m.logged_by == OFFICER and m.project_id is not None
        with db.read() as s:
            assert s.get(Project, m.project_id).name == "奶粉工厂扩产"
    finally:
        db.dispose()


# ---------------------------------------------------------------------- follow-ups


async def test_reminder_is_rebuilt_after_a_restart_and_fires_once(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
        assert [j for j in bot.app.job_queue.jobs() if j.name.startswith("mtg-remind:")]
    [m] = meetings_of(bot)

    restarted = build_bot(fakebot, tmp_path)
    async with running(restarted):
        jobs = [j for j in restarted.app.job_queue.jobs() if j.name.startswith("mtg-remind:")]
        assert len(jobs) == 1
        when = jobs[0].data["when"]
        assert dt.datetime.fromisoformat(when) == dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC)   # 09:00 Beijing
        assert any(j.name == "mtg-remind-scan" for j in restarted.app.job_queue.jobs())
        restarted.clock.now = dt.datetime(2026, 12, 2, 9, 0, 5, tzinfo=NOW.tzinfo)
        before = len(fakebot.calls)
        await jobs[0].run(restarted.app)
        sent = [c for c in fakebot.calls[before:] if c.method == "sendMessage"]
        assert len(sent) == 1 and str(sent[0].params["chat_id"]) == str(OFFICER)
        text = fakebot.plain(sent[0].params["text"])
        assert "回访提醒" in text and company("feihe").name in text and "下周三回访" in text
        await jobs[0].run(restarted.app)                       # a second run (e.g. the scan) stays silent
        assert not [c for c in fakebot.calls[before + len(sent) + 1:] if c.method == "sendMessage"]
        # the reminder's ✓ closes the follow-up
        done = await fakebot.press(restarted.app, restarted.officer, sent[0], "✓ 已回访")
        assert "已回访" in done[-1].params["text"]
    assert restarted.services.meetings.get(m.id).followup_done_at is not None

    third = build_bot(fakebot, tmp_path)                      # sent and done: nothing to schedule
    async with running(third):
        assert not [j for j in third.app.job_queue.jobs() if j.name.startswith("mtg-remind:")]


async def test_todo_lists_due_overdue_upcoming_and_nudges(bot, fakebot):
    officer = bot.services.user(OFFICER)
    add = bot.services.meetings.add
    due = add({"company": "甲公司", "meeting_date": TODAY - dt.timedelta(days=5), "followup_date": TODAY,
               "next_step": "寄送园区资料"}, officer, NOW)
    late = add({"company": "乙公司", "meeting_date": TODAY - dt.timedelta(days=20),
                "followup_date": TODAY - dt.timedelta(days=3)}, officer, NOW)
    add({"company": "丙公司", "meeting_date": TODAY, "followup_date": TODAY + dt.timedelta(days=4)}, officer, NOW)
    add({"company": "丁公司", "meeting_date": TODAY, "followup_date": TODAY}, bot.services.user(LEAD), NOW)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/todo")
        text = fakebot.plain(texts(calls))
        assert "今天回访" in text and "1. 甲公司 — 寄送园区资料" in text
        assert "已逾期" in text and "2. 乙公司" in text and "逾期 3 天" in text
        assert "近 7 天" in text and "3. 丙公司" in text
        assert "丁公司" not in text                            # someone else's follow-up
        # nudges: people whose liaison is the officer's unit (北安市), not met for 90 days
        assert "该联系的人" in text and person(BEIDAHUANG_VP).name in text
        assert person(FEIHE_VP).name not in text                           # contacted on 2026-10-20
        assert "1380000" not in text                          # never a phone number
        done = await fakebot.press(bot.app, bot.officer, calls[-1], "✓ 1")
        assert "甲公司" not in fakebot.plain(done[-1].params["text"])
    assert bot.services.meetings.get(due.id).followup_done_at is not None
    assert bot.services.meetings.get(late.id).followup_done_at is None


# ---------------------------------------------------------------------- /mine and /export


async def test_export_sends_xlsx_with_the_right_rows(bot, fakebot):
    from openpyxl import load_workbook

    svc = bot.services
    svc.access.seed([{"id": 1004, "role": "officer", "unit": "乳制品专班", "name": "赵专员"}], NOW)
    officer, lead, colleague = svc.user(OFFICER), svc.user(LEAD), svc.user(1004)
    svc.meetings.add({"company": "中国飞鹤有限公司", "meeting_date": dt.date(2026, 11, 3), "amount_yuan": 500_000_000,
                      "topic": "奶粉工厂扩产", "chain_ids": ["dairy"]}, officer, NOW)
    svc.meetings.add({"company": "=HYPERLINK(\"x\")", "meeting_date": dt.date(2026, 11, 20)}, officer, NOW)
    svc.meetings.add({"company": "十月的企业", "meeting_date": dt.date(2026, 10, 30)}, officer, NOW)
    svc.meetings.add({"company": "伊利", "meeting_date": dt.date(2026, 11, 5)}, lead, NOW)
    svc.meetings.add({"company": "蒙牛", "meeting_date": dt.date(2026, 11, 6)}, colleague, NOW)
    async with running(bot):
        mine = await fakebot.send_text(bot.app, bot.officer, "/export")
        october = await fakebot.send_text(bot.app, bot.officer, "/export 2026-10-15 2026-10-31")
        unit = await fakebot.send_text(bot.app, bot.lead, "/export")
        empty = await fakebot.send_text(bot.app, bot.officer, "/export 2025-01")
    assert "没有" in texts(empty)
    doc = [c for c in mine if c.method == "sendDocument"][0]
    upload = doc.files["document"]
    assert upload.filename == "对接记录_2026-11.xlsx" and "共 2 条" in doc.params["caption"]
    ws = load_workbook(io.BytesIO(upload.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [r[2] for r in rows[1:]] == ["中国飞鹤有限公司", "=HYPERLINK(\"x\")"]
    assert rows[1][0] == dt.datetime(2026, 11, 3) and rows[1][5] == "乳制品产业链" and rows[1][7] == 50000
    assert ws.cell(row=3, column=3).data_type == "s"        # text, never a formula
    oct_doc = [c for c in october if c.method == "sendDocument"][0]
    assert oct_doc.files["document"].filename == "对接记录_2026-10-15_2026-10-31.xlsx"
    assert [r[2] for r in load_workbook(io.BytesIO(oct_doc.files["document"].data)).active.iter_rows(
        min_row=2, values_only=True)] == ["十月的企业"]
    unit_rows = list(load_workbook(io.BytesIO([c for c in unit if c.method == "sendDocument"][0]
                                              .files["document"].data)).active.iter_rows(min_row=2, values_only=True))
    assert sorted(r[2] for r in unit_rows) == ["伊利", "蒙牛"]   # the lead gets the whole unit's


async def test_mine_edits_own_meeting_with_history(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
        [m] = meetings_of(bot)
        listing = (await fakebot.send_text(bot.app, bot.officer, "/mine"))[-1]
        assert f"#{m.id}" in listing.params["text"] and company("feihe").name in listing.params["text"]
        opened = (await fakebot.press(bot.app, bot.officer, listing, f"✏️ #{m.id}"))[-1]
        assert f"对接记录 #{m.id}" in opened.params["text"] and "✏️ 金额" in labels(opened)
        await fakebot.press(bot.app, bot.officer, opened, "✏️ 阶段")
        staged = await fakebot.press(bot.app, bot.officer, opened, "签约")
        assert "已修改" in staged[-1].params["text"]
        await fakebot.press(bot.app, bot.officer, staged[-1], "✏️ 金额")
        edited = (await fakebot.send_text(bot.app, bot.officer, "2亿"))[-1]
        assert "已修改" in edited.params["text"] and "2亿元" in edited.params["text"]
    after = bot.services.meetings.get(m.id)
    assert (after.stage, after.amount_yuan, after.version) == ("signed", 200_000_000, 3)
    history = {h.field for h in bot.services.meetings.history(m.id)}
    assert {"stage", "amount_yuan", "amount"} <= history


async def test_editing_someone_elses_meeting_is_refused(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
        [m] = meetings_of(bot)
        refused = await fakebot.send_text(bot.app, bot.lead, f"/mine {m.id}")   # a lead of another unit
        assert "不是您记录的" in texts(refused) and "奶粉工厂扩产" not in texts(refused)
        refused = await fakebot.send_text(bot.app, bot.admin, f"/mine {m.id}")
        assert "不是您记录的" in texts(refused)


async def test_concurrent_edit_is_not_overwritten(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
        [m] = meetings_of(bot)
        opened = (await fakebot.send_text(bot.app, bot.officer, f"/mine {m.id}"))[-1]
        # meanwhile the same meeting is changed elsewhere (another phone, a lead)
        bot.services.meetings.edit(m.id, {"topic": "改过的内容"}, bot.services.user(OFFICER), NOW,
                                   expected_version=m.version)
        await fakebot.press(bot.app, bot.officer, opened, "✏️ 金额")
        answer = (await fakebot.send_text(bot.app, bot.officer, "1亿"))[-1]
        assert "刚被他人修改" in answer.params["text"] and "改过的内容" in answer.params["text"]
    after = bot.services.meetings.get(m.id)
    assert (after.topic, after.amount_yuan) == ("改过的内容", 500_000_000)


# ---------------------------------------------------------------------- projects


async def test_project_history_and_advance_asks_first(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
        [m] = meetings_of(bot)
        shown = (await fakebot.send_text(bot.app, bot.officer, "/project 奶粉工厂"))[-1]
        text = fakebot.plain(shown.params["text"])
        assert "奶粉工厂扩产" in text and "阶段记录" in text and "2026-11-26 对接" in text
        assert "刘专员 见 张总：奶粉工厂扩产" in text
        assert "🛠 更正阶段" not in labels(shown)              # corrections are for leads and admins
        ask = await fakebot.press(bot.app, bot.officer, shown, "⏩ 推进到下一阶段（签约）")
        assert "确认推进阶段" in ask[-1].params["text"]
        assert bot.services.projects.get(m.project_id).project.stage == "contact"   # not before ✅
        moved = await fakebot.press(bot.app, bot.officer, ask[-1], "✅ 确认")
        assert "已推进到「签约」" in moved[-1].params["text"]
        view = bot.services.projects.get(m.project_id)
        assert (view.project.stage, view.project.signed_date) == ("signed", TODAY)
        asked = await fakebot.send_text(bot.app, bot.officer, f"/capital {m.project_id} 内资到位 5000万")
        assert "还没有登记内资协议" in fakebot.plain(texts(asked))        # no agreed amount: asked first
        assert bot.services.projects.get(m.project_id).project.domestic_in_place_yuan == 0
        capital = await fakebot.press(bot.app, bot.officer, asked[-1], "✅ 确认无协议，照此登记")
        assert "到位 5000万元" in fakebot.plain(texts(capital))
        assert bot.services.projects.get(m.project_id).project.domestic_in_place_yuan == 50_000_000
        # another unit sees the project read-only, without the meetings' details
        other = (await fakebot.send_text(bot.app, bot.lead, f"/project {m.project_id}"))[-1]
        assert "⏩" not in " ".join(labels(other)) and "张总" not in other.params["text"]


# ---------------------------------------------------------------------- issue 10 / issue 9 (card and form)


async def test_form_company_brings_its_chains(bot, fakebot):
    async with running(bot):
        await fakebot.send_text(bot.app, bot.officer, "/log")
        step2 = (await fakebot.send_text(bot.app, bot.officer, "中储粮"))[-1]
        assert "第 2/5 步" in step2.params["text"]
        step3 = await fakebot.press(bot.app, bot.officer, step2, "昨天")
        step4 = await fakebot.press(bot.app, bot.officer, step3[-1], "跳过")
        step5 = await fakebot.press(bot.app, bot.officer, step4[-1], "跳过")
        card = await fakebot.press(bot.app, bot.officer, step5[-1], "跳过")
        text = fakebot.plain(card[-1].params["text"])
        assert field(text, "企业").startswith(company("sinograin").name)
        assert "粮食仓储物流产业链" in field(text, "产业链")
        await fakebot.press(bot.app, bot.officer, card[-1], "✅ 保存")
    [m] = meetings_of(bot)
    assert m.company_id == "sinograin" and "grain_logistics" in m.chain_ids


async def test_english_message_gets_the_company_chains(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "Met COFCO VP Li in Harbin yesterday, RMB 200 million")
        chains = field(fakebot.plain(calls[-1].params["text"]), "产业链")
        assert "粮食仓储物流产业链" in chains and "大豆精深加工产业链" in chains


async def test_absurd_amount_and_date_are_asked_on_the_card(bot, fakebot):
    async with running(bot):
        ask = (await fakebot.send_text(bot.app, bot.officer, "9999-12-31在北京见了飞鹤张总，投资9999999亿"))[-1]
        assert "确认是9999年12月31日（周五）吗？" in ask.params["text"]
        assert "是，9999年12月31日（周五）" in labels(ask) and "✏️ 手动输入" in labels(ask)
        typed = (await fakebot.send_text(bot.app, bot.officer, "昨天"))[-1]       # the officer types the real date
        assert "确认是9999999亿元吗？" in typed.params["text"]
        card = await fakebot.press(bot.app, bot.officer, typed, "是，9999999亿元")   # confirmed on purpose
        text = fakebot.plain(card[-1].params["text"])
        assert field(text, "日期") == "2026年11月25日（周三）" and "未写明" not in text
        assert field(text, "金额") == "9999999亿元（投资）"
        # a typed correction is checked the same way
        await fakebot.press(bot.app, bot.officer, card[-1], "✏️ 日期")
        again = (await fakebot.send_text(bot.app, bot.officer, "1999-01-01"))[-1]
        assert "确认是1999年1月1日（周五）吗？" in again.params["text"]


async def test_impossible_date_is_asked_not_replaced_by_today(bot, fakebot):
    async with running(bot):
        ask = (await fakebot.send_text(bot.app, bot.officer, "2099年13月45日在北京见了飞鹤张总"))[-1]
        assert "「2099年13月45日」不是有效日期" in ask.params["text"]
        assert "日期：" not in ask.params["text"]
        card = await fakebot.press(bot.app, bot.officer, ask, "2026年11月25日（周三）")
        text = fakebot.plain(card[-1].params["text"])
        assert field(text, "日期") == "2026年11月25日（周三）" and "未写明" not in text


async def test_deadline_and_glued_name_on_the_card(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "今天见了中储粮李总，下周三前发项目建议书"))[-1]
        text = fakebot.plain(card.params["text"])
        assert field(text, "下一步") == "下周三前发项目建议书"
        assert field(text, "回访日期") == "2026年12月2日（周三）"
        assert field(text, "人员") == "李总"


async def test_topic_naming_another_project_is_asked(bot, fakebot):
    officer = bot.services.user(OFFICER)
    old = bot.services.projects.find_or_create("飞鹤", "北安乳制品加工二期项目", "北安市", company_id="feihe",
                                               user=officer, now=NOW)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "今天见了飞鹤张总，谈液态奶项目"))[-1]
        text = fakebot.plain(card.params["text"])
        assert "「液态奶项目」和本单位已有的「北安乳制品加工二期项目」" in text and "同一个项目吗" in text
        assert {f"✅ 同一项目 #{old.id}", "🆕 新建项目"} <= set(labels(card))
        refused = await fakebot.press(bot.app, bot.officer, card, "✅ 保存")          # not before the answer
        assert refused[-1].method == "answerCallbackQuery" and "同一项目" in refused[-1].params["text"]
        assert not meetings_of(bot)
        chosen = await fakebot.press(bot.app, bot.officer, card, "🆕 新建项目")
        assert "将新建「液态奶项目」" in fakebot.plain(chosen[-1].params["text"])
        await fakebot.press(bot.app, bot.officer, chosen[-1], "✅ 保存")
    [m] = meetings_of(bot)
    assert m.project_id != old.id and bot.services.projects.get(m.project_id).project.name == "液态奶项目"


async def test_todo_says_the_window_and_offers_the_later_follow_ups(bot, fakebot):
    officer = bot.services.user(OFFICER)
    add = bot.services.meetings.add
    add({"company": "甲公司", "meeting_date": TODAY, "followup_date": TODAY + dt.timedelta(days=10)}, officer, NOW)
    later = add({"company": "乙公司", "meeting_date": TODAY, "followup_date": TODAY + dt.timedelta(days=40)},
                officer, NOW)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/todo")
        text = fakebot.plain(texts(calls))
        assert "没有待回访的对接" in text and "近 7 天（到 12月3日）" in text
        assert "之后还有 2 条，最早 12月6日" in text
        assert "甲公司" not in text
        shown = await fakebot.press(bot.app, bot.officer, calls[-1], "📅 查看 7 天以后的回访（2）")
        listed = fakebot.plain(shown[-1].params["text"])
        assert "7 天以后" in listed and "1. 甲公司（12月6日）" in listed and "2. 乙公司（2027年1月5日）" in listed
        done = await fakebot.press(bot.app, bot.officer, shown[-1], "✓ 2")
        assert "乙公司" not in fakebot.plain(done[-1].params["text"])
    assert bot.services.meetings.get(later.id).followup_done_at is not None


async def test_capital_in_place_without_agreement_is_asked(bot, fakebot):
    officer = bot.services.user(OFFICER)
    p = bot.services.projects.find_or_create("飞鹤", "奶粉工厂扩产", "北安市", company_id="feihe", user=officer, now=NOW)
    async with running(bot):
        asked = await fakebot.send_text(bot.app, bot.officer, f"/capital {p.id} 内资到位 5000万")
        text = fakebot.plain(texts(asked))
        assert "还没有登记内资协议（签约）金额" in text and f"/capital {p.id} 内资协议" in text
        assert set(labels(asked[-1])) == {"✅ 确认无协议，照此登记", "❌ 取消"}
        dropped = await fakebot.press(bot.app, bot.officer, asked[-1], "❌ 取消")
        assert "未登记" in fakebot.plain(dropped[-1].params["text"])
        assert bot.services.projects.get(p.id).project.domestic_in_place_yuan == 0
        assert not labels(dropped[-1])                            # the question's buttons are gone
        # with the agreement in the same command (or already recorded), nothing is asked
        both = await fakebot.send_text(bot.app, bot.officer, f"/capital {p.id} 内资协议 2亿 内资到位 5000万")
        assert "资金已登记" in fakebot.plain(texts(both))
        more = await fakebot.send_text(bot.app, bot.officer, f"/capital {p.id} 内资到位 +1000万")
        assert "资金已登记" in fakebot.plain(texts(more))
    got = bot.services.projects.get(p.id).project
    assert (got.domestic_agreed_yuan, got.domestic_in_place_yuan) == (200_000_000, 60_000_000)
