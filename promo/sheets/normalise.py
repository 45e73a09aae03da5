"""What staff type into a cell → the value the lists hold.

Full-width digits and letters, phone numbers with spaces, dashes or +86, dates written 2026.3.5,
2026/3/5, 2026年3月5日 or stored by Excel as a serial number, 是/否, chain names or aliases
instead of ids, amounts as 1.5亿 or 15000万. A value that cannot be read raises `CellError`
with what is wrong and how to fix it (in Chinese: office staff read these).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from promo.suggest import closest
from promo.sheets.fields import VALUE_SYNONYMS, Column, Kind


class CellError(ValueError):
    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message, self.fix = message, fix


_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum()}
_FULLWIDTH[0x3000] = 0x20


def text(value) -> str:
    """A cell as text: full-width digits and letters → ASCII, ideographic space → space, trimmed;
    Chinese punctuation stays (names keep their full-width brackets)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_FULLWIDTH).replace("\r\n", "\n").strip()


def nfkc(value) -> str:
    """Text of a number, a date or a phone: every full-width form → ASCII (－ ． ／ too)."""
    return unicodedata.normalize("NFKC", text(value)).strip()


def folded(value) -> str:
    return unicodedata.normalize("NFKC", text(value)).lower().strip()


def blank(value) -> bool:
    return text(value) in ("", "-", "—", "/", "无", "暂无", "N/A", "n/a")


_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
_SPLIT_REF = re.compile(r"\s*[、,，;；\n/／|｜]\s*|\s+")


def items(value, refs: bool = False) -> list[str]:
    """Several values in one cell: separated by 、 , ， ; ； or new lines (ids and fixed values
    also by / | and spaces)."""
    if isinstance(value, (list, tuple)):
        return [text(v) for v in value if not blank(v)]
    raw = text(value)
    if not refs and "\n" in raw:       # one item per line: the items may hold 、 themselves
        return [p.strip() for p in raw.split("\n") if p.strip() and not blank(p)]
    return [p for p in (_SPLIT_REF if refs else _SPLIT).split(raw) if p and not blank(p)]


# --------------------------------------------------------------------------- phones

def phone(value) -> str:
    raw = nfkc(value)
    digits = re.sub(r"[\s\-–—.()（）]", "", raw)
    digits = re.sub(r"^(\+86|0086|\+?86(?=1\d{10}$))", "", digits)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{2,3}\d{7,8}", digits):          # a landline with its area code
        area = 3 if digits[:2] in ("01", "02") else 4
        return f"{digits[:area]}-{digits[area:]}"
    if re.fullmatch(r"(\+|00)[1-9]\d{6,14}", digits):      # a foreign number: +7 914 …, 007 914 …
        return "+" + digits.removeprefix("+").removeprefix("00")
    if re.fullmatch(r"[2-9]\d{6,7}", digits):              # a local landline without its area code
        return digits
    raise CellError(f"'{raw}' 不是电话号码", "写 11 位手机号（如 13800001234）或带区号的座机（如 0456-8221234）")


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DATE_8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) or re.fullmatch(r"\d{5}(\.\d+)?", nfkc(value)):
        serial = float(nfkc(value)) if not isinstance(value, (int, float)) else float(value)
        if 20000 <= serial <= 80000:                       # Excel's day count: 1954 … 2119
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
    raw = nfkc(value)
    m = _DATE.match(raw) or _DATE_8.match(raw)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise CellError(f"'{raw}' 不是有效日期", "检查月份和日期，如 2026-03-05") from None
    raise CellError(f"'{raw}' 不是日期", "写成 2026-03-05、2026/3/5、2026.3.5 或 2026年3月5日")


# --------------------------------------------------------------------------- numbers

def integer(value) -> int:
    raw = nfkc(value).replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"'{text(value)}' 不是整数", "写一个整数，如 3") from None
    if number != number.to_integral_value():
        raise CellError(f"'{text(value)}' 不是整数", "写一个整数，如 3")
    return int(number)


def number(value) -> float:
    try:
        return float(nfkc(value).replace(",", ""))
    except ValueError:
        raise CellError(f"'{text(value)}' 不是数字", "写一个数字，如 50.25") from None


_AMOUNT = re.compile(r"^(?:人民币|rmb|cny|约)?\s*(\d+(?:\.\d+)?)\s*(亿|万|千)?\s*(?:元|人民币)?$")


