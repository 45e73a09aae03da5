"""/tour end to end against the strict fake Bot API: the guided flow, changing a choice, the
.ics document, the answer card's button and a stranger refused."""

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
        page = [c for c in printed if c.method == "sendDocument"][0].files["document"].data.decode()
        assert "<html" in page.lower()


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
