"""Exchange rates (the Excel export, /capital and the scoreboard): foreign amounts are shown
beside their yuan value at a stated rate, never summed with yuan as if they were yuan.

Configured with `PROMO_FX_RATES` (yuan for one unit, e.g. "USD=7.10, EUR=7.80, RUB=0.088"),
`PROMO_FX_DATE` (YYYY-MM-DD) and `PROMO_FX_SOURCE` (e.g. "中国外汇交易中心 人民币汇率中间价"):
a rate is only used with its date and source, which the sheet states. Without rates nothing is
converted: the yuan column stays empty for foreign amounts and the sheet says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = ["FxRates", "parse_fx", "CURRENCY_NAMES"]

CURRENCY_NAMES = {"CNY": "人民币", "USD": "美元", "EUR": "欧元", "RUB": "卢布", "HKD": "港元", "JPY": "日元"}
_PAIR = re.compile(r"^([A-Za-z]{3})\s*=\s*([0-9]+(?:\.[0-9]+)?)$")


@dataclass(frozen=True)
class FxRates:
    rates: dict[str, Decimal] = field(default_factory=dict)   # yuan for one unit of the currency
    date: dt.date | None = None
    source: str = ""

    def rate(self, currency: str | None) -> Decimal | None:
        if not currency or currency == "CNY":
            return Decimal(1)
        return self.rates.get(currency.upper())

    def yuan(self, amount: float | int | None, currency: str | None) -> float | None:
        """`amount` of `currency` in yuan, or None without a rate."""
        rate = self.rate(currency)
        if amount is None or rate is None:
            return None
        return float(Decimal(str(amount)) * rate)

    def statement(self) -> str:
        """One line for the sheet: the rates, their date and source."""
        if not self.rates:
            return "未配置汇率（PROMO_FX_RATES）：外币金额未折合人民币。"
        pairs = "；".join(f"1 {c} = {r} 元" for c, r in sorted(self.rates.items()))
        return f"汇率：{pairs}（{self.date.isoformat() if self.date else ''}，来源：{self.source}）"


def parse_fx(rates: str | None, date: str | None = None, source: str | None = None) -> FxRates:
    """Rates from the configuration strings; ValueError saying what to write."""
    text = (rates or "").strip()
    if not text:
        return FxRates()
    parsed: dict[str, Decimal] = {}
    for item in filter(None, (p.strip() for p in re.split(r"[,;，；\s]+(?=[A-Za-z]{3}\s*=)", text))):
        m = _PAIR.match(item.rstrip(",;，； "))
        if not m:
            raise ValueError(f"PROMO_FX_RATES: '{item}' should look like USD=7.10 (yuan for one unit)")
        code = m.group(1).upper()
        try:
            value = Decimal(m.group(2))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f"PROMO_FX_RATES: '{item}' is not a number") from None
        if value <= 0 or code == "CNY":
            raise ValueError(f"PROMO_FX_RATES: '{item}': give a positive rate of a foreign currency")
        parsed[code] = value
    try:
        day = dt.date.fromisoformat((date or "").strip())
    except ValueError:
        raise ValueError("PROMO_FX_DATE: the date of the rates, as YYYY-MM-DD, is required with PROMO_FX_RATES") from None
    if not (source or "").strip():
        raise ValueError("PROMO_FX_SOURCE: say where the rates come from (e.g. 中国外汇交易中心 人民币汇率中间价)")
    return FxRates(parsed, day, (source or "").strip())
