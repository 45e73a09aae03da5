"""Issue 16, item 3: the persistence writes only what changed, in one transaction, off the event
loop; the reply still waits for the state it confirms (see also tests/test_form_durability.py)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event

from handlers.persistence import CHAT, USER, SQLPersistence

from .botkit import build_bot, running

pytestmark = pytest.mark.asyncio


class Spy:
    """Counts statements on the kv table and commits on the bot's engine, with their threads."""

    def __init__(self, engine):
        self.writes: list[str] = []
        self.commits = 0
        self.threads: set[int] = set()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        if head.startswith(("INSERT INTO KV", "DELETE FROM KV")):
            self.writes.append(head.split()[0])
            self.threads.add(threading.get_ident())

    def _commit(self, conn):
        self.commits += 1

    def reset(self):
        self.writes.clear()
        self.commits = 0
        self.threads.clear()


async def test_only_changed_keys_are_written_in_one_transaction_off_the_loop(fakebot, tmp_path, monkeypatch):
    bot = build_bot(fakebot, tmp_path)
    batches: list[list] = []
    original = SQLPersistence._commit_rows

    def recording(self, rows):
        batches.append(list(rows))
        return original(self, rows)

    app = bot.app
    persistence = app.persistence
    assert isinstance(persistence, SQLPersistence)
    spy = Spy(bot.services.db.engine)
    async with running(bot):
        await fakebot.send_text(app, bot.officer, "/log")          # a form: the officer's user_data changes
        await fakebot.send_text(app, bot.lead, "/log")
        await app.update_persistence()
        spy.reset()
        rows, commits = persistence.rows_written, persistence.commits
        monkeypatch.setattr(SQLPersistence, "_commit_rows", recording)

        # Nothing changed: the timer's run and another flush write nothing at all.
        app.mark_data_for_update_persistence(user_ids=[bot.officer.id, bot.lead.id],
                                             chat_ids=[bot.officer.id, bot.lead.id])
        await app.update_persistence()
        assert spy.writes == [] and persistence.rows_written == rows

        # One officer answers a step: only that officer's data is written, once, in one commit.
        await fakebot.send_text(app, bot.officer, "伊利")
        app.mark_data_for_update_persistence(user_ids=[bot.lead.id], chat_ids=[bot.lead.id])
        await app.update_persistence()
    written = persistence.rows_written - rows
    assert written >= 1 and len(spy.writes) == written
    assert persistence.commits - commits <= 2          # the write before the reply (+ the conversation state)
    assert threading.get_ident() not in spy.threads      # the writes ran in a worker thread
    assert {k for batch in batches for k in batch} <= {(USER, str(bot.officer.id)), (CHAT, str(bot.officer.id))} | {
        k for batch in batches for k in batch if k[0].startswith("ptb_conv:")}   # never the lead's
    assert any(k == (USER, str(bot.officer.id)) for batch in batches for k in batch)
    assert "伊利" in json.dumps(persistence.store.all(USER)[str(bot.officer.id)], ensure_ascii=False)


async def test_a_batch_is_one_transaction_and_deletes_ride_along(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    persistence = bot.app.persistence
    spy = Spy(bot.services.db.engine)
    async with running(bot):
        spy.reset()
        for uid in range(1, 6):
            await persistence.update_user_data(uid, {"n": uid})
        await persistence.update_chat_data(9, {"x": 1})
        assert persistence.pending == 6 and spy.writes == []   # staged, nothing written yet
        assert await persistence.commit() == 6
        assert spy.commits == 1 and len(spy.writes) == 6
        await persistence.update_user_data(1, {"n": 1})       # unchanged: not staged
        await persistence.drop_chat_data(9)
        await persistence.update_user_data(2, {"n": 20})
        assert persistence.pending == 2
        spy.reset()
        assert await persistence.commit() == 2
        assert spy.commits == 1 and sorted(spy.writes) == ["DELETE", "INSERT"]
    assert persistence.store.all(USER)["2"] == {"n": 20} and "9" not in persistence.store.all(CHAT)


async def test_a_failed_commit_keeps_its_rows_for_the_next(fakebot, tmp_path, monkeypatch):
    bot = build_bot(fakebot, tmp_path)
    persistence = bot.app.persistence
    async with running(bot):
        original = SQLPersistence._commit_rows

        def refuse(self, rows):
            raise OSError("disk full")

        monkeypatch.setattr(SQLPersistence, "_commit_rows", refuse)
        await persistence.update_user_data(77, {"step": 1})
        with pytest.raises(OSError):
            await persistence.commit()
        assert persistence.failures == 1 and persistence.pending == 1
        monkeypatch.setattr(SQLPersistence, "_commit_rows", original)
        assert await persistence.commit() == 1
    assert persistence.store.all(USER)["77"] == {"step": 1}
