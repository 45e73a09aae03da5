"""Issue 16, item 8: webhook mode as N worker processes on one PostgreSQL, across a kill -9.

`python bot.py --webhook … --workers 2` (the dispatcher, handlers/dispatcher.py, and the two
workers it starts, handlers/webhook.py) against the strict fake Bot API served over HTTP
(tests/fakebot/http.py) and one PostgreSQL schema. The test is Telegram: it delivers each
update to the dispatcher and delivers it again while the answer is not 2xx. The dispatcher holds
an update for an unreachable worker for 1 s here (20 s by default: a restart would then cost
Telegram a wait instead of errors), so Telegram's redelivery is what carries the updates
across the restarts.

Four officers, two per worker (routing is user id % 2). B fills the step-by-step /log form;
A logs a meeting in one message, and the moment the fake has put "已保存" on A's screen — the
meeting committed, the update not yet answered — worker 1 is killed with SIGKILL. D (worker 0)
logs a meeting meanwhile, unaffected. C's ✅ kills worker 0 right after its "正在保存…" toast,
before anything is saved. The dispatcher restarts both; B's form is finished on the new
process; Telegram's redeliveries of the two ✅ are taken by the new ones. Then: every meeting the bot
confirmed is in the database exactly once and nothing else is; every officer's updates were
handled by the one worker; the redelivered ✅ of A did not log a second meeting, C's was not lost; a
duplicate delivery of an answered update is not handled again; the webhook was set once (by the
dispatcher, not by the restarted worker). Afterwards two applications on the same database stand
for the two workers when the follow-up reminders and the weekly digest fall due: each goes out
once.

PostgreSQL only (PROMO_TEST_PG_URL; skipped with the reason without it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import types
from collections import defaultdict
from zoneinfo import ZoneInfo

import httpx
import pytest

from handlers.dispatcher import webhook_path
from handlers.webhook import SECRET_HEADER, WORKER_HEADER
from tests.botkit import Clock, build_bot, running
from tests.conftest import ROOT
from tests.fakebot import FakeBotAPI
from tests.fakebot.http import FakeBotHTTP
from tests.pg import pg_schema, pg_url

pytestmark = pytest.mark.asyncio

TOKEN = "123456:WORKERS-test"
SECRET = "w0rkers-Secret"
A, B, C, D = 2001, 2003, 2002, 2004          # A, B on worker 1; C, D on worker 0
USERS = "2001:officer:北安市:甲; 2003:officer:五大连池市:丙; 2002:officer:嫩江市:乙; 2004:officer:逊克县:丁"
TEXTS = {A: "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访",
         C: "今天在哈尔滨见了北大荒李总，谈大豆深加工，投资约3亿，下周三回访",
         D: "今天在呼和浩特见了伊利王总，谈液态奶工厂扩建，投资约2亿，下周三回访"}
SAVED = re.compile(r"已保存 · 记录 #(\d+)")
HOLD_ARGS = ["--hold-seconds", "1"]          # the dispatcher waits 1 s for a restarting worker
RETRY = {502, 503, 504}                       # what Telegram delivers again (it retries any non-2xx)


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Telegram:
    """Delivers updates to the webhook as Telegram does: again, after a pause, until 2xx."""

    def __init__(self, url: str):
        self.url = url
        self.client = httpx.AsyncClient(timeout=60)
        self.workers: dict[int, set[str]] = defaultdict(set)   # user → workers that answered 200
        self.retried: dict[int, int] = defaultdict(int)         # user → non-2xx answers
        self.bodies: list[str] = []

    async def deliver(self, user: int, update: dict, *, deadline: float = 90.0) -> httpx.Response:
        body = json.dumps(update, ensure_ascii=False).encode()
        end = time.monotonic() + deadline
        while True:
            try:
                r = await self.client.post(self.url, content=body, headers={
                    "Content-Type": "application/json", SECRET_HEADER: SECRET})
            except httpx.TransportError:          # the dispatcher itself is not up yet
                r = None
            if r is not None and 200 <= r.status_code < 300:
                self.workers[user].add(r.headers.get(WORKER_HEADER, "?"))
                self.bodies.append(r.text)
                return r
            assert r is None or r.status_code in RETRY, (r.status_code, r.text)
            self.retried[user] += 1
            assert time.monotonic() < end, f"update {update['update_id']} of {user} never taken"
            await asyncio.sleep(0.3)


def _start_dispatcher(tmp_path, db_url: str, api_url: str, port: int, worker_port: int):
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_URL": api_url, "PROMO_USERS": USERS,
           "PROMO_DB_URL": db_url, "PROMO_WEBHOOK_SECRET": SECRET, "PROMO_ENV_FILE": str(tmp_path / "none"),
           "PROMO_LOG_LEVEL": "WARNING", "PROMO_RELOAD_SECONDS": "0", "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "dispatcher.log", "w")  # noqa: SIM115 - closed by the test after the process
    proc = subprocess.Popen([sys.executable, "bot.py", "--webhook", "https://bot.example.org/hook",
                             "--workers", "2", "--listen", "127.0.0.1", "--port", str(port),
                             "--worker-port", str(worker_port), *HOLD_ARGS],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


async def _wait(predicate, timeout: float, what: str, proc=None, log_path=None):
    end = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"dispatcher ended ({proc.returncode}): {log_path.read_text()[-3000:]}")
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _context(bot):
    return types.SimpleNamespace(application=bot.app, bot=bot.app.bot, bot_data=bot.app.bot_data)


async def test_two_workers_one_postgresql_kill_9_loses_and_doubles_nothing(tmp_path):
    base = pg_url()
    fake = FakeBotAPI()
    api = await FakeBotHTTP(fake).start()
    dport, wport = _free_ports(2)
    with pg_schema(base) as db_url:
        proc, log = _start_dispatcher(tmp_path, db_url, api.url, dport, wport)
        tg = Telegram(f"http://127.0.0.1:{dport}/{webhook_path(TOKEN)}")
        try:
            await _wait(lambda: fake.webhook is not None, 90, "setWebhook", proc, tmp_path / "dispatcher.log")
            assert fake.webhook["url"] == f"https://bot.example.org/hook/{webhook_path(TOKEN)}"
            assert fake.webhook["secret_token"] == SECRET
            health = (await tg.client.get(f"http://127.0.0.1:{dport}/health")).json()
            first_pids = health["pids"]
            assert len(first_pids) == 2 and all(first_pids)
            users = {uid: fake.user(uid, f"官员{uid}") for uid in (A, B, C, D)}

            # a wrong secret is refused at the door, and nothing reaches a worker
            wrong = await tg.client.post(tg.url, content=b'{"update_id": 1}', headers={SECRET_HEADER: "x"})
            assert wrong.status_code == 403

            async def say(uid: int, text: str) -> None:
                await tg.deliver(uid, api.text_update(users[uid], text))

            async def press(uid: int, button: str) -> dict:
                update = api.press_update(users[uid], None, button)
                await tg.deliver(uid, update)
                return update

            # B (worker 1) is in the middle of the step-by-step form
            await say(B, "/log")
            await say(B, "伊利")
            await press(B, "昨天")
            assert "第 3/5 步" in fake.plain(fake.sent(B)[-1].params["text"])

            # Kills, each once, at the moment the fake has done what a call asked and the worker
            # waits for the answer: "已保存" on A's screen (the meeting committed, the update not yet
            # answered) kills worker 1; the "正在保存…" toast on C's ✅ (nothing saved yet) worker 0.
            killed: dict[int, int] = {}

            def kills(call) -> None:
                chat = str(call.params.get("chat_id"))
                text = call.params.get("text") or ""
                if 1 not in killed and call.method == "editMessageText" and chat == str(A) and "已保存" in text:
                    victim = 1
                elif 0 not in killed and call.method == "answerCallbackQuery" and text == "正在保存…" \
                        and call.params["callback_query_id"] == save_c["callback_query"]["id"]:
                    victim = 0
                else:
                    return
                killed[victim] = first_pids[victim]
                os.kill(first_pids[victim], signal.SIGKILL)

            fake.after_call(kills)
            save_c: dict = {"callback_query": {"id": None}}
            await say(A, TEXTS[A])
            save_a = api.press_update(users[A], None, "✅ 保存")
            retry_a = asyncio.create_task(tg.deliver(A, save_a))      # Telegram keeps trying
            await _wait(lambda: 1 in killed, 30, "worker 1 killed")

            # worker 0's officer D is not held up meanwhile: each update answered at once
            await say(D, TEXTS[D])
            await press(D, "✅ 保存")
            await say(D, "/digest")                                       # D subscribes to the weekly digest
            assert tg.retried[D] == 0

            # C's ✅: worker 0 dies before saving; Telegram delivers the ✅ again
            await say(C, TEXTS[C])
            save_c = api.press_update(users[C], None, "✅ 保存")
            retry_c = asyncio.create_task(tg.deliver(C, save_c))
            await _wait(lambda: 0 in killed, 30, "worker 0 killed")

            # B goes on (delivered again until the restarted worker 1 takes it)
            await say(B, "液态奶工厂扩建")
            await say(B, "5000万")
            await press(B, "跳过")
            await press(B, "✅ 保存")
            await retry_a
            await retry_c
            assert tg.retried[A] >= 1 and tg.retried[C] >= 1              # neither ✅ was answered before its kill

            # a duplicate delivery of an answered update: 200, not handled again
            dup = api.press_update(users[C], None, "✏️ 修改这条记录")
            await tg.deliver(C, dup)
            calls = len(fake.calls)
            again = await tg.deliver(C, dup)
            assert again.text == "duplicate" and len(fake.calls) == calls

            health = (await tg.client.get(f"http://127.0.0.1:{dport}/health")).json()
            assert health["restarts"] == [1, 1] and health["reforwarded"] > 0
            assert all(p not in (None, old) for p, old in zip(health["pids"], first_pids))
            later_pids = health["pids"]
        finally:
            proc.send_signal(signal.SIGTERM)
            end = time.monotonic() + 40            # (not proc.wait: the fake serves in this loop)
            while proc.poll() is None and time.monotonic() < end:
                await asyncio.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
            code = proc.wait()
            log.close()
            await tg.client.aclose()
            await api.stop()
        assert code == 0, (tmp_path / "dispatcher.log").read_text()[-3000:]
        assert not any(_alive(p) for p in later_pids)                    # the workers stopped with it

        # routing: each officer's updates were all answered by its one worker
        assert {u: tg.workers[u] for u in (A, B, C, D)} == {A: {"1"}, B: {"1"}, C: {"0"}, D: {"0"}}
        assert len(fake.requests("setWebhook")) == 1

        # confirmed ("已保存 · 记录 #n" on the officer's screen) ⇔ in the database, once
        confirmed: dict[int, set[int]] = defaultdict(set)
        for c in fake.calls:
            if c.ok and c.method in ("editMessageText", "sendMessage"):
                for n in SAVED.findall(fake.plain(c.params.get("text") or "")):
                    confirmed[int(c.params["chat_id"])].add(int(n))
        from promo.meetings.store import MeetingStore
        from promo.store.db import Database

        db = Database(db_url)
        try:
            meetings = list(MeetingStore(db).iter_all())
            stored: dict[int, set[int]] = defaultdict(set)
            for m in meetings:
                stored[m.logged_by].add(m.id)
            assert dict(confirmed) == dict(stored)
            assert {u: len(ids) for u, ids in stored.items()} == {A: 1, B: 1, C: 1, D: 1}
            [b_meeting] = [m for m in meetings if m.logged_by == B]
            assert (b_meeting.company_id, b_meeting.topic, b_meeting.amount_yuan) == \
                ("yili", "液态奶工厂扩建", 50_000_000)
        finally:
            db.dispose()

        # the only refused requests: the redelivered ✅s' answers (Telegram had their answers already)
        failed = [c for c in fake.calls if not c.ok]
        redelivered = {save_a["callback_query"]["id"], save_c["callback_query"]["id"]}
        assert {c.params.get("callback_query_id") for c in failed} == redelivered
        assert all(c.method == "answerCallbackQuery" for c in failed)
        fake.take_violations()
        assert not fake.problems()

        await _reminders_and_digest_once(tmp_path, db_url, meetings)


async def _reminders_and_digest_once(tmp_path, db_url: str, meetings) -> None:
    """Two applications on the database stand for the two workers when the follow-ups of the
    meetings fall due: both schedule and run every reminder; each goes out once."""
    from handlers.lists import digest_job

    tz = ZoneInfo("Asia/Shanghai")
    due = {m.logged_by: m.followup_date for m in meetings if m.followup_date}
    assert set(due) == {A, C, D}
    at = dt.datetime.combine(max(due.values()), dt.time(9, 0, 30), tzinfo=tz)
    fake = FakeBotAPI()
    for uid in (A, B, C, D):                  # their private chats with the bot exist
        fake.user(uid, f"官员{uid}")
    bots = [build_bot(fake, tmp_path / name, clock=Clock(at), PROMO_DB_URL=db_url, PROMO_USERS=USERS)
            for name in ("w0", "w1")]
    try:
        async with running(bots[0]), running(bots[1]):
            jobs = [[j for j in b.app.job_queue.jobs() if j.name.startswith("mtg-remind:")] for b in bots]
            assert len(jobs[0]) == len(jobs[1]) == 3                # both workers queued all three
            await asyncio.gather(*(j.run(b.app) for b, js in zip(bots, jobs) for j in js))
            await asyncio.gather(digest_job(_context(bots[0])), digest_job(_context(bots[1])))
            await asyncio.gather(*(j.run(bots[1].app) for j in jobs[0]))   # once more: a restarted worker
    finally:
        for b in bots:
            b.services.stop()
    reminders = defaultdict(int)
    digests = defaultdict(int)
    for c in fake.calls:
        if c.method == "sendMessage":        # every attempt counts, not only the accepted ones
            text = fake.plain(c.params["text"])
            reminders[int(c.params["chat_id"])] += "回访提醒" in text
            digests[int(c.params["chat_id"])] += "未来一个月的招商活动" in text
    assert {u: n for u, n in reminders.items() if n} == {A: 1, C: 1, D: 1}
    assert {u: n for u, n in digests.items() if n} == {D: 1}
    assert not fake.problems()
