"""Configuration from the environment and an optional `.env` file (see README, Configuration).

Every setting has an embedded default, so `python bot.py` runs on a fresh clone with the bundled
sample data and a local SQLite file. The token is a secret: it is never printed, and `repr`
of the settings masks it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import dotenv_values

from promo.meetings.fx import FxRates, parse_fx

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("officer", "lead", "admin")


class ConfigError(ValueError):
    pass


@dataclass
class Settings:
    token: str | None = None
    data_dir: Path = ROOT
    db_url: str = ""
    users: list[dict] = field(default_factory=list)
    api_url: str | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None
    workers: int = 1                                 # PROMO_WORKERS: processes sharing Telegram's 30 messages/s
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    reload_seconds: int = 30
    keep_in_touch_days: int = 90
    log_level: str = "INFO"
    fx: FxRates = field(default_factory=FxRates)     # PROMO_FX_RATES / _DATE / _SOURCE: /export, /capital, the board
    # the bureau's view (promo/bureau): 高能级 threshold, the monthly dispatch, milestone checks
    high_level_yuan: int = 100_000_000               # PROMO_HIGH_LEVEL_YUAN
    board_chat_id: int | None = None                 # PROMO_BOARD_CHAT: the leaders' chat
    dispatch_day: int = 3                            # PROMO_DISPATCH_DAY: day of month (last month's board)
    dispatch_hour: int = 9                           # PROMO_DISPATCH_HOUR (local time)
    contact_days: int = 30                           # PROMO_CONTACT_DAYS: contact without follow-up
    signed_days: int = 90                            # PROMO_SIGNED_DAYS: signed, not registered

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("token", "secret_token"):
            if shown[secret]:
                shown[secret] = "***"
        shown["users"] = f"<{len(self.users)} users>"
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @classmethod
    def load(cls, env: dict | None = None, dotenv: str | Path | None = None) -> Settings:
        """Settings from `.env` (if present) overridden by the real environment."""
        values: dict[str, str] = {}
        path = Path(dotenv) if dotenv else Path(os.environ.get("PROMO_ENV_FILE", ROOT / ".env"))
        if path.is_file():
            values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        values.update(os.environ if env is None else env)
        get = values.get
        data_dir = Path(get("PROMO_DATA_DIR") or ROOT).expanduser().resolve()
        board_chat = get("PROMO_BOARD_CHAT")
        s = cls(
            token=get("TELEGRAM_BOT_TOKEN") or None,
            data_dir=data_dir,
            db_url=get("PROMO_DB_URL") or f"sqlite:///{data_dir / 'var' / 'promo.db'}",
            users=parse_users(get("PROMO_USERS", "")),
            api_url=(get("BOT_API_URL") or "").rstrip("/") or None,
            webhook_url=get("PROMO_WEBHOOK_URL") or None,
            listen=get("PROMO_LISTEN", "127.0.0.1"),
            port=_int(get("PROMO_PORT", "8443"), "PROMO_PORT"),
            secret_token=get("PROMO_WEBHOOK_SECRET") or None,
            workers=max(1, _int(get("PROMO_WORKERS", "1"), "PROMO_WORKERS")),
            language=get("PROMO_LANGUAGE", "zh"),
            timezone=get("PROMO_TZ", "Asia/Shanghai"),
            reload_seconds=_int(get("PROMO_RELOAD_SECONDS", "30"), "PROMO_RELOAD_SECONDS"),
            keep_in_touch_days=_int(get("PROMO_KEEP_IN_TOUCH_DAYS", "90"), "PROMO_KEEP_IN_TOUCH_DAYS"),
            log_level=get("PROMO_LOG_LEVEL", "INFO").upper(),
            fx=_fx(get("PROMO_FX_RATES"), get("PROMO_FX_DATE"), get("PROMO_FX_SOURCE")),
            high_level_yuan=_int(get("PROMO_HIGH_LEVEL_YUAN", "100000000"), "PROMO_HIGH_LEVEL_YUAN"),
            board_chat_id=_int(board_chat, "PROMO_BOARD_CHAT") if board_chat else None,
            dispatch_day=_int(get("PROMO_DISPATCH_DAY", "3"), "PROMO_DISPATCH_DAY"),
            dispatch_hour=_int(get("PROMO_DISPATCH_HOUR", "9"), "PROMO_DISPATCH_HOUR"),
            contact_days=_int(get("PROMO_CONTACT_DAYS", "30"), "PROMO_CONTACT_DAYS"),
            signed_days=_int(get("PROMO_SIGNED_DAYS", "90"), "PROMO_SIGNED_DAYS"),
        )
        return s


def _fx(rates, date, source) -> FxRates:
    try:
        return parse_fx(rates, date, source)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def parse_users(spec: str) -> list[dict]:
    """`PROMO_USERS="12345:admin:招商局:王科长; 67890:officer:北安市"` → seed records."""
    users = []
    for item in filter(None, (part.strip() for part in spec.replace(",", ";").split(";"))):
        parts = [p.strip() for p in item.split(":")]
        if not parts[0].lstrip("-").isdigit():
            raise ConfigError(f"PROMO_USERS: '{item}' must start with a Telegram user id (digits)")
        role = parts[1] if len(parts) > 1 and parts[1] else "officer"
        if role not in ROLES:
            raise ConfigError(f"PROMO_USERS: role '{role}' must be one of {', '.join(ROLES)}")
        users.append({"user_id": int(parts[0]), "role": role,
                      "unit": parts[2] if len(parts) > 2 else "",
                      "name": parts[3] if len(parts) > 3 else ""})
    return users
