"""Times and dates as officers type them (the /tour flow), checked at the edge with a Chinese
answer: a `WhenError` (a ValueError) carries the sentence to show.

    parse_clock("11:20") == parse_clock("1120") == parse_clock("11点20") == time(11, 20)
    parse_clock("下午2点") == time(14, 0); parse_clock("11点半") == time(11, 30)
    parse_day("12-09", today) / "12月9日" / "2026-12-09" / "明天" → a date from today on, within a year
"""

from __future__ import annotations

import datetime as dt
import re

MAX_DAYS_AHEAD = 366             # a tour is planned at most a year ahead


class WhenError(ValueError):
    """A typed time or date that is not one, or out of range; str() is the Chinese answer."""


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}


def _cn_number(text: str) -> int | None:
    """一 … 五十九 (and digits) → the number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


_PERIODS = (("凌晨", 0), ("早上", 0), ("早晨", 0), ("上午", 0), ("中午", 12), ("下午", 12), ("傍晚", 12),
            ("晚上", 12), ("夜里", 12), ("晚", 12))
_CLOCK_DIGITS = re.compile(r"^(\d{1,2})[:：.](\d{2})$|^(\d{3,4})$")
_CLOCK_WORDS = re.compile(r"^([零〇一二两三四五六七八九十\d]{1,3})[点点時时]"
                          r"(?:(半)|([零〇一二三四五六七八九十\d]{1,3})分?|(一刻)|(三刻))?(?:钟)?$")


def looks_like_clock(text: str) -> bool:
    """Only digits, clock punctuation and time words: meant as a time (perhaps a wrong one)."""
    return bool(re.fullmatch(r"[\d:：.\s点時时分半刻钟零〇一二两三四五六七八九十凌晨早上午中下傍晚夜里]+", text or ""))


def parse_clock(text: str) -> dt.time:
    raw = str(text or "").strip().replace(" ", "")
    words = raw
    shift = None
    for word, add in _PERIODS:
        if words.startswith(word):
            words, shift = words[len(word):], add
            break
    hour = minute = None
    m = _CLOCK_DIGITS.match(words)
    if m:
        if m.group(3):
            digits = m.group(3)
            hour, minute = int(digits[:-2]), int(digits[-2:])
        else:
            hour, minute = int(m.group(1)), int(m.group(2))
    else:
        m = _CLOCK_WORDS.match(words)
        if m:
            hour = _cn_number(m.group(1))
            minute = 30 if m.group(2) else 15 if m.group(4) else 45 if m.group(5) else (
                _cn_number(m.group(3)) if m.group(3) else 0)
    if hour is None or minute is None:
        raise WhenError(f"「{raw[:20]}」不是时间：请写 11:20、1120、11点20 或 下午2点")
    if shift == 12 and hour < 12:
        hour += 12
    if shift == 0 and hour == 12 and raw.startswith("凌晨"):
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"「{raw[:20]}」不是一天中的时间（0:00–23:59）")
    return dt.time(hour, minute)


_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_DATE_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_SHORT = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$")


def parse_day(text: str, today: dt.date) -> dt.date:
    """A tour date from today on and within MAX_DAYS_AHEAD days; a month-day without a year is
    the next one from today."""
    raw = str(text or "").strip().replace(" ", "")
    if raw in _RELATIVE:
        return today + dt.timedelta(days=_RELATIVE[raw])
    m = _DATE_FULL.match(raw)
    try:
        if m:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            m = _DATE_SHORT.match(raw)
            if not m:
                raise WhenError(f"「{raw[:20]}」不是日期：请写 12-09、12月9日、2026-12-09 或 明天")
            month, dom = int(m.group(1)), int(m.group(2))
            day = dt.date(today.year, month, dom)
            if day < today:
                day = dt.date(today.year + 1, month, dom)
    except ValueError as exc:
        if isinstance(exc, WhenError):
            raise
        raise WhenError(f"「{raw[:20]}」不是有效日期") from None
    return check_day(day, today)


def check_day(day: dt.date, today: dt.date) -> dt.date:
    if day < today:
        raise WhenError(f"{day:%Y-%m-%d} 已经过去：请选择今天（{today:%m-%d}）或以后的日期")
    if (day - today).days > MAX_DAYS_AHEAD:
        raise WhenError(f"{day:%Y-%m-%d} 太远：只能安排一年内（{today + dt.timedelta(days=MAX_DAYS_AHEAD):%Y-%m-%d} 前）的行程")
    return day


def check_start(date: dt.date, arrive: dt.time, now: dt.datetime) -> None:
    """A tour that starts today must not start in the past (`now`: local time, naive or aware)."""
    local = now.replace(tzinfo=None) if now.tzinfo is None else now.astimezone(
        dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    if dt.datetime.combine(date, arrive) < local.replace(second=0, microsecond=0):
        raise WhenError(f"到达时间 {date:%m-%d} {arrive:%H:%M} 已经过去（现在 {local:%m-%d %H:%M}）："
                        "请改到达时间或日期")
