"""The bot end to end: the real PTB Application against the strict fake Bot API.

Every test fails if the bot sent anything Telegram would refuse or left a button unanswered
(the `fakebot` fixture checks at teardown)."""

from __future__ import annotations

import re

import pytest

from .botkit import ADMIN, build_bot, data_copy, running, texts
from .sample import FEIHE_VP, company, person

pytestmark = pytest.mark.asyncio


async def test_start_greets_officer_and_menus_are_set(bot, fakebot):
    async with running(bot):
        menus = fakebot.requests("setMyCommands")
        calls = await fakebot.send_text(bot.app, bot.officer, "/start")
    assert "黑河招商助手" in texts(calls)
    private = [c for c in menus if c.params.get("scope", {}).get("type") == "all_private_chats"]
    langs = {c.params.get("language_code") for c in private}
    assert {"zh", "en"} <= langs
    names = {cmd["command"] for c in private for cmd in c.params["commands"]}
    assert {"start", "help", "say", "whom"} <= names
    assert "invite" not in names             # admin commands only in admins' own menu
    admin_menus = [c for c in menus if c.params.get("scope", {}).get("chat_id") == ADMIN]
    assert any("invite" in str(c.params["commands"]) for c in admin_menus)


async def test_stranger_gets_polite_refusal_and_no_data(bot, fakebot):
    stranger = fakebot.user(555, "陌生人")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, stranger, "飞鹤乳业 副总 北京 奶粉")
        calls += await fakebot.send_text(bot.app, stranger, "/whom 飞鹤")
    text = texts(calls)
    assert "授权" in text and "authorised" in text.lower()      # Chinese first, and English
    assert person(FEIHE_VP).name not in text and "1380000" not in text and "promo.heihe.example" not in text


async def test_plain_text_gives_card_with_materials_and_people_and_why(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤乳业 副总 北京 奶粉")
    text = fakebot.plain(texts(calls))
    assert "说什么" in text and "找谁" in text
    vp = person(FEIHE_VP)
    assert vp.name in text                          # the Feihe VP in Beijing
    assert f"同在{company('feihe').name}" in text and f"常驻{vp.city}" in text and "联络人" in text
    assert "乳制品" in text
    rows = fakebot.buttons(calls[-1])
    labels = [label for row in rows for label, _ in row]
    assert {"视频", "图册", "PPT", "English", "Русский", "更多材料 ▸"} <= set(labels)
    assert all(len(data.encode()) <= 64 for row in rows for _, data in row)


async def test_buttons_refine_in_place_and_more_results(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "乳制品 招商")
        card = calls[-1]
        before = card.params["text"]
        edited = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "视频")
        assert [c.method for c in edited] == ["answerCallbackQuery", "editMessageText"]
        after = edited[-1].params["text"]
        assert after != before
        lines = fakebot.plain(after).split("说什么")[1].split("\n")
        first_say = lines[next(i for i, line in enumerate(lines) if line.startswith("1. ")) + 1]
        assert "视频" in first_say and "只列符合的：视频" in lines
        assert any(label == "✓视频" for row in fakebot.buttons(edited[-1]) for label, _ in row)
        # Only videos now (a hard filter): five of them, no second page; without it, more.
        assert "更多材料 ▸" not in [label for row in fakebot.buttons(edited[-1]) for label, _ in row]
        await fakebot.press(bot.app, bot.officer, card.result["message_id"], "✓视频")
        more = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "更多材料 ▸")
        assert re.search(r"^6\. ", fakebot.plain(more[-1].params["text"]), re.M)


async def test_switch_to_whom_view_and_send_material_link(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/say 木材 俄语")
        card = calls[-1]
        assert "找谁" not in fakebot.plain(card.params["text"])
        sent = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "📤1")
        message = [c for c in sent if c.method == "sendMessage"][0]
        assert "promo.heihe.example" in message.params["text"]
        assert message.params["link_preview_options"]["url"].startswith("https://promo.heihe.example/")
        whom = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "找谁")
        assert "找谁" in fakebot.plain(whom[-1].params["text"])


async def test_material_file_is_uploaded_once(fakebot, tmp_path):
    data = data_copy(tmp_path, [{
        "id": "dairy-file", "title": "乳业图册（文件）", "kind": "brochure", "scope": "chain", "chains": ["dairy"],
        "pages": 12, "languages": ["zh"], "file": "dairy.pdf"}], files={"dairy.pdf": b"%PDF-1.4\n% test brochure\n"})
    bot = build_bot(fakebot, tmp_path, data_dir=data)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "/say 乳制品 图册"))[-1]
        first = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "📤1")
        second = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "📤1")
    up = [c for c in first if c.method == "sendDocument"][0]
    again = [c for c in second if c.method == "sendDocument"][0]
    assert up.files and up.files["document"].data.startswith(b"%PDF")      # uploaded the first time
    assert not again.files and again.reused_file_id == up.result["document"]["file_id"]
    assert len(fakebot.uploads) == 1


async def test_file_id_of_another_bot_is_never_reused(fakebot, tmp_path):
    """The console chat and the real bot may share one database: a file_id belongs to one bot."""
    data = data_copy(tmp_path, [{
        "id": "dairy-file", "title": "乳业图册（文件）", "kind": "brochure", "scope": "chain", "chains": ["dairy"],
        "pages": 12, "languages": ["zh"], "file": "dairy.pdf"}], files={"dairy.pdf": b"%PDF-1.4\n% test brochure\n"})
    sent = []
    for token in ("111:AAA", "222:BBB"):
        bot = build_bot(fakebot, tmp_path, data_dir=data, TELEGRAM_BOT_TOKEN=token)
        async with running(bot):
            card = (await fakebot.send_text(bot.app, bot.officer, "/say 乳制品 图册"))[-1]
            calls = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "📤1")
        sent.append([c for c in calls if c.method == "sendDocument"][0])
    assert sent[0].files and sent[1].files            # each bot uploads the file itself
    assert len(fakebot.uploads) == 2


async def test_group_chat_never_shows_people(bot, fakebot):
    group = fakebot.group(-100123, "招商工作群")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/say 飞鹤乳业 北京", chat=group)
        calls += await fakebot.send_text(bot.app, bot.officer, "/whom 飞鹤乳业 北京", chat=group)
    text = fakebot.plain(texts(calls))
    assert person(FEIHE_VP).name not in text and "1380000" not in text
    assert "私聊" in text
    urls = [data for c in calls for row in fakebot.buttons(c) for _, data in row if data and data.startswith("https://t.me/")]
    assert urls and all("?start=q_" in u for u in urls)


async def test_group_link_continues_in_private(bot, fakebot):
    group = fakebot.group(-100124, "群")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/say 飞鹤乳业 北京", chat=group)
        url = [d for row in fakebot.buttons(calls[-1]) for _, d in row if d.startswith("https://t.me/")][0]
        private = await fakebot.send_text(bot.app, bot.officer, "/start " + url.split("start=")[1])
    assert person(FEIHE_VP).name in fakebot.plain(texts(private))


async def test_sensitive_ministry_contact_shows_liaison_not_phone(bot, fakebot, library):
    ministry = [p for p in library.people if p.list.value == "ministry" and "dairy" in p.chains][0]
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/whom 乳制品 奶粉 北京")
        for _ in range(4):
            if ministry.name in fakebot.plain(texts(calls)):
                break
            calls += await fakebot.press(bot.app, bot.officer, calls[-1].result["message_id"], "更多人选 ▸")
    text = fakebot.plain(texts(calls))
    assert ministry.name in text
    block = text.split(ministry.name)[1].split("\n\n")[0][:300]
    assert ministry.phone not in text
    assert "联络人" in block


async def test_invite_link_once_expired_and_revoked(bot, fakebot):
    newcomer = fakebot.user(2001, "新同事")
    late = fakebot.user(2002, "晚到的")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.admin, "/invite officer 孙吴县")
        link = re.search(r"https://t\.me/\S+\?start=(inv_[A-Za-z0-9_-]+)", texts(calls)).group(1)
        ok = await fakebot.send_text(bot.app, newcomer, f"/start {link}")
        assert "欢迎" in texts(ok)
        card = await fakebot.send_text(bot.app, newcomer, "飞鹤 奶粉")
        assert "找谁" in fakebot.plain(texts(card))
        twice = await fakebot.send_text(bot.app, late, f"/start {link}")
        assert "只能使用一次" in texts(twice)
        assert "找谁" not in fakebot.plain(texts(await fakebot.send_text(bot.app, late, "飞鹤 奶粉")))
        # an invitation older than 48 hours has expired
        calls = await fakebot.send_text(bot.app, bot.admin, "/invite")
        link2 = re.search(r"start=(inv_[A-Za-z0-9_-]+)", texts(calls)).group(1)
        bot.clock.advance(hours=49)
        expired = await fakebot.send_text(bot.app, late, f"/start {link2}")
        assert "过期" in texts(expired)
        # revoke: the newcomer is a stranger again
        revoked = await fakebot.send_text(bot.app, bot.admin, f"/revoke {newcomer.id}")
        assert "已停用" in texts(revoked)
        after = await fakebot.send_text(bot.app, newcomer, "飞鹤 奶粉")
        assert "授权" in texts(after) and person(FEIHE_VP).name not in texts(after)


async def test_officer_cannot_invite(bot, fakebot):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/invite admin")
    assert "管理员" in texts(calls) and "start=inv_" not in texts(calls)


async def test_inline_mode_pages_materials_and_never_people(bot, fakebot):
    async with running(bot):
        first = await fakebot.inline(bot.app, bot.officer, "黑河 投资 推介")
        results = first.params["results"]
        assert 0 < len(results) <= 50
        assert all("1380000" not in str(r) for r in results)
        ids = [r["id"] for r in results]
        assert len(ids) == len(set(ids))
        if first.params.get("next_offset"):
            second = await fakebot.inline(bot.app, bot.officer, "黑河 投资 推介", offset=first.params["next_offset"])
            assert not set(ids) & {r["id"] for r in second.params["results"]}
        stranger = await fakebot.inline(bot.app, fakebot.user(777), "乳制品 视频")
    assert stranger.params["results"] == []
    assert stranger.params["button"]["start_parameter"]


async def test_inline_paging_over_fifty(fakebot, tmp_path):
    many = [{"id": f"dairy-{i:03d}", "title": f"乳业推介 第{i}号", "kind": "video", "scope": "chain",
             "chains": ["dairy"], "minutes": 3, "languages": ["zh"], "link": f"https://promo.heihe.example/v/d{i}"}
            for i in range(120)]
    data = data_copy(tmp_path, many)
    bot = build_bot(fakebot, tmp_path, data_dir=data)
    seen = []
    async with running(bot):
        offset = ""
        for _ in range(5):
            call = await fakebot.inline(bot.app, bot.officer, "乳制品 视频", offset=offset)
            seen += [r["id"] for r in call.params["results"]]
            offset = call.params.get("next_offset", "")
            if not offset:
                break
    assert len(seen) == 120 and len(set(seen)) == 120


async def test_long_answer_is_split_below_limit(fakebot, tmp_path):
    long_title = "黑河乳业" + "寒地黑土黄金奶源带" * 100
    mats = [{"id": f"long-{i}", "title": long_title + str(i), "kind": "video", "scope": "chain", "chains": ["dairy"],
             "minutes": 3, "languages": ["zh"], "link": f"https://promo.heihe.example/v/l{i}"} for i in range(8)]
    data = data_copy(tmp_path, mats)
    bot = build_bot(fakebot, tmp_path, data_dir=data)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/say 乳制品")
    messages = [c for c in calls if c.method == "sendMessage"]
    assert len(messages) >= 2
    assert all(len(fakebot.plain(m.params["text"]).encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert fakebot.buttons(messages[-1]) and not fakebot.buttons(messages[0])


@pytest.mark.parametrize("text", [
    "<b>飞鹤</b> & <script>alert(1)</script> 奶粉",
    "飞鹤 " + "很长" * 3000,
    "🥛🐄 飞鹤 乳业 👍🏽👨‍👩‍👧",
    "\u202eالاستثمار في هيهي\u202c 飞鹤 乳业",
    "</i></b><a href='x'>",
])
async def test_hostile_input_never_breaks_markup(bot, fakebot, text):
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, text)
    assert calls and all(c.ok for c in calls)
    assert "<script>" not in texts(calls)


async def test_button_works_after_restart_and_is_stale_after_reload(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳制品"))[-1]
    restarted = build_bot(fakebot, tmp_path)
    async with running(restarted):
        # issue 16, item 8: the card's query is in the database, so the restart does not lose it
        calls = await fakebot.press(restarted.app, restarted.officer, card.result["message_id"], "视频")
        assert calls[-1].method == "editMessageText"
        card = (await fakebot.send_text(restarted.app, restarted.officer, "乳制品"))[-1]
        restarted.services.data_version += 1          # what a reload of changed lists does:
        restarted.services.matcher.library.fingerprint = "changed lists"   # new version, new fingerprint
        calls = await fakebot.press(restarted.app, restarted.officer, card.result["message_id"], "视频")
        assert "重新" in calls[-1].params["text"]


async def test_forged_callback_data_is_answered(bot, fakebot):
    async with running(bot):
        card = (await fakebot.send_text(bot.app, bot.officer, "乳制品"))[-1]
        message = fakebot.message(bot.officer.id, card.result["message_id"])
        message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "a:zz:k"
        calls = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "a:zz:k")
    assert calls[-1].method == "answerCallbackQuery"


async def test_429_and_502_mid_conversation_are_retried(bot, fakebot):
    async with running(bot):
        fakebot.fail_next("sendMessage", status=502)
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤 奶粉")
        assert [c for c in calls if c.method == "sendMessage" and c.ok]
        fakebot.fail_next("sendMessage", status=429, retry_after=1)
        calls = await fakebot.send_text(bot.app, bot.officer, "伊利 奶粉")
        ok = [c for c in calls if c.method == "sendMessage" and c.ok]
        assert ok and "伊利" in fakebot.plain(ok[-1].params["text"])
        fakebot.fail_next("sendMessage", exc=__import__("telegram").error.TimedOut)
        calls = await fakebot.send_text(bot.app, bot.officer, "蒙牛")
        assert [c for c in calls if c.method == "sendMessage" and c.ok]


async def test_error_handler_apologises_with_reference_and_logs_no_personal_data(bot, fakebot, caplog, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("曾立群 13800002036")      # an exception message that quotes personal data

    monkeypatch.setattr(bot.services.matcher, "whom", boom)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "飞鹤 奶粉", raise_errors=False)
    text = texts(calls)
    ref = re.search(r"参考编号：<code>([0-9A-F]{6})</code>", text).group(1)
    assert ref in caplog.text and "RuntimeError" in caplog.text
    assert "13800002036" not in caplog.text and "曾立群" not in caplog.text
    assert "飞鹤 奶粉" not in caplog.text


async def test_help_lists_commands(bot, fakebot):
    async with running(bot):
        officer = texts(await fakebot.send_text(bot.app, bot.officer, "/help"))
        admin = texts(await fakebot.send_text(bot.app, bot.admin, "/help"))
    assert "/say" in officer and "/invite" not in officer
    assert "/invite" in admin
