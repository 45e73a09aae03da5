"""Issue 9, items 1–2: nothing is lost when a Bot API call or a handler fails.

1. A callback answer is a courtesy: when its connection drops after Telegram executed it (or
   Telegram refuses it), it is not retried and the work behind the button still happens.
2. When an update fails, the officer is told in the chat, once, with the reference code — also
   after the button was already answered ("正在保存…"); the log has no text and no message.

The `fakebot` fixture fails every test in which the bot sent something Telegram would refuse
(a second answer to one query is refused: "query is too old") or left a button unanswered.
"""

from __future__ import annotations

import logging
import re

import pytest
from telegram.error import NetworkError, TimedOut

from promo.meetings.store import MeetingStore

from .botkit import running
from .fakebot.server import QUERY_TOO_OLD

pytestmark = pytest.mark.asyncio

FEIHE = "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访"
SECRET = "曾立群 13800002036"          # what an exception message may quote: never in a log
DROPS = [dict(exc=NetworkError("Connection reset by peer")), dict(exc=TimedOut()), dict(status=502)]


def answers(fake, query_id=None):
    return [c for c in fake.requests("answerCallbackQuery")
            if query_id is None or c.params["callback_query_id"] == query_id]


def last_query_id(fake) -> str:
    return max(fake._queries, key=lambda q: int(q[2:]))


# ---------------------------------------------------------------------- the fake's new fault


async def test_fake_executes_then_drops(fakebot):
    app = fakebot.build_app()
    async with app:
        fakebot.fail_next("sendMessage", exc=NetworkError("dropped"), executed=True)
        with pytest.raises(NetworkError):
            await app.bot.send_message(fakebot.user(5, "A").id, "hi")
    [call] = fakebot.requests("sendMessage")
    assert call.ok and call.injected and fakebot.messages(5)[-1].plain == "hi"   # it was delivered
    assert fakebot.violations == []


# ---------------------------------------------------------------------- item 1


@pytest.mark.parametrize("drop", DROPS, ids=["network", "timeout", "502"])
async def test_save_goes_on_when_the_saving_answer_is_dropped_after_delivery(bot, fakebot, drop):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        fakebot.fail_next("answerCallbackQuery", executed=True, **drop)
        calls = await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
    [answer] = answers(fakebot)                                  # delivered once, never retried
    assert answer.params.get("text") == "正在保存…"
    assert "已保存" in calls[-1].params["text"] and calls[-1].method == "editMessageText"
    [m] = bot.services.meetings.iter_all()
    assert m.company_id == "feihe" and m.amount_yuan == 500_000_000


async def test_save_goes_on_when_telegram_refuses_the_answer(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        fakebot.fail_next("answerCallbackQuery", status=400, description=QUERY_TOO_OLD)
        calls = await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
    assert len(answers(fakebot)) == 1
    assert "已保存" in calls[-1].params["text"]
    assert len(bot.services.meetings.iter_all()) == 1
    fakebot._queries[last_query_id(fakebot)].answered = True    # Telegram gave up on it: no spinner


@pytest.mark.parametrize("drop", DROPS[:2], ids=["network", "timeout"])
async def test_refine_button_edits_the_card_when_its_answer_is_dropped(bot, fakebot, drop):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "飞鹤 奶粉"))[-1]
        before = card.params["text"]
        fakebot.fail_next("answerCallbackQuery", executed=True, **drop)
        calls = await fakebot.press(bot.app, bot.officer, card, "找谁")
    assert len(answers(fakebot)) == 1
    edit = calls[-1]
    assert edit.method == "editMessageText" and edit.ok and edit.params["text"] != before
    assert any(label == "✓找谁" for row in fakebot.buttons(edit) for label, _ in row)


async def test_a_dropped_answer_is_logged_without_details(bot, fakebot, caplog):
    caplog.set_level(logging.WARNING)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        fakebot.fail_next("answerCallbackQuery", exc=NetworkError(SECRET), executed=True)
        await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
    assert "callback answer not delivered (NetworkError)" in caplog.text
    assert "13800002036" not in caplog.text and "飞鹤" not in caplog.text


# ---------------------------------------------------------------------- item 2


def _apology(fake, chat_id) -> tuple[object, str]:
    [msg] = [c for c in fake.sent(chat_id) if "参考编号" in (c.params.get("text") or "")]
    return msg, re.search(r"参考编号：<code>([0-9A-F]{6})</code>", msg.params["text"]).group(1)


async def test_failed_save_after_the_answer_is_told_in_the_chat_once(bot, fakebot, caplog, monkeypatch):
    """"正在保存…" was shown, then the database refused (an amount it cannot hold): the officer
    gets one message replying to the card, with the reference code; the card can be saved later."""
    def overflow(*args, **kwargs):
        raise OverflowError(f"Python int too large to convert to SQLite INTEGER: {SECRET}")

    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]
        with monkeypatch.context() as m:
            m.setattr(MeetingStore, "add", overflow)
            calls = await fakebot.press(bot.app, bot.officer, card, "✅ 保存", raise_errors=False)
        query_id = last_query_id(fakebot)
        [answer] = answers(fakebot, query_id)                    # not answered a second time
        assert answer.params.get("text") == "正在保存…"
        msg, ref = _apology(fakebot, bot.officer.id)
        assert msg in calls and msg.params["reply_parameters"]["message_id"] == card.result["message_id"]
        assert "/mine" in fakebot.plain(msg.params["text"])
        assert bot.services.meetings.iter_all() == []
        # the draft is still there: the same card saves once the database takes it
        saved = await fakebot.press(bot.app, bot.officer, card, "✅ 保存")
    assert "已保存" in saved[-1].params["text"] and len(bot.services.meetings.iter_all()) == 1
    assert ref in caplog.text and "OverflowError" in caplog.text
    assert "13800002036" not in caplog.text and "曾立群" not in caplog.text and "SQLite INTEGER" not in caplog.text
    assert "飞鹤" not in caplog.text and "奶粉" not in caplog.text


async def test_failed_button_before_any_answer_stops_the_spinner_and_tells_the_chat(bot, fakebot, monkeypatch):
    from promo.meetings.draft import MeetingForms

    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, FEIHE))[-1]

        def broken(*args, **kwargs):
            raise KeyError(SECRET)

        monkeypatch.setattr(MeetingForms, "item", broken)
        await fakebot.press(bot.app, bot.officer, card, "✏️ 日期", raise_errors=False)
    [answer] = answers(fakebot)
    assert not answer.params.get("text")                         # the spinner stops, quietly
    _apology(fakebot, bot.officer.id)                            # exactly one apology


async def test_failed_text_is_apologised_for_once(bot, fakebot, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(bot.services.matcher, "whom", boom)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤 奶粉", raise_errors=False)
    msg, _ = _apology(fakebot, bot.officer.id)
    assert msg in calls and "/mine" not in fakebot.plain(msg.params["text"])


async def test_apology_goes_out_even_when_the_state_cannot_be_written(bot, fakebot, monkeypatch):
    """The officer's state is written before each reply; when the database refuses, the reply
    that would confirm the state is not sent, the apology is."""
    from handlers.persistence import SQLPersistence

    async with running(bot):
        def refuse(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(SQLPersistence, "_commit_rows", refuse)   # its one write transaction
        calls = await fakebot.send_text(bot.app, bot.officer, "/log", raise_errors=False)
    assert not [c for c in calls if "第 1/5 步" in (c.params.get("text") or "")]
    _apology(fakebot, bot.officer.id)
