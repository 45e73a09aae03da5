"""Issue 13 end to end against the strict fake Bot API: one entry point for a private text (the
intent picks the card, buttons switch), the problem flow across a restart, the brief (private and
group), the event .ics, and the overdue digest to the responsible unit's lead."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from promo.store.tables import InvestorProblem

from .botkit import build_bot, running

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bot(fakebot, tmp_path):
    return build_bot(fakebot, tmp_path)


def said(fakebot, calls) -> str:
    return "\n".join(fakebot.plain(c.params.get("text", "")) for c in calls
                     if c.method in ("sendMessage", "editMessageText"))


def labels(fakebot, calls) -> list[str]:
    return [label for c in calls for row in fakebot.buttons(c) for label, _ in row]


@pytest.mark.parametrize("text, heading, expect", [
    ("龙商回归大会哪天开", "去哪招", "2027年1月20日"),
    ("这个月有啥招商会", "去哪招", "招商活动"),
    ("中博会在哪儿办，几号", "去哪招", "郑州"),
    ("用水用气能给什么支持", "配套什么", "工业用水保障与水价优惠"),
    ("乳制品链上哪些目标企业还没对接过", "目标企业", "中国飞鹤有限公司"),
    ("铜产业链的招商项目清单", "招什么", "多宝山铜矿资源深加工项目"),
    ("黑河有什么矿", "有什么", "铜金属资源量 700万吨"),
    ("大豆产量多少", "有什么", "大豆产量 200万吨"),
    ("投资者反映的问题 还有多少没解决", "解决什么", "乳粉项目环评批复进度慢"),
])
async def test_a_list_question_gets_its_list_with_switch_buttons(bot, fakebot, text, heading, expect):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, text)
    out = said(fakebot, calls)
    assert heading in out and expect in out, out
    assert "说什么" not in out.split("\n")[1]               # not the pitch card any more
    assert any(label.startswith("↪ ") for label in labels(fakebot, calls))


async def test_a_profile_still_gets_the_answer_card_and_a_switch_changes_the_answer(bot, fakebot):
    async with running(bot):
        card = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
        assert "说什么" in said(fakebot, card) and "📋 会前简报" in labels(fakebot, card)
        events = await fakebot.send_text(bot.app, bot.officer, "龙商回归大会哪天开")
        switched = await fakebot.press(bot.app, bot.officer, events[-1], "↪ 查材料")
        assert "说什么" in said(fakebot, switched)
        menu = await fakebot.press(bot.app, bot.officer, card[-1], "↪ 不是这个意思：换一种查法")
        assert {"↪ 查活动", "↪ 查政策", "↪ 记录问题", "↪ 会前简报", "↪ 记录对接"} <= set(labels(fakebot, menu))
        brief = await fakebot.press(bot.app, bot.officer, menu[-1], "↪ 会前简报")
    assert "会前简报 · 中国飞鹤有限公司" in said(fakebot, brief)
    assert not fakebot.unanswered_callbacks()


async def test_the_event_calendar_file(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "哈洽会几号")
        button = next(label for label in labels(fakebot, calls) if label.startswith("📅 日历"))
        sent = await fakebot.press(bot.app, bot.officer, calls[-1], button)
    [doc] = [c for c in sent if c.method == "sendDocument"]
    assert "哈尔滨" in doc.params["caption"] or "洽谈会" in doc.params["caption"]


async def test_a_problem_reported_then_solved_after_a_restart(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        draft = await fakebot.send_text(bot.app, bot.officer, "飞鹤反映环评批复慢，希望月底前解决")
        text = said(fakebot, draft)
        assert "请确认问题记录" in text
        assert "企业：中国飞鹤有限公司" in text and "阶段：审批" in text
        assert "责任单位：市生态环境局" in text and "期限：2026-11-30" in text
        assert "项目：北安10万吨乳粉加工项目" in text
        land = await fakebot.press(bot.app, bot.officer, draft[-1], "用地")      # change the stage
        assert "阶段：用地" in said(fakebot, land)
        await fakebot.press(bot.app, bot.officer, land[-1], "审批")
        saved = await fakebot.press(bot.app, bot.officer, None, "✅ 保存")
        assert "已保存 · 问题 #" in said(fakebot, saved)
        with bot.services.db.read() as s:
            [row] = s.scalars(select(InvestorProblem).where(InvestorProblem.ref.is_(None))).all()
    assert (row.company_id, row.stage, row.status, row.deadline) == ("feihe", "approval", "open",
                                                                     dt.date(2026, 11, 30))

    restarted = build_bot(fakebot, tmp_path)                    # the same database: a restart
    async with running(restarted):
        listed = await fakebot.send_text(restarted.app, restarted.officer, "/problems")
        assert f"#{row.id} 飞鹤反映环评批复慢" in said(fakebot, listed)
        card = await fakebot.press(restarted.app, restarted.officer, listed[-1], f"#{row.id}")
        ask = await fakebot.press(restarted.app, restarted.officer, card[-1], "✅ 已解决")
        assert "请输入解决情况" in said(fakebot, ask)
    again = build_bot(fakebot, tmp_path)                        # and another restart before the note
    async with running(again):
        done = await fakebot.send_text(again.app, again.officer, "11月28日环评已批复")
        assert f"问题 #{row.id} 已解决" in said(fakebot, done)
        assert "说明：11月28日环评已批复" in said(fakebot, done)
        solved = again.services.problems.get(row.id)
        assert solved.status == "solved" and solved.note == "11月28日环评已批复"
        assert [h.to_status for h in again.services.problems.history(row.id)] == ["open", "solved"]
    assert not fakebot.unanswered_callbacks()


async def test_a_problem_shows_on_the_project_answer(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "北安乳粉项目 投资额")
    out = said(fakebot, calls)
    assert "北安10万吨乳粉加工项目" in out and "未解决问题 1 个" in out and "环评" in out


async def test_the_brief_in_private_and_in_a_group(bot, fakebot):
    group = fakebot.group(-100777, "招商工作群")
    async with running(bot):
        # a meeting already logged with Feihe shows up as a past contact
        bot.services.meetings.add({"company": "中国飞鹤有限公司", "company_id": "feihe",
                                   "meeting_date": dt.date(2026, 11, 10), "topic": "奶粉扩产",
                                   "followup_date": dt.date(2026, 12, 1)}, bot.services.user(1002), bot.clock())
        private = await fakebot.send_text(bot.app, bot.officer, "明天见飞鹤王总")
        public = await fakebot.send_text(bot.app, bot.officer, "/brief 飞鹤", chat=group)
    out = said(fakebot, private)
    for part in ("会前简报 · 中国飞鹤有限公司", "以往对接", "2026-11-10 · 刘专员（北安市）", "带什么材料",
                 "能帮忙的人", "乳粉项目环评批复进度慢", "适用政策", "下次可以见面的活动", "待回访"):
        assert part in out, part
    assert all(len(c.params["text"]) <= 4096 for c in private if c.method == "sendMessage")
    pub = said(fakebot, public)
    assert "会前简报 · 中国飞鹤有限公司" in pub and "带什么材料" in pub
    assert "能帮忙的人" not in pub and "环评" not in pub and "刘专员" not in pub and "待回访" not in pub
    assert "群聊中只显示公开部分" in pub


async def test_a_meeting_report_still_gets_the_meeting_card(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访")
    assert "请确认对接记录" in said(fakebot, calls)


async def test_a_stranger_gets_no_list(bot, fakebot):
    stranger = fakebot.user(4242, "陌生人")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, stranger, "投资者反映的问题 还有多少没解决")
    out = said(fakebot, calls)
    assert "环评" not in out and "授权" in out


async def test_overdue_problems_go_to_the_responsible_units_lead(bot, fakebot):
    from handlers.problems import overdue_digests

    async with running(bot):
        digests = overdue_digests(bot.services, dt.date(2026, 11, 26))
        del fakebot
    # no lead of 市生态环境局 etc. is on the allow-list: the admin gets them
    assert [uid for uid, _ in digests] == [1001]
    assert "乳粉项目环评批复进度慢" in digests[0][1] and "已超期" in digests[0][1]
    assert "冷链物流园施工许可" not in digests[0][1]            # solved ones are not chased


async def test_a_problem_shows_on_the_funnel_project_card(bot, fakebot):
    async with running(bot):
        s = bot.services
        officer = s.user(1002)
        p = s.projects.find_or_create("中国飞鹤有限公司", "飞鹤奶粉扩产", officer.unit, company_id="feihe",
                                      chain_ids=["dairy"], user=officer, now=bot.clock())
        draft = await fakebot.send_text(bot.app, bot.officer, "飞鹤反映环评批复慢，希望月底前解决")
        saved = await fakebot.press(bot.app, bot.officer, draft[-1], "✅ 保存")
        assert f"📊 项目 #{p.id}" in labels(fakebot, saved)
        card = await fakebot.send_text(bot.app, bot.officer, f"/project #{p.id}")
    out = said(fakebot, card)
    assert "投资者反映的问题" in out and "飞鹤反映环评批复慢" in out and "市生态环境局" in out
    assert "乳粉项目环评批复进度慢" in out          # the ledger's open problem of the same company


async def test_the_weekly_event_digest(bot, fakebot):
    import types

    from handlers.lists import digest_job

    async with running(bot):
        on = await fakebot.send_text(bot.app, bot.officer, "/digest")
        assert "已订阅每周招商活动提醒" in said(fakebot, on) and "黑龙江—广东对口合作项目对接会" in said(fakebot, on)
        start = len(fakebot.calls)
        await digest_job(types.SimpleNamespace(application=bot.app, bot=bot.app.bot, bot_data=bot.app.bot_data))
        sent = [c for c in fakebot.calls[start:] if c.method == "sendMessage"]
        assert [int(c.params["chat_id"]) for c in sent] == [1002]
        text = said(fakebot, sent)
        assert "未来一个月的招商活动" in text and "在京黑河籍乡贤企业家座谈会" in text
        assert "亚布力" not in text                          # February is not the coming month
        off = await fakebot.send_text(bot.app, bot.officer, "/digest")
        assert "已退订" in said(fakebot, off)


async def test_a_tour_request_offers_the_planner_and_an_english_report_the_meeting_form(bot, fakebot):
    async with running(bot):
        tour = await fakebot.send_text(bot.app, bot.officer, "中粮考察团 两天 看哪些点")
        assert "🗺 规划考察行程" in labels(fakebot, tour)
        planner = await fakebot.press(bot.app, bot.officer, tour[-1], "🗺 规划考察行程")
        assert planner and not fakebot.unanswered_callbacks()
        met = await fakebot.send_text(bot.app, bot.officer, "Met COFCO VP Li in Harbin yesterday")
        assert "📝 记录对接" in labels(fakebot, met) or "请确认对接记录" in said(fakebot, met)


async def test_a_problem_draft_cannot_be_saved_or_shown_from_a_group(bot, fakebot):
    from .botkit import forge_press

    group = fakebot.group(-100778, "招商工作群")
    async with running(bot):
        draft = await fakebot.send_text(bot.app, bot.officer, "飞鹤反映环评批复慢，希望月底前解决")
        save = next(data for row in fakebot.buttons(draft[-1]) for label, data in row if label == "✅ 保存")
        await fakebot.send_text(bot.app, bot.officer, "/ask 黑河有什么矿", chat=group)
        anchor = next(m for m in fakebot.messages(group.id) if m.from_bot)
        calls = await forge_press(fakebot, bot.app, bot.officer, anchor, save)
        calls += await forge_press(fakebot, bot.app, bot.officer, anchor, "ps:1:v")
        calls += await fakebot.send_text(bot.app, bot.officer, "/problems", chat=group)
        assert not [r for r in bot.services.problems.find() if r.ref is None]      # nothing saved
    out = said(fakebot, calls)
    assert "环评" not in out and "私聊" in out
