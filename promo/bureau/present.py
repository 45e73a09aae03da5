"""How figures read (shared by the chat templates, the CLI text and the printable page)."""

from __future__ import annotations

from promo.bureau.scoreboard import INDICATORS

__all__ = ["value", "pct", "growth", "FORMATS"]


def value(key: str, v) -> str:
    if v is None:
        return "—"
    kind = INDICATORS[key].kind
    if kind == "yuan":
        if abs(v) >= 100_000_000:
            return f"{v / 100_000_000:.2f}亿元"
        return f"{v / 10_000:.0f}万元"
    if kind == "rate":
        return f"{v:.0%}"
    return f"{v}个" if key != "contacts" else f"{v}次"


def pct(v) -> str:
    return "—" if v is None else f"{v:.0%}"


def growth(v) -> str:
    if v is None:
        return "—"
    return f"+{v:.0%}" if v >= 0 else f"{v:.0%}"


FORMATS = {"value": value, "pct": pct, "growth": growth}
