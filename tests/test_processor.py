"""Issue 16, items 1 and 4: concurrent updates with per-officer order, bounded, busy answer.

Updates go through `app.update_queue` and PTB's update fetcher, i.e. through the update
processor, as in production (fakebot.process calls process_update directly and would bypass it).
Assertions are on the order of events, never on time."""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, TypeHandler, filters

from handlers.processor import OfficerUpdateProcessor
from tests.fakebot import QueryRecord
from tests.fakebot.updates import FakeChat, callback_query_dict

from .botkit import build_bot, running

pytestmark = pytest.mark.asyncio
CARD = "飞鹤乳业 副总 北京 奶粉"


async def put_text(fake, app, user, text, chat=None) -> int:
    message = fake.store_user_message(user, text, chat)
    update_id = fake._next_update_id()
    await app.update_queue.put(Update.de_json({"update_id": update_id, "message": message.data_copy}, app.bot))
    return update_id


async def until(condition, what: str, limit: int = 2000) -> None:
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_a_slow_update_of_one_officer_does_not_hold_up_another_and_each_keeps_order(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    app = bot.app
    assert isinstance(app.update_processor, OfficerUpdateProcessor)   # as production builds it
    assert app.bot._gate == app.update_processor.admit_raw            # polling drops refused updates unparsed
    assert app.update_processor.bot is app.bot                        # which the gate's busy answers use
    events: list[tuple[str, int, str]] = []
    release = asyncio.Event()

    async def first(update, context):
        text = update.effective_message.text
        events.append(("start", update.effective_user.id, text))
        if text == "慢 " + CARD:
            try:       # held until the other officer's reply is out; sequential handling never gets there
                await asyncio.wait_for(release.wait(), 10)
            except TimeoutError:
                events.append(("timeout", update.effective_user.id, text))

    async def last(update, context):
        events.append(("done", update.effective_user.id, update.effective_message.text))
        if update.effective_user.id == bot.lead.id:
            release.set()

    app.add_handler(TypeHandler(Update, first), group=-100)
    app.add_handler(TypeHandler(Update, last), group=1000)
    async with running(bot):
        await app.start()
        try:
            await put_text(fakebot, app, bot.officer, "慢 " + CARD)
            await put_text(fakebot, app, bot.officer, CARD)
            await put_text(fakebot, app, bot.lead, CARD)
            await until(lambda: len([e for e in events if e[0] == "done"]) == 3, "three updates handled")
        finally:
            await app.stop()
    officer, lead = bot.officer.id, bot.lead.id
    assert ("timeout", officer, "慢 " + CARD) not in events
    order = [e for e in events if e[0] != "timeout"]
    assert order.index(("done", lead, CARD)) < order.index(("done", officer, "慢 " + CARD))   # B not delayed
    # A's second message starts only after A's first is finished (per-officer order)
    assert order.index(("done", officer, "慢 " + CARD)) < order.index(("start", officer, CARD))
    # and both officers got their answer cards
    assert all("说什么" in fakebot.plain(fakebot.last_text(u)) for u in (officer, lead))


def small_app(fakebot, processor):
    gate = asyncio.Event()
    handled: list[int] = []

    async def slow(update, context):
        await gate.wait()
        handled.append(update.effective_chat.id)
        await context.bot.send_message(update.effective_chat.id, "ok",
                                       reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("再来", callback_data="x")]]))

    async def pressed(update, context):
        await update.callback_query.answer("done")

    app = fakebot.builder().concurrent_updates(processor).build()
    app.add_handler(MessageHandler(filters.TEXT, slow))
    app.add_handler(CallbackQueryHandler(pressed))
    return app, gate, handled


