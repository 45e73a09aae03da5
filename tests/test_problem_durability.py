"""Issue 13: a reported problem survives kill -9 of the bot the moment "已保存" is on the screen,
and so does the "请输入解决情况" step of solving it.

As in tests/test_form_durability.py: the bot runs in a process of its own (this module run with
`python -m`, the real application with SQL persistence, job queue and persistence timer); when the
strict fake Bot API has executed the request that shows the marker, the process prints SHOWN and
freezes; the test kills it with SIGKILL and restarts the bot on the same database.

    saved   飞鹤反映环评批复慢，希望月底前解决 → ✅ 保存 → "已保存 · 问题 #n" → kill; the row is there
    note    … saved, /problems, #n, ✅ 已解决 → "请输入解决情况" → kill; the note typed after the
            restart solves #n
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = "飞鹤反映环评批复慢，希望月底前解决"
SCENARIOS = {"saved": "已保存 · 问题 #", "note": "请输入解决情况"}


async def _child(scenario: str, tmp: Path) -> int:
    from tests.botkit import build_bot
    from tests.fakebot import FakeBotAPI

    fake = FakeBotAPI()
    bot = build_bot(fake, tmp)
    app = bot.app
    await app.initialize()
    await app.post_init(app)
    await app.start()
    armed = False
    marker = SCENARIOS[scenario]

    def freeze_when_shown(call) -> None:
        if armed and call.method in ("sendMessage", "editMessageText") and marker in fake.plain(
                call.params.get("text") or ""):
            print("SHOWN", flush=True)
            time.sleep(3600)

    fake.after_call(freeze_when_shown)
    draft = await fake.send_text(app, bot.officer, REPORT)
    armed = scenario == "saved"
    saved = await fake.press(app, bot.officer, draft[-1], "✅ 保存")
    pid = re.search(r"问题 #(\d+)", fake.plain(saved[-1].params["text"])).group(1)
    listed = await fake.send_text(app, bot.officer, "/problems")
    card = await fake.press(app, bot.officer, listed[-1], f"#{pid}")
    armed = True
    await fake.press(app, bot.officer, card[-1], "✅ 已解决")
    print("FAILED the marker was never shown", fake.problems(), flush=True)
    return 1


def _kill_after_shown(tmp_path: Path, scenario: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.test_problem_durability", scenario, str(tmp_path)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(120, proc.kill)
    timer.start()
    try:
        line = proc.stdout.readline()
        assert line.startswith("SHOWN"), (line, proc.stderr.read() if proc.poll() is not None else "")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.asyncio
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_a_problem_survives_kill_9(fakebot, tmp_path, scenario):
    from .botkit import build_bot, running

    _kill_after_shown(tmp_path, scenario)
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        [row] = [r for r in bot.services.problems.find() if r.ref is None]
        assert (row.company_id, row.stage, row.unit) == ("feihe", "approval", "市生态环境局")
        if scenario == "note":
            done = await fakebot.send_text(bot.app, bot.officer, "11月28日环评已批复")
            assert f"问题 #{row.id} 已解决" in fakebot.plain(done[-1].params["text"])
            assert bot.services.problems.get(row.id).status == "solved"
        else:
            assert row.status == "open"


if __name__ == "__main__":
    sys.exit(asyncio.run(_child(sys.argv[1], Path(sys.argv[2]))))
