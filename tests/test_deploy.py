"""The deployment files (deploy/) name options and settings the bot has: the compose file's and
the systemd units' command lines parse with the bot's own parser, and every variable they set
is one the bot (promo/config.py, handlers/runner.py) or the service reads. A renamed option or
setting fails here, not on the server."""

from __future__ import annotations

import configparser
import re
import shlex

import yaml

from promo.cli import build_parser
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
OURS = {"COMPOSE_PROJECT_NAME", "POSTGRES_PASSWORD", "PROMO_DOMAIN", "PROMO_DATA"}   # compose-only


def _bot_settings() -> set[str]:
    names = set(re.findall(r'get\("([A-Z_]+)"', (ROOT / "promo" / "config.py").read_text()))
    names |= set(re.findall(r'environ\.get\("([A-Z_]+)"', (ROOT / "handlers" / "runner.py").read_text()))
    return names


def _expand(text: str) -> str:
    """${VAR:-default} / ${VAR:?message} / ${VAR} → a sample value."""
    return re.sub(r"\$\{([A-Z_]+)(?::[-?][^}]*)?\}", lambda m: {"PROMO_WORKERS": "4"}.get(m.group(1), "x"), text)


def _run_args(argv: list[str]):
    assert argv[:2] in (["python", "bot.py"], ["/opt/promo/venv/bin/python", "bot.py"]), argv
    return build_parser().parse_args(["run", *argv[2:]])


def test_compose_file():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot", "proxy"}
    bot = services["bot"]
    args = _run_args([_expand(a) for a in bot["command"]])
    assert args.webhook == "https://x/hook" and args.workers == 4 and args.listen == "0.0.0.0" and args.port == 8443
    env = bot["environment"]
    assert env == services["migrate"]["environment"]
    assert set(env) <= _bot_settings(), set(env) - _bot_settings()
    assert env["PROMO_DB_URL"].startswith("postgresql+psycopg://") and "@db:5432/" in env["PROMO_DB_URL"]
    assert services["migrate"]["command"][-2:] == ["upgrade", "head"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in bot and services["proxy"]["environment"]["PROMO_UPSTREAM"] == "bot:8443"
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "compose.yaml").read_text()))
    example = set(re.findall(r"^#? ?([A-Z_]+)=", (DEPLOY / "env.example").read_text(), re.M))
    assert used <= example | {"PROMO_LOG_LEVEL"}, used - example
    assert example <= _bot_settings() | OURS, example - _bot_settings() - OURS


def test_caddy_forwards_the_hook_path_to_the_upstream():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "handle_path /hook/*" in caddy and "{$PROMO_UPSTREAM:127.0.0.1:8443}" in caddy


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str   # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "systemd" / name).read_text())
    return unit


def test_systemd_units():
    worker = _unit("promo-worker@.service")
    args = _run_args(shlex.split(worker["Service"]["ExecStart"].replace("%i", "8444")))
    assert args.worker == "8444" and args.port == 8444 and args.listen == "127.0.0.1"
    dispatcher = _unit("promo-dispatcher.service")
    args = _run_args(shlex.split(dispatcher["Service"]["ExecStart"]))
    assert args.worker is None and args.port == 8443
    env = dict(line.split("=", 1) for line in (DEPLOY / "systemd" / "promo.env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert set(env) <= _bot_settings(), set(env) - _bot_settings()
    urls = env["PROMO_WORKER_URLS"].split(",")
    assert urls == [f"http://127.0.0.1:{p}/update" for p in range(8444, 8448)]
    assert int(env["PROMO_WORKERS"]) == len(urls)
    for unit in (worker, dispatcher):
        assert unit["Service"]["EnvironmentFile"] == "/etc/promo/promo.env"
        assert unit["Service"]["KillSignal"] == "SIGTERM" and unit["Service"]["Restart"] == "always"
    assert "promo-migrate.service" in worker["Unit"]["Requires"]
