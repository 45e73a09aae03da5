"""The webhook intake (handlers/webhook.py) and the dispatcher's routing (handlers/dispatcher.py),
in-process: the real application against the strict fake, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest

from handlers.dispatcher import route_key, worker_index
from handlers.webhook import Intake, UpdateLedger
from tests.botkit import build_bot, running
from tests.fakebot import FakeBotAPI
from tests.pg import database_url, run_at_once

PROFILE = "飞鹤乳业 副总 北京 奶粉"


def _body(update: dict) -> bytes:
    return json.dumps(update, ensure_ascii=False).encode()


def test_route_key_user_else_chat():
    user = {"id": 7, "is_bot": False, "first_name": "x"}
    assert route_key({"update_id": 1, "message": {"from": user, "chat": {"id": -100}}}) == 7
    assert route_key({"update_id": 1, "callback_query": {"id": "q", "from": user, "message": {"chat": {"id": 3}}}}) == 7
    assert route_key({"update_id": 1, "poll_answer": {"poll_id": "p", "user": user}}) == 7
    assert route_key({"update_id": 1, "channel_post": {"chat": {"id": -1005}}}) == -1005
    assert route_key({"update_id": 1, "message_reaction": {"actor_chat": {"id": -42}, "chat": {"id": -42}}}) == -42
    assert route_key({"update_id": 1, "poll": {"id": "p"}}) is None
    assert worker_index({"update_id": 1, "poll": {"id": "p"}}, 3) == 0
    assert worker_index({"update_id": 1, "channel_post": {"chat": {"id": -1005}}}, 4) == -1005 % 4
    # stable: the same officer always to the same worker, officers spread over the workers
    spread = {worker_index({"update_id": i, "message": {"from": {"id": 1000 + i}}}, 4) for i in range(8)}
    assert spread == {0, 1, 2, 3}


@pytest.mark.asyncio
async def test_the_dispatcher_holds_an_update_while_its_worker_restarts():
    """A worker that is down for a moment: the update is forwarded again until it answers
    (within `hold`), or Telegram gets a 503 (and delivers it again later)."""
    import socket

    import tornado.httpserver
    import tornado.web

    from handlers.dispatcher import Router

    got: list[bytes] = []

    class Worker(tornado.web.RequestHandler):
        def post(self):
            got.append(self.request.body)
            self.set_header("X-Promo-Worker", "w")
            self.finish("ok")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    body = b'{"update_id": 1, "message": {"from": {"id": 4}}}'
    short = Router([f"http://127.0.0.1:{port}/update"], hold=0.3)
    assert (await short.forward(body))[0] == 503 and short.unavailable == 1 and short.reforwarded >= 1
    router = Router([f"http://127.0.0.1:{port}/update"], hold=10)
    server = tornado.httpserver.HTTPServer(tornado.web.Application([("/update", Worker)]))

    async def start_late():
        await asyncio.sleep(0.6)
        server.listen(port, "127.0.0.1")

    late = asyncio.create_task(start_late())
    try:
        status, answer, headers = await router.forward(body)
        assert (status, answer, headers) == (200, b"ok", {"X-Promo-Worker": "w"})
        assert got == [body] and router.reforwarded >= 2 and router.unavailable == 0
    finally:
        await late
        server.stop()
        await short.close()
        await router.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def bot(request, tmp_path):
    fake = FakeBotAPI()
    with database_url(request.param, tmp_path) as url:
        b = build_bot(fake, tmp_path, PROMO_DB_URL=url)
        try:
            yield b
        finally:
            b.services.stop()


@pytest.mark.asyncio
async def test_handled_once_redelivered_not_again(bot):
    fake = bot.fake
    async with running(bot):
        intake = Intake(bot.app, UpdateLedger(bot.services.db, "t"))
        update = {"update_id": 501, "message": fake.store_user_message(bot.officer, PROFILE).data_copy}
        before = len(fake.calls)
        assert await intake.take(_body(update)) == (200, "ok")
        replies = [c for c in fake.calls[before:] if c.method == "sendMessage"]
        assert len(replies) == 1 and "飞鹤" in replies[0].params["text"]
        before = len(fake.calls)
        assert await intake.take(_body(update)) == (200, "duplicate")
        # another process on the same database (a restarted worker) knows it too
        other = Intake(bot.app, UpdateLedger(bot.services.db, "u"))
        assert await other.take(_body(update)) == (200, "duplicate")
        assert len(fake.calls) == before
        assert intake.handled == 1 and intake.duplicates == 1
        # with the processor's own admission: a duplicate and an unreadable update hold no place
        processor = bot.app.update_processor
        gated = Intake(bot.app, UpdateLedger(bot.services.db, "v"), processor)
        assert await gated.take(_body(update)) == (200, "duplicate")
        assert await gated.take(b'{"update_id": 505, "message": {"message_id": "x", "chat": 5}}') == \
            (200, "unreadable")
        assert processor.admitted == 0
    assert not fake.problems()


@pytest.mark.asyncio
async def test_a_redelivery_while_the_first_runs_waits_for_it(bot):
    """The dispatcher timed out and Telegram delivered again while the first delivery is still
    being handled: one handling, both answered with its result."""
    fake = bot.fake
    async with running(bot):
        intake = Intake(bot.app, UpdateLedger(bot.services.db, "t"))
        update = {"update_id": 502, "message": fake.store_user_message(bot.officer, PROFILE).data_copy}
        release = asyncio.Event()

        async def slow(call):              # the card's send waits until the second delivery is in
            await release.wait()
        fake.after_call(lambda call: slow(call) if call.method == "sendMessage" else None)
        before = len(fake.calls)
        first = asyncio.create_task(intake.take(_body(update)))
        while intake.inflight == 0:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(intake.take(_body(update)))
        await asyncio.sleep(0.05)
        assert not second.done()
        release.set()
        assert await first == (200, "ok") and await second == (200, "ok")
        assert len([c for c in fake.calls[before:] if c.method == "sendMessage"]) == 1
    assert not fake.problems()


@pytest.mark.asyncio
async def test_gate_bad_bodies_and_a_failed_record(bot, monkeypatch):
    fake = bot.fake
    async with running(bot):
        admitted: list[int] = []
        released: list[int] = []

        class Gate:      # the processor's admission, seen from the intake
            def admit_raw(self, raw: dict) -> bool:
                admitted.append(raw["update_id"])
                return (raw.get("message") or {}).get("from", {}).get("id") != 999

            def release_raw(self, update_id: int) -> None:
                released.append(update_id)

        intake = Intake(bot.app, UpdateLedger(bot.services.db, "t"), Gate())
        stranger = fake.user(999, "陌生人")
        update = {"update_id": 601, "message": fake.store_user_message(stranger, PROFILE).data_copy}
        before = len(fake.calls)
        assert await intake.take(_body(update)) == (200, "not admitted")
        assert len(fake.calls) == before and admitted == [601]
        assert not await asyncio.to_thread(intake.ledger.seen, 601)        # not recorded: not handled
        assert (await intake.take(b"{not json"))[0] == 400
        assert (await intake.take(b'{"message": {}}'))[0] == 400
        # an update PTB cannot read is dropped (200), not delivered again and again
        assert await intake.take(b'{"update_id": 604, "message": {"message_id": "x", "chat": 5}}') == \
            (200, "unreadable")
        assert released == [604]          # admitted, never handed over: its place is given back

        def refuse(*args, **kwargs):
            raise RuntimeError("database down")

        monkeypatch.setattr(intake.ledger, "record", refuse)
        update = {"update_id": 602, "message": fake.store_user_message(bot.officer, PROFILE).data_copy}
        assert await intake.take(_body(update)) == (500, "not recorded")   # Telegram delivers it again
        monkeypatch.setattr(intake.ledger, "seen", refuse)
        assert await intake.take(_body(update)) == (503, "database unavailable")
        assert released == [604, 602, 602]   # (the first 602 was handed over: a no-op for the processor)
        intake.closing = True
        assert (await intake.take(_body({"update_id": 603, "message": {}})))[0] == 503
    assert not fake.problems()


def test_workers_starting_together_seed_once(backend, tmp_path):
    """Every worker seeds the allow-list at start; four at once on one database: no error, each
    user once (PostgreSQL needs `Database.startup_lock`; without it: UniqueViolation)."""
    from sqlalchemy import func, select

    from promo.store.access import AccessStore
    from promo.store.db import Database
    from promo.store.tables import User as UserRow

    users = [{"user_id": 3000 + i, "role": "officer", "unit": "北安市", "name": f"u{i}"} for i in range(40)]
    with database_url(backend, tmp_path) as url:
        dbs = [Database(url) for _ in range(4)]
        dbs[0].migrate()
        def start(db) -> None:
            with db.startup_lock():
                AccessStore(db).seed(users)

        errors = run_at_once(start, dbs)
        try:
            assert errors == []
            with dbs[0].read() as s:
                assert s.scalar(select(func.count()).select_from(UserRow)) == len(users)
        finally:
            for d in dbs:
                d.dispose()


def test_workers_share_telegrams_overall_budget(tmp_path):
    """N workers: each keeps to 30/N messages a second, so together they keep to the bot's 30."""
    from handlers.app import build_application
    from promo.services import Services
    from tests.botkit import settings_for

    for workers, rate in (("1", 30), ("4", 7.5)):
        services = Services(settings_for(tmp_path, PROMO_WORKERS=workers))
        services.start()
        try:
            app = build_application(services.settings, services, request=FakeBotAPI())
            assert app.bot.rate_limiter.overall_per_second == rate
        finally:
            services.stop()


def test_workers_without_a_webhook_is_a_configuration_error(monkeypatch, capsys, tmp_path):
    from handlers.runner import run

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("PROMO_ENV_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("PROMO_WEBHOOK_URL", raising=False)
    assert run(["--workers", "2"]) == 2
    assert "need --webhook" in capsys.readouterr().err
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert run(["--worker", "w1", "--port", "8444"]) == 2          # a worker needs the token
    assert "needs TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_the_ledger_keeps_two_days(db):
    import datetime as dt

    ledger = UpdateLedger(db, "w0")
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
    assert ledger.record(1, now - dt.timedelta(days=3)) and ledger.record(2, now - dt.timedelta(hours=47))
    assert not ledger.record(2, now)                  # recorded once
    assert ledger.prune(now) == 1
    assert not ledger.seen(1) and ledger.seen(2)
