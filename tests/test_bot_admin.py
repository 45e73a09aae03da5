"""Administration in the chat (/invite, /revoke, /reload) against the strict fake Bot API:
answers in Chinese, bad input refused with the usage, never an exception."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from promo.store.tables import Invite

from .botkit import OFFICER, build_bot, data_copy, running, texts

pytestmark = pytest.mark.asyncio


def invites(bot) -> int:
    """Invite codes created so far (call inside `running`: the database closes after it)."""
    with bot.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(Invite))


def ascii_words(text: str) -> set[str]:
    """English words of an answer outside <code> (commands, ids and roles are fine there)."""
    import re

    plain = re.sub(r"<code>.*?</code>|https?://\S+|/\w+", "", text)
    return set(re.findall(r"[A-Za-z]{3,}", plain))


# =========================================================================== /revoke

@pytest.mark.parametrize("arg", ["99999999999999999999", "9223372036854775808", "abc", "--5", "-5", "²",
                                 "12ab", "1.5", "0"])
async def test_revoke_with_a_bad_id_answers_with_the_usage(bot, fakebot, arg):
    """Used to raise OverflowError (too large for the database) or ValueError (int('²'), '--5')."""
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.admin, f"/revoke {arg}")
        assert bot.services.access.get(OFFICER).active
    text = texts(calls)
    assert "不是有效的用户ID" in text and "用法" in text and "/revoke 用户ID" in text


async def test_revoke_without_an_argument_shows_the_usage(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.admin, "/revoke")
    assert "用法" in texts(calls) and "不是有效" not in texts(calls)


async def test_revoke_refusals_are_in_chinese(bot, fakebot):
    async with running(bot):
        unknown = texts(await fakebot.send_text(bot.app, bot.admin, "/revoke 424242"))
        own = texts(await fakebot.send_text(bot.app, bot.admin, f"/revoke {bot.admin.id}"))
        done = texts(await fakebot.send_text(bot.app, bot.admin, f"/revoke {OFFICER}"))
        again = texts(await fakebot.send_text(bot.app, bot.admin, f"/revoke {OFFICER}"))
        full_width = texts(await fakebot.send_text(bot.app, bot.admin, "/revoke １００３"))
        assert bot.services.access.get(bot.admin.id).active
    assert "没有用户ID为" in unknown and "424242" in unknown
    assert "不能停用您自己的账号" in own
    assert "已停用" in done and "刘专员" in done
    assert "此前已停用" in again
    assert "已停用" in full_width and "王组长" in full_width         # 1003 typed in full-width digits
    for text in (unknown, own, done, again):
        assert not ascii_words(text), text                           # "no such user" was English


# =========================================================================== /invite

async def test_invite_with_an_unknown_role_is_refused_not_taken_as_the_unit(bot, fakebot):
    async with running(bot):
        boss = texts(await fakebot.send_text(bot.app, bot.admin, "/invite boss"))
        admn = texts(await fakebot.send_text(bot.app, bot.admin, "/invite admn 爱辉区"))
        leader = texts(await fakebot.send_text(bot.app, bot.admin, "/invite leader 北安市"))
        assert invites(bot) == 0
    for text in (boss, admn, leader):
        assert "start=inv_" not in text and "未生成邀请链接" in text
        assert "<code>officer</code>" in text and "<code>lead</code>" in text and "<code>admin</code>" in text
    assert "没有「boss」这个角色" in boss and "您是不是要写" not in boss
    assert "您是不是要写 <code>admin</code>" in admn and "/invite admin 爱辉区" in admn
    assert "您是不是要写 <code>lead</code>" in leader and "/invite lead 北安市" in leader


@pytest.mark.parametrize("command, shown", [
    ("/invite Lead 爱辉区", "专班负责人 · 爱辉区"), ("/invite 管理员 市投促局", "管理员 · 市投促局"),
    ("/invite 孙吴县", "招商专员 · 孙吴县"), ("/invite officer FTZ", "招商专员 · FTZ"),
    ("/invite", "招商专员 · 招商局"),
])
async def test_invite_roles_and_units(bot, fakebot, command, shown):
    async with running(bot):
        text = texts(await fakebot.send_text(bot.app, bot.admin, command))
        assert invites(bot) == 1
    assert "start=inv_" in text and f"（{shown}，48小时内有效" in text


# =========================================================================== /reload

async def test_reload_says_how_many_problems_are_not_listed(fakebot, tmp_path):
    data = data_copy(tmp_path)
    bot = build_bot(fakebot, tmp_path, data_dir=data)
    rel = data / "lists" / "schools.yaml"
    bad = "".join(f"\n- id: bad{i}\n  colour: red\n" for i in range(40))   # 2 problems each
    rel.write_text(rel.read_text(encoding="utf-8") + bad, encoding="utf-8")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.admin, "/reload")
    text = texts(calls)
    total = text.split("名单有 ")[1].split(" 处问题")[0]
    assert int(total) >= 80
    assert text.count("lists/schools.yaml:") == 20
    assert f"另有 {int(total) - 20} 处问题未列出" in text and "python bot.py check" in text


async def test_reload_with_few_problems_lists_them_all(fakebot, tmp_path):
    data = data_copy(tmp_path)
    bot = build_bot(fakebot, tmp_path, data_dir=data)
    rel = data / "lists" / "schools.yaml"
    rel.write_text(rel.read_text(encoding="utf-8") + "\n- id: bad1\n  colour: red\n", encoding="utf-8")
    async with running(bot):
        text = texts(await fakebot.send_text(bot.app, bot.admin, "/reload"))
    assert "名单有 2 处问题" in text and text.count("lists/schools.yaml:") == 2 and "另有" not in text
