"""The dispatcher (issue 16, item 8): one small HTTP front that receives Telegram's webhook and
forwards each update to one of N worker processes, all on one database.

    python bot.py --webhook https://bot.example.org/hook --workers 4      # spawns 4 workers
    python bot.py --webhook https://bot.example.org/hook --worker-url http://w1:8081 --worker-url …
    python bot.py --worker w1 --listen 0.0.0.0 --port 8081               # a worker (deploy mode)

- It checks Telegram's secret token header (403 on a wrong one), reads the user id from the raw
  JSON (else the chat id) and forwards the body unchanged to worker `id % N`: all updates of one
  officer go to one worker, so its conversation, its forms and the order of its updates are that
  worker's (`OfficerUpdateProcessor` orders them there). Updates without either (polls) go to
  worker 0.
- It answers with the worker's status. While the worker cannot be reached (killed, restarting)
  the update is forwarded again for up to `hold` seconds (20): a restart of a few seconds costs
  Telegram a wait, not an error (Telegram slows delivery to a webhook that keeps failing). After
  that, or when the worker takes longer than `timeout` (55 s; Telegram gives up waiting at 60 s),
  Telegram gets a 503/504 and delivers the update again later (it retries any non-2xx). The
  worker answers 200 only once the update is handled (handlers/webhook.py), so none is lost
  across a kill -9, and a second delivery is not handled twice.
- `--workers N`: it starts the N workers itself (`bot.py --worker <i>` on 127.0.0.1, ports
  `worker_port + i`), restarts one that dies (after 1 s, doubling up to 30 s while it keeps
  dying at once) and stops them on SIGTERM. With `--worker-url` (repeatable, or
  PROMO_WORKER_URLS, comma-separated) it only routes: systemd or compose runs the workers.
- It needs no database and no lists: it holds no state. It tells Telegram the webhook URL once
  the workers answer (or after a minute); the workers never do.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field

import httpx
import tornado.httpserver
import tornado.web

from promo.config import ROOT, Settings

from .processor import raw_keys
from .webhook import SECRET_HEADER, WORKER_HEADER, WORKER_PATH

log = logging.getLogger("promo.dispatcher")

TIMEOUT = 55.0          # s a worker may take to handle an update before Telegram is told 504
HOLD = 20.0             # s an update waits for an unreachable worker (a restart) before a 503


def webhook_path(token: str) -> str:
    """The secret-ish path of the public webhook: derived from the token, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def route_key(raw: dict) -> int | None:
    """The user id of an update, else its chat id; None for neither. The first of the keys the
    worker's `OfficerUpdateProcessor` orders the update by (`raw_keys`), so what one worker keeps
    in order is what the dispatcher keeps together."""
    keys, _ = raw_keys(raw)
    return keys[0][1] if keys else None


def worker_index(raw: dict, n: int) -> int:
    key = route_key(raw)
    return 0 if key is None else key % n


