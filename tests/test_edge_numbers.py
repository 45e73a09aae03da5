"""Numbers at the edge (issue 9, item 5): ids an officer types and ids a button carries are
checked before they reach the database or int(). 99999999999999999999 (more than SQLite's and
PostgreSQL's int64), "²" (str.isdigit() says yes, int() says no), letters where a number belongs:
each gets a clear answer (no such record, or the stale-button alert), never the error message."""

from __future__ import annotations

import dataclasses
from typing import get_type_hints

import pytest

from handlers.app import features
from handlers.callbacks import _REGISTRY, unpack
from promo.store.db import MAX_ID, parse_id

from .botkit import forge_press, running

features()          # imports every feature module, so every callback class is registered
HUGE = "99999999999999999999"
ERROR_WORDS = ("参考编号", "出了问题")


def everything_said(fakebot, calls) -> str:
    return "\n".join(fakebot.plain(c.params.get("text") or c.params.get("caption") or "")
                     for c in calls if c.method in ("sendMessage", "editMessageText", "sendDocument"))


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("#12", 12), ("＃１２", 12), (" 7 ", 7), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None), (HUGE, None), ("0", None), ("-3", None), ("²", None), ("٣", None),
    ("12a", None), ("", None), (None, None), ("1.5", None)])
def test_parse_id(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("raw", [HUGE, "²", "abc", "1.5", "--1", str(2**63)])
def test_the_codec_refuses_what_the_bot_never_packs_into_an_int_field(raw):
    int_classes = [c for c in _REGISTRY.values()
                   if any(get_type_hints(c)[f.name] is int for f in dataclasses.fields(c))]
    assert int_classes, "no callback class with an int field: the test would prove nothing"
    for cls in int_classes:
        hints = get_type_hints(cls)
        values = [raw if hints[f.name] is int else "x" for f in dataclasses.fields(cls)]
        with pytest.raises(ValueError):
            unpack(":".join([cls.PREFIX, *values]))


@pytest.mark.parametrize("command, answer", [
    (f"/mine {HUGE}", f"没有找到对接记录 #{HUGE}"),
    ("/mine ²", "没有找到对接记录 #²"),
    (f"/project #{HUGE}", f"没有找到「#{HUGE}」相关的项目"),
    (f"/project {HUGE}", f"没有找到「{HUGE}」相关的项目"),
    ("/project #²", "没有找到「#²」相关的项目"),
    (f"/capital {HUGE} 内资到位 5000万", f"#{HUGE}"),
])
@pytest.mark.asyncio
async def test_typed_ids_out_of_range_get_a_clear_answer(bot, fakebot, command, answer):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, command)
    said = everything_said(fakebot, calls)
    assert answer in said
    assert not any(w in said for w in ERROR_WORDS), said


@pytest.mark.asyncio
async def test_forged_buttons_with_huge_or_non_numeric_ids_are_answered_as_stale(bot, fakebot):
    """Every registered callback class, each int field carrying 20 digits or '²': the press is
    answered (the client stops spinning), with the stale alert, and nothing fails."""
    async with running(bot):
        anchor = fakebot.message(bot.officer.id, (await fakebot.send_text(bot.app, bot.officer, "/help"))[-1].result["message_id"])
        pressed = 0
        for cls in list(_REGISTRY.values()):
            hints = get_type_hints(cls)
            fields = dataclasses.fields(cls)
            if not any(hints[f.name] is int for f in fields):
                continue
            for raw in (HUGE, "²", "abc"):
                data = ":".join([cls.PREFIX, *(raw if hints[f.name] is int else "x" for f in fields)])
                calls = await forge_press(fakebot, bot.app, bot.officer, anchor, data)
                answers = [c for c in calls if c.method == "answerCallbackQuery"]
                assert len(answers) == 1 and answers[0].params.get("show_alert"), (data, calls)
                assert not any(w in everything_said(fakebot, calls) for w in ERROR_WORDS), data
                pressed += 1
        assert pressed >= 9
    assert fakebot.unanswered_callbacks() == []


@pytest.mark.parametrize("offset", ["²", "٣", "abc", "99999999999999999999", "-1"])
@pytest.mark.asyncio
async def test_an_inline_query_with_a_strange_offset_is_answered(bot, fakebot, offset):
    async with running(bot):
        answer = await fakebot.inline(bot.app, bot.officer, "乳制品", offset=offset)
    assert answer.method == "answerInlineQuery" and answer.params["results"]
