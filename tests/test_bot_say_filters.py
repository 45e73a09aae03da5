"""The answer card's filters end to end (issue 12, part 5): the real PTB Application against
the strict fake Bot API, which fails a test that sends anything Telegram would refuse or leaves
a button unanswered.

What the text asks for shows as ✓ on the refine buttons and as "只列符合的：…"; pressing a ✓
clears it, pressing another sets it; when nothing meets the request the card says
"没有完全符合的，最接近的是：" and lists the nearest."""

from __future__ import annotations

import pytest

from .botkit import running

pytestmark = pytest.mark.asyncio


def labels(fakebot, call) -> list[str]:
    return [label for row in fakebot.buttons(call) for label, _ in row]


def say_part(fakebot, call) -> str:
    return fakebot.plain(call.params["text"]).split("说什么")[1].split("找谁")[0]


async def test_the_text_filter_is_ticked_and_a_press_clears_it(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳业 视频"))[-1]
        text = say_part(fakebot, card)
        assert "只列符合的：视频" in text and "寒地黑土 黄金奶源带" in text
        assert "PPT 25分钟" not in text                       # the dairy deck is not a video
        assert "✓视频" in labels(fakebot, card) and "视频" not in labels(fakebot, card)
        cleared = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "✓视频")
    assert [c.method for c in cleared] == ["answerCallbackQuery", "editMessageText"]
    text = say_part(fakebot, cleared[-1])
    assert "只列符合的" not in text and "没有完全符合的" not in text
    assert "PPT 25分钟" in text                               # the deck is back
    assert "视频" in labels(fakebot, cleared[-1]) and "✓视频" not in labels(fakebot, cleared[-1])


async def test_nothing_exact_says_so_and_a_button_makes_it_exact(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳业 视频 3分钟"))[-1]
        text = say_part(fakebot, card)
        assert "没有完全符合的，最接近的是：" in text and "（要求：视频 · ≤3分钟）" in text
        assert "只列符合的" not in text
        assert "（超过3分钟）" in text                          # the nearest says what it lacks
        longer = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "≤5分钟")
    text = say_part(fakebot, longer[-1])
    assert "没有完全符合的" not in text and "只列符合的：视频 · ≤5分钟" in text
    assert "✓≤5分钟" in labels(fakebot, longer[-1]) and "✓视频" in labels(fakebot, longer[-1])
    assert "（超过" not in text


async def test_a_language_button_filters_the_card(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "/say 乳业"))[-1]
        assert "只列符合的" not in say_part(fakebot, card)
        ru = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "Русский")
    text = say_part(fakebot, ru[-1])
    assert "只列符合的：Русский" in text
    items = [line for line in text.split("\n") if "·" in line and ("中文" in line or "Русский" in line
                                                                  or "English" in line)]
    assert items and all("Русский" in line for line in items), items
    assert "✓Русский" in labels(fakebot, ru[-1])
