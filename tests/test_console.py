"""The console chat runs the same conversation code as the bot."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

import pytest

from handlers.app import build_application
from handlers.console import BANNER, CONSOLE_USER, ConsoleBotAPI, console_logging, run_console, to_terminal
from promo.services import Services

from .botkit import Clock, settings_for
from .conftest import ROOT
from .sample import FEIHE_VP, company, person


async def _console_says(tmp_path, lines: list[str]) -> str:
    """Everything the console printed for `lines`, the console user an admin."""
    settings = settings_for(tmp_path, PROMO_USERS=f"{CONSOLE_USER['id']}:admin:本地控制台")
    services = Services(settings)
    services.start()
    out = io.StringIO()
    api = ConsoleBotAPI(out=out)
    app = build_application(settings, services, request=api, rate_limiter=False)
    await run_console(app, api, lines=lines)
    return out.getvalue()


@pytest.mark.asyncio
async def test_console_chat_answers_and_presses_buttons(tmp_path):
    text = await _console_says(tmp_path, ["飞鹤乳业 副总 北京 奶粉", "1", "/help", "/quit"])
    assert "黑河招商助手" in text                       # /start greeting
    assert person(FEIHE_VP).name in text and "联络人" in text     # the card, with people
    assert "[1] 视频" in text and "✓视频" in text         # button 1 pressed: the card was edited
    assert "<b>" not in text and "https://promo.heihe.example/" in text   # HTML rendered as text
    assert "/say" in text                                # /help


def test_to_terminal_spells_links_out():
    assert to_terminal('<b>x</b> <a href="https://a.example/?q=1&amp;b=2">标题</a> &lt;ok&gt;') == \
        "x 标题 <https://a.example/?q=1&b=2> <ok>"


def test_python_bot_py_without_token_opens_console(tmp_path):
    env = {**os.environ, "PROMO_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PROMO_ENV_FILE": str(tmp_path / "none")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    run = subprocess.run([sys.executable, "bot.py"], input="中储粮 哈尔滨\n/quit\n", capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "本地控制台" in run.stdout and company("sinograin").name in run.stdout
    assert f"文件保存在：{ROOT / 'var' / 'outbox'}" in run.stdout          # the data dir's var folder
    assert f"日志写在：{ROOT / 'var' / 'console.log'}" in run.stdout
    assert " INFO " not in run.stdout + run.stderr                      # log lines go to the file


def test_broken_lists_stop_the_bot_with_check_messages(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "lists", data / "lists")
    shutil.copytree(ROOT / "pitch_library", data / "pitch_library")
    chains = data / "lists" / "chains.yaml"
    chains.write_text(chains.read_text(encoding="utf-8").replace("id: dairy", "id: Dairy Chain", 1), encoding="utf-8")
    env = {**os.environ, "PROMO_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PROMO_ENV_FILE": str(tmp_path / "none")}
    run = subprocess.run([sys.executable, "bot.py", "--data", str(data)], input="", capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=120)
    check = subprocess.run([sys.executable, "bot.py", "check", "--data", str(data)], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=120)
    assert run.returncode == 1 and check.returncode == 1
    first = next(line for line in check.stdout.splitlines() if "chains.yaml" in line)
    assert first in run.stderr and "lists/chains.yaml:" in first


# ---------------------------------------------------------------------- the console as a newcomer uses it


class Console:
    """The real console loop fed line by line; `=label` presses the newest button with that label."""

    def __init__(self, tmp_path, data_dir=ROOT):
        self.tmp_path = tmp_path
        self.settings = settings_for(tmp_path, data_dir, PROMO_USERS=f"{CONSOLE_USER['id']}:admin:本地控制台")
        self.services = Services(self.settings, clock=Clock())
        self.services.start()
        self.out = io.StringIO()
        self.api = ConsoleBotAPI(out=self.out, outbox=tmp_path / "var" / "outbox")
        self.app = build_application(self.settings, self.services, request=self.api, rate_limiter=False)
        self.marks: list[int] = []

    def number(self, label: str) -> str:
        found = re.findall(r"\[(\d+)\] " + re.escape(label) + r"(?=\s|$)", self.out.getvalue(), flags=re.M)
        assert found, f"no button {label!r} on screen"
        return found[-1]

    def lines(self, script):
        for line in script:
            self.marks.append(len(self.out.getvalue()))
            if callable(line):
                line = line(self)
            elif line.startswith("="):
                line = self.number(line[1:])
            yield line

    async def run(self, *script, log_path=None):
        await run_console(self.app, self.api, lines=self.lines(script), log_path=log_path)
        self.marks.append(len(self.out.getvalue()))
        return self.out.getvalue()

    def after(self, i: int) -> str:
        """What the console printed in answer to the i-th scripted line."""
        return self.out.getvalue()[self.marks[i]:self.marks[i + 1]]


def _png(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.asyncio
async def test_tour_files_and_export_are_written_to_the_outbox(tmp_path):
    c = Console(tmp_path)
    text = await c.run("/tour 飞鹤乳业 副总", "=2天", "=黑河瑷珲机场", "=10:00", "=招商局长", "=明天",
                       "=📅 日历 .ics", "=🖨 打印版",
                       "今天在北京见了飞鹤张总，谈扩产，投资约5亿，下周三回访", "=✅ 保存", "/export")
    outbox = tmp_path / "var" / "outbox"
    assert str(outbox) in text                                        # the banner says where files go
    ics, printable, xlsx = outbox / "考察行程.ics", outbox / "考察行程（打印版）.html", outbox / "对接记录_2026-11.xlsx"
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert "<html" in printable.read_text(encoding="utf-8").lower()
    assert xlsx.read_bytes()[:2] == b"PK"
    assert f"已保存到：{ics}" in c.after(6) and "导入手机日历" in c.after(6)
    assert f"已保存到：{printable}" in c.after(7)
    assert f"已保存到：{xlsx}" in c.after(10)
    pdf = outbox / "考察行程（打印版）.pdf"                          # 🖨 sends the PDF, then the HTML page
    assert pdf.read_bytes().startswith(b"%PDF") and f"已保存到：{pdf}" in c.after(7)
    assert sorted(p.name for p in outbox.iterdir()) == sorted([ics.name, pdf.name, printable.name, xlsx.name])


@pytest.mark.asyncio
async def test_a_material_file_is_saved_once_and_found_again_by_its_file_id(tmp_path):
    c = Console(tmp_path)
    await c.run("investment guide pdf english", "=📤1", "=📤1")
    saved = tmp_path / "var" / "outbox" / "heihe-investment-guide-2026.pdf"
    assert saved.read_bytes() == (ROOT / "pitch_library" / "files" / saved.name).read_bytes()
    assert f"已保存到：{saved}" in c.after(1)
    assert f"已保存到：{saved}" in c.after(2)                           # resent by its cached file id
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


@pytest.mark.asyncio
async def test_every_upload_method_writes_its_files(tmp_path):
    from telegram import InputFile, InputMediaDocument, InputMediaPhoto

    c = Console(tmp_path)
    png = _png(3, 2)
    async with c.app:
        photo = await c.app.bot.send_photo(1, png, caption="<b>月度</b>图表", parse_mode="HTML")
        album = await c.app.bot.send_media_group(1, [InputMediaPhoto(png, caption="一"),
                                                     InputMediaDocument(b"a,b\n", filename="表.csv")])
        others = [await c.app.bot.send_audio(1, b"ID3", filename="a.mp3"),
                  await c.app.bot.send_video(1, b"v", filename="v.mp4"),
                  await c.app.bot.send_animation(1, b"g", filename="g.gif"),
                  await c.app.bot.send_voice(1, b"o", filename="o.ogg"),
                  await c.app.bot.send_video_note(1, b"n", filename="n.mp4"),
                  await c.app.bot.send_sticker(1, InputFile(b"w", filename="s.webp"))]
        again = await c.app.bot.send_photo(1, photo.photo[-1].file_id)
    outbox = tmp_path / "var" / "outbox"
    text = c.out.getvalue()
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    photos = sorted(p for p in outbox.iterdir() if p.read_bytes() == png)
    assert len(photos) == 2 and all(f"已保存到：{p}" in text for p in photos)
    assert "🖼 [图片]" in text and "月度图表" in text and "<b>" not in text
    assert len(album) == 2 and album[1].document.file_name == "表.csv"
    assert (outbox / "表.csv").read_bytes() == b"a,b\n"
    assert [m.effective_attachment is not None for m in others] == [True] * 6
    assert {p.name for p in outbox.iterdir()} >= {"a.mp3", "v.mp4", "g.gif", "o.ogg", "n.mp4", "s.webp"}
    assert again.photo and text.rstrip().endswith(f"已保存到：{outbox / again.photo[-1].file_id.split(':', 1)[1]}")


@pytest.mark.asyncio
async def test_button_numbers_stay_unique_and_stable_per_card(tmp_path):
    c = Console(tmp_path)
    first_video: list[str] = []

    def second_card_video(console):      # the second card's 视频, looked up before pressing 1
        return console.number("视频")

    await c.run("飞鹤乳业 副总 北京 奶粉", lambda con: first_video.append(con.number("视频")) or "中储粮 哈尔滨",
                "1", second_card_video)
    assert first_video == ["1"]
    second = c.after(1)
    numbers_second = [int(n) for n in re.findall(r"\[(\d+)\]", second)]
    assert min(numbers_second) > 1 and len(set(numbers_second)) == len(numbers_second)
    pressed_first = c.after(2)
    assert "✏️ 🔎 飞鹤乳业" in pressed_first and "[1] ✓视频" in pressed_first
    # The card keeps its numbers (only videos now: fewer materials, so 更多材料 may go).
    before, after = re.findall(r"\[(\d+)\]", c.after(0)), re.findall(r"\[(\d+)\]", pressed_first)
    assert after == before[:len(after)] and len(after) >= len(before) - 1
    pressed_second = c.after(3)
    assert "✏️ 🔎 中储粮 哈尔滨" in pressed_second and "飞鹤" not in pressed_second
    assert f"[{min(numbers_second)}] ✓视频" in pressed_second


@pytest.mark.asyncio
async def test_inline_mode_in_the_console_is_not_taken_as_flow_input(tmp_path):
    c = Console(tmp_path)
    text = await c.run("/tour", "@ 乳制品 视频", "=寒地黑土 黄金奶源带",
                       "@promo_console_bot", "飞鹤乳业 副总")
    assert "@ 乳制品 视频" in text.split("\n\n", 1)[0] + BANNER                   # shown at start
    results = c.after(1)
    assert "🔎 @promo_console_bot 乳制品 视频" in results and "来访者" not in results
    assert re.search(r"\[\d+\] 寒地黑土 黄金奶源带", results)
    chosen = c.after(2)
    assert "发到聊天里" in chosen and "https://promo.heihe.example/v/dairy_video" in chosen
    assert "输入产业或企业" in c.after(3)                                        # empty query: the hint button
    assert "来访者：飞鹤乳业 副总" in c.after(4)                                  # the pending flow is intact


@pytest.mark.asyncio
async def test_console_logs_go_to_a_file_and_warnings_are_one_readable_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "lists", data / "lists")
    shutil.copytree(ROOT / "pitch_library", data / "pitch_library")
    c = Console(tmp_path, data)
    log_path = tmp_path / "var" / "console.log"
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        console_logging(c.api, log_path)
        chains = data / "lists" / "chains.yaml"
        chains.write_text(chains.read_text(encoding="utf-8").replace("id: dairy", "id: Dairy Chain", 1),
                          encoding="utf-8")
        text = await c.run("/reload", lambda con: logging.getLogger("promo.lists.cache").warning(
            "cannot write cache %s (%s); continuing without it", "x", "PermissionError") or "/help",
                           log_path=log_path)
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(level)
    assert f"日志写在：{log_path}" in text
    assert "名单有" in c.after(0) and "处问题" in c.after(0)                                    # the chat answers the reload
    assert "ERROR" not in text and "promo.services" not in text
    logged = log_path.read_text(encoding="utf-8")
    assert "ERROR promo.services: lists changed but are broken" in logged
    assert f"  ⚠️ 无法写入缓存，继续运行（会慢一些）（详见日志 {log_path}）" in c.after(1)
    assert "WARNING promo.lists.cache: cannot write cache x (PermissionError)" in logged


@pytest.mark.asyncio
async def test_an_inline_query_error_is_shown_since_no_chat_answers_it(tmp_path, monkeypatch):
    c = Console(tmp_path)
    root = logging.getLogger()
    handlers = list(root.handlers)
    monkeypatch.setattr(c.services.matcher, "say", lambda *a, **k: 1 / 0)
    try:
        console_logging(c.api, tmp_path / "var" / "console.log")
        await c.run("@ 乳制品", "/quit")
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
    assert re.search(r"⚠️ error [0-9A-F]{6} while handling update \d+ \(inline_query\): ZeroDivisionError（详见日志",
                     c.after(0))


# ---------------------------------------------------------------------- leaving: Ctrl-C and Ctrl-D

def _console_in_a_terminal(tmp_path, keys: bytes) -> tuple[int | None, str]:
    """`python bot.py` with a pseudo-terminal as its controlling terminal; type `keys` at the prompt."""
    import fcntl
    import pty
    import select
    import termios

    env = {**os.environ, "PROMO_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PROMO_ENV_FILE": str(tmp_path / "none")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    master, slave = pty.openpty()

    def controlling_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "bot.py"], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
                            preexec_fn=controlling_terminal)
    os.close(slave)
    output = b""

    def read(until):
        nonlocal output
        while not until(output):
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                return
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            output += chunk

    try:
        read(lambda out: "/help 查看全部命令".encode() in out and out.rstrip().endswith(b">"))
        os.write(master, keys)
        try:
            proc.wait(timeout=60)       # a guard against hanging, not a measurement
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, output.decode(errors="replace")
        read(lambda out: False)
        return proc.returncode, output.decode(errors="replace")
    finally:
        os.close(master)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminal test")
@pytest.mark.parametrize("keys", [b"\x03", "飞鹤".encode() + b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-c-mid-line", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_leave_at_once_without_a_traceback(tmp_path, keys):
    code, output = _console_in_a_terminal(tmp_path, keys)
    assert code == 0, output[-2000:]                  # None: still waiting for Enter
    assert "Traceback" not in output and "再见" in output


@pytest.mark.asyncio
async def test_a_quote_sends_a_number_as_text_and_more_inline_results_page_on(tmp_path):
    from telegram import InlineQueryResultArticle, InputTextMessageContent

    from handlers.console import ConsoleSession

    c = Console(tmp_path)
    async with c.app:
        session = ConsoleSession(c.app, c.api)
        await c.app.bot.send_message(1, "卡片", reply_markup={"inline_keyboard": [[
            {"text": "甲", "callback_data": "a"}]]})
        typed = session.update_for("'1")
        assert typed.message.text == "1" and session.update_for("1").callback_query.data == "a"
        query = session.update_for("@ 乳制品")
        await c.app.bot.answer_inline_query(query.inline_query.id, [InlineQueryResultArticle(
            "m1", "第一页", InputTextMessageContent("正文"))], next_offset="50")
        more = session.update_for(c.number("更多结果…"))
    assert "'5" in BANNER
    assert (more.inline_query.query, more.inline_query.offset) == ("乳制品", "50")


@pytest.mark.asyncio
async def test_buttons_on_a_message_sent_via_inline_mode_press_and_edit_it(tmp_path):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent

    from handlers.console import ConsoleSession

    c = Console(tmp_path)
    async with c.app:
        session = ConsoleSession(c.app, c.api)
        query = session.update_for("@ 乳制品")
        await c.app.bot.answer_inline_query(query.inline_query.id, [InlineQueryResultArticle(
            "m1", "带按钮", InputTextMessageContent("正文"),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("赞", callback_data="like")]]))])
        assert session.update_for(c.number("带按钮")) is None
        press = session.update_for(c.number("赞"))
        assert press.callback_query.data == "like" and press.callback_query.inline_message_id
        number = c.number("赞")
        assert await c.app.bot.edit_message_text("已赞", inline_message_id=press.callback_query.inline_message_id,
                                                 reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                                                     "✓赞", callback_data="like")]])) is True
    assert "发到聊天里：\n正文" in c.out.getvalue() and "✏️ 已赞" in c.out.getvalue()
    assert f"[{number}] ✓赞" in c.out.getvalue()                   # the same number after the edit


@pytest.mark.asyncio
async def test_a_digit_that_is_not_a_button_number_is_read_as_text(tmp_path):
    """'²' passes str.isdigit() but not int(): it used to end the console with a traceback."""
    text = await _console_says(tmp_path, ["飞鹤乳业 副总 北京 奶粉", "²", "/help", "/quit"])
    assert "Traceback" not in text and "/say" in text       # went on to /help