async def test_above_capacity_updates_are_refused_with_the_busy_answer_and_the_rest_are_handled(fakebot):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=2, per_user_limit=5, notice_after=3600)
    app, gate, handled = small_app(fakebot, processor)
    users = [fakebot.user(2000 + i, f"官员{i}") for i in range(6)]
    async with app:
        await app.start()
        try:
            # a button on screen for the last officer, before the bot gets busy
            gate.set()
            await put_text(fakebot, app, users[5], "你好")
            await until(lambda: handled == [users[5].id], "the first card")
            gate.clear()
            for user in users[:5]:
                await put_text(fakebot, app, user, "你好")
            await until(lambda: processor.refused == 2, "two refused")
            assert processor.running == 1 and processor.waiting == 2
            # a press while full: the busy toast
            target = fakebot._resolve_message(None, users[5].id)
            fakebot._queries["cq1"] = QueryRecord("cq1", "callback_query", users[5].id, "x")
            await app.update_queue.put(Update.de_json({"update_id": fakebot._next_update_id(), "callback_query":
                                                       callback_query_dict(query_id="cq1", user=users[5],
                                                                           message=target.data_copy, data="x")},
                                                      app.bot))
            await until(lambda: processor.refused == 3, "the press refused")
            await until(lambda: fakebot.requests("answerCallbackQuery"), "the toast")
            gate.set()
            await until(lambda: len(handled) == 4, "the admitted three handled")
        finally:
            await app.stop()
    assert handled[1:] == [u.id for u in users[:3]]                  # admitted in arrival order
    for user in users[3:5]:
        [busy] = [c for c in fakebot.sent(user.id) if c.method == "sendMessage"]
        assert "没有处理" in fakebot.plain(busy.params["text"])
    [toast] = fakebot.requests("answerCallbackQuery")
    assert "太忙" in toast.params["text"]
    assert all("没有处理" not in fakebot.plain(c.params.get("text", "")) for u in users[:3] for c in fakebot.sent(u.id))


async def test_one_officer_cannot_fill_the_queue_and_is_told_once(fakebot):
    processor = OfficerUpdateProcessor(workers=4, queue_limit=50, per_user_limit=2, notice_after=3600)
    app, gate, handled = small_app(fakebot, processor)
    spammer, other = fakebot.user(3001, "甲"), fakebot.user(3002, "乙")
    async with app:
        await app.start()
        try:
            for _ in range(6):
                await put_text(fakebot, app, spammer, "你好")
            await put_text(fakebot, app, other, "你好")
            await until(lambda: processor.refused == 4, "four of the spammer's refused")
            gate.set()
            await until(lambda: len(handled) == 3, "handled")
        finally:
            await app.stop()
    assert sorted(handled) == [spammer.id, spammer.id, other.id]
    busy = [c for c in fakebot.sent(spammer.id) if "没有处理" in fakebot.plain(c.params.get("text", ""))]
    assert len(busy) == 1                       # one notice per chat per notice_every, not four


async def test_an_officer_waiting_long_is_told_the_message_is_queued(fakebot):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=10, notice_after=0.01)
    app, gate, handled = small_app(fakebot, processor)
    first, second = fakebot.user(4001, "甲"), fakebot.user(4002, "乙")
    async with app:
        await app.start()
        try:
            await put_text(fakebot, app, first, "你好")
            await put_text(fakebot, app, second, "你好")
            await until(lambda: any("排队" in fakebot.plain(c.params.get("text", "")) for c in fakebot.sent(second.id)),
                        "the queued notice")
            gate.set()
            await until(lambda: len(handled) == 2, "handled")
        finally:
            await app.stop()
    texts = [fakebot.plain(c.params.get("text", "")) for c in fakebot.sent(second.id)]
    assert "排队" in texts[0] and texts[-1] == "ok"          # told it waits, then answered


async def test_in_a_group_a_refused_message_gets_no_answer(fakebot):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=0, notice_after=3600)
    app, gate, handled = small_app(fakebot, processor)
    group = FakeChat(-100123)
    async with app:
        await app.start()
        try:
            await put_text(fakebot, app, fakebot.user(5002, "乙"), "你好")      # takes the one worker
            await put_text(fakebot, app, fakebot.user(5001, "甲"), "你好", group)
            await until(lambda: processor.refused == 1, "refused")
            gate.set()
            await until(lambda: handled == [5002], "the private one handled")
        finally:
            await app.stop()
    assert not fakebot.sent(group.id)
