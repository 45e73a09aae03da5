"""Which feature answers a plain private text: is it a meeting report ("今天在北京见了飞鹤张总…")
rather than a visitor profile ("飞鹤乳业 副总 北京 奶粉")? No Telegram here.

The check parses the text without the lists (the lists know company names that profiles use
too: "中储粮 总部拜访 粮食仓储" is a profile); the card then parses it with the lists.
"""

from __future__ import annotations

import datetime as dt
import re

from promo.meetings.parse import MeetingDraft, parse_meeting

_VERB = re.compile(
    r"见了|见到|见过|会见|拜访|拜会|走访|洽谈|商谈|会谈|座谈|对接了|对接过|对接|签约|签了|签订|来访|接待了?|约见|见面|"
    r"碰面|宴请|回访了|"
    r"(?i:\bmet\b|\bvisited\b|\bmeeting with\b|\btalked (?:to|with)\b|\bspoke (?:to|with)\b"
    r"|\bsigned\b|\bhosted\b|\bhad (?:a |an )?(?:meeting|call|dinner|lunch|talk) with\b)")
# A question about whom to ask or what to show is a profile query, even with a verb in it
# ("找谁对接飞鹤", "怎么对接伊利？").
_QUERY = re.compile(r"找谁|怎么|如何|谁能|谁可以|有没有|哪些|哪个|哪家|推荐|[?？]\s*$|吗\s*$"
                    r"|(?i:^\s*(?:who|how|which|what)\b)")




def read_report(text: str, today: dt.date) -> MeetingDraft | None:
    """The parse of a meeting report: a meeting verb plus at least one fact of a meeting (a
    date, an amount, a company or a person), and not a question; None for anything else.
    Profiles ("飞鹤乳业 副总 北京 奶粉") have no meeting verb. `today` is the officer's day
    in the configured time zone."""
    t = (text or "").strip()
    if not t or t.startswith("/") or len(t) > 2000 or not _VERB.search(t):
        return None
    d = parse_meeting(t, today)
    if _QUERY.search(t) and not d.dates:
        return None
    return d if d.dates or d.amounts or d.person or d.company else None


def looks_like_meeting(text: str, today: dt.date) -> bool:
    return read_report(text, today) is not None
