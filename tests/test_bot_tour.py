"""/tour end to end against the strict fake Bot API: the guided flow, changing a choice, the
.ics document, the answer card's button, 必看/不看 and 离开 under the plan, and a stranger refused."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from .botkit import running, texts

pytestmark = pytest.mark.asyncio


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


# --------------------------------------------------------------------------- issue 9 and issue 10

def forge(fakebot, user, mid: int, data: str) -> str:
    """Make the first button of bot message `mid` carry `data` (what a forged client sends)."""
    message = fakebot.message(user.id, mid)
    message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = data
    return data


async def _to_date_step(bot, fakebot, profile="飞鹤乳业 副总", time="10:00"):
    start = await fakebot.send_text(bot.app, bot.officer, f"/tour {profile}")
    mid = msg_id(last_with_buttons(fakebot, start))
    for label in ("2天", "黑河瑷珲机场", time, "招商局长"):
        calls = await fakebot.press(bot.app, bot.officer, mid, label)
    assert "哪天开始" in fakebot.plain(texts(calls))
    return mid


def alerts(calls) -> str:
    return "\n".join(c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery")


async def test_a_far_date_gets_a_clear_answer_and_the_flow_stays_usable(bot, fakebot):
    async with running(bot):
        await _to_date_step(bot, fakebot)
        calls = await fakebot.send_text(bot.app, bot.officer, "9999-12-31")
        text = fakebot.plain(texts(calls))
        assert "太远" in text and "一年内" in text and "考察行程" not in text.replace("规划考察行程", "")
        calls = await fakebot.send_text(bot.app, bot.officer, "2026-12-09")   # the next valid date
        text = fakebot.plain(texts(calls))
        assert "第1天 · 12月09日" in text and "第2天" in text
        # a forged date button: an alert in Chinese, no traceback, the plan card still works
        card = last_with_buttons(fakebot, calls)
        changed = await fakebot.press(bot.app, bot.officer, msg_id(card), "✏️ 日期")
        step = last_with_buttons(fakebot, changed)
        data = forge(fakebot, bot.officer, msg_id(step), "tt:9999-12-31")
        calls = await fakebot.press(bot.app, bot.officer, msg_id(step), data)
        assert "太远" in alerts(calls)
        calls = await fakebot.press(bot.app, bot.officer, msg_id(step), "后天")
        assert "11月28日" in fakebot.plain(texts(calls))


async def test_a_forged_hour_never_shows_pythons_message(bot, fakebot):
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid = msg_id(last_with_buttons(fakebot, start))
        for label in ("1天", "黑河瑷珲机场"):
            await fakebot.press(bot.app, bot.officer, mid, label)
        data = forge(fakebot, bot.officer, mid, "th:2599")
        calls = await fakebot.press(bot.app, bot.officer, mid, data)
        everything = texts(calls) + alerts(calls)
        assert "hour must be" not in everything and "谁陪同" not in fakebot.plain(everything)
        assert [c for c in calls if c.method == "answerCallbackQuery"]
        calls = await fakebot.press(bot.app, bot.officer, mid, "10:00")       # still usable
        assert "谁陪同" in fakebot.plain(texts(calls))


async def test_a_start_in_the_past_is_refused(bot, fakebot):
    bot.clock.now = bot.clock.now.replace(hour=22, minute=18)               # 2026-11-26 22:18
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid = msg_id(last_with_buttons(fakebot, start))
        for label in ("1天", "黑河瑷珲机场", "14:00", "招商局长"):
            await fakebot.press(bot.app, bot.officer, mid, label)
        calls = await fakebot.press(bot.app, bot.officer, mid, "今天")
        text = fakebot.plain(texts(calls))
        assert "已经过去" in text and "22:18" in text and "第1天" not in text
        calls = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "✏️ 日期")
        calls = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "明天")
        assert "第1天 · 11月27日" in fakebot.plain(texts(calls))


@pytest.mark.parametrize("typed, shown", [("11:20", "11:20"), ("1120", "11:20"), ("11点20", "11:20"),
                                          ("下午2点", "14:00")])
async def test_a_typed_arrival_time_is_taken(bot, fakebot, typed, shown):
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid = msg_id(last_with_buttons(fakebot, start))
        for label in ("1天", "黑河瑷珲机场"):
            calls = await fakebot.press(bot.app, bot.officer, mid, label)
        assert "几点到达" in fakebot.plain(texts(calls))
        calls = await fakebot.send_text(bot.app, bot.officer, typed)
        text = fakebot.plain(texts(calls))
        assert "谁陪同" in text and f"到达：黑河瑷珲机场 {shown}" in text
        assert "推介" not in text                                           # not an answer card
        calls = await fakebot.press(bot.app, bot.officer, msg_id(last_with_buttons(fakebot, calls)), "招商局长")
        calls = await fakebot.send_text(bot.app, bot.officer, "12月9日")
        text = fakebot.plain(texts(calls))
        assert f"{shown} 抵达 · 黑河瑷珲机场" in text and "12月09日" in text


async def test_a_wrong_typed_time_is_explained_and_waits(bot, fakebot):
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid = msg_id(last_with_buttons(fakebot, start))
        for label in ("1天", "黑河瑷珲机场"):
            await fakebot.press(bot.app, bot.officer, mid, label)
        calls = await fakebot.send_text(bot.app, bot.officer, "25:70")
        assert "不是一天中的时间" in fakebot.plain(texts(calls))
        calls = await fakebot.send_text(bot.app, bot.officer, "9:05")
        assert "谁陪同" in fakebot.plain(texts(calls))


async def test_a_command_puts_the_draft_aside_visibly_and_text_goes_on_normally(bot, fakebot):
    async with running(bot):
        await _to_date_step(bot, fakebot)
        calls = await fakebot.send_text(bot.app, bot.officer, "/help")
        text = fakebot.plain(texts(calls))
        assert "考察行程草稿已暂存" in text and "/tour" in text
        assert len([c for c in calls if c.method == "sendMessage"]) >= 2     # the help itself too
        calls = await fakebot.send_text(bot.app, bot.officer, "伊利 奶粉")  # not swallowed by the tour
        text = fakebot.plain(texts(calls))
        assert "伊利" in text and "哪天开始" not in text and "日期" not in text.split("伊利")[0]
        calls = await fakebot.send_text(bot.app, bot.officer, "/tour")      # resumes where it was
        text = fakebot.plain(texts(calls))
        assert "哪天开始" in text and "来访者：飞鹤乳业 副总" in text and "陪同：招商局长" in text
        calls = await fakebot.send_text(bot.app, bot.officer, "明天")
        assert "第1天 · 11月27日" in fakebot.plain(texts(calls))


async def test_a_new_profile_at_a_time_step_puts_the_draft_aside(bot, fakebot):
    async with running(bot):
        start = await fakebot.send_text(bot.app, bot.officer, "/tour 飞鹤乳业 副总")
        mid = msg_id(last_with_buttons(fakebot, start))
        for label in ("1天", "黑河瑷珲机场"):
            await fakebot.press(bot.app, bot.officer, mid, label)
        calls = await fakebot.send_text(bot.app, bot.officer, "伊利 奶粉")
        text = fakebot.plain(texts(calls))
        assert "考察行程草稿已暂存" in text and "伊利" in text.split("草稿已暂存")[-1]
        aside = next(c for c in calls if "草稿已暂存" in fakebot.plain(c.params.get("text", "")))
        calls = await fakebot.press(bot.app, bot.officer, msg_id(aside), "▶️ 继续规划考察行程")
        assert "几点到达" in fakebot.plain(texts(calls))


async def test_a_must_see_that_does_not_fit_is_said_with_buttons(bot, fakebot):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        picker, sites = await _open_sites(bot, fakebot, card)
        mid = msg_id(picker)
        for row in sites:
            calls = await fakebot.press(bot.app, bot.officer, mid, row[1][1])
            mid = msg_id(last_with_buttons(fakebot, calls))
        replanned = await fakebot.press(bot.app, bot.officer, mid, "完成")
        text = fakebot.plain(texts(replanned))
        days, dropped = plan_parts(fakebot, replanned)
        missing = [row[0][0] for row in sites if row[0][0] not in days]
        assert missing
        assert f"有{len(missing)}个必看点位排不进行程" in text and all(name in text.split("排不进行程")[-1]
                                                                 for name in missing)
        card = last_with_buttons(fakebot, replanned)
        labels = [label for row in fakebot.buttons(card) for label, _ in row]
        assert "➕ 加一天" in labels and "✂️ 去掉其他点位" in labels
        longer = await fakebot.press(bot.app, bot.officer, msg_id(card), "➕ 加一天")
        days3, _ = plan_parts(fakebot, longer)
        assert "3天" in days3 and "第3天" in days3
        assert sum(name in days3 for name in missing) > 0                   # a day more fits some
        card = last_with_buttons(fakebot, longer)
        calls = await fakebot.press(bot.app, bot.officer, msg_id(card), "✂️ 去掉其他点位")
        assert "必看 / 不看" in fakebot.plain(texts(calls))