@dataclass
class Router:
    """Forwards raw updates to worker URLs; counts what it did."""

    urls: list[str]
    secret: str | None = None
    timeout: float = TIMEOUT
    hold: float = HOLD
    forwarded: list[int] = field(default_factory=list)     # per worker
    unavailable: int = 0          # answered 503/504 to Telegram
    reforwarded: int = 0          # forwarded again while a worker was unreachable

    def __post_init__(self) -> None:
        self.forwarded = [0] * len(self.urls)
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=3.0),
                                        limits=httpx.Limits(max_connections=200, max_keepalive_connections=40))

    async def forward(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        """The worker's answer; while the worker cannot be reached (down, restarting, shutting
        down: refused, reset, its 503) the update is forwarded again for up to `hold` seconds,
        so a restart costs Telegram a wait, not an error. All within `timeout` (Telegram waits
        60 s for an answer, then delivers again)."""
        try:
            raw = json.loads(body)
        except ValueError:
            return 400, b"not JSON", {}
        if not isinstance(raw, dict):
            return 400, b"not an update", {}
        i = worker_index(raw, len(self.urls))
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        loop = asyncio.get_running_loop()
        start = loop.time()
        pause = 0.1
        while True:
            left = self.timeout - (loop.time() - start)
            try:
                answer = await self.client.post(self.urls[i], content=body, headers=headers, timeout=max(left, 0.1))
            except httpx.TimeoutException:
                self.unavailable += 1
                log.warning("worker %d did not answer in time: 504, Telegram will deliver again", i)
                return 504, b"worker timeout", {}
            except httpx.TransportError as exc:
                why = type(exc).__name__
            else:
                if answer.status_code != 503:
                    break
                why = "503"
            if loop.time() - start + pause > min(self.hold, self.timeout):
                self.unavailable += 1
                log.warning("worker %d unavailable (%s): 503, Telegram will deliver again", i, why)
                return 503, b"worker unavailable", {}
            self.reforwarded += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
        self.forwarded[i] += 1
        passed = {WORKER_HEADER: answer.headers[WORKER_HEADER]} if WORKER_HEADER in answer.headers else {}
        return answer.status_code, answer.content, passed

    async def healthy(self, i: int) -> bool:
        url = self.urls[i].rsplit("/", 1)[0] + "/health"
        try:
            return (await self.client.get(url, timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self.client.aclose()


class _Front(tornado.web.RequestHandler):
    def initialize(self, router: Router, secret: str | None) -> None:
        self.router, self.secret = router, secret

    async def post(self) -> None:
        if self.secret and not hmac.compare_digest(self.request.headers.get(SECRET_HEADER, ""), self.secret):
            self.set_status(403)
            self.finish("wrong secret token")
            return
        status, body, headers = await self.router.forward(self.request.body)
        self.set_status(status)
        for k, v in headers.items():
            self.set_header(k, v)
        self.finish(body)


class _Health(tornado.web.RequestHandler):
    def initialize(self, router: Router, supervisor: Supervisor | None) -> None:
        self.router, self.supervisor = router, supervisor

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        sup = self.supervisor
        self.finish(json.dumps({"workers": len(self.router.urls), "forwarded": self.router.forwarded,
                                "unavailable": self.router.unavailable, "reforwarded": self.router.reforwarded,
                                "pids": sup.pids() if sup else None, "restarts": sup.restarts if sup else None}))


class Supervisor:
    """Runs `bot.py --worker <i>` for each worker and restarts the ones that die."""

    def __init__(self, n: int, port: int, env: dict[str, str], python: str = sys.executable):
        self.n, self.port, self.env, self.python = n, port, env, python
        self.procs: list[asyncio.subprocess.Process | None] = [None] * n
        self.restarts = [0] * n
        self._stopping = False
        self._tasks: list[asyncio.Task] = []

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port + i}/{WORKER_PATH}" for i in range(self.n)]

    def pids(self) -> list[int | None]:
        return [p.pid if p and p.returncode is None else None for p in self.procs]

    def start(self) -> None:
        self._tasks = [asyncio.get_running_loop().create_task(self._keep(i)) for i in range(self.n)]

    async def _keep(self, i: int) -> None:
        delay = 0.5
        while not self._stopping:
            started = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                self.python, str(ROOT / "bot.py"), "--worker", str(i), "--listen", "127.0.0.1",
                "--port", str(self.port + i), cwd=str(ROOT),
                env={**self.env, "PROMO_SUPERVISED_BY": str(os.getpid())})
            self.procs[i] = proc
            log.info("worker %d started (pid %d, port %d)", i, proc.pid, self.port + i)
            code = await proc.wait()
            if self._stopping:
                return
            self.restarts[i] += 1
            # 1 s after a worker that ran a while; doubling (up to 30 s) while it dies at once
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 30.0)
            log.warning("worker %d (pid %d) ended with %s: restarting in %.0f s", i, proc.pid, code, delay)
            await asyncio.sleep(delay)

    async def stop(self, timeout: float = 30.0) -> None:
        self._stopping = True
        live = [p for p in self.procs if p is not None and p.returncode is None]
        for p in live:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        if live:
            _, pending = await asyncio.wait([asyncio.ensure_future(p.wait()) for p in live], timeout=timeout)
            for p in live:
                if p.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        p.kill()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def serve(settings: Settings, *, workers: int = 0, worker_urls: list[str] | None = None,
                worker_port: int | None = None, timeout: float = TIMEOUT, hold: float = HOLD) -> None:
    """The dispatcher until SIGTERM/SIGINT. `workers`: spawn that many; else route to `worker_urls`."""
    from telegram import Bot, Update

    assert settings.token and settings.webhook_url
    supervisor = None
    if workers:
        env = dict(os.environ)
        env.pop("PROMO_WEBHOOK_URL", None)           # a worker never sets the webhook
        if settings.secret_token:
            env["PROMO_WEBHOOK_SECRET"] = settings.secret_token   # not on the command line (ps)
        if settings.api_url:
            env["BOT_API_URL"] = settings.api_url
        env["PROMO_WORKERS"] = str(workers)          # they share Telegram's overall budget
        env["PROMO_DB_URL"] = settings.db_url
        env["PROMO_DATA_DIR"] = str(settings.data_dir)
        supervisor = Supervisor(workers, worker_port or settings.port + 1, env)
        urls = supervisor.urls()
    else:
        urls = list(worker_urls or [])
    if not urls:
        raise ValueError("no workers: --workers N or --worker-url URL")
    if not workers and settings.workers != len(urls):
        log.warning("PROMO_WORKERS is %d but there are %d worker URLs: set PROMO_WORKERS=%d for the workers, "
                    "so that together they keep to Telegram's 30 messages a second", settings.workers, len(urls),
                    len(urls))
    router = Router(urls, settings.secret_token, timeout, hold)
    path = webhook_path(settings.token)
    app = tornado.web.Application([(f"/{path}", _Front, {"router": router, "secret": settings.secret_token}),
                                   ("/health", _Health, {"router": router, "supervisor": supervisor})],
                                  log_function=lambda handler: None)
    server = tornado.httpserver.HTTPServer(app, xheaders=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server.listen(settings.port, settings.listen)
    if supervisor:
        supervisor.start()
    log.info("dispatcher on %s:%d → %d workers", settings.listen, settings.port, len(urls))
    try:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            if all(await asyncio.gather(*(router.healthy(i) for i in range(len(urls))))):
                break
            await asyncio.sleep(0.5)
        base = f"{settings.api_url}/bot" if settings.api_url else "https://api.telegram.org/bot"
        async with Bot(settings.token, base_url=base) as bot:
            await bot.set_webhook(f"{settings.webhook_url.rstrip('/')}/{path}", secret_token=settings.secret_token,
                                  allowed_updates=Update.ALL_TYPES)
        log.info("webhook set; forwarding")
        await stop.wait()
    finally:
        server.stop()
        if supervisor:
            await supervisor.stop()
        await router.close()
