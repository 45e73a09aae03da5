"""Date mentions in a one-message meeting log, Chinese and English.

Each mention gets a role hint: 'meeting' (when the meeting happened) or 'followup' (when to
follow up). Expressions with a built-in direction (昨天, 下周三, next Wednesday) resolve on their
own; year-less or weekday-only ones (12月3日, 周五, 3/12) need the role, which comes from cue
words in the same clause ("下周三回访", "周五在北京见了"). Ambiguous text ("3/12": 3 Dec or
12 Mar) keeps `value=None` and lists every reading in `candidates`, so the caller can ask.

Spans index the text as given: the only normalisation (full-width ASCII → ASCII) keeps lengths.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from collections.abc import Callable

__all__ = ["DateMention", "parse_dates", "date_spans", "normalize", "cn_int", "clauses",
           "clause_at", "MEETING", "FOLLOWUP", "impossible_dates"]

MEETING, FOLLOWUP = "meeting", "followup"


@dataclass
class DateMention:
    value: date | None                      # None when ambiguous (see candidates)
    span: tuple[int, int]
    text: str
    candidates: list[date] = field(default_factory=list)   # [value] when sure; 2+ when ambiguous
    role: str = MEETING                     # 'meeting' | 'followup'
    precision: str = "day"                  # 'day' | 'week' (下周) | 'month' (下个月) | 'part' (月底)

    @property
    def ambiguous(self) -> bool:
        return self.value is None and len(self.candidates) > 1


# --------------------------------------------------------------------------- text helpers

# Full-width digits/letters/punctuation → ASCII, one char for one char (spans stay valid).
# "，" stays: it is always a clause separator, while "," between digits groups thousands.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c) != "，"}
_FULLWIDTH[0x3000] = 0x20


def normalize(text: str) -> str:
    return text.translate(_FULLWIDTH)


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_EN_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "couple of": 2, "a couple of": 2}


def cn_int(s: str) -> int | None:
    """'12' / '十二' / '二十一' / '两' / '二〇二六' / 'three' → int; None when not a number."""
    s = " ".join(s.split())
    if re.fullmatch(r"[0-9]+", s):
        return int(s)
    if s.lower() in _EN_NUM:
        return _EN_NUM[s.lower()]
    total, cur, seen = 0, 0, False
    for ch in s:
        if ch in _CN_DIGIT:
            cur = cur * 10 + _CN_DIGIT[ch]      # consecutive digits: 二〇二六 → 2026
        elif ch in _CN_SMALL_UNIT:
            total += (cur or 1) * _CN_SMALL_UNIT[ch]   # 十二: a bare 十 means 1×10
            cur = 0
        else:
            return None
        seen = True
    return total + cur if seen else None


# Clause separators. A "," between digit groups (5,000万) and the "." of "Mr." or of a
# decimal number do not end a clause.
_CLAUSE_SEP = re.compile(
    r"[，。；;！!？?\n]|,(?!\d{3}(?!\d))"
    r"|(?<!Mr)(?<!Ms)(?<!Mrs)(?<!Dr)(?<!Co)(?<!Ltd)(?<!Inc)(?<!St)(?<!No)\.(?=\s|$)")


def clauses(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _CLAUSE_SEP.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def clause_at(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in spans:
        if a <= pos <= b:
            return a, b
    return 0, 0


# --------------------------------------------------------------------------- role cues

_FOLLOWUP_CUE = re.compile(
    r"回访|复访|跟进|再约|再洽谈|再商谈|再谈|再联系|再对接|再见面|下次|下一次|约定|约好|答复|回复"
    r"|提供|寄送|寄给|发送|发给|安排|届时|来访|来黑河|前来|截止|之前|以前"
    r"|(?i:follow[- ]?up|revisit|next meeting|meet again|call back|get back|send|deadline"
    r"|\bby\b|\bwill\b|plan(?:s|ned)? to|\bdue\b)")
_MEETING_CUE = re.compile(
    r"见了|见到|见过|见面|会见|拜访|拜会|走访|接待|会谈|座谈|洽谈|碰面|聊了|谈了"
    r"|(?i:\bmet\b|meeting with|\bvisited\b|\bsaw\b|talked|spoke|had (?:a )?(?:meeting|call|lunch|dinner))")


def _context_role(text: str, span: tuple[int, int], clause: tuple[int, int]) -> str | None:
    """The role of the cue word nearest to the mention in its clause (ties go to follow-up).
    Only 30 chars either side are searched: a cue further away is about something else."""
    a, b = max(clause[0], span[0] - 30), min(clause[1], span[1] + 30)
    cues: list[tuple[int, int, str]] = []
    for m in _FOLLOWUP_CUE.finditer(text, a, b):
        cues.append((m.start(), m.end(), FOLLOWUP))
    for m in _MEETING_CUE.finditer(text, a, b):   # "再洽谈" is a follow-up, not a meeting
        if not any(s < m.end() and m.start() < e for s, e, _ in cues):
            cues.append((m.start(), m.end(), MEETING))
    best: tuple[int, int] | None = None
    role = None
    for s, e, kind in cues:
        if s < span[1] and e > span[0]:
            continue                                   # the cue is part of the date ("3天以前")
        dist = span[0] - e if e <= span[0] else s - span[1]
        key = (dist, 0 if kind == FOLLOWUP else 1)
        if best is None or key < best:
            best, role = key, kind
    return role


# --------------------------------------------------------------------------- resolution helpers

@dataclass
class _Hit:
    fixed: list[date] | None = None                              # resolved (2+ = ambiguous)
    floating: Callable[[str | None], list[date]] | None = None   # needs the role first
    precision: str = "day"


def _fixed(*days: date | None, precision: str = "day") -> _Hit | None:
    ok = [d for d in days if d is not None]
    return _Hit(fixed=ok, precision=precision) if ok else None


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, _last_day(y, m)))


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _on_or_before(today: date, wd: int) -> date:
    return today - timedelta(days=(today.weekday() - wd) % 7)


def _strictly_before(today: date, wd: int) -> date:
    return today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1)


def _strictly_after(today: date, wd: int) -> date:
    return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)


def _nearest(cands: list[date], today: date, role: str | None) -> list[date]:
    """Pick the reading in the right direction: a meeting is not more than a day in the future,
    a follow-up is not in the past; with no role, the one nearest to today."""
    if role == MEETING:
        ok = [d for d in cands if d <= today + timedelta(days=1)]
        return [max(ok)] if ok else []
    if role == FOLLOWUP:
        ok = [d for d in cands if d >= today]
        return [min(ok)] if ok else []
    return [min(cands, key=lambda d: (abs((d - today).days), d > today))] if cands else []


def _by_year(month: int, day: int | Callable[[int, int], int], today: date):
    """A month/day without a year; `day` may depend on (year, month) (月底 = last day)."""
    def resolve(role: str | None) -> list[date]:
        cands = []
        for y in (today.year - 1, today.year, today.year + 1):
            d = _safe(y, month, day(y, month) if callable(day) else day)
            if d:
                cands.append(d)
        return _nearest(cands, today, role)
    return resolve


def _by_month(day: int, today: date):
    """A day of the month without a month ("25号")."""
    def resolve(role: str | None) -> list[date]:
        firsts = [_add_months(today.replace(day=1), k) for k in (-1, 0, 1)]
        cands = [d for f in firsts if (d := _safe(f.year, f.month, day))]
        return _nearest(cands, today, role)
    return resolve


def _weekday_floating(wd: int, today: date):
    """周五 / on Friday: the last one for a meeting (the default), the next one for a follow-up."""
    def resolve(role: str | None) -> list[date]:
        return [_strictly_after(today, wd) if role == FOLLOWUP else _on_or_before(today, wd)]
    return resolve


# --------------------------------------------------------------------------- Chinese patterns

_N = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"          # a day or month number
_CNT = r"(?:\d{1,3}|[一二两三四五六七八九十]{1,3}|半)"     # a count: 3天后, 两周后, 半个月后
_WD_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
          "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK_REL = {"上上": -2, "下下": 2, "上": -1, "下": 1, "本": 0, "这": 0}
_MONTH_REL = {"上": -1, "下": 1, "本": 0, "这": 0, "次": 1, "下下": 2}
_DAY_WORDS = {"大前天": -3, "前天": -2, "前日": -2, "昨天": -1, "昨日": -1, "昨儿": -1, "昨晚": -1,
              "昨早": -1, "今天": 0, "今日": 0, "今儿": 0, "今早": 0, "今晨": 0, "今晚": 0, "明天": 1,
              "明日": 1, "明儿": 1, "明早": 1, "明晚": 1, "后天": 2, "大后天": 3}
_YEAR_REL = {"去年": -1, "今年": 0, "明年": 1, "后年": 2, "前年": -2}
_PART_DAY: dict[str, Callable[[int, int], int]] = {
    "初": lambda y, m: 1, "上旬": lambda y, m: 5, "中": lambda y, m: 15, "中旬": lambda y, m: 15,
    "下旬": lambda y, m: 25, "底": _last_day, "末": _last_day}

# "12.3" / "3/12" after these words is a number, not a date ("投资12.5").
_AMOUNT_BEFORE = re.compile(r"(?:投资|金额|资金|总额|估值|营收|产值|增长|增加|提高|下降|[¥￥$€₽]"
                            r"|(?i:RMB|CNY|USD|EUR))\s*(?:约|大约|为|达|了)?\s*$")


def _iso(m: re.Match, today: date) -> _Hit | None:
    return _fixed(_safe(int(m["y"]), int(m["m"]), int(m["d"])))


def _zh_full(m: re.Match, today: date) -> _Hit | None:
    y = cn_int(m["y"]) if m["y"] else today.year + _YEAR_REL[m["ry"]]
    mo, d = cn_int(m["m"]), cn_int(m["d"])
    return _fixed(_safe(y, mo, d)) if y and mo and d else None


def _zh_md(m: re.Match, today: date) -> _Hit | None:
    mo, d = cn_int(m["m"]), cn_int(m["d"])
    if not (mo and d and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return _Hit(floating=_by_year(mo, d, today))


def _month_start(today: date, rel: str) -> date:
    return _add_months(today.replace(day=1), _MONTH_REL[rel])


def _zh_month_part(m: re.Match, today: date) -> _Hit | None:
    """下月初 / 本月底 / 12月底 / 月底 (this month)."""
    day = _PART_DAY[m["part"]]
    if m.groupdict().get("m"):
        mo = cn_int(m["m"])
        return _Hit(floating=_by_year(mo, day, today), precision="part") if mo and mo <= 12 else None
    first = _month_start(today, m["rel"]) if m.groupdict().get("rel") else today.replace(day=1)
    return _fixed(first.replace(day=day(first.year, first.month)), precision="part")


def _zh_month_day(m: re.Match, today: date) -> _Hit | None:
    """下个月3号 / 本月15日."""
    first, d = _month_start(today, m["rel"]), cn_int(m["d"])
    return _fixed(_safe(first.year, first.month, d)) if d else None


def _zh_month_alone(m: re.Match, today: date) -> _Hit | None:
    return _fixed(_month_start(today, m["rel"]), precision="month")


def _slash(m: re.Match, today: date) -> _Hit | None:
    """3/12 is day/month or month/day; 12.3 is the Chinese month.day."""
    if _AMOUNT_BEFORE.search(m.string[max(0, m.start() - 10):m.start()]):
        return None
    a, b = int(m["a"]), int(m["b"])
    readings = [(a, b)] if m["sep"] == "." else [(a, b), (b, a)]   # (month, day)
    readings = [(mo, d) for mo, d in dict.fromkeys(readings) if 1 <= mo <= 12 and 1 <= d <= 31]
    if not readings:
        return None
    if m["y"]:
        y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        return _fixed(*sorted({d for mo, dd in readings if (d := _safe(y, mo, dd))}))
    resolvers = [_by_year(mo, d, today) for mo, d in readings]
    return _Hit(floating=lambda role: sorted({d for r in resolvers for d in r(role)}))


def _zh_bare_day(m: re.Match, today: date) -> _Hit | None:
    d = cn_int(m["d"])
    return _Hit(floating=_by_month(d, today)) if d and 1 <= d <= 31 else None


def _zh_day_word(m: re.Match, today: date) -> _Hit | None:
    return _fixed(today + timedelta(days=_DAY_WORDS[m.group()]))


def _zh_week_day(m: re.Match, today: date) -> _Hit | None:
    """上周五 / 下下周一 / 这个星期三 / 下周末."""
    return _fixed(_monday(today) + timedelta(days=7 * _WEEK_REL[m["rel"]] + _WD_ZH[m["w"]]))


def _zh_bare_weekday(m: re.Match, today: date) -> _Hit | None:
    return _Hit(floating=_weekday_floating(_WD_ZH[m["w"]], today))


def _zh_week_alone(m: re.Match, today: date) -> _Hit | None:
    return _fixed(_monday(today) + timedelta(days=7 * _WEEK_REL[m["rel"]]), precision="week")


def _shift(today: date, n: int, unit: str, half: bool = False) -> date:
    """today + n units (n may be negative); half=True means half a unit (半个月 = 15 days)."""
    sign = -1 if n < 0 else 1
    if unit in ("day", "天", "日"):
        return today + timedelta(days=n)
    if unit in ("week", "周", "星期", "礼拜"):
        return today + timedelta(days=(sign * 3 if half else 7 * n))
    if unit in ("month", "月"):
        return today + timedelta(days=sign * 15) if half else _add_months(today, n)
    return _add_months(today, sign * 6 if half else 12 * n)         # years


def _zh_relative(m: re.Match, today: date) -> _Hit | None:
    """3天后 / 两周后 / 一个月后 / 半个月后 / 5天前 / 两周内."""
    half = m["n"] == "半"
    n = 1 if half else cn_int(m["n"])
    unit, back = m["u"], m["dir"].endswith("前")
    if not n or (unit == "月" and not (m["ge"] or half)) or (unit == "日" and back):
        return None            # "3月后" is "after March"; "5日前" is "before the 5th"
    return _fixed(_shift(today, -n if back else n, unit, half))


def _zh_after_days(m: re.Match, today: date) -> _Hit | None:
    n = cn_int(m["n"])
    return _fixed(today + timedelta(days=n)) if n else None


def _zh_year_part(m: re.Match, today: date) -> _Hit | None:
    y = int(m["y"]) if m["y"] else today.year + _YEAR_REL.get(m["ry"] or "今年", 0)
    d = date(y, 1, 1) if m["part"] == "年初" else date(y, 12, 31)
    return _fixed(d, precision="part")


# --------------------------------------------------------------------------- English patterns

_EN_WD = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
          "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
          "fri": 4}
_EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_RX = (r"(?:january|february|march|april|may|june|july|august|september|october|november"
             r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)")
_EN_DAY_WORDS = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}
_EN_CNT = r"(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?couple\s+of)"


def _en_day_word(m: re.Match, today: date) -> _Hit | None:
    w = " ".join(m.group().lower().split())
    if "before yesterday" in w:
        return _fixed(today - timedelta(days=2))
    if "after tomorrow" in w:
        return _fixed(today + timedelta(days=2))
    return _fixed(today + timedelta(days=_EN_DAY_WORDS.get(w.split()[-1], 0)))


def _en_weekday(m: re.Match, today: date) -> _Hit | None:
    """last/next X is ambiguous when X falls in the current week ("next Friday" on a Thursday:
    tomorrow or the Friday after?), so both readings are offered then."""
    wd = _EN_WD[m["w"].lower().rstrip(".")]
    pre = " ".join((m["pre"] or "").lower().split())
    monday = _monday(today)
    if pre == "last":
        d = _strictly_before(today, wd)
        return _fixed(d - timedelta(days=7), d) if d >= monday else _fixed(d)
    if pre == "next":
        d = _strictly_after(today, wd)
        return _fixed(d, d + timedelta(days=7)) if d < monday + timedelta(days=7) else _fixed(d)
    if pre == "this":
        return _fixed(monday + timedelta(days=wd))
    if "coming" in pre:
        return _fixed(_strictly_after(today, wd))
    return _Hit(floating=_weekday_floating(wd, today))


def _en_month_day(m: re.Match, today: date) -> _Hit | None:
    mon = m["mon"]
    if mon == "may" or mon == "mar":            # the verbs "may"/"mar": only capitalised counts
        return None
    mo, d = _EN_MONTHS.index(mon[:3].lower()) + 1, int(m["d"])
    if m["y"]:
        return _fixed(_safe(int(m["y"]), mo, d))
    return _Hit(floating=_by_year(mo, d, today)) if 1 <= d <= 31 else None


def _en_the_nth(m: re.Match, today: date) -> _Hit | None:
    d = int(m["d"])
    return _Hit(floating=_by_month(d, today)) if 1 <= d <= 31 else None


def _en_count(m: re.Match) -> int | None:
    return cn_int(m["n"]) if m["n"] else 1


def _en_in(m: re.Match, today: date) -> _Hit | None:
    """in 2 weeks / within 3 days / after a month."""
    n = _en_count(m)
    return _fixed(_shift(today, n, m["u"].lower().rstrip("s"))) if n else None


def _en_ago_later(m: re.Match, today: date) -> _Hit | None:
    """3 days ago / two weeks later / a month from now."""
    n = _en_count(m)
    back = m["dir"].lower() in ("ago", "before", "earlier")
    return _fixed(_shift(today, -n if back else n, m["u"].lower().rstrip("s"))) if n else None


def _en_rel_period(m: re.Match, today: date) -> _Hit | None:
    k = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
    if m["u"].lower() == "week":
        return _fixed(_monday(today) + timedelta(days=7 * k), precision="week")
    return _fixed(_add_months(today.replace(day=1), k), precision="month")


def _en_month_edge(m: re.Match, today: date) -> _Hit | None:
    """end of the month / end of next month / early next month / year end."""
    w = " ".join(m.group().lower().split())
    if "year" in w:
        return _fixed(date(today.year, 12, 31), precision="part")
    first = _add_months(today.replace(day=1), 1 if "next" in w else 0)
    if "end" in w:
        return _fixed(first.replace(day=_last_day(first.year, first.month)), precision="part")
    return _fixed(first, precision="part")


# --------------------------------------------------------------------------- the table

_I = re.I
# (regex, handler). When two matches overlap the longer one wins, then the earlier row.
_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match, date], _Hit | None]]] = [
    # 2026-12-03, 2026/12/03, 2026.12.03
    (re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d|\.\d)"), _iso),
    # 2026年12月3日, 二〇二六年十二月三日, 明年3月5号
    (re.compile(rf"(?:(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})\s*年|(?P<ry>今年|明年|去年|后年|前年))"
                rf"\s*(?P<m>{_N})\s*月\s*(?P<d>{_N})(?:\s*[日号])?(?![\d万亿%])"), _zh_full),
    # 12月3日, 12月3号, 十二月三日 (year chosen by role)
    (re.compile(rf"(?<![个\d])(?P<m>{_N})\s*月\s*(?P<d>{_N})(?:\s*[日号])?(?![\d万亿%个])"), _zh_md),
    # 下月初, 本月底, 下个月中旬, 12月底
    (re.compile(rf"(?:(?P<rel>下下|上|下|本|这|次)个?|(?P<m>{_N})\s*)月"
                r"(?P<part>初|底|末|上旬|中旬|下旬|中(?![国心央文间午部层]))"), _zh_month_part),
    # 月底 / 月初 alone: this month
    (re.compile(r"(?<![\d一二三四五六七八九十个])月(?P<part>初|底|末)"), _zh_month_part),
    # 下个月3号, 本月15日
    (re.compile(rf"(?P<rel>下下|上|下|本|这|次)个?月\s*(?P<d>{_N})\s*[日号]"), _zh_month_day),
    # 下个月 alone (coarse)
    (re.compile(r"(?P<rel>下下|上|下|本|这|次)个?月(?![初底末中上下旬\d一二三四五六七八九十])"), _zh_month_alone),
    # 3/12 (ambiguous), 12.3 (month.day), 3/12/2026
    (re.compile(r"(?<![\d/.\-])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
                r"(?![\d/%])(?!\.\d)(?!\s*(?:[万亿元千百美块亩吨倍个人米%]"
                r"|(?i:billion|million|bn|mn|thousand|percent|k\b|m\b)))"), _slash),
    # 3号 / 25日 alone (month chosen by role); not 3号线 / 1号楼
    (re.compile(rf"(?<![\d月./\-年周])(?P<d>{_N})\s*[日号](?![线楼馆厅门院库房机车位口])"), _zh_bare_day),
    (re.compile("|".join(sorted(_DAY_WORDS, key=len, reverse=True))), _zh_day_word),
    # 上周五, 上星期五, 上礼拜五, 本周三, 这周三, 下周三, 下下周一, 下个星期三, 下周末
    (re.compile(r"(?P<rel>上上|下下|上|下|本|这)\s*个?\s*(?:周|星期|礼拜)\s*(?P<w>[一二三四五六日天1-7末])"), _zh_week_day),
    # 周五 alone (not 每周五)
    (re.compile(r"(?<![上下本这个每])(?:周|星期|礼拜)(?P<w>[一二三四五六日天1-7末])"), _zh_bare_weekday),
    # 下周 alone (coarse)
    (re.compile(r"(?P<rel>上上|下下|上|下|本|这)\s*个?\s*(?:周|星期|礼拜)(?![一二三四五六日天1-7末])"), _zh_week_alone),
    # 3天后, 两周后, 一个月后, 半个月后, 5天前, 两周内
    (re.compile(rf"(?P<n>{_CNT})\s*(?P<ge>个)?\s*(?P<u>天|日|周|星期|礼拜|月|年)\s*"
                r"(?P<dir>以后|之后|后|以内|之内|内|以前|之前|前)"), _zh_relative),
    # 过3天
    (re.compile(rf"过\s*(?P<n>{_CNT})\s*(?:天|日)"), _zh_after_days),
    # 年底, 明年初, 2026年底
    (re.compile(r"(?:(?P<y>\d{4})|(?P<ry>今年|明年|去年))?(?P<part>年底|年末|年初)"), _zh_year_part),
    # English ---------------------------------------------------------------
    (re.compile(r"\b(?:the\s+)?day\s+(?:before\s+yesterday|after\s+tomorrow)\b"
                r"|\b(?:yesterday|today|tonight|tomorrow)\b|\bthis\s+(?:morning|afternoon|evening)\b", _I),
     _en_day_word),
    (re.compile(r"(?:\b(?P<pre>last|next|this\s+coming|this|coming|on)\s+)?"
                r"\b(?P<w>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", _I), _en_weekday),
    # abbreviations only when capitalised (no Sat/Sun: a verb and a surname)
    (re.compile(r"(?:\b(?P<pre>[Ll]ast|[Nn]ext|[Tt]his|[Cc]oming|[Oo]n)\s+)?"
                r"\b(?P<w>Mon|Tues?|Wed|Thu(?:rs?)?|Fri)\b\.?"), _en_weekday),
    # Dec 3, December 3rd, December 3, 2026
    (re.compile(rf"\b(?P<mon>{_MONTH_RX})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?", _I),
     _en_month_day),
    # 3 Dec, 3rd of December, 3 December 2026
    (re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RX})\b\.?"
                rf"(?:,?\s+(?P<y>\d{{4}}))?", _I), _en_month_day),
    (re.compile(r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b", _I), _en_the_nth),
    (re.compile(rf"\b(?:in|within|after)\s+{_EN_CNT}?\s*(?P<u>days?|weeks?|months?|years?)\b", _I), _en_in),
    (re.compile(rf"\b{_EN_CNT}\s+(?P<u>days?|weeks?|months?|years?)\s+"
                r"(?P<dir>later|from\s+now|after|ago|before|earlier)\b", _I), _en_ago_later),
    (re.compile(r"\b(?P<rel>next|last|this)\s+(?P<u>week|month)\b", _I), _en_rel_period),
    (re.compile(r"\b(?:at\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|next\s+)?(?:month|year)\b"
                r"|\b(?:month|year)[- ]end\b"
                r"|\b(?:early|(?:the\s+)?(?:beginning|start)\s+of)\s+next\s+month\b", _I), _en_month_edge),
]


def _scan(text: str, today: date) -> list[tuple[int, int, _Hit]]:
    found = []
    for prio, (rx, handler) in enumerate(_PATTERNS):
        for m in rx.finditer(text):
            hit = handler(m, today)
            if hit is not None:
                found.append((m.start(), m.end(), prio, hit))
    found.sort(key=lambda f: (f[0] - f[1], f[2], f[0]))       # longest first, then table order
    taken: list[tuple[int, int, int, _Hit]] = []
    for f in found:
        if all(f[1] <= t[0] or f[0] >= t[1] for t in taken):
            taken.append(f)
    return [(s, e, hit) for s, e, _, hit in sorted(taken, key=lambda f: f[0])]


def _final_role(cands: list[date], today: date, ctx: str | None) -> str:
    """A date after today can only be a follow-up; today or before, only the meeting (the log
    is written after it: "今天回访了张总" is today's meeting). A date years away is a slip, not a
    plan: its cue words say which date it was meant to be ("9999年12月31日见了张总": the meeting),
    so that the question about it is asked about the right field."""
    if ctx and all(d > today + timedelta(days=366) for d in cands):
        return ctx
    if all(d > today for d in cands):
        return FOLLOWUP
    if all(d <= today for d in cands):
        return MEETING
    return ctx or MEETING


def parse_dates(text: str, today: date) -> list[DateMention]:
    t = normalize(text)
    spans = clauses(t)
    out = []
    for s, e, hit in _scan(t, today):
        ctx = _context_role(t, (s, e), clause_at(spans, s))
        cands = sorted(set(hit.fixed if hit.fixed is not None else hit.floating(ctx)))  # type: ignore[misc]  # a hit is fixed or floating
        if not cands:
            continue
        value = cands[0] if len(cands) == 1 else None
        out.append(DateMention(value, (s, e), text[s:e], cands, _final_role(cands, today, ctx),
                               hit.precision))
    return out


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where the dates are (for the amount parser: numbers inside dates are not money)."""
    return [(s, e) for s, e, _ in _scan(normalize(text), date(2000, 6, 15))]


# Date-shaped text that is no date: 2099年13月45日, 2026-02-30, 13月5日. The patterns above skip
# it (no such day), so without this the meeting would silently get no date (and default to
# today); the parser asks instead.
_DATE_SHAPED = re.compile(
    rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>{_N})\s*月\s*(?P<d>{_N})\s*[日号]"
    r"|(?<![\d.])(?P<iy>\d{4})(?P<s>[-/.])(?P<im>\d{1,2})(?P=s)(?P<id>\d{1,2})(?![\d.])")


def impossible_dates(text: str, today: date, known: list[DateMention] | None = None) -> list[DateMention]:
    """Date-shaped text that names no real day, with its role from the cue words (meeting when
    none): `value` None and no candidates. `known`: the text's `parse_dates`, when at hand."""
    t = normalize(text)
    spans = clauses(t)
    taken = [m.span for m in (parse_dates(t, today) if known is None else known)]
    out = []
    for m in _DATE_SHAPED.finditer(t):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        if m["iy"]:
            y, mo, d = int(m["iy"]), int(m["im"]), int(m["id"])
            real = _safe(y, mo, d) is not None
        else:
            mo, d = cn_int(m["m"]) or 0, cn_int(m["d"]) or 0     # 0: not a number, never real
            if m["y"]:
                real = bool(mo and d) and _safe(int(m["y"]), mo, d) is not None
            else:               # no year: a real day in some year (2月29日 is one)
                real = bool(mo and d) and _safe(2028, mo, d) is not None
        if real:
            continue
        role = _context_role(t, m.span(), clause_at(spans, m.start())) or MEETING
        out.append(DateMention(None, m.span(), text[m.start():m.end()], [], role))
    return out
