"""Issue 16, item 4: graceful overload. Refused updates are dropped on their raw JSON, before PTB
parses them (the gate, `OfficerUpdateProcessor.admit_raw`, in `PromoBot`'s getUpdates); the
officer is told once per window through the notice lane; admitted updates are all answered,
in order per officer.

The polling tests run a real Application (PromoBuilder: PromoBot, DurableApplication's class,
the processor) and its own Updater against the strict fake Bot API. Assertions are on events
and requests, never on time."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, InlineQueryHandler, MessageHandler, filters

from handlers.processor import NoticeLane, OfficerUpdateProcessor, raw_keys
from handlers.ratelimit import COURTESY, NoSpareBudget, TelegramRateLimiter
from handlers.retry import PromoBuilder
from tests.fakebot import QueryRecord
from tests.fakebot.updates import FakeChat, callback_query_dict, inline_query_dict, message_dict

from .test_processor import until
from .test_ratelimit import VirtualClock

pytestmark = pytest.mark.asyncio


@pytest.fixture
def parsed(monkeypatch) -> list[int]:
    """update_id of every Update PTB builds from JSON (Update.de_json, which de_list calls)."""
    seen: list[int] = []
    original = Update.de_json.__func__        # type: ignore[attr-defined]

    def de_json(cls, data, bot=None):
        if isinstance(data, dict) and "update_id" in data:
            seen.append(data["update_id"])
        return original(cls, data, bot)

    monkeypatch.setattr(Update, "de_json", classmethod(de_json))
    return seen


def polling_app(fakebot, processor):
    """Handlers: a text waits for `gate`, then is answered "ok <text>" with a button; a press is
    answered "done"; an inline query gets one article."""
    gate = asyncio.Event()
    handled: list[tuple[int, str]] = []

    async def text(update, context):
        await gate.wait()
        handled.append((update.effective_user.id, update.effective_message.text))
        await context.bot.send_message(update.effective_chat.id, f"ok {update.effective_message.text}",
                                       reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("再来", callback_data="x")]]))

    async def pressed(update, context):
        handled.append((update.effective_user.id, "press"))
        await update.callback_query.answer("done")

    async def inline(update, context):
        handled.append((update.effective_user.id, "inline"))
        await update.inline_query.answer([])

    app = PromoBuilder().token("123:ABC").request(fakebot).get_updates_request(fakebot) \
        .concurrent_updates(processor).build()
    app.add_handler(MessageHandler(filters.TEXT, text))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(InlineQueryHandler(inline))
    return app, gate, handled


def queue_press(fakebot, user, message) -> str:
    query_id = fakebot._next_query_id("cq")
    fakebot._queries[query_id] = QueryRecord(query_id, "callback_query", user.id, "x")
    fakebot.queue_update({"callback_query": callback_query_dict(query_id=query_id, user=user,
                                                                message=message.data_copy, data="x")})
    return query_id


def queue_inline(fakebot, user) -> str:
    query_id = fakebot._next_query_id("iq")
    fakebot._queries[query_id] = QueryRecord(query_id, "inline_query", user.id, "飞鹤")
    fakebot.queue_update({"inline_query": inline_query_dict(query_id=query_id, user=user, query="飞鹤", offset="",
                                                            chat_type="private")})
    return query_id


def busy_texts(fakebot, chat_id) -> list[str]:
    return [fakebot.plain(c.params["text"]) for c in fakebot.sent(chat_id)
            if c.method == "sendMessage" and "没有处理" in fakebot.plain(c.params["text"])]


async def test_polling_over_capacity_refused_updates_are_never_parsed_and_the_officers_are_told_once(
        fakebot, parsed):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=2, per_user_limit=10, notice_after=3600)
    app, gate, handled = polling_app(fakebot, processor)
    a, b, c, d, x, e = (fakebot.user(7000 + i, f"官员{i}") for i in range(6))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0)
        try:
            gate.set()                                   # x gets a card with a button first
            fakebot.queue_text(x, "第一张")
            await until(lambda: (x.id, "第一张") in handled, "x's first card")
            card = fakebot._resolve_message(None, x.id)
            await until(lambda: processor.admitted == 0, "x's update finished")
            gate.clear()
            await app.updater.stop()                     # one batch for the rest: the gate sees them in order
            admitted = [fakebot.queue_text(a, "一")["update_id"], fakebot.queue_text(a, "二")["update_id"],
                        fakebot.queue_text(b, "三")["update_id"]]        # 1 running + 2 waiting = full
            refused = [fakebot.queue_text(c, f"丙{i}")["update_id"] for i in range(3)]
            press_id = queue_press(fakebot, x, card)
            inline_id = queue_inline(fakebot, e)
            refused.append(fakebot.queue_text(d, "丁")["update_id"])    # the batch's last update is refused
            await app.updater.start_polling(poll_interval=0)
            await until(lambda: processor.refused_raw == 6, "six refused by the gate")
            await until(lambda: any(r.params.get("callback_query_id") == press_id
                                    for r in fakebot.requests("answerCallbackQuery")), "the busy toast")
            await until(lambda: fakebot.requests("answerInlineQuery"), "the empty inline answer")
            await until(lambda: busy_texts(fakebot, c.id) and busy_texts(fakebot, d.id), "the busy notices")
            gate.set()
            await until(lambda: len(handled) == 4, "the admitted three handled")
            polls = len(fakebot.requests("getUpdates"))
            await until(lambda: len(fakebot.requests("getUpdates")) >= polls + 3, "a few more polls")
        finally:
            await app.updater.stop()
            await app.stop()
    everything = admitted + refused
    # the refused never became Update objects, the admitted did (once each)
    assert not set(parsed) & set(refused) and all(parsed.count(u) == 1 for u in admitted)
    assert [u for u in parsed if u in everything] == admitted
    assert processor.refused == processor.refused_raw == 6          # none refused again after the gate
    # every admitted update was handled and answered, a's in order
    assert sorted(handled[1:]) == [(a.id, "一"), (a.id, "二"), (b.id, "三")]
    assert [h for h in handled if h[0] == a.id] == [(a.id, "一"), (a.id, "二")]
    assert [fakebot.plain(m.params["text"]) for m in fakebot.sent(a.id)] == ["ok 一", "ok 二"]
    assert [fakebot.plain(m.params["text"]) for m in fakebot.sent(b.id)] == ["ok 三"]
    # one busy notice for c's three refused messages, one for d; none for the admitted
    assert len(busy_texts(fakebot, c.id)) == 1 and len(busy_texts(fakebot, d.id)) == 1
    assert processor.notices == 2
    [toast] = [r for r in fakebot.requests("answerCallbackQuery") if r.params.get("callback_query_id") == press_id]
    assert "太忙" in toast.params["text"]
    [empty] = fakebot.requests("answerInlineQuery")
    assert empty.params["inline_query_id"] == inline_id and empty.params["results"] == []
    # Telegram was told the refused ones were received (offset past them): none is delivered again
    assert fakebot._queue == [] and processor.refused_raw == 6


async def test_in_a_group_a_refused_message_gets_no_answer_and_is_not_parsed(fakebot, parsed):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=0, notice_after=3600)
    app, gate, handled = polling_app(fakebot, processor)
    group = FakeChat(-100777)
    async with app:
        await app.start()
        try:
            first = fakebot.queue_text(fakebot.user(8001, "甲"), "你好")["update_id"]
            refused = fakebot.queue_text(fakebot.user(8002, "乙"), "你好", group)["update_id"]
            await app.updater.start_polling(poll_interval=0)
            await until(lambda: processor.refused_raw == 1, "refused")
            gate.set()
            await until(lambda: len(handled) == 1, "the private one handled")
        finally:
            await app.updater.stop()
            await app.stop()
    assert first in parsed and refused not in parsed
    assert not fakebot.sent(group.id) and processor.notices == 0


def _message(update_id, user, chat=None, kind="message"):
    return {"update_id": update_id, kind: message_dict(message_id=update_id, date=0, sender=user.to_dict(),
                                                      chat=(chat or user).to_dict() if chat else user.chat_dict(),
                                                      text="你好")}


async def test_the_raw_keys_are_the_parsed_updates_keys(fakebot):
    user, other = fakebot.user(9001, "甲"), fakebot.user(9002, "乙")
    group = FakeChat(-100900)
    private_card = message_dict(message_id=5, date=0, sender={"id": 4242, "is_bot": True, "first_name": "助手"},
                                chat=other.chat_dict(), text="卡片")
    raws = [
        _message(1, user), _message(2, user, group), _message(3, user, kind="edited_message"),
        {"update_id": 4, "callback_query": callback_query_dict(query_id="q", user=user, message=private_card,
                                                               data="x")},
        {"update_id": 5, "callback_query": {"id": "q2", "from": user.to_dict(), "chat_instance": "1",
                                            "inline_message_id": "im", "data": "x"}},
        {"update_id": 6, "inline_query": inline_query_dict(query_id="i", user=user, query="x", offset="",
                                                           chat_type=None)},
        {"update_id": 7, "channel_post": {"message_id": 1, "date": 0, "text": "x",
                                          "chat": {"id": -100901, "type": "channel", "title": "频道"}}},
        {"update_id": 8, "my_chat_member": {"chat": {"id": -100900, "type": "group", "title": "群"},
                                            "from": user.to_dict(), "date": 0,
                                            "old_chat_member": {"status": "left", "user": user.to_dict()},
                                            "new_chat_member": {"status": "member", "user": user.to_dict()}}},
        {"update_id": 9, "poll": {"id": "p", "question": "?", "options": [], "total_voter_count": 0,
                                  "is_closed": False, "is_anonymous": True, "type": "regular",
                                  "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}},
    ]
    for raw in raws:
        keys, info = raw_keys(raw)
        assert keys == OfficerUpdateProcessor.keys_of(Update.de_json(raw, None)), raw
        assert info.update_id == raw["update_id"]
    assert raw_keys(raws[0])[1].private and raw_keys(raws[0])[1].chat_id == user.id
    assert not raw_keys(raws[1])[1].private and raw_keys(raws[1])[1].chat_id == group.id
    assert raw_keys(raws[3])[1].callback_query_id == "q" and raw_keys(raws[3])[1].chat_id == other.id
    assert raw_keys(raws[5])[1].inline_query_id == "i" and raw_keys(raws[5])[1].chat_id is None


async def test_the_gate_counts_once_and_gives_back_what_is_not_handed_over(fakebot):
    """As a webhook intake calls it: a plain callable on the raw dict."""
    processor = OfficerUpdateProcessor(workers=1, queue_limit=1, per_user_limit=10, reserve_ttl=3600)
    gate = processor.admit_raw
    user = fakebot.user(9101, "甲")
    assert gate(_message(1, user)) and gate(_message(2, user))
    assert processor.admitted == 2
    assert gate(_message(2, user)) and processor.admitted == 2        # delivered again: admitted once
    assert not gate(_message(3, user)) and processor.refused == processor.refused_raw == 1
    processor.release_raw(1)                                           # it will not reach the application
    assert processor.admitted == 1 and gate(_message(4, user))
    processor.reserve_ttl = 0                                          # never handed over: given back
    assert gate(_message(5, fakebot.user(9102, "乙"))) and processor.admitted == 1


async def test_a_redelivery_of_an_update_already_handed_over_is_not_reserved_again(fakebot):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=1, per_user_limit=10, reserve_ttl=3600)
    user = fakebot.user(9201, "甲")
    raw = _message(1, user)
    assert processor.admit_raw(raw)
    ran: list[int] = []

    async def handle():
        ran.append(1)

    await processor.do_process_update(Update.de_json(raw, None), handle())    # taken and finished
    assert ran == [1] and processor.admitted == 0
    assert processor.admit_raw(raw) and processor.admitted == 0             # (a webhook redelivery)
    assert processor.admit_raw(_message(2, user)) and processor.admit_raw(_message(3, user))
    assert processor.admitted == 2 and processor.refused == 0


async def test_the_lane_is_bounded_and_drops_when_full():
    lane = NoticeLane(rate=5, toast_rate=10, size=2)
    sent: list[int] = []
    finished: list[int] = []

    def job(i):
        async def send():
            sent.append(i)
        return send

    assert lane.put(True, job(1), lambda: finished.append(1)) and lane.put(True, job(2), lambda: finished.append(2))
    assert not lane.put(True, job(3)) and lane.dropped == 1
    await until(lambda: sent == [1], "the first notice sent")
    await lane.close()
    assert sent == [1] and sorted(finished) == [1, 2]       # the rest is let go at shutdown, its done() run


async def test_a_courtesy_message_takes_only_spare_budget():
    clock = VirtualClock()
    lim = TelegramRateLimiter(clock=clock, sleep=clock.sleep, private_burst=1, overall_per_second=30)
    calls: list[str] = []

    async def call():
        calls.append("sent")
        return True

    async def courtesy(chat_id):
        return await lim.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, COURTESY)

    assert await courtesy(7) and calls == ["sent"]            # a token was free
    with pytest.raises(NoSpareBudget):                         # chat 7's burst of 1 is used: not waited for
        await courtesy(7)
    assert calls == ["sent"] and clock.slept == []
    # replies used the overall burst down to its last third (10 of 30): that is kept for replies
    for chat_id in range(100, 119):
        await lim.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, None)
    assert len(calls) == 20 and clock.slept == []
    with pytest.raises(NoSpareBudget):
        await courtesy(8)
    clock.now += 0.05                                          # 11.5 tokens: one is spare
    assert await courtesy(8) and len(calls) == 21
    with pytest.raises(NoSpareBudget):
        await courtesy(9)
    # a reply waiting for the overall bucket (it holds its lock): the courtesy message never goes first
    clock.now += 10                                            # (the bucket is full again)
    assert lim._overall is not None
    async with lim._overall.lock:
        with pytest.raises(NoSpareBudget):
            await courtesy(10)
    assert await courtesy(10) and len(calls) == 22 and clock.slept == []


async def test_a_batch_ptb_cannot_parse_is_fetched_again_and_counted_once(fakebot):
    processor = OfficerUpdateProcessor(workers=1, queue_limit=5, notice_after=3600)
    app, gate, handled = polling_app(fakebot, processor)
    good = fakebot.queue_text(fakebot.user(8101, "甲"), "你好")["update_id"]
    bad = fakebot.queue_update({"message": {"message_id": 1}})["update_id"]       # no date, no chat
    async with app:
        await app.start()
        try:
            await app.updater.start_polling(poll_interval=0)
            await until(lambda: len(fakebot.requests("getUpdates")) >= 4, "a few polls")
        finally:
            with contextlib.suppress(KeyError):   # (PTB's last getUpdates on stop fails to parse it too)
                await app.updater.stop()
            await app.stop()
    offsets = [c.params.get("offset") for c in fakebot.requests("getUpdates")]
    assert all(o is None or o <= good for o in offsets), offsets      # never confirmed past the batch
    assert [u["update_id"] for u in fakebot._queue] == [good, bad]     # Telegram would send it again
    assert processor.admitted == 2 and processor.refused == 0 and handled == []   # counted once each
