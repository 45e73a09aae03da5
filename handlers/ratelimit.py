"""Telegram's flood limits as Telegram applies them (issue 16, item 2).

PTB's `AIORateLimiter` throttles every request that names a chat (also chat actions and menu
calls) against 30/s, has no limit per private chat, and a 429 in one chat pauses the whole bot.
`TelegramRateLimiter` instead:

- counts only requests that put a message in a chat (send*, edit*, copy/forward; not
  sendChatAction, answerCallbackQuery, answerInlineQuery, setMyCommands…) against the overall
  bucket: 30 a second, with bursts of 30;
- per private chat: 1 a second sustained with bursts of `private_burst` (Telegram: "avoid more
  than one message per second in a single chat; short bursts are allowed");
- per group or channel: 20 a minute, bursts of 20;
- a 429 is retried after its `retry_after` (+0.1 s), up to `max_retries` times; only the chat
  that got it waits (other chats go on), unless the request named no chat.

A courtesy message (`rate_limit_args=COURTESY`: the busy notices of handlers/processor.py) never
waits and never takes a token someone waits for: it is sent only if no request is queued for its
chat's or the overall bucket, its chat has a token now and the overall bucket keeps
`courtesy_headroom` (a third of its burst) after it, else `NoSpareBudget` is raised (and it is
not retried after a 429). So busy notices use only what the replies leave over: replies at
r/s leave 30 − r/s, and always find a third of the burst.

A request waits for its chat first and for the overall bucket second, so a chat at its own
limit does not hold an overall token. Buckets are token buckets on a monotonic clock; each is
FIFO (a lock), so one chat's messages leave in order. `clock` and `sleep` are injectable for
tests, which then never wait for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

COURTESY = -1      # rate_limit_args of a message sent only on spare budget
_MESSAGE_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
_NOT_MESSAGES = ("sendChatAction",)


class NoSpareBudget(TelegramError):
    """A courtesy message found no spare token (it is dropped, not queued)."""

    def __init__(self) -> None:
        super().__init__("no spare rate budget for a courtesy message")


def is_message(endpoint: str) -> bool:
    return endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES


class Bucket:
    """A token bucket: `rate` tokens a second, at most `capacity`; FIFO waiters."""

    __slots__ = ("rate", "capacity", "tokens", "stamp", "lock", "paused_until")

    def __init__(self, rate: float, capacity: float, now: float):
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, now
        self.lock = asyncio.Lock()
        self.paused_until = 0.0

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity and not self.lock.locked() and now >= self.paused_until

    def try_take(self, now: float, keep: float = 0.0) -> bool:
        """A token now, if one is free beyond `keep` and nobody waits for this bucket."""
        if self.lock.locked() or now < self.paused_until:
            return False
        self._refill(now)
        if self.tokens >= 1 + keep - 1e-9:
            self.tokens = max(0.0, self.tokens - 1)
            return True
        return False

    async def take(self, clock: Callable[[], float], sleep: Callable[[float], Any]) -> None:
        async with self.lock:
            while True:
                now = clock()
                if now < self.paused_until:
                    await sleep(self.paused_until - now)
                    continue
                self._refill(now)
                if self.tokens >= 1 - 1e-9:     # (float rounding must not leave a sliver to wait for)
                    self.tokens = max(0.0, self.tokens - 1)
                    return
                await sleep(max((1 - self.tokens) / self.rate, 1e-3))


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(self, overall_per_second: float = 30, private_per_second: float = 1.0, private_burst: int = 20,
                 group_per_minute: float = 20, max_retries: int = 3, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = asyncio.sleep):
        self.overall_per_second, self.private_per_second = overall_per_second, private_per_second
        self.private_burst, self.group_per_minute = private_burst, group_per_minute
        self.max_retries = max_retries
        self.clock, self.sleep = clock, sleep
        self._overall: Bucket | None = None
        self._chats: dict[int | str, Bucket] = {}
        self._global_pause = 0.0
        self.retries = 0          # 429s retried (for tests and the bench)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _chat_bucket(self, chat_id: int | str) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            now = self.clock()
            if len(self._chats) > 2048:     # forget chats that are back to a full bucket
                self._chats = {c: b for c, b in self._chats.items() if not b.idle(now)}
            group = isinstance(chat_id, str) or chat_id < 0
            if group:
                bucket = Bucket(self.group_per_minute / 60, self.group_per_minute, now)
            else:
                bucket = Bucket(self.private_per_second, self.private_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def _spare(self, chat_id: int | str) -> bool:
        now = self.clock()
        if now < self._global_pause:
            return False
        chat = self._chat_bucket(chat_id)
        if not chat.try_take(now):
            return False
        if self.overall_per_second:
            if self._overall is None:
                self._overall = Bucket(self.overall_per_second, self.overall_per_second, now)
            if not self._overall.try_take(now, keep=self.overall_per_second / 3):
                chat.tokens += 1          # (give the chat's token back)
                return False
        return True

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        courtesy = rate_limit_args == COURTESY
        max_retries = self.max_retries if rate_limit_args is None else max(0, rate_limit_args)
        chat_id: int | str | None = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)   # type: ignore[arg-type]
        counted = chat_id is not None and is_message(endpoint) and not data.get("allow_paid_broadcast")
        if courtesy:
            if chat_id is not None and counted and not self._spare(chat_id):
                raise NoSpareBudget
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                until = self.clock() + exc._retry_after.total_seconds() + 0.1
                if chat_id is not None:
                    bucket = self._chat_bucket(chat_id)
                    bucket.paused_until = max(bucket.paused_until, until)
                raise
        for attempt in range(max_retries + 1):
            now = self.clock()
            if now < self._global_pause:
                await self.sleep(self._global_pause - now)
            if counted:
                await self._chat_bucket(chat_id).take(self.clock, self.sleep)
                if self.overall_per_second:
                    if self._overall is None:
                        self._overall = Bucket(self.overall_per_second, self.overall_per_second, self.clock())
                    await self._overall.take(self.clock, self.sleep)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == max_retries:
                    log.warning("Bot API %s: 429 after %d retries", endpoint, max_retries)
                    raise
                wait = exc._retry_after.total_seconds() + 0.1   # (PTB's own limiter reads it so too)
                self.retries += 1
                log.info("Bot API %s: 429, retry after %.1f s", endpoint, wait)
                until = self.clock() + wait
                if chat_id is not None:
                    bucket = self._chat_bucket(chat_id)
                    bucket.paused_until = max(bucket.paused_until, until)
                    if not counted:
                        await self.sleep(wait)
                else:
                    self._global_pause = max(self._global_pause, until)
        raise AssertionError("unreachable")
