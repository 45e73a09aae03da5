"""The console chat runs the same conversation code as the bot."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from handlers.app import build_application
from handlers.console import CONSOLE_USER, ConsoleBotAPI, run_console, to_terminal
from promo.services import Services

from .botkit import settings_for
from .conftest import ROOT


@pytest.mark.asyncio
async def test_console_chat_answers_and_presses_buttons(tmp_path):
    settings = settings_for(tmp_path, PROMO_USERS=f"{CONSOLE_USER['id']}:admin:本地控制台")
    services = Services(settings)
    services.start()
    out = io.StringIO()
    api = ConsoleBotAPI(out=out)
    app = build_application(settings, services, request=api, rate_limiter=False)
    await run_console(app, api, lines=["飞鹤乳业 副总 北京 奶粉", "1", "/help", "/quit"])
    text = out.getvalue()
    assert "黑河招商助手" in text                       # /start greeting
    assert "曾立群" in text and "联络人" in text          # the card, with people
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
    assert "本地控制台" in run.stdout and "中国储备粮管理集团有限公司" in run.stdout


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
