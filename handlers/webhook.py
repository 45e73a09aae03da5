"""Webhook intake (issue 16, item 8): the one path by which a webhook update reaches the
application, in the single-process `--webhook` mode and in each worker behind the dispatcher
(handlers/dispatcher.py).

An update is answered 200 only once it is *handled*: the HTTP request waits while the
application runs it (through the update processor, so per-officer order and the bounds of
`OfficerUpdateProcessor` hold as in polling mode). Anything else — the worker killed mid-way,
the database refusing to record it, the process shutting down — is not a 2xx, and Telegram
delivers the update again later. So an update is never lost between Telegram and the bot; what
it changed is durable when 200 goes out (a confirmed meeting is committed before "已保存" is
sent, the conversation state is written before each reply, see handlers/persistence.py).

Delivered twice, handled once: a handled update's id goes into `processed_updates` (migration
0005) before the 200, and an update whose id is there is answered 200 without being handled.
A redelivery that arrives while the first delivery is still running (the dispatcher timed out)
waits for it and gets its answer. The window that is left — killed after the effect, before the
id was recorded — is closed where it matters by the effect's own idempotency: saving the same
card twice gives the same meeting (`MeetingService._already_saved`), a stale card's button is
answered as stale, reminders and digests are claimed in the database (handlers/jobs.py).

`admission` (the update processor, `OfficerUpdateProcessor`) decides on the raw update before
it is parsed: `admit_raw(raw) -> bool` (False: answered 200, not handled, not recorded, the
officer told by the processor that the bot is busy), and `release_raw(update_id)` gives back the
place of an admitted update that will not be handled after all (a duplicate, unreadable, the
database unavailable); None admits everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import os
import signal
from typing import Protocol

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

from promo.store.db import Database, as_utc, insert_on_conflict

from .common import in_thread

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WORKER_HEADER = "X-Promo-Worker"
WORKER_PATH = "update"          # the path a worker serves behind the dispatcher
KEEP = dt.timedelta(days=2)     # processed ids kept this long (Telegram keeps an update 24 h)
PRUNE_EVERY = 1000              # records between two prunes

class Admission(Protocol):
    def admit_raw(self, payload: dict) -> bool: ...

    def release_raw(self, update_id: int) -> None: ...


class UpdateLedger:
    """The `processed_updates` table: which update ids were handled (by which worker)."""

    def __init__(self, db: Database, worker: str = ""):
        self.db = db
        self.worker = worker[:64] or None

    def seen(self, update_id: int) -> bool:
        from promo.store.tables import ProcessedUpdate

        with self.db.read() as s:
            return s.get(ProcessedUpdate, int(update_id)) is not None

    def record(self, update_id: int, now: dt.datetime | None = None) -> bool:
        """True when this call recorded it (False: it was recorded already)."""
        from promo.store.tables import ProcessedUpdate

        with self.db.session() as s:
            return insert_on_conflict(s, ProcessedUpdate, {"update_id": int(update_id), "handled_at": as_utc(now),
                                                           "worker": self.worker},
                                      index_elements=["update_id"]) == 1

    def prune(self, now: dt.datetime | None = None) -> int:
        from sqlalchemy import delete

        from promo.store.tables import ProcessedUpdate

        with self.db.session() as s:
            result = s.execute(delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < as_utc(now) - KEEP))
            return int(getattr(result, "rowcount", 0) or 0)


class Intake:
    """Takes the raw JSON of one update and answers (HTTP status, reason)."""

    def __init__(self, app: Application, ledger: UpdateLedger, admission: Admission | None = None):
        self.app = app
        self.ledger = ledger
        self.admission = admission
        self.closing = False
        self._inflight: dict[int, asyncio.Future] = {}
        self._records = 0
        # counters, for the logs and tests
        self.handled = 0
        self.duplicates = 0
        self.refused = 0
        self.failed = 0

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    async def take(self, body: bytes) -> tuple[int, str]:
        try:
            raw = json.loads(body)
        except ValueError:
            return 400, "not JSON"
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return 400, "not an update"
        if self.closing:
            return 503, "shutting down"
        if self.admission is not None and not self.admission.admit_raw(raw):
            self.refused += 1
            return 200, "not admitted"
        update_id = raw["update_id"]
        running = self._inflight.get(update_id)
        if running is not None:                        # redelivered while the first still runs
            return await asyncio.shield(running)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[update_id] = future
        try:
            result = await self._handle(update_id, raw)
            if result[1] != "ok" and self.admission is not None:   # admitted, not handed over
                self.admission.release_raw(update_id)
        except BaseException:
            future.set_result((503, "interrupted"))
            raise
        else:
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(update_id, None)

    async def _handle(self, update_id: int, raw: dict) -> tuple[int, str]:
        try:
            if await in_thread(self.ledger.seen, update_id):
                self.duplicates += 1
                return 200, "duplicate"
        except Exception as exc:  # noqa: BLE001 - the database is down: Telegram asks again later
            self.failed += 1
            log.warning("update %s: ledger unreadable (%s), not taken", update_id, type(exc).__name__)
            return 503, "database unavailable"
        app = self.app
        try:
            update = Update.de_json(raw, app.bot)
        except Exception as exc:  # noqa: BLE001 - never redelivered forever: dropped, logged
            self.failed += 1
            log.warning("update %s unreadable (%s): dropped", update_id, type(exc).__name__)
            return 200, "unreadable"
        await app.update_processor.process_update(update, app.process_update(update))
        try:
            await in_thread(self.ledger.record, update_id)
        except Exception as exc:  # noqa: BLE001 - handled, not recorded: a redelivery is handled again
            self.failed += 1
            log.warning("update %s handled but not recorded (%s)", update_id, type(exc).__name__)
            return 500, "not recorded"
        self.handled += 1
        self._records += 1
        if self._records % PRUNE_EVERY == 0:
            with contextlib.suppress(Exception):
                await in_thread(self.ledger.prune)
        return 200, "ok"

    async def drain(self, timeout: float) -> None:
        """Stop taking updates and wait (at most `timeout` s) for those being handled."""
        self.closing = True
        pending = list(self._inflight.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, intake: Intake, secret: str | None, name: str) -> None:
        self.intake, self.secret, self.name = intake, secret, name

    async def post(self) -> None:
        if self.secret and not hmac.compare_digest(self.request.headers.get(SECRET_HEADER, ""), self.secret):
            self.set_status(403)
            self.finish("wrong secret token")
            return
        status, reason = await self.intake.take(self.request.body)
        self.set_status(status)
        if self.name:
            self.set_header(WORKER_HEADER, self.name)
        self.finish(reason)

    def log_exception(self, typ, value, tb) -> None:   # never the body (officers' texts) in the log
        log.error("webhook intake failed: %s", typ.__name__ if typ else "?")


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, intake: Intake, name: str) -> None:
        self.intake, self.name = intake, name

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"worker": self.name, "pid": os.getpid(), "closing": self.intake.closing,
                                "inflight": self.intake.inflight, "handled": self.intake.handled,
                                "duplicates": self.intake.duplicates}))


def web_app(intake: Intake, path: str, secret: str | None, name: str = "") -> tornado.web.Application:
    return tornado.web.Application([
        (f"/{path.strip('/')}", _UpdateHandler, {"intake": intake, "secret": secret, "name": name}),
        ("/health", _HealthHandler, {"intake": intake, "name": name}),
    ], log_function=lambda handler: None)


async def serve(app: Application, *, listen: str, port: int, path: str, secret: str | None,
                admission: Admission | None = None, name: str = "", webhook_url: str | None = None,
                parent_pid: int | None = None, drain_seconds: float = 20.0) -> None:
    """Run `app` behind the intake until SIGTERM/SIGINT (or, with `parent_pid`, until that
    process is gone): initialize, post_init, start (job queue, persistence), listen; with
    `webhook_url`, tell Telegram where to deliver (the single-process mode; a worker behind the
    dispatcher does not). On the way out: stop taking updates, let the running ones finish,
    stop and shut the application down as PTB's run_* do."""
    db = app.bot_data.services.db
    intake = Intake(app, UpdateLedger(db, name or f"{listen}:{port}"), admission)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    server = tornado.httpserver.HTTPServer(web_app(intake, path, secret, name), xheaders=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watch = loop.create_task(_watch_parent(parent_pid, stop)) if parent_pid else None
    try:
        server.listen(port, listen)
        if webhook_url:
            await app.bot.set_webhook(webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        log.info("webhook intake %s listening on %s:%d", name or "(single)", listen, port)
        await stop.wait()
    finally:
        if watch:
            watch.cancel()
        server.stop()
        await intake.drain(drain_seconds)
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def _watch_parent(pid: int, stop: asyncio.Event) -> None:
    """A worker started by the dispatcher ends when the dispatcher is gone (even kill -9)."""
    while os.getppid() == pid:
        await asyncio.sleep(1.0)
    log.warning("the dispatcher (pid %d) is gone: stopping", pid)
    stop.set()
