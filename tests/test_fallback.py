"""Every message kind, every command and every button gets an answer (issue 9, items 7 and 8).

Against the strict fake Bot API, whose teardown fails a test that leaves a button unanswered."""

from __future__ import annotations

import pytest

from tests.fakebot import QueryRecord
from tests.fakebot.updates import callback_query_dict

from handlers import fallback

from .botkit import running
from .botkit import texts as said
from .sample import FEIHE_VP, person

pytestmark = pytest.mark.asyncio


async def send_kind(fakebot, app, user, chat=None, **fields):
    message = fakebot.store_user_message(user, None, chat, **fields)
    return await fakebot.process(app, {"message": message.data_copy})


PHOTO = [{"file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 60}]
DOCUMENT = {"file_id": "doc1", "file_unique_id": "u2", "file_name": "名片.pdf", "mime_type": "application/pdf"}
KINDS = {
    "location": {"location": {"latitude": 50.24, "longitude": 127.53}},
    "sticker": {"sticker": {"file_id": "st1", "file_unique_id": "u3", "type": "regular", "width": 512,
                            "height": 512, "is_animated": False, "is_video": False}},
    "contact": {"contact": {"phone_number": "+8613800000000", "first_name": "张"}},
    "voice": {"voice": {"file_id": "vo1", "file_unique_id": "u4", "duration": 3}},
    "poll": {"poll": {"id": "p1", "question": "周三还是周四？", "options": [
        {"text": "周三", "voter_count": 0, "persistent_id": "o1"},
        {"text": "周四", "voter_count": 0, "persistent_id": "o2"}], "total_voter_count": 0,
        "is_closed": False, "is_anonymous": True, "allows_revoting": False, "members_only": False, "type": "regular", "allows_multiple_answers": False}},
    "photo": {"photo": PHOTO},
    "document": {"document": DOCUMENT},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_every_kind_of_message_gets_an_answer(bot, fakebot, kind):
    async with running(bot):
        calls = await send_kind(fakebot, bot.app, bot.officer, **KINDS[kind])
    text = said(calls)
    assert len([c for c in calls if c.method == "sendMessage"]) == 1, kind
    label = dict(fallback.KINDS)[kind]
    assert text.startswith(f"收到{label}。") and "<code>" in text          # what it got, and what to type


async def test_a_photo_caption_is_read_like_a_text(bot, fakebot):
    async with running(bot):
        typed = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
        photo = await send_kind(fakebot, bot.app, bot.officer, photo=PHOTO, caption="飞鹤乳业 副总 北京 奶粉")
        doc = await send_kind(fakebot, bot.app, bot.officer, document=DOCUMENT, caption="飞鹤乳业 副总 北京 奶粉")
    card = fakebot.plain(said(typed))
    assert "说什么" in card
    assert fakebot.plain(said(photo)) == card and fakebot.plain(said(doc)) == card


async def test_a_caption_that_is_a_meeting_report_gets_the_meeting_card(bot, fakebot):
    async with running(bot):
        calls = await send_kind(fakebot, bot.app, bot.officer, photo=PHOTO,
                                caption="今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访")
    assert "保存" in str([fakebot.buttons(c) for c in calls])


@pytest.mark.parametrize("typed, nearest", [("/hepl", "/help"), ("/todo123", "/todo"), ("/tuor", "/tour"),
                                            ("/mien", "/mine"), ("/xyzzy", None)])
async def test_an_unknown_command_suggests_the_nearest_one(bot, fakebot, typed, nearest):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, typed)
    text = fakebot.plain(said(calls))
    assert typed.split("@")[0] in text and "/help" in text
    if nearest:
        assert f"是不是要用 {nearest}" in text
    else:
        assert "是不是" not in text


async def test_a_stranger_gets_the_polite_refusal_for_any_kind(bot, fakebot):
    stranger = fakebot.user(555001, "路人")
    async with running(bot):
        calls = await send_kind(fakebot, bot.app, stranger, **KINDS["sticker"])
        calls += await fakebot.send_text(bot.app, stranger, "/hepl")
    assert len([c for c in calls if c.method == "sendMessage"]) == 2
    assert person(FEIHE_VP).name not in said(calls)


async def test_in_a_group_chatter_is_not_answered_but_a_command_to_the_bot_is(bot, fakebot):
    group = fakebot.group(-100777, "招商工作群")
    async with running(bot):
        sticker = await send_kind(fakebot, bot.app, bot.officer, group, **KINDS["sticker"])
        other_bot = await fakebot.send_text(bot.app, bot.officer, "/hepl", chat=group)
        ours = await fakebot.send_text(bot.app, bot.officer, f"/hepl@{bot.app.bot.username}", chat=group)
    assert not [c for c in sticker + other_bot if c.method == "sendMessage"]
    assert "是不是要用 /help" in fakebot.plain(said(ours))


@pytest.mark.parametrize("data", ["zz:1:2", "nonsense", "a", "ms:" + "9" * 20 + ":x"])
async def test_a_button_nobody_knows_is_answered_as_stale(bot, fakebot, data):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉"))[-1]
        query_id = "forged1"
        fakebot._queries[query_id] = QueryRecord(query_id, "callback_query", bot.officer.id, data)
        target = fakebot._resolve_message(card.result["message_id"], bot.officer.id)
        calls = await fakebot.process(bot.app, {"callback_query": callback_query_dict(
            query_id=query_id, user=bot.officer, message=target.data_copy, data=data)})
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and "过期" in answers[0].params.get("text", "")
    assert not fakebot.unanswered_callbacks()
