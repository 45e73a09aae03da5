"""Retries for a flaky Bot API: 5xx answers, timeouts and network errors are retried with
exponential backoff; a 429 goes up to PTB, whose rate limiter waits `retry_after` and retries.

A retried sendMessage after a *read* timeout may duplicate a message Telegram did deliver;
for an officer, a duplicate is better than a lost answer.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)


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
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                code, payload = await self.inner.do_request(url, method, request_data, read_timeout,
                                                            write_timeout, connect_timeout, pool_timeout)
            except (TimedOut, NetworkError) as exc:
                if last or name == "getUpdates":
                    raise
                log.warning("Bot API %s: %s, retry %d", name, type(exc).__name__, attempt)
            else:
                if code < 500 or last:
                    return code, payload
                log.warning("Bot API %s: HTTP %d, retry %d", name, code, attempt)
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")
