"""Building the real bot against the strict fake Bot API, for end-to-end tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from promo.config import Settings
from promo.services import Services

from .conftest import NOW, ROOT

ADMIN, OFFICER, LEAD = 1001, 1002, 1003


@dataclass
class Clock:
    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class Bot:
    app: object
    services: Services
    fake: object
    clock: Clock
    admin: object = None
    officer: object = None
    lead: object = None
    extra: dict = field(default_factory=dict)


def settings_for(tmp_path: Path, data_dir: Path = ROOT, **overrides) -> Settings:
    env = {
        "PROMO_DATA_DIR": str(data_dir),
        "PROMO_DB_URL": f"sqlite:///{tmp_path / 'promo.db'}",
        "PROMO_USERS": f"{ADMIN}:admin:招商局:管理员; {OFFICER}:officer:北安市:刘专员; {LEAD}:lead:乳制品专班:王组长",
        "PROMO_RELOAD_SECONDS": "0",
    }
    env.update(overrides)
    return Settings.load(env=env, dotenv=tmp_path / "no.env")


def build_bot(fake, tmp_path: Path, data_dir: Path = ROOT, clock: Clock | None = None, *,
              rate_limiter: bool = True, **overrides) -> Bot:
    """A bot on the strict fake; `rate_limiter=False` for tests that send hundreds of messages to
    one group (Telegram's 20 a minute there would make them wait minutes)."""
    from handlers.app import build_application

    clock = clock or Clock()
    services = Services(settings_for(tmp_path, data_dir, **overrides), clock=clock)
    services.start()
    app = build_application(services.settings, services, request=fake, retry_backoff=0.01,
                            rate_limiter=rate_limiter)
    return Bot(app, services, fake, clock,
               admin=fake.user(ADMIN, "管理员"), officer=fake.user(OFFICER, "刘专员"), lead=fake.user(LEAD, "王组长"))


def read_line(proc, timeout: float) -> str:
    """A line of a child process's output; the process is killed if none comes in `timeout` s."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        return proc.stdout.readline()
    finally:
        timer.cancel()


def kill_9_after(marker: str, module: str, *args: str) -> str:
    """Run `python -m module args…` from the repository, wait for its first line (it must start
    with `marker`), kill it with SIGKILL and return that line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_line(proc, 120)
        assert line.startswith(marker), (line, proc.stderr.read() if proc.poll() is not None else "")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    return line


def texts(calls) -> str:
    """The text of every message the bot sent or edited, in order."""
    return "\n".join(c.params.get("text", "") for c in calls if c.method in ("sendMessage", "editMessageText"))


@contextlib.asynccontextmanager
async def running(bot: Bot):
    """The application initialised and its post_init run, as run_polling would do."""
    async with bot.app:
        await bot.app.post_init(bot.app)
        try:
            yield bot
        finally:
            await bot.app.post_shutdown(bot.app)


def data_copy(tmp_path: Path, materials: list[dict] | None = None, files: dict[str, bytes] | None = None) -> Path:
    """A copy of the sample lists; with `materials`, a pitch library of just those (then the tour
    lists, which point at sample materials, are left out)."""
    import shutil

    import yaml

    data = tmp_path / "data"
    skip = shutil.ignore_patterns("tour") if materials is not None else None
    shutil.copytree(ROOT / "lists", data / "lists", ignore=skip)
    if materials is None:
        shutil.copytree(ROOT / "pitch_library", data / "pitch_library")
        return data
    (data / "pitch_library" / "files").mkdir(parents=True)
    for name, content in (files or {}).items():
        (data / "pitch_library" / "files" / name).write_bytes(content)
    (data / "pitch_library" / "test.yaml").write_text(yaml.safe_dump(materials, allow_unicode=True), encoding="utf-8")
    return data


async def forge_press(fakebot, app, user, message, data: str):
    """A press with arbitrary callback_data on bot message `message` (a StoredMessage), as a
    modified client can send; returns the requests it caused."""
    from .fakebot.model import QueryRecord
    from .fakebot.updates import callback_query_dict

    query_id = fakebot._next_query_id("cq")
    fakebot._queries[query_id] = QueryRecord(query_id, "callback_query", user.id, data)
    query = callback_query_dict(query_id=query_id, user=user, message=message.data_copy, data=data)
    return await fakebot.process(app, {"callback_query": query})
