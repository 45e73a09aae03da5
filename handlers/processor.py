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
- is bounded: at most `workers + queue_limit` updates are admitted (running, waiting for a
  worker or their predecessor, or admitted by the gate and not yet handed over), at most
  `per_user_limit` per user or chat. Above that the update is not handled and the officer is
  told so, cheaply (see "Busy notices").

Admission on the raw JSON (the gate). A refused update must cost next to nothing, or refusing
eats the capacity it protects. `admit_raw(payload) -> bool` decides on the update's JSON dict as
Telegram sent it, before `Update.de_json`: it reads the user (`from.id`, `user.id`) and chat
(`chat.id`, a button's `message.chat.id`) the way `Update.effective_user` / `effective_chat` do,
and

- True: the update is admitted and counted now (a reservation under its `update_id`); when it
  reaches `do_process_update` it takes that reservation and is never refused again for the
  bound. Hand it to the application (parse it, put it in `update_queue` or call
  `process_update`) at once; if it will not get there (a duplicate, unparseable, the intake
  closing), call `release_raw(update_id)`. A reservation not taken within `reserve_ttl` seconds
  (10) is given back anyway. An update id seen again while reserved, or after it was handed
  over (a redelivery), is admitted without a second reservation;
- False: the update is refused and must be dropped unparsed; the gate has already counted it
  and queued the officer's busy answer from the few fields it kept (`Refused`: kind, chat id and
  type, callback query id, inline query id).

Polling uses it through `handlers/retry.py` `PromoBot` (getUpdates results are filtered before
they are parsed; `PromoBuilder.build` wires the gate). The webhook intake (handlers/webhook.py)
takes the processor itself as its `Admission` (`admit_raw`, `release_raw`; call them on the
event loop's thread), and the dispatcher routes by the same keys (`raw_keys`). `do_process_update` keeps its own check for updates that did not pass
the gate (tests, `process_update` callers): the same counters, the last guard.

Busy notices go through their own small lane (`NoticeLane`: one task, `notice_rate` sends a
second, at most `lane_size` waiting, dropped when full), never through the workers:

- a private message: the busy message (templates/busy.html.j2), coalesced — at most one per
  chat every `notice_every` seconds, and none while that chat's previous notice is unsent. With
  `TelegramRateLimiter` it is a courtesy (`rate_limit_args=COURTESY`): sent only on a token the
  admitted replies do not wait for, else dropped;
- a button press: the busy toast (answerCallbackQuery, not a message; `toast_rate` a second);
- an inline query: an empty answer (same lane and rate as toasts);
- groups and other kinds: nothing.

An admitted update that waits longer than `notice_after` seconds before it starts tells its
officer it is queued (same lane, same coalescing). The defaults (32 workers, 96 waiting) admit
about 4 s of work at Telegram's 30 messages a second. Updates without a user or chat (polls)
are run without order. Counters (`refused`, `refused_raw`, `started`, `notices`, `toasts`,
lane `dropped`) are for tests and the bench.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import BaseUpdateProcessor, ExtBot

from promo.render import render

from .ratelimit import COURTESY, NoSpareBudget

log = logging.getLogger(__name__)


RAW_MESSAGES = ("message", "edited_message", "business_message", "edited_business_message", "guest_message")
_RAW_CHANNEL = ("channel_post", "edited_channel_post")
# Where Update.effective_user is read from, per kind (telegram/_update.py, PTB 22.8).
_RAW_USER = {**{k: "from" for k in RAW_MESSAGES + _RAW_CHANNEL}, "inline_query": "from",
             "chosen_inline_result": "from", "callback_query": "from", "shipping_query": "from",
             "pre_checkout_query": "from", "poll_answer": "user", "my_chat_member": "from",
             "chat_member": "from", "chat_join_request": "from", "message_reaction": "user",
             "business_connection": "user", "purchased_paid_media": "from", "managed_bot": "user"}
# Kinds whose object carries the effective chat as "chat" (callback_query: its message's chat).
_RAW_CHAT = set(RAW_MESSAGES + _RAW_CHANNEL) | {"deleted_business_messages", "my_chat_member", "chat_member",
                                                  "chat_join_request", "message_reaction",
                                                  "message_reaction_count", "chat_boost", "removed_chat_boost"}


@dataclass(slots=True)
class Refused:
    """What is kept of a refused update: enough for its busy answer."""

    update_id: int | None
    kind: str                       # the update's field: message, callback_query, inline_query, …
    chat_id: int | None = None
    private: bool = False
    callback_query_id: str | None = None
    inline_query_id: str | None = None


def _id(obj: Any) -> int | None:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, int) else None