def amount(value) -> int:
    """Yuan: 1.5亿 → 150000000, 15000万 → 150000000, 1,500,000 → 1500000."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return integer(value)
    raw = folded(value).replace(",", "").replace("_", "").replace(" ", "")
    m = _AMOUNT.match(raw)
    if not m:
        raise CellError(f"'{text(value)}' 不是金额", "写成元数（150000000）或带单位（1.5亿、15000万）")
    scale = {"亿": 10 ** 8, "万": 10 ** 4, "千": 10 ** 3, None: 1}[m.group(2)]
    return int(Decimal(m.group(1)) * scale)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不", "无"}


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = folded(value)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"'{text(value)}' 不是 是/否", "写 是 或 否")


# --------------------------------------------------------------------------- fixed values

def choice(col: Column, value) -> str:
    word = folded(value)
    for v, label in col.labels:
        if word in (v.lower(), folded(label)):
            return v
    synonym = VALUE_SYNONYMS.get(word)
    if synonym is not None and synonym in col.choices:
        return synonym
    if word.replace(" ", "_") in col.choices:
        return word.replace(" ", "_")
    allowed = "、".join(label for _, label in col.labels)
    near = closest(text(value), [label for _, label in col.labels] + list(col.choices))
    hint = f"是不是「{near}」？" if near else ""
    raise CellError(f"'{text(value)}' 不是{col.header}的可选值", f"{hint}可选：{allowed}")


class ChainNames:
    """Chain ids, names and aliases → id (compared after NFKC and lower case)."""

    def __init__(self, chains):
        self.by_word: dict[str, str] = {}
        self.names = {c.id: c.name for c in chains}
        for c in chains:
            for word in (c.id, c.name, c.name_en, *c.aliases):
                if word:
                    self.by_word.setdefault(folded(word), c.id)
            short = c.name.removesuffix("产业链")
            if short and short != c.name:
                self.by_word.setdefault(folded(short), c.id)

    def resolve(self, value) -> str:
        word = folded(value)
        if word in self.by_word:
            return self.by_word[word]
        if word.endswith("产业链") and word.removesuffix("产业链") in self.by_word:
            return self.by_word[word.removesuffix("产业链")]
        near = closest(text(value), list(self.names.values()), cutoff=0.5) or closest(word, list(self.by_word))
        if near is None:
            within = {cid for w, cid in self.by_word.items() if len(word) >= 2 and word in w}
            near = next(iter(within)) if len(within) == 1 else None
        if near in self.by_word:
            near = self.by_word[near]
        if near in self.names:
            near = self.names[near]
        hint = f"是不是「{near}」？" if near else "可选的产业链见「说明」页；"
        raise CellError(f"未知产业链 '{text(value)}'", f"{hint}写产业链的名称、简称或编号")


def ref(value) -> str:
    return folded(value)


def _dates(value) -> list[dt.date]:
    if isinstance(value, (dt.date, int, float)):
        return [date(value)]
    return [date(v) for v in items(value, refs=True)]


def _scale(col: Column, value) -> int:
    n = integer(value)
    if col.choices and n not in col.choices:
        raise CellError(f"'{text(value)}' 不在 {min(col.choices)}–{max(col.choices)} 之间",
                        f"写 {'、'.join(map(str, col.choices))} 之一")
    return n


def _chain_ids(value, chains: ChainNames) -> list[str]:
    out: list[str] = []
    for v in items(value, refs=True):
        cid = chains.resolve(v)
        if cid not in out:
            out.append(cid)
    return out


_CONVERT = {
    Kind.text: lambda col, v, ch: phone(v) if col.field == "phone" else text(v),
    Kind.texts: lambda col, v, ch: items(v),
    Kind.date: lambda col, v, ch: date(v),
    Kind.dates: lambda col, v, ch: _dates(v),
    Kind.int: lambda col, v, ch: _scale(col, v),
    Kind.ints: lambda col, v, ch: [integer(x) for x in items(v, refs=True)],
    Kind.float: lambda col, v, ch: number(v),
    Kind.amount: lambda col, v, ch: amount(v),
    Kind.bool: lambda col, v, ch: boolean(v),
    Kind.choice: lambda col, v, ch: choice(col, v),
    Kind.choices: lambda col, v, ch: [choice(col, x) for x in items(v, refs=True)],
    Kind.chains: lambda col, v, ch: _chain_ids(v, ch),
    Kind.ref: lambda col, v, ch: ref(v),
    Kind.refs: lambda col, v, ch: [ref(x) for x in items(v, refs=True)],
    Kind.sub: lambda col, v, ch: sub_records(col, v),
}


def convert(col: Column, value, chains: ChainNames):
    """The cell's value for the model (a list for list columns); raises CellError."""
    return _CONVERT[col.kind](col, value, chains)


def sub_records(col: Column, value) -> list[dict]:
    """A chain's targets: one per line, fields separated by |, e.g. `feihe | 1 | 龙头企业`."""
    out = []
    for line in text(value).split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"\s*[|｜]\s*", line, maxsplit=len(col.sub_fields) - 1)]
        record = {f: int(p) if p.isdigit() else p for f, p in zip(col.sub_fields, parts) if p}
        out.append(record)
    return out


def format_sub(col: Column, records) -> str:
    lines = []
    for r in records:
        data = r.model_dump() if hasattr(r, "model_dump") else dict(r)
        values = [data.get(f) for f in col.sub_fields]
        while values and values[-1] in (None, ""):
            values.pop()
        lines.append(" | ".join("" if v is None else str(v) for v in values))
    return "\n".join(lines)
