"""/tour end to end against the strict fake Bot API: the guided flow, changing a choice, the
.ics document, the answer card's button, 必看/不看 and 离开 under the plan, and a stranger refused."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from .botkit import build_bot, running

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bot(fakebot, tmp_path):
    return build_bot(fakebot, tmp_path)


def texts(calls) -> str:
    return "\n".join(c.params.get("text", "") for c in calls if c.method in ("sendMessage", "editMessageText"))


def last_with_buttons(fakebot, calls):
    return [c for c in calls if c.method in ("sendMessage", "editMessageText") and fakebot.buttons(c)][-1]


def all_data(fakebot, call):
    return [data for row in fakebot.buttons(call) for _, data in row]


async def _through_flow(bot, fakebot, start_calls):
    step = last_with_buttons(fakebot, start_calls)
    assert "考察几天" in fakebot.plain(step.params["text"])
    mid = step.result["message_id"] if step.method == "sendMessage" else step.params["message_id"]
    calls = await fakebot.press(bot.app, bot.officer, mid, "2天")
    assert "从哪里到达" in fakebot.plain(texts(calls))
    calls = await fakebot.press(bot.app, bot.officer, mid, "黑河瑷珲机场")
    assert "几点到达" in fakebot.plain(texts(calls))
    calls = await fakebot.press(bot.app, bot.officer, mid, "10:00")
    assert "谁陪同" in fakebot.plain(texts(calls))
    calls = await fakebot.press(bot.app, bot.officer, mid, "招商局长")
    assert "哪天开始" in fakebot.plain(texts(calls))
    calls = await fakebot.press(bot.app, bot.officer, mid, "明天")
    return mid, calls


async def test_tour_flow_plan_change_and_ics(bot, fakebot):
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid, calls = await _through_flow(bot, fakebot, start)
        plan_text = fakebot.plain(texts(calls))
        assert "考察行程" in plan_text and "第1天" in plan_text and "第2天" in plan_text
        assert re.search(r"\d{2}:\d{2}–\d{2}:\d{2} 考察", plan_text)
        assert "车程" in plan_text
        assert any("<a href=\"https://" in c.params.get("text", "") for c in calls)
        card = last_with_buttons(fakebot, calls)
        assert all(len(d.encode()) <= 64 for d in all_data(fakebot, card))
        card_id = card.result["message_id"] if card.method == "sendMessage" else card.params["message_id"]

        changed = await fakebot.press(bot.app, bot.officer, card_id, "✏️ 天数")
        assert "考察几天" in fakebot.plain(texts(changed))
        replanned = await fakebot.press(bot.app, bot.officer, card_id, "1天")
        text = fakebot.plain(texts(replanned))
        assert "第1天" in text and "第2天" not in text

        card = last_with_buttons(fakebot, replanned)
        card_id = card.result["message_id"] if card.method == "sendMessage" else card.params["message_id"]
        sent = await fakebot.press(bot.app, bot.officer, card_id, "📅 日历 .ics")
        doc = [c for c in sent if c.method == "sendDocument"][0]
        upload = doc.files["document"]
        cal = Calendar.from_ical(upload.data)
        events = [e for e in cal.walk("VEVENT")]
        assert events and any("考察" in str(e.get("summary")) or e.get("dtstart") for e in events)

        printed = await fakebot.press(bot.app, bot.officer, card_id, "🖨 打印版")
        docs = {c.files["document"].filename: c.files["document"] for c in printed if c.method == "sendDocument"}
        page = next(up for name, up in docs.items() if name.endswith(".html")).data.decode()
        assert "<html" in page.lower()
        # phones print PDFs: 🖨 sends one first, with the CJK font embedded
        first = [c for c in printed if c.method == "sendDocument"][0].files["document"]
        assert first.filename.endswith(".pdf") and first.data.startswith(b"%PDF-")
        assert b"NotoSansSC" in first.data and b"/FontFile3" in first.data


async def test_tour_asks_profile_and_typed_date(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/tour")
        assert "请输入来访者" in fakebot.plain(texts(calls))
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总")
        step = last_with_buttons(fakebot, calls)
        assert "考察几天" in fakebot.plain(step.params["text"])
        mid = step.result["message_id"]
        for label in ("1天", "黑河站", "08:00", "无（不指定）"):
            await fakebot.press(bot.app, bot.officer, mid, label)
        calls = await fakebot.send_text(bot.app, bot.officer, "2026-11-27")
        text = fakebot.plain(texts(calls))
        assert "考察行程" in text and "11月27日" in text


async def test_answer_card_button_starts_tour_with_profile(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
        card = calls[-1]
        labels = [label for row in fakebot.buttons(card) for label, _ in row]
        assert "🗺 规划考察行程" in labels
        started = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "🗺 规划考察行程")
        text = fakebot.plain(texts(started))
        assert "飞鹤乳业 副总 北京 奶粉" in text and "考察几天" in text


async def test_stranger_refused(bot, fakebot):
    stranger = fakebot.user(555, "陌生人")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, stranger, "/tour 飞鹤乳业 副总")
    text = texts(calls)
    assert "授权" in text and "考察几天" not in text


def msg_id(call) -> int:
    return call.result["message_id"] if call.method == "sendMessage" else call.params["message_id"]


def plan_parts(fakebot, calls) -> tuple[str, str]:
    """The re-planned card as plain text: (the days, the 未安排 list)."""
    text = fakebot.plain(texts(calls))
    assert "考察行程" in text and "第1天" in text
    days, _, rest = text.partition("未安排")
    return days, rest.partition("说明")[0]


async def _plan_card(bot, fakebot):
    start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
    _, calls = await _through_flow(bot, fakebot, start)
    return last_with_buttons(fakebot, calls)


async def _open_sites(bot, fakebot, card):
    calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "📍 必看/不看")
    picker = last_with_buttons(fakebot, calls)
    assert "必看 / 不看" in fakebot.plain(picker.params["text"])
    rows = fakebot.buttons(picker)
    sites = [row for row in rows if len(row) == 3]
    assert 5 <= len(sites) <= 10 and rows[-1][0][0] == "完成"
    assert all(row[1][0] == "✓必看" and row[2][0] == "✗不看" for row in sites)
    assert all(len(d.encode()) <= 64 for d in all_data(fakebot, picker))
    return picker, sites


async def test_tour_avoid_removes_site(bot, fakebot):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        before, _ = plan_parts(fakebot, [card])
        picker, sites = await _open_sites(bot, fakebot, card)
        name, _, avoid = sites[0][0], sites[0][1], sites[0][2]
        assert name[0] in before                     # the first choice is a planned site
        calls = await fakebot.press(bot.app, bot.officer, msg_id(picker), avoid[1])
        marked = last_with_buttons(fakebot, calls)
        row = next(r for r in fakebot.buttons(marked) if r[0][0] == name[0])
        assert row[2][0] == "🚫不看" and row[1][0] == "✓必看"
        assert "不看：" + name[0] in fakebot.plain(marked.params["text"])
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(marked), "完成")
        days, dropped = plan_parts(fakebot, replanned)
        assert name[0] not in days
        assert f"{name[0]}：按要求不安排" in dropped
        # toggling again clears it: the site can come back
        card = last_with_buttons(fakebot, replanned)
        picker, sites = await _open_sites_marked(bot, fakebot, card)
        row = next(r for r in sites if r[0][0] == name[0])
        calls = await fakebot.press(bot.app, bot.officer, msg_id(picker), row[2][1])
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "完成")
        days, _ = plan_parts(fakebot, replanned)
        assert name[0] in days


async def _open_sites_marked(bot, fakebot, card):
    calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "📍 必看/不看")
    picker = last_with_buttons(fakebot, calls)
    return picker, [row for row in fakebot.buttons(picker) if len(row) == 3]


async def test_tour_must_see_planned_or_explained(bot, fakebot):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        before, _ = plan_parts(fakebot, [card])
        picker, sites = await _open_sites(bot, fakebot, card)
        extra = [row for row in sites if row[0][0] not in before]
        assert extra                                 # the picker offers sites beyond the plan
        chosen = extra[-1]
        name = chosen[0][0]
        calls = await fakebot.press(bot.app, bot.officer, msg_id(picker), chosen[1][1])
        marked = last_with_buttons(fakebot, calls)
        assert next(r for r in fakebot.buttons(marked) if r[0][0] == name)[1][0] == "✅必看"
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(marked), "完成")
        days, dropped = plan_parts(fakebot, replanned)
        assert name in days or re.search(rf"{re.escape(name)}：\S+", dropped)
        assert name in days                          # this one fits: it replaces a planned site


async def test_tour_must_see_every_offered_site(bot, fakebot):
    """Each must-see lands in the plan or in 未安排 with its reason."""
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        picker, sites = await _open_sites(bot, fakebot, card)
        mid = msg_id(picker)
        for row in sites:
            calls = await fakebot.press(bot.app, bot.officer, mid, row[1][1])
            mid = msg_id(last_with_buttons(fakebot, calls))
        replanned = await fakebot.press(bot.app, bot.officer, mid, "完成")
        days, dropped = plan_parts(fakebot, replanned)
        for row in sites:
            name = row[0][0]
            assert name in days or re.search(rf"{re.escape(name)}：\S+", dropped), name


async def test_tour_departure_time_and_default(bot, fakebot):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "🛫 离开")
        assert "从哪里离开" in fakebot.plain(texts(calls))
        step = last_with_buttons(fakebot, calls)
        assert "默认" in [label for row in fakebot.buttons(step) for label, _ in row]
        calls = await fakebot.press(bot.app, bot.officer, msg_id(step), "黑河站")
        assert "几点离开" in fakebot.plain(texts(calls)) and "离开：黑河站" in fakebot.plain(texts(calls))
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "15:00")
        days, _ = plan_parts(fakebot, replanned)
        last_day = days.split("第2天")[-1]
        assert re.search(r"15:00 离开 · 黑河站", last_day)

        card = last_with_buttons(fakebot, replanned)
        calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "🛫 离开")
        calls = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "黑河瑷珲机场")
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "20:00")
        days, _ = plan_parts(fakebot, replanned)
        assert re.search(r"20:00 离开 · 黑河瑷珲机场", days.split("第2天")[-1])

        card = last_with_buttons(fakebot, replanned)
        calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "🛫 离开")
        replanned = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "默认")
        days, _ = plan_parts(fakebot, replanned)
        assert "20:00 离开" not in days and re.search(r"\d{2}:\d{2} 离开 · 黑河瑷珲机场", days.split("第2天")[-1])