def raw_keys(payload: dict) -> tuple[list[tuple[str, int]], Refused]:
    """The ordering keys of a raw update (as `OfficerUpdateProcessor.keys_of` finds them on the
    parsed one) and what its busy answer needs."""
    kind = next((k for k in payload if k != "update_id"), "")
    body = payload.get(kind)
    info = Refused(payload.get("update_id"), kind)
    if not isinstance(body, dict):
        return [], info
    user_id = _id(body.get(_RAW_USER[kind])) if kind in _RAW_USER else None
    chat: Any = None
    if kind in _RAW_CHAT:
        chat = body.get("chat")
    elif kind == "callback_query":
        message = body.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        info.callback_query_id = body.get("id")
    elif kind == "inline_query":
        info.inline_query_id = body.get("id")
    chat_id = _id(chat)
    if chat_id is not None:
        info.chat_id, info.private = chat_id, chat.get("type") == ChatType.PRIVATE
    keys = []
    if user_id is not None:
        keys.append(("user", user_id))
    if chat_id is not None and chat_id != user_id:
        keys.append(("chat", chat_id))
    return keys, info


def refused_of(update: object) -> Refused:
    """`Refused` of a parsed update (refused by `do_process_update`)."""
    if not isinstance(update, Update):
        return Refused(None, "other")
    chat = update.effective_chat
    if update.callback_query is not None:
        kind = "callback_query"
    elif update.inline_query is not None:
        kind = "inline_query"
    elif update.effective_message is not None and (update.message or update.edited_message):
        kind = "message"
    else:
        kind = "other"
    return Refused(update.update_id, kind, chat.id if chat else None,
                   chat is not None and chat.type == ChatType.PRIVATE,
                   update.callback_query.id if update.callback_query else None,
                   update.inline_query.id if update.inline_query else None)


class NoticeLane:
    """Busy answers, sent one at a time by one task: messages at most `rate` a second, toasts and
    inline answers `toast_rate` a second; at most `size` waiting, the rest dropped."""

    def __init__(self, rate: float = 5.0, toast_rate: float = 10.0, size: int = 32):
        self.rate, self.toast_rate, self.size = rate, toast_rate, size
        self._queue: collections.deque[tuple[bool, Callable[[], Awaitable[Any]], Callable[[], None] | None]] = \
            collections.deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self.sent = 0
        self.dropped = 0

    def put(self, message: bool, send: Callable[[], Awaitable[Any]], done: Callable[[], None] | None = None) -> bool:
        """Queue `send()` (a message, or a toast/inline answer); False when the lane is full.
        `done()` runs once it was sent, failed or was dropped at shutdown."""
        if len(self._queue) >= self.size:
            self.dropped += 1
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:            # (called off the event loop: nothing can be sent from here)
            self.dropped += 1
            return False
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            # (an empty context: the lane must not inherit the update being handled, whose state
            # PromoBot would write before every notice)
            self._task = loop.create_task(self._run(), name="busy-notice-lane", context=contextvars.Context())
        self._queue.append((message, send, done))
        assert self._wake is not None
        self._wake.set()
        return True

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            while not self._queue:
                self._wake.clear()
                await self._wake.wait()
            message, send, done = self._queue.popleft()
            try:
                await send()
                self.sent += 1
            except Exception as exc:   # noqa: BLE001 - a notice is a courtesy; the lane goes on
                log.info("busy answer not delivered (%s)", type(exc).__name__)
            finally:
                if done is not None:
                    done()
            await asyncio.sleep(1 / (self.rate if message else self.toast_rate))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._queue:
            _, _, done = self._queue.popleft()
            if done is not None:
                done()


