"""Issue 9, item 3: a form step the bot has shown survives kill -9 of the bot.

The bot runs in a process of its own (this module run with `python -m`, the real application
as tests/killbot.py runs it: SQL persistence, job queue and persistence timer started, the
in-process strict fake Bot API). The officer goes through a few steps of /log or /tour; the
moment the fake has executed the request that shows the last step — the officer sees it, the
bot does not even have the answer yet — the process prints SHOWN and freezes (the event loop
blocked, so nothing else runs), and the test kills it with SIGKILL. Then the bot restarts on
the same database and the officer answers the step that was on the screen.

    log_step4    /log, 伊利, 昨天, (the timer writes), 液态奶工厂扩建 → "第 4/5 步" → kill;
                 the amount typed after the restart is the amount, not a second 洽谈内容
    log_step1    /log → "第 1/5 步" → kill; the company typed after the restart is step 1's
    tour_profile /tour → "请输入来访者" → kill; the profile typed after the restart is taken
    tour_date    /tour 飞鹤乳业 副总, 1天, 黑河站, 08:00, 无 → "哪天开始" → kill; the typed date
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.botkit import kill_9_after

ROOT = Path(__file__).resolve().parent.parent

SCENARIOS = {
    "log_step4": ([("text", "/log"), ("text", "伊利"), ("press", "昨天"), ("flush", ""),
                   ("text", "液态奶工厂扩建")], "第 4/5 步"),
    "log_step1": ([("text", "/log")], "第 1/5 步"),
    "tour_profile": ([("text", "/tour")], "请输入来访者"),
    "tour_date": ([("text", "/tour 飞鹤乳业 副总"), ("press", "1天"), ("press", "黑河站"),
                   ("press", "08:00"), ("press", "无（不指定）")], "哪天开始"),
}


# ---------------------------------------------------------------------- the child process

async def _child(scenario: str, tmp: Path) -> int:
    from tests.botkit import build_bot
    from tests.fakebot import FakeBotAPI

    steps, marker = SCENARIOS[scenario]
    fake = FakeBotAPI()
    bot = build_bot(fake, tmp)
    app = bot.app
    await app.initialize()
    await app.post_init(app)
    await app.start()                     # job queue + the persistence timer, as run_polling does
    armed = False

    def freeze_when_shown(call) -> None:
        text = call.params.get("text") or ""
        if armed and call.method in ("sendMessage", "editMessageText") and marker in fake.plain(text):
            print("SHOWN", flush=True)    # on the officer's screen; the bot has no answer yet
            time.sleep(3600)              # blocks the event loop: nothing else happens until kill

    fake.after_call(freeze_when_shown)
    for i, (kind, arg) in enumerate(steps):
        armed = i == len(steps) - 1
        if kind == "text":
            await fake.send_text(app, bot.officer, arg)
        elif kind == "press":
            await fake.press(app, bot.officer, None, arg)
        else:                             # the officer took a while: the 1-second timer has run
            await app.update_persistence()
        if fake.problems():
            print("FAILED", fake.problems(), flush=True)
            return 1
    print("FAILED the last step was never shown", flush=True)
    return 1


# ---------------------------------------------------------------------- the test

def _kill_after_shown(tmp_path: Path, scenario: str) -> None:
    kill_9_after("SHOWN", "tests.test_form_durability", scenario, str(tmp_path))


def _field(text: str, label: str) -> str:
    m = re.search(rf"^{label}：(.*)$", text, re.M)
    return m.group(1) if m else ""


@pytest.mark.asyncio
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_the_step_on_screen_survives_kill_9(fakebot, tmp_path, scenario):
    from .botkit import build_bot, running

    _kill_after_shown(tmp_path, scenario)
    bot = build_bot(fakebot, tmp_path)                      # the bot restarts on the same database
    async with running(bot):
        say = lambda text: fakebot.send_text(bot.app, bot.officer, text)  # noqa: E731
        if scenario == "log_step4":
            step5 = (await say("5000万"))[-1]
            text = fakebot.plain(step5.params["text"])
            assert "第 5/5 步" in text, text
            assert "洽谈内容：液态奶工厂扩建" in text and "5000万" in text
            card = fakebot.plain((await fakebot.press(bot.app, bot.officer, step5, "跳过"))[-1].params["text"])
            assert _field(card, "金额") == "5000万元（投资）" and _field(card, "洽谈内容") == "液态奶工厂扩建"
            assert _field(card, "日期") == "2026年11月25日（周三）" and "伊利" in _field(card, "企业")
        elif scenario == "log_step1":
            text = fakebot.plain((await say("伊利"))[-1].params["text"])
            assert "第 2/5 步" in text and "伊利" in text, text
        elif scenario == "tour_profile":
            text = fakebot.plain((await say("飞鹤乳业 副总"))[-1].params["text"])
            assert "考察几天" in text and "来访者：飞鹤乳业 副总" in text, text
        else:
            text = fakebot.plain("\n".join(c.params.get("text") or "" for c in await say("2026-11-27")))
            assert "考察行程" in text and "11月27日" in text, text


if __name__ == "__main__":
    sys.exit(asyncio.run(_child(sys.argv[1], Path(sys.argv[2]))))
