"""Issue 16, item 8: what a button needs is in the database, so it works on another worker
process and after a restart; jobs that send messages claim each send in the database first.

Two Applications (two `Services`, two engines) on one database stand for two worker processes
or for a process before and after a restart. Each test runs on SQLite and on PostgreSQL
(PROMO_TEST_PG_URL; skipped with the reason without it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import types

import pytest

from handlers.common import STALE
from tests.botkit import build_bot, running, texts
from tests.fakebot import FakeBotAPI
from tests.pg import database_url

PROFILE = "飞鹤乳业 副总 北京 奶粉"


@pytest.fixture(params=["sqlite", "postgresql"])
def two_bots(request, tmp_path):
    """Two bots on one database and one fake Bot API."""
    fake = FakeBotAPI()
    with database_url(request.param, tmp_path) as url:
        first = build_bot(fake, tmp_path / "a", PROMO_DB_URL=url)
        second = build_bot(fake, tmp_path / "b", PROMO_DB_URL=url)
        try:
            yield fake, first, second
        finally:
            first.services.stop()
            second.services.stop()


@pytest.mark.asyncio
async def test_a_card_made_by_one_worker_is_refined_on_another(two_bots):
    fake, first, second = two_bots
    async with running(first), running(second):
        card = (await fake.send_text(first.app, first.officer, PROFILE))[-1]
        assert "飞鹤" in texts([card])
        edited = await fake.press(second.app, second.officer, card, "视频")
        assert edited and edited[-1].method == "editMessageText", texts(edited)
        assert "✓视频" in str(edited[-1].params.get("reply_markup"))
        assert "请重新" not in texts(edited)
        # and back on the first: the refinement the second stored is the one it sees
        again = await fake.press(first.app, first.officer, edited[-1], "≤15分钟")
        markup = str(again[-1].params.get("reply_markup"))
        assert "✓视频" in markup and "✓≤15分钟" in markup
    assert not fake.problems()


@pytest.mark.asyncio
async def test_a_card_still_works_after_a_restart_but_not_on_other_lists(tmp_path):
    fake = FakeBotAPI()
    first = build_bot(fake, tmp_path)
    async with running(first):
        card = (await fake.send_text(first.app, first.officer, PROFILE))[-1]
    first.services.stop()
    restarted = build_bot(fake, tmp_path)
    async with running(restarted):
        edited = await fake.press(restarted.app, restarted.officer, card, "找谁")
        assert edited[-1].method == "editMessageText"
        # the lists changed since the card was made (another fingerprint): the button is stale
        restarted.services.matcher.library.fingerprint = "other lists"
        stale = await fake.press(restarted.app, restarted.officer, card, "全部")
        assert [c.method for c in stale] == ["answerCallbackQuery"]
        assert stale[0].params.get("show_alert") and stale[0].params.get("text") == STALE
    restarted.services.stop()


@pytest.mark.asyncio
async def test_the_store_is_bounded(tmp_path):
    from handlers.answer import Query, QueryStore
    from promo.store.kvstore import KVStore

    bot = build_bot(FakeBotAPI(), tmp_path)
    store = QueryStore(KVStore(bot.services.db), lambda: ("F", 1), size=30, trim_every=10)
    ids = [await store.add(Query(text=f"q{i}", version=1)) for i in range(100)]
    kept = KVStore(bot.services.db).all(QueryStore.NAMESPACE)
    assert 30 <= len(kept) < 40
    assert (await store.get(ids[-1])).text == "q99" and await store.get(ids[0]) is None
    assert await store.get("x" * 300) is None
    bot.services.stop()


@pytest.mark.asyncio
async def test_the_store_works_off_the_event_loop(tmp_path):
    """Its database calls run in a worker thread (issue 16, item 1), never on the loop's."""
    import threading

    from handlers.answer import Query, QueryStore
    from promo.store.kvstore import KVStore

    bot = build_bot(FakeBotAPI(), tmp_path)
    kv = KVStore(bot.services.db)
    seen: list[str] = []

    def spied(real):
        def spy(*args, **kwargs):
            seen.append(threading.current_thread().name)
            return real(*args, **kwargs)
        return spy

    kv.get, kv.set = spied(kv.get), spied(kv.set)
    store = QueryStore(kv, lambda: ("F", 1))
    qid = await store.add(Query(text="飞鹤", version=1))
    assert (await store.get(qid)).text == "飞鹤"
    assert len(seen) == 2 and threading.main_thread().name not in seen
    bot.services.stop()


# ---------------------------------------------------------------------- jobs fire once

def _context(bot):
    return types.SimpleNamespace(application=bot.app, bot=bot.app.bot, bot_data=bot.app.bot_data)


@pytest.mark.asyncio
async def test_the_weekly_digest_goes_out_once_from_two_workers(two_bots):
    from handlers.lists import digest_job

    fake, first, second = two_bots
    async with running(first), running(second):
        await fake.send_text(first.app, first.officer, "/digest")
        start = len(fake.calls)
        await asyncio.gather(digest_job(_context(first)), digest_job(_context(second)))
        await digest_job(_context(second))          # a restarted worker, the same week
        sent = [c for c in fake.calls[start:] if c.method == "sendMessage"]
        assert {int(c.params["chat_id"]) for c in sent} == {first.officer.id}
        assert sum("未来一个月的招商活动" in c.params["text"] for c in sent) == 1, len(sent)
        first.clock.advance(days=7)                  # the next week: once more
        second.clock.advance(days=7)
        start = len(fake.calls)
        await asyncio.gather(digest_job(_context(first)), digest_job(_context(second)))
        again = [c for c in fake.calls[start:] if c.method == "sendMessage"]
        assert sum("未来一个月的招商活动" in c.params["text"] for c in again) == 1, len(again)
    assert not fake.problems()


@pytest.mark.asyncio
async def test_the_overdue_problems_go_out_once_from_two_workers(two_bots):
    from handlers.problems import _overdue_job

    fake, first, second = two_bots
    first.clock.now = second.clock.now = dt.datetime(2027, 3, 1, 9, 30, tzinfo=first.clock.now.tzinfo)
    async with running(first), running(second):
        start = len(fake.calls)
        await asyncio.gather(_overdue_job(_context(first)), _overdue_job(_context(second)))
        await _overdue_job(_context(first))
        sent = [c for c in fake.calls[start:] if c.method == "sendMessage"]
        assert sent, "the sample ledger has overdue problems by 2027-03-01"
        chats = {int(c.params["chat_id"]) for c in sent}
        for chat in chats:        # one digest per lead (split into parts when long), not two
            parts = [c.params["text"] for c in sent if int(c.params["chat_id"]) == chat]
            assert sum("已超过办理期限" in p for p in parts) == 1, (chat, len(parts))
    assert not fake.problems()
