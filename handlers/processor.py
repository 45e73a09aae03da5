"""Concurrent updates with per-officer order, bounded, with a busy answer (issue 16, items 1, 4).

PTB's `Application` hands every update to its update processor in a task of its own.
`OfficerUpdateProcessor`:

- runs updates of different officers and chats concurrently (up to `workers` at a time), so a
  slow answer (an export, a tour plan, a 50 ms Bot API round trip) of one officer does not hold
  up the others;
- runs the updates of one user, and of one chat, strictly in arrival order: an update starts
  only when the previous update with the same user or the same chat has finished, so
  conversations, forms and buttons see their state as the officer does. Waiting for one's own
  predecessor does not take a worker. (PTB warns that ConversationHandler needs updates one by
  one; what it needs is one by one per conversation key — chat and user — which this keeps);
- is bounded: at most `workers + queue_limit` updates are admitted (running, or waiting for a
  worker or their predecessor), at most `per_user_limit` per user or chat. Above that the update is not handled and the officer is told so:
  a private message gets the busy message (templates/busy.html.j2, at most one per chat every
  `notice_every` seconds, so the notices do not eat the Bot API budget), a button press gets
  the busy toast, an inline query an empty answer; in groups the bot stays quiet. An update
  that waits longer than `notice_after` seconds before it starts tells its officer it is
  queued (same rate limit per chat). So above capacity the bot keeps answering at its capacity
  instead of letting every update wait behind an ever-growing backlog.

The defaults (32 workers, 96 waiting) admit about 4 s of work at Telegram's 30 messages a
second, so an admitted update rarely waits long enough for the queued notice. Updates without
a user or chat (polls) are run without order. Counters (`refused`, `started`,
`notices`) are for tests and the bench.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from promo.render import render

log = logging.getLogger(__name__)


class OfficerUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, workers: int = 32, queue_limit: int = 96, per_user_limit: int = 10,
                 notice_after: float = 5.0, notice_every: float = 30.0, retry_seconds: int = 30):
        if workers < 1 or queue_limit < 0 or per_user_limit < 1:
            raise ValueError("workers and per_user_limit must be ≥ 1, queue_limit ≥ 0")
        # PTB's own semaphore only counts what is inside do_process_update; the bounds are ours.
        super().__init__(max_concurrent_updates=workers + queue_limit + 64)
        self.workers, self.queue_limit, self.per_user_limit = workers, queue_limit, per_user_limit
        self.notice_after, self.notice_every, self.retry_seconds = notice_after, notice_every, retry_seconds
        self._slots = asyncio.Semaphore(workers)
        self._tails: dict[tuple[str, int], asyncio.Future] = {}   # last admitted update per key
        self._per_key: dict[tuple[str, int], int] = defaultdict(int)
        self._last_notice: dict[int, float] = {}
        self._background: set[asyncio.Task] = set()
        self.waiting = 0          # admitted, not started
        self.running = 0
        self.started = 0
        self.refused = 0
        self.notices = 0
        self.on_refused = None    # optional callable(update), for the bench

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    @staticmethod
    def keys_of(update: object) -> list[tuple[str, int]]:
        if not isinstance(update, Update):
            return []
        keys = []
        if update.effective_user is not None:
            keys.append(("user", update.effective_user.id))
        if update.effective_chat is not None and (update.effective_user is None
                                                  or update.effective_chat.id != update.effective_user.id):
            keys.append(("chat", update.effective_chat.id))
        return keys

    def full_for(self, keys: list[tuple[str, int]]) -> bool:
        return self.waiting + self.running >= self.workers + self.queue_limit or any(self._per_key.get(k, 0) >= self.per_user_limit
                                                       for k in keys)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = self.keys_of(update)
        if self.full_for(keys):
            self.refused += 1
            _close(coroutine)
            if self.on_refused is not None:
                self.on_refused(update)
            self._spawn(self._tell(update, "refused"))
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        before = [self._tails[k] for k in keys if k in self._tails]
        for k in keys:
            self._tails[k] = done
            self._per_key[k] += 1
        self.waiting += 1
        waiting = True
        timer = loop.call_later(self.notice_after, lambda: self._spawn(self._tell(update, "queued")))
        try:
            if before:
                await asyncio.wait(before)        # (asyncio.wait: a cancelled waiter leaves them be)
            async with self._slots:
                timer.cancel()
                self.waiting -= 1
                waiting = False
                self.running += 1
                self.started += 1
                try:
                    await coroutine
                finally:
                    self.running -= 1
        finally:
            timer.cancel()
            if waiting:
                self.waiting -= 1
                _close(coroutine)
            done.set_result(None)
            for k in keys:
                self._per_key[k] -= 1
                if self._per_key[k] <= 0:
                    del self._per_key[k]
                if self._tails.get(k) is done:
                    del self._tails[k]

    # ------------------------------------------------------------------ telling the officer

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _may_notice(self, chat_id: int) -> bool:
        now = asyncio.get_running_loop().time()
        last = self._last_notice.get(chat_id)
        if last is not None and now - last < self.notice_every:
            return False
        if len(self._last_notice) > 4096:
            self._last_notice = {c: t for c, t in self._last_notice.items() if now - t < self.notice_every}
        self._last_notice[chat_id] = now
        return True

    async def _tell(self, update: object, kind: str) -> None:
        """The busy answer for `update` (kind: refused | queued); never raises."""
        if not isinstance(update, Update):
            return
        try:
            bot = update.get_bot()
            if update.callback_query is not None:
                if kind == "refused":
                    await bot.answer_callback_query(
                        update.callback_query.id, render("busy.html.j2", kind="toast", seconds=self.retry_seconds))
                return
            if update.inline_query is not None:
                if kind == "refused":
                    await bot.answer_inline_query(update.inline_query.id, [], cache_time=0, is_personal=True)
                return
            chat = update.effective_chat
            if chat is None or chat.type != ChatType.PRIVATE or update.effective_message is None:
                return                          # quiet in groups and for other kinds of update
            if not self._may_notice(chat.id):
                return
            self.notices += 1
            await bot.send_message(chat.id, render("busy.html.j2", kind=kind, seconds=self.retry_seconds),
                                   parse_mode=ParseMode.HTML)
        except (TelegramError, RuntimeError) as exc:
            log.warning("busy answer not delivered (%s)", type(exc).__name__)


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
