"""The wiring (handlers/app.py): every feature is imported and registered, a feature that fails to
import stops the bot instead of leaving it running without it, and the shared state is typed."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from handlers import app as wiring
from handlers.state import BotState

from .botkit import build_bot, running
from .conftest import ROOT


def _modules_with_handlers() -> set[str]:
    """handlers/*.py (and packages) that define a top-level handlers() function."""
    out = set()
    for path in sorted((ROOT / "handlers").glob("*")):
        source = path / "__init__.py" if path.is_dir() else path
        if source.suffix != ".py" or not source.exists():
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "handlers" for n in tree.body):
            out.add(path.stem)
    return out


def test_every_feature_module_is_in_the_visible_list():
    listed = [m.__name__.removeprefix("handlers.") for m in wiring.FEATURES]
    assert set(listed) == _modules_with_handlers()
    assert listed[-1] == "fallback" and listed.index("answer") > listed.index("meetings")
    assert listed.index("tour") < listed.index("answer")


def test_a_feature_with_a_bad_name_stops_the_bot_at_import():
    """One wrong name in handlers/projects.py used to start the bot without /project, silently."""
    code = ("import promo.meetings.projects as p; del p.parse_capital; "
            "import handlers.app")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "ImportError" in done.stderr and "parse_capital" in done.stderr


def test_no_import_error_is_swallowed():
    for path in [*Path(ROOT / "handlers").rglob("*.py"), *Path(ROOT / "promo").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                assert not names & {"ImportError", "ModuleNotFoundError"}, f"{path}:{node.lineno}"


@pytest.mark.asyncio
async def test_the_application_holds_one_typed_state_with_every_feature(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    state = bot.app.bot_data
    assert isinstance(state, BotState) and state.services is bot.services
    assert state.features == wiring.FEATURES
    names = {c.name for c in state.commands}
    assert {"project", "capital", "log", "mine", "todo", "tour", "say", "whom", "help"} <= names
    commands = {cmd for group in bot.app.handlers.values() for h in group if isinstance(h, CommandHandler)
                for cmd in h.commands}
    assert {"project", "capital", "todo", "mine", "export"} <= commands
    assert len(state.card_actions) == 4 and state.start_lines     # tour, meetings, lists (switch), brief
    assert bot.app.bot.defaults.parse_mode == "HTML"
    async with running(bot):
        assert bot.app.bot_data.meetings is bot.app.bot_data.meetings     # made once
    bot.services.stop()


def _handler_imports() -> dict[str, set[str]]:
    """Feature module → the handler feature modules it imports (at the top or inside functions);
    a package (handlers/meetings/) counts as one module."""
    root = ROOT / "handlers"
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).parts
        node = rel[0].removesuffix(".py")
        in_package = len(rel) > 1
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(n, ast.ImportFrom):
                if n.level == 0 and (n.module or "").startswith("handlers."):
                    targets = [n.module.split(".")[1]]
                elif n.level == 1 and not in_package or n.level == 2 and in_package:
                    # `from .x import y` names x; `from . import x, y` names x and y
                    targets = [n.module.split(".")[0]] if n.module else [a.name for a in n.names]
                else:
                    continue
                graph.setdefault(node, set()).update(t for t in targets if t != node)
    return graph


def test_no_import_cycle_between_handler_modules():
    graph = _handler_imports()
    assert "followups" in graph.get("meetings", set())        # the walk sees real imports

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in graph.get(start, ()))

    cycles = sorted(node for node in graph if reaches(node, node, {node}))
    assert cycles == []


def test_a_meeting_text_is_read_on_its_day_in_the_configured_zone(monkeypatch):
    """23:30 UTC on 26 November is 27 November in Heihe (Asia/Shanghai): the filter reads the
    text on the officer's day, not on the machine's."""
    import datetime as dt
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from handlers.meetings import form

    seen = []
    monkeypatch.setattr(form, "looks_like_meeting", lambda text, today: seen.append(today) or True)
    bot = SimpleNamespace(defaults=SimpleNamespace(tzinfo=ZoneInfo("Asia/Shanghai")))
    message = SimpleNamespace(text="昨天见了飞鹤张总", get_bot=lambda: bot,
                              date=dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.timezone.utc))
    assert form.MeetingText().filter(message)
    assert seen == [dt.date(2026, 11, 27)]


def test_the_domain_package_shows_its_parts():
    """promo/ keeps one subpackage per part (lists, matching, store, ask, tour, meetings, bureau,
    sheets); at its top only what joins them."""
    promo = Path(__file__).resolve().parent.parent / "promo"
    top = {p.stem for p in promo.glob("*.py")} - {"__init__"}
    assert top == {"services", "config", "cli", "render", "fonts", "suggest"}
    parts = {p.name for p in promo.iterdir() if (p / "__init__.py").exists()}
    assert {"lists", "matching", "store", "ask", "tour", "meetings", "bureau", "sheets"} <= parts
