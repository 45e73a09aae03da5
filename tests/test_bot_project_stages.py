"""Project stage buttons end to end: a lead's correction (menu, confirmation, back) and a stale
stage button, against the strict fake Bot API."""

from __future__ import annotations

import pytest

from .botkit import running
from .test_bot_meetings import FEIHE, labels, meetings_of

pytestmark = pytest.mark.asyncio


async def _project_card(bot, fakebot, who):
    """`who` logs the Feihe meeting and opens its project: (meeting, the project card)."""
    card = (await fakebot.send_text(bot.app, who, FEIHE))[-1]
    await fakebot.press(bot.app, who, card, "✅ 保存")
    [m] = meetings_of(bot)
    return m, (await fakebot.send_text(bot.app, who, f"/project {m.project_id}"))[-1]


async def test_a_lead_corrects_a_stage_after_confirming_and_can_go_back(bot, fakebot):
    async with running(bot):
        m, shown = await _project_card(bot, fakebot, bot.lead)
        menu = await fakebot.press(bot.app, bot.lead, shown, "🛠 更正阶段")
        assert set(labels(menu[-1])) == {"签约", "入统", "开工", "取消"}      # not the current one
        back = await fakebot.press(bot.app, bot.lead, menu[-1], "取消")
        assert "🛠 更正阶段" in labels(back[-1])                              # the card again
        menu = await fakebot.press(bot.app, bot.lead, back[-1], "🛠 更正阶段")
        ask = await fakebot.press(bot.app, bot.lead, menu[-1], "入统")
        assert "确认更正阶段" in ask[-1].params["text"]
        assert bot.services.projects.get(m.project_id).project.stage == "contact"   # not before ✅
        done = await fakebot.press(bot.app, bot.lead, ask[-1], "✅ 确认")
        assert "已更正到「入统」" in done[-1].params["text"]
        assert bot.services.projects.get(m.project_id).project.stage == "registered"


async def test_an_officer_gets_no_correction_menu_even_from_a_forged_button(bot, fakebot):
    from handlers.projects import ProjCorrectMenu

    async with running(bot):
        m, shown = await _project_card(bot, fakebot, bot.officer)
        message = fakebot.message(bot.officer.id, shown.result["message_id"])
        data = ProjCorrectMenu(m.project_id).pack()
        message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = data
        calls = await fakebot.press(bot.app, bot.officer, shown.result["message_id"], data)
        assert calls[-1].method == "answerCallbackQuery" and "负责人或管理员" in calls[-1].params["text"]
        gone = ProjCorrectMenu(m.project_id + 99).pack()
        message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = gone
        calls = await fakebot.press(bot.app, bot.officer, shown.result["message_id"], gone)
        assert "过期" in calls[-1].params["text"]
