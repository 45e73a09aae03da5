"""`python -m tests.killbot <tmp dir>`: the bot in a process of its own, to be killed with -9.

Runs the real application (`handlers.app.build_application`, SQL persistence, job queue and the
persistence loop started as in production) with the in-process strict fake Bot API as its
request, on a SQLite file in <tmp dir>. An officer logs a meeting by messages (the text, then ✅);
as soon as the fake has recorded the bot's "已保存" message this prints `SAVED <meeting id>` and
waits to be killed. tests/test_bot_meetings.py then sends SIGKILL and looks in the database.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

FEIHE = "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访"


async def main(tmp: Path) -> int:
    from tests.botkit import build_bot
    from tests.fakebot import FakeBotAPI

    fake = FakeBotAPI()
    bot = build_bot(fake, tmp)
    app = bot.app
    await app.initialize()
    await app.post_init(app)
    await app.start()                     # job queue + persistence updates, as run_polling does
    card = (await fake.send_text(app, bot.officer, FEIHE))[-1]
    await fake.press(app, bot.officer, card, "✅ 保存")
    saved = [c for c in fake.sent(bot.officer.id) if "已保存" in (c.params.get("text") or "")]
    if not saved or fake.problems():
        print("FAILED", fake.problems(), flush=True)
        return 1
    number = re.search(r"记录 #(\d+)", saved[-1].params["text"]).group(1)
    print(f"SAVED {number}", flush=True)
    await asyncio.sleep(3600)             # killed long before this ends
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]))))
