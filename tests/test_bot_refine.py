"""Every refinement button of the answer card (one CallbackData class each): it toggles its own
filter in place, pressing it again clears it, and the pages go forward and back."""

from __future__ import annotations

import pytest

from .botkit import running

pytestmark = pytest.mark.asyncio


def marked(fakebot, call) -> set[str]:
    return {label[1:] for row in fakebot.buttons(call) for label, _ in row if label.startswith("✓")}


@pytest.mark.parametrize("label", ["≤15分钟", "English", "重点项目", "图册"])
async def test_a_filter_toggles_in_place(bot, fakebot, label):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳制品 招商"))[-1]
        mid = card.result["message_id"]
        on = await fakebot.press(bot.app, bot.officer, mid, label)
        assert [c.method for c in on] == ["answerCallbackQuery", "editMessageText"]
        assert label in marked(fakebot, on[-1])
        off = await fakebot.press(bot.app, bot.officer, mid, "✓" + label)
        assert label not in marked(fakebot, off[-1]) and "全部" in marked(fakebot, off[-1])


async def test_pages_and_views(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳制品 招商"))[-1]
        mid = card.result["message_id"]
        more = await fakebot.press(bot.app, bot.officer, mid, "更多材料 ▸")
        assert "◂ 第一页" in {label for row in fakebot.buttons(more[-1]) for label, _ in row}
        first = await fakebot.press(bot.app, bot.officer, mid, "◂ 第一页")
        assert "◂ 第一页" not in {label for row in fakebot.buttons(first[-1]) for label, _ in row}
        assert fakebot.plain(first[-1].params["text"]) == fakebot.plain(card.params["text"])
        say = await fakebot.press(bot.app, bot.officer, mid, "说什么")
        assert marked(fakebot, say[-1]) == {"说什么"} and "找谁" not in fakebot.plain(say[-1].params["text"])
