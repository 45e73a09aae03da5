"""Configuration and the domain object's life cycle: reloads keep the last good lists."""

from __future__ import annotations

import shutil

import pytest

from promo.config import ConfigError, Settings, parse_users
from promo.services import Services

from .botkit import Clock, settings_for
from .conftest import ROOT


def test_settings_from_env_and_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123:SECRET\nPROMO_USERS=42:admin:招商局:王科长\nPROMO_TZ=Asia/Harbin\n")
    s = Settings.load(env={"PROMO_TZ": "Asia/Shanghai", "BOT_API_URL": "http://127.0.0.1:8081/"}, dotenv=env_file)
    assert s.token == "123:SECRET" and s.timezone == "Asia/Shanghai"          # the environment wins
    assert s.api_url == "http://127.0.0.1:8081"
    assert s.users == [{"user_id": 42, "role": "admin", "unit": "招商局", "name": "王科长"}]
    assert "SECRET" not in repr(s) and "***" in repr(s)
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("var/promo.db")


@pytest.mark.parametrize("spec, message", [("abc:admin", "Telegram user id"), ("1:boss", "role 'boss'")])
def test_bad_user_spec_is_explained(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_users(spec)


def test_bad_number_is_explained():
    with pytest.raises(ConfigError, match="PROMO_PORT"):
        Settings.load(env={"PROMO_PORT": "eighty"})


def test_reload_keeps_last_good_lists_and_picks_up_fixes(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "lists", data / "lists")
    shutil.copytree(ROOT / "pitch_library", data / "pitch_library")
    services = Services(settings_for(tmp_path, data_dir=data), clock=Clock())
    services.start()
    try:
        assert services.reload() is None and services.data_version == 1          # nothing changed
        chains = data / "lists" / "chains.yaml"
        good = chains.read_text(encoding="utf-8")
        chains.write_text(good.replace("- id: dairy", "- id: dairy\n  colour: blue", 1), encoding="utf-8")
        problems = services.reload()
        assert problems and any("unknown field 'colour'" in str(p) for p in problems)
        assert services.data_version == 1 and services.library.get("chains", "dairy")   # still serving
        assert services.matcher.whom("飞鹤 奶粉").items
        chains.write_text(good.replace("name: 乳制品产业链", "name: 乳业产业链", 1), encoding="utf-8")
        assert services.reload() is None and services.data_version == 2
        assert services.library.get("chains", "dairy").name == "乳业产业链"
    finally:
        services.stop()


def test_api_url_points_requests_at_a_self_hosted_server(tmp_path):
    from handlers.app import build_application

    services = Services(settings_for(tmp_path, TELEGRAM_BOT_TOKEN="123:ABC", BOT_API_URL="http://127.0.0.1:8081"),
                        clock=Clock())
    services.start()
    try:
        app = build_application(services.settings, services)
        assert app.bot.base_url == "http://127.0.0.1:8081/bot123:ABC"
        assert app.bot.base_file_url == "http://127.0.0.1:8081/file/bot123:ABC"
    finally:
        services.stop()


def test_access_answers_are_cached_and_changes_take_effect_at_once(tmp_path):
    services = Services(settings_for(tmp_path), clock=Clock())
    services.start()
    try:
        access = services.access
        assert access.get(1002).role == "officer"
        real_read, calls = access.db.read, []
        access.db.read = lambda: calls.append(1) or real_read()
        assert access.get(1002).role == "officer" and not calls          # served from the cache
        access.revoke(1002, by=1001, now=services.now())
        assert services.user(1002) is None and calls                      # the change is seen at once
    finally:
        services.stop()
