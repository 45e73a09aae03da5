"""A meeting the bot confirmed as saved survives kill -9 of the bot (SQLite, WAL, FULL sync)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from promo.store.db import Database
from promo.meetings.store import MeetingStore

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import datetime as dt, sys, time
    from promo.store.db import Database
    from promo.meetings.store import MeetingStore

    class Officer:
        user_id, display_name, role, unit = 7, "张三", "officer", "爱辉区"

    db = Database(sys.argv[1])
    db.migrate()
    store = MeetingStore(db)
    for i in range(int(sys.argv[2])):
        m = store.add({"company": "飞鹤乳业", "topic": f"第{i}次"}, Officer,
                      dt.datetime.now(dt.timezone.utc))
        print("saved", m.id, flush=True)     # what the bot tells the officer
    time.sleep(120)                          # still running (and holding the DB) when killed
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
@pytest.mark.parametrize("count", [1, 30])
def test_saved_meetings_survive_kill_9(tmp_path, count):
    url = f"sqlite:///{tmp_path / 'promo.db'}"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(count)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        saved = []
        for _ in range(count):
            line = child.stdout.readline()
            assert line.startswith("saved"), (line, child.stderr.read() if child.poll() else "")
            saved.append(int(line.split()[1]))
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert (tmp_path / "promo.db-wal").exists()          # the data is in the WAL, not checkpointed
    db = Database(url)                                   # "the bot restarts"
    try:
        db.migrate()
        store = MeetingStore(db)
        found = [store.get(i) for i in saved]
        assert all(found) and [m.topic for m in found] == [f"第{i}次" for i in range(count)]
        assert len(store.mine(7, limit=1000)) == count
    finally:
        db.dispose()
