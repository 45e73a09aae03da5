"""The tour's buttons: one CallbackData class per action, one handler per class, data within
Telegram's 64 bytes; buttons of the old one-class format ("t:<op>:<arg>") and forged values are
answered as stale and change nothing."""

from __future__ import annotations

import copy

import pytest

from handlers import tour
from handlers.callbacks import MAX_BYTES, unpack

from .botkit import running
from .test_bot_tour import _plan_card, all_data, last_with_buttons, msg_id, texts

def test_one_handler_per_class_and_every_tour_class_has_one():
    classes = [cls for cls, _ in tour.BUTTONS]
    assert len(classes) == len(set(classes))
    assert len({fn for _, fn in tour.BUTTONS}) == len(classes)
    declared = {v for v in vars(tour).values()
                if isinstance(v, type) and issubclass(v, tour.CallbackData) and v is not tour.CallbackData}
    assert declared == set(classes)
    assert not hasattr(tour, "Tour") and not any(cls.PREFIX == "t" for cls in classes)
    assert not any("op" in cls.__dataclass_fields__ for cls in classes)


def test_the_longest_values_pack_within_64_bytes(bot):
    lists = bot.services.library.lists
    longest_venue = max((v.id for v in lists["venues"]), key=len)
    samples = [tour.TourDays("1.5"), tour.TourArrive(longest_venue), tour.TourHour("2359"),
               tour.TourEscort("taskforce_lead"), tour.TourEscort(None), tour.TourDate("2026-12-31"),
               tour.TourLeave(longest_venue), tour.TourLeave(None), tour.TourLeaveHour("2000"),
               tour.TourChange("escort"), tour.TourMust(99), tour.TourAvoid(99), tour.TourSiteInfo(99),
               tour.TourSitesDone(), tour.TourAddDay(), tour.TourIcs(), tour.TourPrint(), tour.TourResume(),
               tour.TourFromCard("A" * 8)]
    assert {type(s) for s in samples} == {cls for cls, _ in tour.BUTTONS}
    for data in samples:
        packed = data.pack()
        assert len(packed.encode()) <= MAX_BYTES and unpack(packed) == data


async def _forged(bot, fakebot, card, data: str):
    """Press the first button of `card` as if it carried `data`; the calls and the tour state
    before and after."""
    before = copy.deepcopy(bot.app.user_data[bot.officer.id].get("tour"))
    message = fakebot.message(bot.officer.id, msg_id(card))
    message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = data
    calls = await fakebot.press(bot.app, bot.officer, msg_id(card), data)
    after = bot.app.user_data[bot.officer.id].get("tour")
    return calls, before, after


OLD_FORMAT = ["t:d:1", "t:c:days", "t:c:sites", "t:ics:", "t:pr:", "t:m:0", "t:x:0", "t:mi:0", "t:mo:",
              "t:ad:", "t:r:", "t:t:2026-11-27", "t:card:abcdefgh", "t:e:-", "t:l:-"]
FORGED = ["td:7", "ta:nowhere", "th:2599", "th:12", "te:ghost", "tl:nowhere", "tk:0815", "tc:profile",
          "tm:abc", "tm:99", "tm:-1", "tx:", "ti:42", "tt:27-11-2026", "tq:nosuchqid", "td:1:extra", "tn:x"]


@pytest.mark.asyncio
@pytest.mark.parametrize("data", OLD_FORMAT + FORGED)
async def test_old_and_forged_tour_buttons_are_answered_as_stale(bot, fakebot, data):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        calls, before, after = await _forged(bot, fakebot, card, data)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert len(answers) == 1 and "过期" in answers[0].params.get("text", "")
        assert not [c for c in calls if c.method in ("sendMessage", "editMessageText", "sendDocument")]
        assert not fakebot.unanswered_callbacks()
        assert after == before and after["step"] == "plan"
        # the plan card's own buttons still work
        changed = await fakebot.press(bot.app, bot.officer, msg_id(card), "✏️ 陪同")
        assert "谁陪同" in fakebot.plain(texts(changed))


@pytest.mark.asyncio
async def test_every_button_the_flow_shows_is_a_tour_class(bot, fakebot):
    async with running(bot):
        card = await _plan_card(bot, fakebot)
        picker = last_with_buttons(fakebot, await fakebot.press(bot.app, bot.officer, msg_id(card), "📍 必看/不看"))
        leave = last_with_buttons(fakebot, await fakebot.press(bot.app, bot.officer, msg_id(picker), "完成"))
        step = last_with_buttons(fakebot, await fakebot.press(bot.app, bot.officer, msg_id(leave), "🛫 离开"))
    tour_classes = {cls for cls, _ in tour.BUTTONS}
    shown = [d for call in (card, picker, leave, step) for d in all_data(fakebot, call)]
    assert shown and all(type(unpack(d)) in tour_classes and len(d.encode()) <= MAX_BYTES for d in shown)
    kinds = {type(unpack(d)) for d in shown}
    assert {tour.TourChange, tour.TourIcs, tour.TourPrint, tour.TourMust, tour.TourAvoid, tour.TourSiteInfo,
            tour.TourSitesDone, tour.TourLeave} <= kinds
