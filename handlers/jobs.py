"""Periodic messages sent once across worker processes (issue 16, item 8).

Every worker runs the same jobs (its own job queue). A message a job sends to a chat for a
period — the weekly events digest, the morning's overdue problems, the bureau's dispatch — is
claimed first in the one claim table (`bureau_dispatch` through `promo.bureau.dispatch.
DispatchLedger`: the row (kind, period, target) is unique), so of two workers running the job
at the same moment, or a worker restarted the same day, one sends and the others stay silent.
A claim whose worker died before sending is taken over after the ledger's lease (10 minutes),
which is why the jobs run every `TICK` seconds while their period is due instead of once at a
fixed time: a restarted or surviving worker finishes what a killed one left.

Follow-up reminders have their own per-item claim (`followup_reminders`, unique per meeting and
reminder time, see handlers/followups.py); the data reload runs in every process on purpose
(each process has its own copy of the lists).
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from promo.bureau.dispatch import DispatchLedger, process_token

log = logging.getLogger(__name__)

TICK = 900            # seconds between checks whether a periodic message is due


def claim_token(app) -> str:
    """One token per application (a restarted process gets a new one), shared with the board's
    dispatch."""
    if not app.bot_data.dispatch_token:
        app.bot_data.dispatch_token = process_token()
    return app.bot_data.dispatch_token


async def send_once(app, kind: str, period: str, chat_id: int, parts: list[str]) -> bool:
    """Send `parts` to `chat_id` unless (kind, period, chat) was claimed already; True if this
    process sent them. A temporary failure (network, 429) releases the claim for the next run;
    a refusal (blocked, chat not found) counts as done, so it is not retried every tick."""
    s = app.bot_data.services
    ledger = DispatchLedger(s.db)
    token = claim_token(app)
    now = s.now()
    if not await asyncio.to_thread(ledger.claim, kind, period, str(chat_id), token, now):
        return False
    try:
        for part in parts:
            await app.bot.send_message(chat_id, part, parse_mode="HTML")
    except TelegramError as exc:
        # BadRequest is a NetworkError in PTB: chat not found, bad markup — not worth retrying
        if isinstance(exc, NetworkError | RetryAfter) and not isinstance(exc, BadRequest):
            log.warning("%s %s not delivered, will retry: %s", kind, period, type(exc).__name__)
            await asyncio.to_thread(ledger.release, kind, period, str(chat_id), token)
            return False
        log.warning("%s %s refused: %s", kind, period, type(exc).__name__)
    await asyncio.to_thread(ledger.posted, kind, period, str(chat_id), token, s.now())
    return True

