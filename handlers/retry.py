"""The bot's side of a flaky Bot API.

- `RetryingRequest`: 5xx answers, timeouts and network errors are retried with exponential
  backoff; a 429 goes up to PTB, whose rate limiter waits `retry_after` and retries. A retried
  sendMessage after a *read* timeout may duplicate a message Telegram did deliver; for an
  officer, a duplicate is better than a lost answer. A callback answer is never retried: after
  a timeout, a dropped connection or a 5xx it may have been delivered, and the retry would only
  earn "query is too old".
- `PromoBot`: a callback answer (the toast "正在保存…", the spinner stopping) is a courtesy.
  Its failure is logged and swallowed here, for every handler, so the work behind a button
  (the save, the refined card) never depends on it; the bot remembers which queries it has
  answered (or tried to), so the error handler does not answer twice. Before a reply it writes
  the officer's state (handlers/persistence.py: `write_before_reply`). With a gate (issue 16,
  item 4: `OfficerUpdateProcessor.admit_raw`), getUpdates results are filtered on their raw
  JSON before PTB parses them: a refused update is never turned into an `Update`. The next
  getUpdates confirms it all the same (its offset is raised past every update received, also
  when the last ones of a batch were refused, so Telegram does not send them again).
- `PromoBuilder`: an ApplicationBuilder that builds these (and `DurableApplication`), and gives
  the bot the update processor's gate when that is an `OfficerUpdateProcessor`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import ApplicationBuilder, ExtBot
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Requests that show the officer something (or stop a button's spinner): what the bot says must
# be backed by state written before it is said.
REPLIES = ("send", "edit", "copyMessage", "forwardMessage", "answerCallbackQuery", "answerInlineQuery",
           "deleteMessage", "stopPoll")


class RetryingRequest(BaseRequest):
    def __init__(self, inner: BaseRequest, attempts: int = 4, backoff: float = 0.5):
        self.inner = inner
        self.attempts = attempts
        self.backoff = backoff

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    @property
    def read_timeout(self):
        return self.inner.read_timeout

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE, pool_timeout=BaseRequest.DEFAULT_NONE):
        name = url.rsplit("/", 1)[-1]
        once = name == "answerCallbackQuery"      # may have been delivered: never twice
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts or once
            try:
                code, payload = await self.inner.do_request(url, method, request_data, read_timeout,
                                                            write_timeout, connect_timeout, pool_timeout)
            except (TimedOut, NetworkError) as exc:
                if last or name == "getUpdates":   # the updater's own loop retries getUpdates
                    raise
                log.warning("Bot API %s: %s, retry %d", name, type(exc).__name__, attempt)
            else:
                if code < 500 or last:
                    return code, payload
                log.warning("Bot API %s: HTTP %d, retry %d", name, code, attempt)
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


class PromoBot(ExtBot):
    """ExtBot with courtesy callback answers and state written before each reply."""

    __slots__ = ("_answered", "_gate", "_next_offset")
    REMEMBERED = 2048   # query ids kept (a callback query lives a few minutes at most)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._gate: Callable[[dict], bool] | None = None    # raw update -> admitted?
        self._next_offset = 0        # past the last update received (admitted or not)

    def set_gate(self, gate: Callable[[dict], bool] | None) -> None:
        """Filter getUpdates results with `gate(raw update) -> admitted?` before they are parsed."""
        self._gate = gate

    def answered(self, callback_query_id: str) -> bool:
        """True once an answer to this query was sent (whether or not it arrived)."""
        return callback_query_id in self._answered

    async def answer_callback_query(self, callback_query_id: str, *args, **kwargs) -> bool:
        """Answer a button press; False instead of an exception when that fails (the query
        too old, the connection dropped, Telegram down)."""
        self._answered[callback_query_id] = None
        while len(self._answered) > self.REMEMBERED:
            self._answered.popitem(last=False)
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except TelegramError as exc:
            log.warning("callback answer not delivered (%s); the handler goes on", type(exc).__name__)
            return False

    async def _do_post(self, endpoint: str, data, **kwargs):
        if endpoint == "getUpdates" and self._gate is not None:
            return await self._gated_updates(data, **kwargs)
        if endpoint.startswith(REPLIES):
            from .persistence import write_before_reply

            await write_before_reply()
        return await super()._do_post(endpoint, data, **kwargs)

    async def get_updates(self, *args, **kwargs):
        """As ExtBot's; when PTB cannot parse a batch the gate let through, the batch is fetched
        again (as without the gate): the offset stays where it was. The gate admits the
        redelivered updates it already counted once (their reservations stand)."""
        before = self._next_offset
        try:
            return await super().get_updates(*args, **kwargs)
        except Exception:
            self._next_offset = before
            raise

    async def _gated_updates(self, data, **kwargs) -> Any:
        """getUpdates, the refused updates dropped before `Update.de_list` sees them."""
        offset = data.get("offset")
        if self._next_offset and (offset is None or 0 <= offset < self._next_offset):
            data["offset"] = self._next_offset     # (confirms what the gate refused)
        result = await super()._do_post("getUpdates", data, **kwargs)
        if not isinstance(result, list) or not result:
            return result
        gate = self._gate
        assert gate is not None
        admitted = []
        for raw in result:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int):
                self._next_offset = max(self._next_offset, update_id + 1)
            if not isinstance(raw, dict) or gate(raw):
                admitted.append(raw)
        return admitted


class PromoBuilder(ApplicationBuilder):
    """`ApplicationBuilder` building a `PromoBot` and a `DurableApplication`."""

    def __init__(self):
        super().__init__()
        from .persistence import DurableApplication

        self.application_class(DurableApplication)

    def build(self):
        from .processor import OfficerUpdateProcessor

        app = super().build()
        processor = app.update_processor
        if isinstance(processor, OfficerUpdateProcessor) and isinstance(app.bot, PromoBot):
            processor.attach(app.bot)
            app.bot.set_gate(processor.admit_raw)     # refused updates are dropped before parsing
        return app

    def _build_ext_bot(self) -> PromoBot:   # PTB 22.8's ApplicationBuilder._build_ext_bot, our class
        from telegram._utils.defaultvalue import DefaultValue

        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return PromoBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )
