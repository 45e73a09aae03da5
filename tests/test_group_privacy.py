"""Nothing from the people lists and no meeting text in a group chat.

Every command the application knows (read from its registered handlers, so a new command is
covered without touching this file) is sent with plausible arguments in a group, by an
outsider, an officer and an admin; then the buttons the bot drew there are pressed, and buttons
from private chats are forged there. Nothing the bot sent to the group may contain a name,
phone, WeChat id or e-mail from the loaded people lists, nor the text of a logged meeting.
"""

from __future__ import annotations

import re

import pytest
from telegram.ext import CommandHandler, ConversationHandler

from .botkit import build_bot, forge_press, running
from .sample import FEIHE_VP, person

pytestmark = pytest.mark.asyncio

# a meeting with a person from the people lists (the Feihe VP in Beijing)
MEETING = f"今天在北京见了飞鹤{person(FEIHE_VP).name}副总，谈液态奶新工厂选址，投资约8亿，下周三回访"
TOPIC_WORDS = ("液态奶新工厂", "新工厂选址")


def command_names(app) -> set[str]:
    """Every command of every CommandHandler, nested conversations included."""
    names: set[str] = set()

    def walk(handler):
        if isinstance(handler, CommandHandler):
            names.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for h in handler.entry_points + handler.fallbacks:
                walk(h)
            for hs in handler.states.values():
                for h in hs:
                    walk(h)

    for group in app.handlers.values():
        for h in group:
            walk(h)
    return names


def secrets_of(services) -> list[str]:
    """Names, phones, WeChat ids and e-mails of everyone in the people lists."""
    out = set()
    for p in services.library.lists["people"]:
        for value in (p.name, p.name_en, p.phone, p.wechat, p.email):
            if value and len(value) >= 2:
                out.add(value)
    return sorted(out)


def group_output(fakebot, group) -> str:
    parts = []
    for c in fakebot.calls:
        if str(c.params.get("chat_id")) != str(group.id) and not (
                c.method == "editMessageText" and isinstance(c.result, dict)
                and c.result.get("chat", {}).get("id") == group.id):
            continue
        for key in ("text", "caption"):
            if isinstance(c.params.get(key), str):
                parts.append(fakebot.plain(c.params[key]))
        if c.method == "sendDocument":
            upload = (c.files or {}).get("document")
            name = getattr(upload, "filename", "") or ""
            parts.append(f"[document {name}]")
    return "\n".join(parts)


@pytest.fixture
def bot(fakebot, tmp_path):
    return build_bot(fakebot, tmp_path, rate_limiter=False)


async def _log_meeting(bot, fakebot) -> tuple[int, int]:
    card = (await fakebot.send_text(bot.app, bot.officer, MEETING))[-1]
    saved = (await fakebot.press(bot.app, bot.officer, card, "✅ 保存"))[-1]
    mid = int(re.search(r"记录 #(\d+)", fakebot.plain(saved.params["text"])).group(1))
    m = bot.services.meetings.get(mid)
    assert m.person and person(FEIHE_VP).name in m.person and m.project_id
    return mid, m.project_id


async def test_no_command_shows_people_or_meetings_in_a_group(bot, fakebot):
    group = fakebot.group(-100777, "招商工作群（含外部人员）")
    outsider = fakebot.user(9001, "外部人员")
    async with running(bot):
        mid, pid = await _log_meeting(bot, fakebot)
        names = command_names(bot.app)
        assert {"project", "capital", "mine", "todo", "whom", "say", "help", "log"} <= names
        # an outsider, an officer and an admin; bare and addressed forms; a profile, ids, a filing
        args = ["", f"@{fakebot.username} 飞鹤 副总 北京 奶粉", f"#{pid}", f"{mid} 内资到位 5000万"]
        for sender in (outsider, bot.officer, bot.admin):
            for name in sorted(names):
                for arg in args:
                    at, _, rest = arg.partition(" ") if arg.startswith("@") else ("", "", arg)
                    await fakebot.send_text(bot.app, sender, f"/{name}{at} {rest}".strip(), chat=group)
        # whatever buttons the bot drew in the group, pressed by the officer
        for m in list(fakebot.messages(group.id)):
            if m.from_bot and m.markup:
                for row in m.markup.get("inline_keyboard", []):
                    for b in row:
                        if "callback_data" in b:
                            await forge_press(fakebot, bot.app, bot.officer, m, b["callback_data"])
        # buttons of private screens (project, meeting, /mine, /todo) forged in the group
        anchor = next(m for m in fakebot.messages(group.id) if m.from_bot)
        private_data = {b["callback_data"] for m in fakebot.messages(bot.officer.id) if m.from_bot and m.markup
                        for row in m.markup.get("inline_keyboard", []) for b in row if "callback_data" in b}
        for data in sorted(private_data | {f"mp:{pid}", f"mo:{mid}", f"mv:{pid}::n", f"fd:{mid}:t"}):
            await forge_press(fakebot, bot.app, bot.officer, anchor, data)
        # pressing the same forged button twice redraws the same text: Telegram refuses the
        # edit as not modified, which the bot ignores; anything else refused is a defect
        assert all("not modified" in v for v in fakebot.take_violations())
    out = group_output(fakebot, group)
    assert out, "the bot said nothing at all in the group"
    leaked = [s for s in secrets_of(bot.services) if s in out]
    assert not leaked, f"people-list data in the group: {leaked[:5]}"
    for words in (*TOPIC_WORDS, MEETING[:12]):
        assert words not in out
    assert ".xlsx" not in out


async def test_group_commands_point_to_the_private_chat(bot, fakebot):
    group = fakebot.group(-100778, "招商工作群")
    async with running(bot):
        mid, pid = await _log_meeting(bot, fakebot)
        project = await fakebot.send_text(bot.app, bot.officer, f"/project {pid}", chat=group)
        capital = await fakebot.send_text(bot.app, bot.officer, f"/capital {pid} 内资到位 5000万", chat=group)
    for calls in (project, capital):
        text = fakebot.plain("\n".join(c.params.get("text", "") for c in calls))
        assert "私聊" in text and "对接记录" not in text.split("（")[0]
    # /capital in a group writes nothing either
    assert bot.services.projects.get(pid).project.domestic_in_place_yuan in (None, 0)
