"""Money amounts in a one-message meeting log: 5亿, 3.5亿元, 一亿两千万, 200万美元, "RMB 200 million",
"$30 million", "2-3亿" (a range), "投资500" (no unit: ambiguous).

An amount needs a money unit (万/亿, million/billion) or a currency; bare numbers count only
right after an investment word, and then they are ambiguous (500万? 500元?). Numbers inside
dates, phone numbers, percentages and head counts ("500人", "5万吨") are not amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from promo.meetings.dates import _CN_DIGIT, clause_at, clauses, date_spans, normalize

__all__ = ["AmountMention", "parse_amounts", "number_value"]


@dataclass
class AmountMention:
    yuan: int | None                  # amount in yuan; None for other currencies or when ambiguous
    span: tuple[int, int]
    text: str
    currency: str = "CNY"             # 'CNY' | 'USD' | 'EUR' | 'RUB' | 'HKD'
    amount: int | None = None         # in `currency` (== yuan for CNY); None when ambiguous
    candidates: list[int] = field(default_factory=list)   # in `currency`; [low, high] for a range
    approx: bool = False              # 约 / 左右 / 3亿多 / about
    kind: str = "investment"          # 'investment' | 'domestic' | 'foreign' | 'in_place'
    ambiguity: str | None = None      # 'range' | 'unit' when ambiguous

    @property
    def ambiguous(self) -> bool:
        return self.amount is None and len(self.candidates) > 1


# --------------------------------------------------------------------------- numbers

_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10 ** 4, "亿": 10 ** 8}
_TOKEN = re.compile(r"(?P<ar>\d+(?:\.\d+)?)|(?P<cn>[零〇一二两三四五六七八九]+(?:点[零〇一二三四五六七八九]+)?)"
                    r"|(?P<unit>[十百千万亿])|(?P<more>[多余])")


def _cn_digits(s: str) -> Decimal:
    whole, _, frac = s.partition("点")
    w = "".join(str(_CN_DIGIT[c]) for c in whole) or "0"
    f = "".join(str(_CN_DIGIT[c]) for c in frac)
    return Decimal(f"{w}.{f}" if f else w)


def number_value(body: str) -> tuple[Decimal, bool]:
    """'1.2万亿' / '一亿两千万' / '3亿5000万' / '5,000万' / '3亿多' → (value, has 多/余).

    Chinese place-value reading: 十百千 add to the current section, 万 multiplies the section,
    亿 multiplies everything so far (so 万亿 = 10^12). Arabic digits may stand for Chinese ones.
    """
    s = re.sub(r"[,\s\u00a0\u202f]", "", body)
    total = section = Decimal(0)
    cur: Decimal | None = None
    approx = False
    toks = list(_TOKEN.finditer(s))
    for i, m in enumerate(toks):
        if m["unit"]:
            u = m["unit"]
            if u in "十百千":
                section += (cur if cur is not None else 1) * _UNIT_VALUE[u]
            elif u == "万":
                section = (section + (cur or 0)) * _UNIT_VALUE[u]
            else:
                total = (total + section + (cur or 0)) * _UNIT_VALUE[u]
                section = Decimal(0)
            cur = None
        elif m["more"]:
            approx = True
        else:
            cur = Decimal(m["ar"]) if m["ar"] else _cn_digits(m["cn"])
            # colloquial "3亿5" = 3.5亿, "1万2" = 12000: one trailing digit after 亿/万
            if i == len(toks) - 1 and i and len(m.group()) == 1 and toks[i - 1]["unit"] in ("万", "亿"):
                cur *= _UNIT_VALUE[toks[i - 1]["unit"]] // 10
    return total + section + (cur or 0), approx


# --------------------------------------------------------------------------- patterns

_AR = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
# A Chinese number starts with a digit or 十 (not "千万不要", "万一")
_CN = r"[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*(?:点[零〇一二三四五六七八九]+)?"
_PIECE = rf"(?:{_AR}|{_CN})"
_BODY = rf"{_PIECE}(?:[多余]?[十百千万亿]+[多余]?(?:{_PIECE}(?![\d年月日号天周个人名%]))?)*"
_PRE = r"(?P<pre>US\$|HK\$|(?<![A-Za-z])(?:RMB|CNY|USD|EUR|RUB|HKD)|人民币|美元|欧元|卢布|[$¥￥€₽])"
_SCALE = r"(?P<scale>thousand|trillion|billion|million|mln|mn|bn|tn|k|m|b)(?![A-Za-z])"
_CUR = (r"(?P<cur>元人民币|元|块钱|人民币|美元|美金|欧元|卢布|港元|港币|(?:US\s)?dollars?|yuan|rmb|cny"
        r"|renminbi|usd|euros?|eur|rubles?|roubles?|rub|hkd)(?![A-Za-z])")
_SCALE_VALUE = {"thousand": 10 ** 3, "k": 10 ** 3, "million": 10 ** 6, "mln": 10 ** 6, "mn": 10 ** 6,
                "m": 10 ** 6, "billion": 10 ** 9, "bn": 10 ** 9, "b": 10 ** 9, "trillion": 10 ** 12,
                "tn": 10 ** 12}

# a number does not start inside another one (also keeps the scan linear on long digit runs)
_NOT_INSIDE = r"(?<![0-9A-Za-z.零〇一二两三四五六七八九十百千万亿多余点])"
_AMOUNT = re.compile(rf"{_NOT_INSIDE}{_PRE}?\s?(?P<body>{_BODY})(?:\s?{_SCALE})?(?:\s?{_CUR})?", re.I)
_RANGE = re.compile(rf"{_NOT_INSIDE}{_PRE}?\s?(?P<lo>{_BODY})\s?(?:-|–|—|~|～|〜|至|到|\bto\b)\s?"
                    rf"(?P<hi>{_BODY})(?:\s?{_SCALE})?(?:\s?{_CUR})?", re.I)
# 两三亿, 三四千万: two neighbouring digits make a range
_NEIGHBOURS = re.compile(r"(?<![零〇一二两三四五六七八九十百千])(?P<a>[一二两三四五六七八])(?P<b>[二三四五六七八九])"
                         r"(?P<u>[十百千]?[万亿])")
# A bare number right after an investment word: "投资500" (unit unknown)
_BARE = re.compile(r"(?P<cue>投资总额|总投资额?|投资金额|投资额|计划投资|拟投资|投资|金额|到位资金|资金"
                   r"|(?i:investment(?:\s+of)?|invest(?:ing)?|amount(?:\s+of)?|capital(?:\s+of)?))"
                   r"\s*(?:约|大约|大概|为|是|达|近|超|[:：]|(?i:about|around|approximately|roughly))?\s*"
                   r"(?P<num>\d+(?:\.\d+)?)(?![\d.,])")

# Not money: a count or a measure follows (500人, 5万吨, 2 million people) ...
_MEASURE_AFTER = re.compile(
    r"\s*(?:[人名个位亩吨头只户辆台套家项次件株箱倍米平方%％]|千瓦|公里|公顷|年|月|日|号|天|周|岁"
    r"|(?i:people|persons?|staff|employees|jobs|workers|tons?|tonnes?|hectares?|acres?|sqm|square"
    r"|units?|head|cattle|cows|users|visitors|tourists|households|percent)\b)")
# ... or a count word precedes it (存栏5万, 年产5万吨; 年产值 is money)
_COUNT_BEFORE = re.compile(r"(?:存栏|产能|年产(?!值)|产量|人口|就业|员工|面积|占地|销量|客流|粉丝|用户)\S{0,3}$")
_PHONE = re.compile(
    r"(?<!\d)(?:\+\d{1,3}[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?!\d)"
    r"|\+\d[\d\s()-]{7,}\d"
    r"|(?:电话|手机|联系方式|微信|(?i:tel|phone|mobile|cell))[:：\s]*\+?[\d\s()-]{6,}\d")

_APPROX_BEFORE = re.compile(r"(?:约|大约|大概|约合|近|将近|接近|超|超过|逾|差不多|估计"
                            r"|(?i:about|around|approx\.?|approximately|roughly|nearly|almost|over"
                            r"|more than|some|circa)|~|≈)\s*(?:为|是|达|有|合|of)?\s*$")
_APPROX_AFTER = re.compile(r"\s*(?:左右|上下|以上|出头|有余|多|余|\+|(?i:or so|plus|odd)\b)")
_KIND_CUES = [("domestic", re.compile(r"内资|(?i:domestic)")),
              ("foreign", re.compile(r"外资|外商|(?i:foreign|\bFDI\b)")),
              ("in_place", re.compile(r"到位|到账|实际利用|(?i:in place|paid[- ]in|arrived|disbursed)"))]


def _currency(*tokens: str | None) -> str:
    """The first non-yuan currency named, else CNY ('$200万元' counts as dollars)."""
    for tok in tokens:
        t = (tok or "").lower()
        if not t:
            continue
        if "hk" in t or "港" in t:
            return "HKD"
        if "$" in t or "usd" in t or "美" in t or "dollar" in t:
            return "USD"
        if "eur" in t or "€" in t or "欧" in t:
            return "EUR"
        if "rub" in t or "₽" in t or "卢布" in t or "ruble" in t or "rouble" in t:
            return "RUB"
    return "CNY"


def _has_unit(body: str) -> bool:
    return bool(re.search(r"[万亿]", body))


def _scaled(body: str, scale: str | None) -> tuple[int, bool]:
    value, approx = number_value(body)
    if scale:
        value *= _SCALE_VALUE[scale.lower()]
    return int(value.to_integral_value()), approx


def _is_money(m: re.Match, body: str, text: str) -> bool:
    """Has a money unit or currency, and is not a count (5万吨, 存栏5万, 三元乳业)."""
    scale, money = (m["scale"] or "").lower(), bool(m["pre"] or m["cur"])
    if not (money or _has_unit(body) or scale in ("thousand", "million", "billion", "trillion",
                                                  "mln", "mn", "bn", "tn")):
        return False                      # a lone "30m" without currency may be metres
    if not money and (_MEASURE_AFTER.match(text, m.end())
                      or _COUNT_BEFORE.search(text[max(0, m.start() - 6):m.start()])):
        return False
    if not m["pre"] and re.fullmatch(_CN, body) and number_value(body)[0] < 1000:
        return False                      # "三元" in 三元乳业 is a name, not 3 yuan
    return True


def _single(m: re.Match, text: str) -> AmountMention | None:
    body = m["body"].strip()
    if not _is_money(m, body, text):
        return None
    value, more = _scaled(body, m["scale"])
    cur = _currency(m["pre"], m["cur"])
    return AmountMention(yuan=value if cur == "CNY" else None, span=m.span(), text=m.group(),
                         currency=cur, amount=value, candidates=[value], approx=more)


def _range(m: re.Match, text: str) -> AmountMention | None:
    lo, hi = m["lo"].strip(), m["hi"].strip()
    if not (m["pre"] or m["cur"] or m["scale"] or _has_unit(hi)):
        return None
    if not m["pre"] and not m["cur"] and _MEASURE_AFTER.match(text, m.end()):
        return None
    if not _has_unit(lo):                                  # 2-3亿: the unit of 3亿 applies to 2
        tail = re.search(r"[十百千万亿]+[多余]?$", hi)
        lo += tail.group() if tail else ""
    low, high = _scaled(lo, m["scale"])[0], _scaled(hi, m["scale"])[0]
    if low >= high:
        return None
    return AmountMention(yuan=None, span=m.span(), text=m.group(), currency=_currency(m["pre"], m["cur"]),
                         amount=None, candidates=[low, high], ambiguity="range")


def _neighbours(m: re.Match, text: str) -> AmountMention | None:
    a, b = _CN_DIGIT[m["a"]], _CN_DIGIT[m["b"]]
    if b != a + 1 or _MEASURE_AFTER.match(text, m.end()):
        return None
    unit = number_value("1" + m["u"])[0]
    cur_m = re.match(r"\s?" + _CUR, text[m.end():], re.I)
    end = m.end() + (cur_m.end() if cur_m else 0)
    return AmountMention(yuan=None, span=(m.start(), end), text=text[m.start():end],
                         currency=_currency(cur_m["cur"] if cur_m else None), amount=None,
                         candidates=[int(a * unit), int(b * unit)], ambiguity="range")


def _bare(m: re.Match, text: str) -> AmountMention | None:
    """投资500: 500万 or 500元? (small numbers: 亿 or 万). English: million or thousand."""
    if _MEASURE_AFTER.match(text, m.end()) or re.match(
            r"\s*(?:[十百千万亿元块美]|(?i:k|m|b|bn|mn|million|billion|thousand|yuan|rmb|usd"
            r"|dollars?|euros?|rubles?)\b)", text[m.end():]):
        return None
    n = Decimal(m["num"])
    if re.match(r"[A-Za-z]", m["cue"]):
        cands = [n * 10 ** 6, n * 10 ** 3]
    else:
        cands = [n * 10 ** 8, n * 10 ** 4] if n < 100 else [n * 10 ** 4, n]
    return AmountMention(yuan=None, span=m.span("num"), text=m["num"], amount=None,
                         candidates=[int(c) for c in cands], ambiguity="unit")


# --------------------------------------------------------------------------- context

def _approx(text: str, start: int, end: int, clause: tuple[int, int]) -> bool:
    before = text[max(clause[0], start - 8):start]
    return bool(_APPROX_BEFORE.search(before) or _APPROX_AFTER.match(text[end:clause[1]]))


def _kind(text: str, start: int, end: int, clause: tuple[int, int]) -> str:
    """The nearest capital cue in the clause, 12 chars before or 20 after ("5000万到位",
    "RMB 300 million of domestic capital"); on a tie the cue before wins.
    内资/外资 win over 到位: domestic and foreign capital are kinds of capital in place."""
    a, b = max(clause[0], start - 12), min(clause[1], end + 20)
    for group in (_KIND_CUES[:2], _KIND_CUES[2:]):
        best: tuple[int, str] | None = None
        for kind, rx in group:
            for m in rx.finditer(text, a, b):
                if m.start() < end and m.end() > start:
                    continue
                dist = 2 * (start - m.end()) if m.end() <= start else 2 * (m.start() - end) + 1
                if best is None or dist < best[0]:
                    best = (dist, kind)
        if best:
            return best[1]
    return "investment"


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


_MATCHERS = [(_RANGE, _range), (_NEIGHBOURS, _neighbours), (_AMOUNT, _single), (_BARE, _bare)]


def parse_amounts(text: str) -> list[AmountMention]:
    t = normalize(text)
    blocked = date_spans(t) + [m.span() for m in _PHONE.finditer(t)]
    found: list[AmountMention] = []
    for rx, build in _MATCHERS:                  # earlier matchers win overlaps (ranges first)
        for m in rx.finditer(t):
            a = build(m, t)
            if a is None:
                continue
            a.span = _trim(t, a.span)
            if _overlaps(a.span, blocked) or _overlaps(a.span, [f.span for f in found]):
                continue
            found.append(a)
    spans = clauses(t)
    for a in found:
        s, e = a.span
        a.text = text[s:e]
        clause = clause_at(spans, s)
        a.approx = a.approx or _approx(t, s, e, clause)
        a.kind = _kind(t, s, e, clause)
    return sorted(found, key=lambda a: a.span[0])


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    s, e = span
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