class OfficerUpdateProcessor(BaseUpdateProcessor):
    REMEMBERED = 4096     # update ids handed over, kept to recognise a redelivery

    def __init__(self, workers: int = 32, queue_limit: int = 96, per_user_limit: int = 10,
                 notice_after: float = 5.0, notice_every: float = 30.0, retry_seconds: int = 30,
                 notice_rate: float = 5.0, toast_rate: float = 10.0, lane_size: int = 32,
                 reserve_ttl: float = 10.0):
        if workers < 1 or queue_limit < 0 or per_user_limit < 1:
            raise ValueError("workers and per_user_limit must be ≥ 1, queue_limit ≥ 0")
        # PTB's own semaphore only counts what is inside do_process_update; the bounds are ours.
        super().__init__(max_concurrent_updates=workers + queue_limit + 64)
        self.workers, self.queue_limit, self.per_user_limit = workers, queue_limit, per_user_limit
        self.notice_after, self.notice_every, self.retry_seconds = notice_after, notice_every, retry_seconds
        self.reserve_ttl = reserve_ttl
        self.lane = NoticeLane(notice_rate, toast_rate, lane_size)
        self.bot: Bot | None = None      # for the busy answers of the gate (attach)
        self._slots = asyncio.Semaphore(workers)
        self._tails: dict[tuple[str, int], asyncio.Future] = {}   # last admitted update per key
        self._per_key: dict[tuple[str, int], int] = defaultdict(int)
        # admitted by the gate, not yet in do_process_update: update_id -> (keys, when)
        self._reserved: dict[int, tuple[list[tuple[str, int]], float]] = {}
        self._handed: collections.OrderedDict[int, None] = collections.OrderedDict()   # ids seen by do_process_update
        self._last_notice: dict[int, float] = {}
        self._unsent: set[int] = set()    # chats whose notice is in the lane
        self._texts: dict[str, str] = {}  # busy.html.j2 rendered, per kind
        self.waiting = 0          # admitted, not started (in do_process_update)
        self.running = 0
        self.started = 0
        self.refused = 0          # all refused updates (by the gate and by do_process_update)
        self.refused_raw = 0      # of which refused by the gate, unparsed
        self.notices = 0          # busy / queued messages queued in the lane
        self.toasts = 0           # busy toasts and empty inline answers queued in the lane
        self.on_refused: Callable[[Refused], None] | None = None    # optional, for the bench

    def attach(self, bot: Bot) -> None:
        """The bot that sends the gate's busy answers (PromoBuilder.build does this)."""
        self.bot = bot

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.lane.close()

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

    @property
    def admitted(self) -> int:
        """Updates admitted and not finished: reserved by the gate, waiting, running."""
        return len(self._reserved) + self.waiting + self.running

    def full_for(self, keys: list[tuple[str, int]]) -> bool:
        return self.admitted >= self.workers + self.queue_limit or any(
            self._per_key.get(k, 0) >= self.per_user_limit for k in keys)

    # ------------------------------------------------------------------ the gate

    def admit_raw(self, payload: dict) -> bool:
        """The gate on a raw update (a JSON dict as Telegram sends it), before it is parsed: True =
        admitted and counted (hand it to the application); False = refused, drop it unparsed (its
        busy answer is already queued). See the module docstring."""
        update_id = payload.get("update_id")
        if isinstance(update_id, int) and (update_id in self._reserved or update_id in self._handed):
            # delivered again (getUpdates after a failed parse, a webhook redelivery): admitted once;
            # one already handed over is not reserved again (the last guard checks it if it comes)
            return True
        self._expire_reservations()
        keys, info = raw_keys(payload)
        if self.full_for(keys):
            self.refused_raw += 1
            self._refuse(info, self.bot)
            return False
        if isinstance(update_id, int):
            self._reserved[update_id] = (keys, time.monotonic())
            for k in keys:
                self._per_key[k] += 1
        return True

    def release_raw(self, update_id: int) -> None:
        """Give back an admitted update that will not reach the application (an intake that
        finds it a duplicate, cannot parse it or cannot take it now should call this)."""
        held = self._reserved.pop(update_id, None)
        if held is not None:
            self._release_keys(held[0])

    def _expire_reservations(self) -> None:
        if not self._reserved:
            return
        limit = time.monotonic() - self.reserve_ttl
        while self._reserved:
            update_id, (keys, stamp) = next(iter(self._reserved.items()))
            if stamp >= limit:
                return
            log.warning("update %s admitted but never handed over; its place is given back", update_id)
            del self._reserved[update_id]
            self._release_keys(keys)

    def _release_keys(self, keys: list[tuple[str, int]]) -> None:
        for k in keys:
            self._per_key[k] -= 1
            if self._per_key[k] <= 0:
                del self._per_key[k]

    # ------------------------------------------------------------------ processing

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = getattr(update, "update_id", None)
        held = None
        if isinstance(update_id, int):
            held = self._reserved.pop(update_id, None)
            self._handed[update_id] = None
            if len(self._handed) > self.REMEMBERED:
                self._handed.popitem(last=False)
        if held is not None:
            keys = held[0]                # admitted by the gate: counted there, not checked again
        else:
            keys = self.keys_of(update)
            if self.full_for(keys):       # the last guard, for updates that did not pass the gate
                _close(coroutine)
                self._refuse(refused_of(update), update.get_bot() if isinstance(update, Update) else None)
                return
            for k in keys:
                self._per_key[k] += 1
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        before = [self._tails[k] for k in keys if k in self._tails]
        for k in keys:
            self._tails[k] = done
        self.waiting += 1
        waiting = True
        timer = loop.call_later(self.notice_after, self._queued, update)
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
            self._release_keys(keys)
            for k in keys:
                if self._tails.get(k) is done:
                    del self._tails[k]

    # ------------------------------------------------------------------ telling the officer

    def _refuse(self, info: Refused, bot: Bot | None) -> None:
        self.refused += 1
        if self.on_refused is not None:
            self.on_refused(info)
        if bot is not None:
            self._tell(info, "refused", bot)

    def _queued(self, update: object) -> None:
        if isinstance(update, Update):
            self._tell(refused_of(update), "queued", update.get_bot())

    def _text(self, kind: str) -> str:
        text = self._texts.get(kind)
        if text is None:
            text = self._texts[kind] = render("busy.html.j2", kind=kind, seconds=self.retry_seconds)
        return text

    def _may_notice(self, chat_id: int) -> bool:
        if chat_id in self._unsent:
            return False
        now = time.monotonic()
        last = self._last_notice.get(chat_id)
        if last is not None and now - last < self.notice_every:
            return False
        if len(self._last_notice) > 4096:
            self._last_notice = {c: t for c, t in self._last_notice.items() if now - t < self.notice_every}
        return True

    def _tell(self, info: Refused, kind: str, bot: Bot) -> None:
        """Queue the busy answer (kind: refused | queued) in the lane; never raises."""
        if info.kind == "callback_query":
            query_id = info.callback_query_id
            if kind == "refused" and query_id and self.lane.put(False, lambda: bot.answer_callback_query(
                    query_id, self._text("toast"))):
                self.toasts += 1
            return
        if info.kind == "inline_query":
            inline_id = info.inline_query_id
            if kind == "refused" and inline_id and self.lane.put(False, lambda: bot.answer_inline_query(
                    inline_id, [], cache_time=0, is_personal=True)):
                self.toasts += 1
            return
        if info.kind not in ("message", *RAW_MESSAGES) or not info.private or info.chat_id is None:
            return                          # quiet in groups and for other kinds of update
        chat_id = info.chat_id
        if not self._may_notice(chat_id):
            return
        async def send() -> None:
            self._last_notice[chat_id] = time.monotonic()
            text = self._text(kind)
            try:
                if isinstance(bot, ExtBot) and bot.rate_limiter is not None:
                    await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, rate_limit_args=COURTESY)
                else:
                    await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            except NoSpareBudget:
                self._last_notice.pop(chat_id, None)    # not told: the next refusal may try again
                raise

        def sent() -> None:
            self._unsent.discard(chat_id)

        if self.lane.put(True, send, sent):
            self._unsent.add(chat_id)       # (the window of notice_every starts when it is sent)
            self.notices += 1


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
