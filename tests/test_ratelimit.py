"""Issue 16, item 2: Telegram's flood limits, and 429 retried after retry_after.

A virtual clock: the limiter's sleeps advance it instead of waiting, so the tests assert on what
the limiter waited, never on wall time."""

from __future__ import annotations

import asyncio

import pytest

from handlers.ratelimit import TelegramRateLimiter, is_message

from .botkit import build_bot, running

pytestmark = pytest.mark.asyncio


class VirtualClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(clock, **kw):
    return TelegramRateLimiter(clock=clock, sleep=clock.sleep, **kw)


async def send_times(lim, clock, chat_ids, endpoint="sendMessage"):
    times = []

    async def call():
        times.append(clock.now)
        return True

    for chat_id in chat_ids:
        await lim.process_request(call, (), {}, endpoint, {"chat_id": chat_id}, None)
    return times


async def test_a_private_chat_gets_a_short_burst_then_one_a_second():
    clock = VirtualClock()
    times = await send_times(limiter(clock, private_burst=3), clock, [7] * 6)
    assert times[:3] == [1000.0] * 3                       # the burst goes out at once
    gaps = [b - a for a, b in zip(times[2:], times[3:])]
    assert all(g == pytest.approx(1.0) for g in gaps)     # then 1/s sustained


async def test_overall_thirty_a_second_across_chats_and_other_chats_not_held_by_one():
    clock = VirtualClock()
    lim = limiter(clock)
    times = await send_times(lim, clock, list(range(1, 61)))   # 60 different private chats
    assert times[29] == 1000.0 and times[30] > 1000.0
    assert times[59] - times[0] == pytest.approx(1.0, abs=0.05)  # 60 messages: 30 at once, 30 over 1 s
    assert len(times) / (times[59] - times[0] + 1) >= 29       # never capped below Telegram's 30/s


async def test_groups_twenty_a_minute():
    clock = VirtualClock()
    times = await send_times(limiter(clock), clock, [-100500] * 22)
    assert times[19] == 1000.0
    assert times[20] - 1000.0 == pytest.approx(3.0) and times[21] - times[20] == pytest.approx(3.0)


async def test_requests_that_are_not_messages_are_not_counted():
    assert not is_message("sendChatAction") and not is_message("answerCallbackQuery")
    assert is_message("sendMessage") and is_message("editMessageText") and is_message("copyMessage")
    clock = VirtualClock()
    lim = limiter(clock, private_burst=1)
    await send_times(lim, clock, [7] * 5, endpoint="sendChatAction")
    assert clock.slept == []


async def test_a_429_is_retried_after_retry_after_against_the_strict_fake(fakebot, tmp_path):
    clock = VirtualClock()
    bot = build_bot(fakebot, tmp_path)
    lim = limiter(clock)
    bot.app.bot._rate_limiter = lim       # the app's limiter, on a virtual clock
    async with running(bot):
        fakebot.fail_next("sendMessage", status=429, retry_after=7)
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
    sends = [c for c in calls if c.method == "sendMessage"]
    assert len(sends) == 2 and not sends[0].ok and sends[1].ok          # refused once, then delivered
    assert "说什么" in fakebot.plain(sends[1].params["text"])
    assert lim.retries == 1 and any(s >= 7 for s in clock.slept)         # waited retry_after first



async def test_the_429_of_one_chat_does_not_hold_up_another():
    from telegram.error import RetryAfter

    clock = VirtualClock()
    lim = limiter(clock)
    first = {"n": 0}
    sent: list[tuple[int, float]] = []

    def make(chat_id):
        async def call():
            if chat_id == 1 and first["n"] == 0:
                first["n"] += 1
                raise RetryAfter(30)
            sent.append((chat_id, clock.now))
            return True
        return call

    await lim.process_request(make(1), (), {}, "sendMessage", {"chat_id": 1}, None)
    t_retry = clock.now
    await lim.process_request(make(2), (), {}, "sendMessage", {"chat_id": 2}, None)
    assert sent[0][0] == 1 and sent[0][1] >= 1000.0 + 30       # chat 1 waited its retry_after
    assert sent[1] == (2, t_retry)                             # chat 2 did not wait at all after it


async def test_production_builds_the_telegram_limiter(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    assert isinstance(bot.app.bot.rate_limiter, TelegramRateLimiter)
