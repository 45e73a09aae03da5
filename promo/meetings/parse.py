"""One-message meeting log → `MeetingDraft`.

    "今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访"
    "Met Feihe VP Zhang in Beijing yesterday, dairy plant expansion, RMB 200 million,
     follow up next Wednesday"

Pure Python and rule based. Company / chain / place look-ups go through a `Resolver` the caller
passes in (the matcher implements it), so this module does not depend on the lists. Without a
resolver, companies come from heuristics (the words before 张总 / after 见了) and places from a
small built-in list. When a date, an amount or the company is ambiguous the field stays None and
a `Question` says what to ask: the parser asks rather than guesses silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from collections.abc import Sequence
from typing import Any, Protocol

from promo.meetings.amounts import AmountMention, parse_amounts
from promo.meetings.dates import (_MEETING_CUE, FOLLOWUP, MEETING, DateMention, clause_at, clauses,
                    impossible_dates, normalize, parse_dates)

__all__ = ["MeetingDraft", "Question", "Resolver", "parse_meeting", "detect_language",
           "money_label", "date_label", "date_out_of_range", "amount_out_of_range",
           "EARLIEST_DATE", "MAX_DAYS_AHEAD", "MAX_AMOUNT"]


class Resolver(Protocol):
    def find_company(self, text: str) -> list[tuple[str, str, int, int, float]]:
        """(company_id, display_name, start, end, score in [0, 1]), fuzzy."""
        ...

    def find_chains(self, text: str) -> list[str]:
        """chain ids mentioned (by name or keyword)."""
        ...

    def find_place(self, text: str) -> list[tuple[str, int, int]]:
        """(place name, start, end)."""
        ...

    # optional: def company_chains(self, company_id: str) -> list[str] — the chains the lists
    # give a company; used when the text itself names none


@dataclass
class Question:
    field: str               # the MeetingDraft field the answer fills
    text: str                # the ambiguous fragment of the message ("3/12", "500")
    choices: list[Any]       # values for the field (dates, ints in the currency, company ids)
    labels: list[str]        # how to show each choice, in the message's language
    prompt: str = ""


@dataclass
class MeetingDraft:
    raw: str
    language: str = "zh"                     # 'zh' | 'en'
    meeting_date: date | None = None         # None when not said (the caller may default to today)
    followup_date: date | None = None
    place: str | None = None
    company: str | None = None
    company_id: str | None = None
    person: str | None = None
    title: str | None = None
    chain_ids: list[str] = field(default_factory=list)
    amount_yuan: int | None = None
    amount: int | None = None                # in `currency` (for USD/EUR/RUB amount_yuan stays None)
    amount_text: str | None = None
    currency: str | None = None
    amount_kind: str | None = None           # 'investment' | 'domestic' | 'foreign' | 'in_place'
    amount_approx: bool = False
    stage: str = "contact"                   # 'contact' | 'signed' | 'registered' | 'started'
    topic: str | None = None
    next_step: str | None = None
    questions: list[Question] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)       # every mention, for the caller
    amounts: list[AmountMention] = field(default_factory=list)


# --------------------------------------------------------------------------- sanity bounds
# A log is written about a meeting just held and the steps of the coming months. Values outside
# these bounds are slips (a year typed 1026 or 9999, a unit typed 亿 for 万), so the card asks
# "确认是…吗？" instead of taking them:
# - dates before 2000: the lists and the office's records start long after; older is a typo;
# - dates more than a year (366 days) ahead: follow-ups are weeks or months out, 9999-12-31 is a
#   placeholder, not a plan; a meeting cannot be in the future at all, but a few days ahead are
#   left to the usual follow-up reading;
# - amounts above 1万亿 (10^12) in the amount's currency: more than any single project has ever
#   brought (the whole province's yearly GDP is about 1.6万亿元); for USD/EUR the bound is even
#   looser, so it only catches slips of the unit, never a real figure.
EARLIEST_DATE = date(2000, 1, 1)
MAX_DAYS_AHEAD = 366
MAX_AMOUNT = 10 ** 12


def date_out_of_range(d: date, today: date) -> bool:
    return d < EARLIEST_DATE or (d - today).days > MAX_DAYS_AHEAD


def amount_out_of_range(value: int | None) -> bool:
    return value is not None and value > MAX_AMOUNT


def parse_meeting(text: str, today: date, resolve: Resolver | None = None) -> MeetingDraft:
    t = normalize(text)
    d = MeetingDraft(raw=text, language=detect_language(t))
    d.dates, d.amounts = parse_dates(t, today), parse_amounts(t)
    _fill_dates(d, today)
    _ask_impossible_dates(d, t, today)
    _fill_amount(d)
    companies = _resolved_companies(t, resolve)
    places = _places(t, resolve)
    d.place = _choose_place(t, places, [c[2:4] for c in companies])
    blocked = ([m.span for m in d.dates] + [a.span for a in d.amounts]
               + [(s, e) for _, s, e in places] + [(c[2], c[3]) for c in companies])
    people = _people(t, blocked)
    if people:
        d.person, d.title = people[0].name, people[0].title
    blocked += [(p.start, p.end) for p in people]
    _fill_company(d, t, companies, people, blocked)
    d.chain_ids = list(dict.fromkeys(resolve.find_chains(t))) if resolve else []
    if not d.chain_ids and d.company_id and hasattr(resolve, "company_chains"):
        # "Met COFCO VP Li…" names no product, but the lists know COFCO's chains
        d.chain_ids = list(resolve.company_chains(d.company_id))  # type: ignore[union-attr]  # hasattr above: a resolver
    d.stage = _stage(t, d.dates)
    d.topic = _topic(t, blocked, d.amounts, d.dates, d.company)
    d.next_step = _next_step(t, d.dates, d.language)
    return d


def detect_language(text: str) -> str:
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han and han * 3 >= latin else "en"


# --------------------------------------------------------------------------- dates and amounts

def _fill_dates(d: MeetingDraft, today: date) -> None:
    for role, attr in ((MEETING, "meeting_date"), (FOLLOWUP, "followup_date")):
        mentions = [m for m in d.dates if m.role == role]
        # the meeting day must be a day: "上周" / "last month" are too coarse for it
        sure = [m for m in mentions
                if m.value is not None and (role == FOLLOWUP or m.precision in ("day", "part"))]
        if sure and date_out_of_range(sure[0].value, today):  # type: ignore[arg-type]  # sure: value is not None
            m = sure[0]
            d.questions.append(confirm_date(attr, m.value, m.text, d.language))  # type: ignore[arg-type]  # sure: value is not None
        elif sure:
            setattr(d, attr, sure[0].value)
        elif ambiguous := [m for m in mentions if m.ambiguous]:
            m = ambiguous[0]
            prompt = (f"「{m.text}」指的是哪一天？" if d.language == "zh" else f'Which date is "{m.text}"?')
            d.questions.append(Question(attr, m.text, list(m.candidates),
                                        [date_label(c, d.language) for c in m.candidates], prompt))


def confirm_date(attr: str, value: date, text: str, lang: str) -> Question:
    """"确认是9999年12月31日吗？" for a date outside the bounds; the one button keeps it."""
    label = date_label(value, lang)
    prompt = f"「{text}」：确认是{label}吗？" if lang == "zh" else f'"{text}": is it really {label}?'
    return Question(attr, text, [value], [("是，" if lang == "zh" else "Yes, ") + label], prompt)


def confirm_amount(field_name: str, value: int, currency: str, text: str, lang: str) -> Question:
    label = money_label(value, currency, lang)
    prompt = f"「{text}」：确认是{label}吗？" if lang == "zh" else f'"{text}": is it really {label}?'
    return Question(field_name, text, [value], [("是，" if lang == "zh" else "Yes, ") + label], prompt)


def _ask_impossible_dates(d: MeetingDraft, t: str, today: date) -> None:
    """"2099年13月45日" is no day: ask which day was meant (the meeting: today or yesterday; a
    follow-up: in a week or two; or typed), never put today in its place."""
    asked = {q.field for q in d.questions}
    for m in impossible_dates(t, today, d.dates):
        attr = "meeting_date" if m.role == MEETING else "followup_date"
        if attr in asked or getattr(d, attr) is not None:
            continue
        offsets = (0, -1) if attr == "meeting_date" else (7, 14)
        choices = [today + timedelta(days=n) for n in offsets]
        prompt = (f"「{m.text}」不是有效日期，是哪一天？" if d.language == "zh"
                  else f'"{m.text}" is not a valid date. Which day is it?')
        d.questions.append(Question(attr, m.text, choices, [date_label(c, d.language) for c in choices],
                                    prompt))
        asked.add(attr)


def _fill_amount(d: MeetingDraft) -> None:
    """The first amount is the meeting's; an ambiguous one becomes a question, and so does one
    above the bound (`MAX_AMOUNT`)."""
    if not d.amounts:
        return
    a = d.amounts[0]
    d.amount_text, d.currency, d.amount_kind, d.amount_approx = a.text, a.currency, a.kind, a.approx
    if not a.ambiguous and amount_out_of_range(a.amount):
        d.questions.append(confirm_amount("amount_yuan" if a.currency == "CNY" else "amount",
                                          a.amount, a.currency, a.text, d.language))  # type: ignore[arg-type]  # out of range: not None
        return
    if not a.ambiguous:
        d.amount, d.amount_yuan = a.amount, a.yuan
        return
    labels = [money_label(c, a.currency, d.language) for c in a.candidates]
    if d.language == "zh":
        prompt = f"「{a.text}」是{'还是'.join(labels)}？"
    else:
        prompt = f'Is "{a.text}" ' + " or ".join(labels) + "?"
    d.questions.append(Question("amount_yuan" if a.currency == "CNY" else "amount", a.text,
                                list(a.candidates), labels, prompt))


_WD_ZH = "一二三四五六日"
_CUR_ZH = {"CNY": "元", "USD": "美元", "EUR": "欧元", "RUB": "卢布", "HKD": "港元"}


def date_label(d: date, lang: str) -> str:
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日（周{_WD_ZH[d.weekday()]}）"
    return f"{d:%a} {d.day} {d:%b %Y}"


def _plain(value: int, div: int) -> str:
    return format((Decimal(value) / div).normalize(), "f")


def money_label(value: int, currency: str, lang: str) -> str:
    """500万元 / 2.5亿元 / 200万美元; RMB 5 million / USD 30 million."""
    if lang == "zh":
        num = (_plain(value, 10 ** 8) + "亿" if value >= 10 ** 8 else
               _plain(value, 10 ** 4) + "万" if value >= 10 ** 4 else str(value))
        return num + _CUR_ZH.get(currency, currency)
    code = "RMB" if currency == "CNY" else currency
    for div, word in ((10 ** 9, "billion"), (10 ** 6, "million"), (10 ** 3, "thousand")):
        if value >= div:
            return f"{code} {_plain(value, div)} {word}"
    return f"{code} {value:,}"


# --------------------------------------------------------------------------- places

# canonical name → aliases; Cyrillic names are stems so that case endings still match
_BUILTIN_PLACES = {
    "北京": ["Beijing", "Peking"], "上海": ["Shanghai"], "深圳": ["Shenzhen"], "广州": ["Guangzhou"],
    "哈尔滨": ["Harbin"], "大连": ["Dalian"], "沈阳": ["Shenyang"], "长春": ["Changchun"],
    "杭州": ["Hangzhou"], "南京": ["Nanjing"], "天津": ["Tianjin"], "成都": ["Chengdu"],
    "武汉": ["Wuhan"], "西安": ["Xi'an", "Xian"], "青岛": ["Qingdao"], "厦门": ["Xiamen"],
    "香港": ["Hong Kong"], "黑河": ["Heihe"], "北安": ["Bei'an", "Beian"],
    "五大连池": ["Wudalianchi"], "嫩江": ["Nenjiang"], "逊克": ["Xunke"], "孙吴": ["Sunwu"],
    "爱辉": ["Aihui"],
    "布拉戈维申斯克": ["布市", "Благовещенск", "Blagoveshchensk", "Blagoveschensk"],
    "莫斯科": ["Москв", "Moscow"], "哈巴罗夫斯克": ["伯力", "Хабаровск", "Khabarovsk"],
}
_PLACE_ALIAS = {a.lower(): canon for canon, aliases in _BUILTIN_PLACES.items()
                for a in [canon, *aliases]}
_PLACE_RX = re.compile("|".join(
    (rf"\b{re.escape(a)}\b" if re.match(r"[A-Za-z]", a) else re.escape(a))
    for a in sorted(_PLACE_ALIAS, key=len, reverse=True)), re.I)
# an unknown city written with its suffix: 在齐齐哈尔市
_PLACE_SUFFIXED = re.compile(r"(?<=在)(?P<p>[\u4e00-\u9fff]{2,4}?)(?:市|县|区)")
# "下次约在黑河见": where the next meeting will be, not this one
_NEXT_PLACE = re.compile(r"下次|下回|再约|约在|约定|(?i:next time|next meeting)")
_PLACE_CUE = re.compile(r"(?:在|于|赴|到|去|(?i:\b(?:in|at)\s+(?:the\s+)?)|\b[вВ]о?\s+)\s*$")


def _places(t: str, resolve: Resolver | None) -> list[tuple[str, int, int]]:
    if resolve is not None:
        return sorted(resolve.find_place(t), key=lambda p: p[1])
    found = [(_PLACE_ALIAS[m.group().lower()], m.start(), m.end()) for m in _PLACE_RX.finditer(t)]
    taken = [(s, e) for _, s, e in found]
    found += [(m["p"], m.start(), m.end()) for m in _PLACE_SUFFIXED.finditer(t)
              if not _overlaps((m.start(), m.end()), taken)]
    return sorted(found, key=lambda p: p[1])


def _choose_place(t: str, places: list[tuple[str, int, int]],
                  company_spans: list[tuple[int, int]]) -> str | None:
    """A place said with 在/in/at, else one in the clause of the meeting verb ("北京见了…");
    never one inside a company's name (北京首农). "对黑河的绿色食品感兴趣" names no meeting place."""
    free = [p for p in places if not _overlaps((p[1], p[2]), company_spans)]
    spans = clauses(t)
    cued = [p for p in free if _PLACE_CUE.search(t[max(0, p[1] - 8):p[1]])
            and not _NEXT_PLACE.search(t, clause_at(spans, p[1])[0], p[1])]
    in_meeting = [p for p in free if _MEETING_CUE.search(t, *clause_at(spans, p[1]))]
    pick = (cued or in_meeting)[:1]
    return pick[0][0] if pick else None


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


# --------------------------------------------------------------------------- people

@dataclass
class _Person:
    name: str
    title: str | None
    start: int
    end: int
    company: str | None = None          # the words before the person (heuristic)


_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严"
    "覃武戴莫孔汤常温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包尚符舒阮柯纪"
    "梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝辛靳管柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓古吉缪简芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝江")
_COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
                      "司徒", "夏侯", "长孙", "宇文", "独孤", "南宫", "端木", "申屠"}
# chars that end a name (particles, verbs that follow a name)
_NAME_STOP = set("了的在和与同及跟是见谈聊说等、表示介绍来去也都就对提想希望带率一行称讲答认为会将已")
_FORMAL_TITLES = ["副董事长", "董事长", "副总经理", "总经理", "副总裁", "总裁", "执行董事", "董事",
                  "总监", "董秘", "首席执行官"]
_OTHER_TITLES = ["秘书长", "副主任", "主任", "副书记", "书记", "副部长", "部长", "副局长", "局长",
                 "副处长", "处长", "科长", "副行长", "行长", "副院长", "院长", "副校长", "校长", "厂长",
                 "所长", "副会长", "会长", "主席", "老板", "经理", "总工", "副总", "先生", "女士", "老师"]
# 总 and 董 are titles only as "张总"/"李董", not in 总投资 / 总部 / 董事会
_SHORT_TITLES = r"总(?![部投额体共计结量值资数之而的经裁监工])|董(?!事)"
_TITLE_ZH = re.compile("|".join(sorted(_FORMAL_TITLES + _OTHER_TITLES, key=len, reverse=True))
                       + "|" + _SHORT_TITLES)
# titles that also come before a name: 董事长张伟 (not 总/董/老板 ..., which follow a surname)
_TITLE_BEFORE_NAME = set(_FORMAL_TITLES + _OTHER_TITLES) - {"老板", "先生", "女士", "老师", "副总"}


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _name_before(t: str, pos: int, formal: bool,
                 blocked: Sequence[tuple[int, int]] = ()) -> tuple[str, int] | None:
    """The name right before a title. 张总 / 飞鹤张总: a surname alone; 张伟董事长: a full name.
    With formal titles a full name is tried first, longest first (商贸王振江总经理: 王振江, not
    the surname-looking last char 江), with short ones a surname alone. A name never starts
    inside a known company's span, and when a company ends right before the title's name, the
    whole stretch between them is the name (阿穆尔华侨商贸|王振江|总经理)."""
    glued = max((e for s, e in blocked if e <= pos and pos - e <= 4), default=None)
    if glued is not None and glued < pos:
        name = t[glued:pos]
        if _name_chars(name) and (name[:2] in _COMPOUND_SURNAMES or name[0] in _SURNAMES):
            return name, glued
    for length in ((3, 2, 1, 4) if formal else (1, 2, 3, 4)):
        found = _name_of_length(t, pos, length, glued)
        if found:
            return found
    return None


def _name_chars(name: str) -> bool:
    return all(_is_han(c) and c not in _NAME_STOP for c in name)


def _name_of_length(t: str, pos: int, length: int, glued: int | None) -> tuple[str, int] | None:
    """The `length` characters before `pos` as a name (see _name_before), or None."""
    s = pos - length
    name = t[max(s, 0):pos]
    if s < 0 or not _name_chars(name):
        return None
    if glued is not None and s < glued:
        return None
    if length == 3 and name[1] in _SURNAMES and s > 0 and _is_han(t[s - 1]) \
            and t[s - 1] not in _NAME_STOP:
        return None         # 蒙牛李明 / 同方张伟: the company's last char, then a two-char name
    if name[:2] in _COMPOUND_SURNAMES or (name[0] in _SURNAMES and length <= 3
                                           and name[:2] not in _COMPOUND_SURNAMES):
        return name, s
    return None


# A bare surname is not a name: "张总" is how the person is known, so the surname and the title
# together are the person. Pure forms of address (总, 董, 先生 …) say nothing about the job and
# leave the title empty; a real title stays a title too (张局长: person 张局长, title 局长).
_HONORIFICS = {"总", "董", "老板", "先生", "女士", "老师"}


def _address(name: str, title: str) -> tuple[str, str | None]:
    surname_only = len(name) == 1 or (len(name) == 2 and name in _COMPOUND_SURNAMES)
    if not surname_only:
        return name, title
    return name + title, (None if title in _HONORIFICS else title)


def _name_after(t: str, pos: int) -> str | None:
    """董事长冷友斌: a surname then at most two given-name chars."""
    base = 2 if t[pos:pos + 2] in _COMPOUND_SURNAMES else 1 if t[pos:pos + 1] in _SURNAMES else 0
    if not base:
        return None
    end, limit = pos + base, min(len(t), pos + base + 2)
    while end < limit and _is_han(t[end]) and t[end] not in _NAME_STOP and not _TITLE_ZH.match(t, end):
        end += 1
    return t[pos:end]


_EN_LOWER = r"[a-z\u00e0-\u024f]"
_EN_NAME = rf"[A-Z]{_EN_LOWER}+(?:[ -][A-Z]{_EN_LOWER}+)?"
_EN_TITLE = (r"(?i:senior vice president|executive vice president|vice[- ]president|general manager"
             r"|managing director|deputy general manager|deputy director|chairwoman|chairman|chair"
             r"|president|co-founder|founder|partner|director|manager|head|secretary"
             r"|SVP|EVP|VP|CEO|CFO|COO|CTO|GM)")
_EN_HONOR = r"(?:Mr|Ms|Mrs|Dr|Madam)\.?"
_EN_CO = r"[A-Z][\w&.\-]*(?:\s+(?:[A-Z][\w&.\-]*|&))*"
_EN_PERSON = re.compile(rf"\b(?P<title>{_EN_TITLE}|{_EN_HONOR})\s+(?P<name>{_EN_NAME})\b")
# "Met Zhang Wei, chairman of COFCO" (the comma keeps "Met Feihe VP Zhang" out)
_EN_PERSON_FIRST = re.compile(rf"(?i:\bmet(?:\s+with)?|\bvisited|\bmeeting\s+with|\bsaw|\bwith|\band)\s+"
                              rf"(?P<name>{_EN_NAME}),\s+(?:the\s+)?(?P<title>{_EN_TITLE})\b")
_PINYIN_SURNAMES = set(
    "zhang wang li liu chen yang zhao huang zhou wu xu sun hu zhu gao lin he guo ma luo liang song "
    "zheng xie han tang feng yu dong xiao cheng cao yuan deng fu shen zeng peng lu lü su jiang cai "
    "jia ding wei xue ye yan pan du dai xia zhong tian ren fan fang shi yao tan liao zou xiong jin "
    "hao kong bai cui kang mao qiu qin gu hou shao meng long wan duan lei qian yin yi chang qiao lai "
    "gong wen leng".split())
_NOT_NAMES = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "The"}


def _people(t: str, blocked: list[tuple[int, int]]) -> list[_Person]:
    out = _zh_people(t, blocked) + _en_people(t)
    out.sort(key=lambda p: p.start)
    return out


def _zh_people(t: str, blocked: list[tuple[int, int]]) -> list[_Person]:
    out: list[_Person] = []
    spans = clauses(t)
    for m in _TITLE_ZH.finditer(t):
        title = m.group()
        if out and m.start() < out[-1].end:
            continue
        before = _name_before(t, m.start(), title in _FORMAL_TITLES, blocked)
        if before and not _overlaps((before[1], m.start()), blocked):
            p = _Person(*_address(before[0], title), before[1], m.end())
        elif title in _TITLE_BEFORE_NAME and (after := _name_after(t, m.end())):
            p = _Person(after, title, m.start(), m.end() + len(after))
        else:
            continue
        p.company = _company_left(t, p.start, blocked, out[-1].end if out else None, spans)
        out.append(p)
    return out


def _en_people(t: str) -> list[_Person]:
    out: list[_Person] = []
    for rx in (_EN_PERSON, _EN_PERSON_FIRST):
        for m in rx.finditer(t):
            name = m["name"]
            if name.split()[0] in _NOT_NAMES or name.lower() in _PLACE_ALIAS:
                continue
            span = (min(m.start("title"), m.start("name")), max(m.end("title"), m.end("name")))
            if _overlaps(span, [(p.start, p.end) for p in out]):
                continue
            title = None if re.fullmatch(_EN_HONOR, m["title"]) else m["title"]
            out.append(_Person(name, title, *span))
    if not out:                       # "Met Zhang Wei yesterday": a pinyin name after the verb
        met = re.search(rf"(?i:\bmet(?:\s+with)?|\bvisited|\bmeeting\s+with)\s+(?P<name>{_EN_NAME})\b", t)
        if met and met["name"].split()[0].lower() in _PINYIN_SURNAMES:
            out.append(_Person(met["name"], None, met.start("name"), met.end("name")))
    return out


# --------------------------------------------------------------------------- companies

_ZH_VISIT = r"见了|见到|见过|会见了?|拜访了?|拜会了?|走访了?|接待了?|约见了?|对接了?|陪同|来自|宴请了?|见"
_ZH_AFTER_VISIT = re.compile(
    rf"(?:{_ZH_VISIT})(?P<co>[\u4e00-\u9fffA-Za-z0-9&]{{2,25}}?)"
    r"(?=洽谈|商谈|谈|聊|讨论|交流|探讨|沟通|的|在|和|与|，|,|。|；|;|\s|$)")
_CO_SUFFIX = re.compile(r"(?:集团股份有限公司|股份有限公司|有限责任公司|集团有限公司|有限公司|集团公司|集团|公司"
                        r"|总部|(?i:\s*(?:co\.?,?\s*ltd\.?|ltd\.?|inc\.?|group|corporation|corp\.?|company"
                        r"|llc|plc|'s)))$")
# words for "a visitor", not a company name: 客商, 俄方企业代表, 他们
_GENERIC_CO = re.compile(r"(?:俄方|外方|对方|我方|中方|韩方|日方)?(?:企业|客商|客户|投资人|投资商|老朋友|领导|专家|朋友"
                         r"|企业家|代表|企业代表|代表团|考察团|一行)?|他们|对方|大家")
_EN_CO_BEFORE_TITLE = re.compile(
    rf"(?i:\bmet|\bvisited|\bsaw|\bwith|\btalked\s+to|\bspoke\s+to)\s+"
    rf"(?:the\s+)?(?P<co>{_EN_CO}?)(?:'s)?\s+(?={_EN_TITLE}\s+[A-Z])")
_EN_CO_OF = re.compile(rf"(?:{_EN_TITLE}|{_EN_HONOR}|{_EN_NAME})\s+(?:of|from|at)\s+(?P<co>{_EN_CO})")
_EN_CO_AFTER_VERB = re.compile(
    rf"(?i:\bmet(?:\s+with)?|\bvisited|\bmeeting\s+with)\s+(?:the\s+)?(?P<co>{_EN_CO})")


def display_company(name: str) -> str:
    """飞鹤乳业有限公司 → 飞鹤乳业; 中粮集团 → 中粮; COFCO Group → COFCO."""
    prev = None
    name = name.strip()
    while prev != name:
        prev, name = name, _CO_SUFFIX.sub("", name).strip()
    return name or prev


def _company_left(t: str, start: int, blocked: list[tuple[int, int]], prev_end: int | None,
                  spans: list[tuple[int, int]]) -> str | None:
    """The company right before a person: after the last date/place/verb in the clause
    ("今天在北京见了 | 飞鹤 | 张总"), or after the previous person and 和/与 ("…张总和 | 伊利 | 李总")."""
    a = clause_at(spans, start)[0]
    for _s, e in blocked:
        if a < e <= start:
            a = e
    if prev_end is not None and a < prev_end <= start:
        a = prev_end
        seg = re.sub(r"^(?:和|与|同|跟|及|以及|还有|、)", "", t[a:start])
    else:
        seg = t[a:start]
    cut = None
    for cut in re.finditer(rf"{_ZH_VISIT}|与|和|跟|及|、", seg):  # noqa: B007 - keeps the last; not 同: 同仁堂, 同方
        pass
    if cut:
        seg = seg[cut.end():]
    seg = re.sub(r"^[了的\s:：]+|[的\s]+$", "", seg)
    return seg if _good_company(seg) else None


def _good_company(name: str) -> bool:
    """Not a generic word ("客商", "某企业", "3家企业") nor a place; 一汽 and 三一重工 are fine."""
    return (2 <= len(name) <= 30 and not _GENERIC_CO.fullmatch(display_company(name))
            and not re.match(r"[某该这那各]|(?:\d+|[一二两三四五六七八九十几多]+)[家个位名批]", name)
            and name.lower() not in _PLACE_ALIAS)


def _resolved_companies(t: str, resolve: Resolver | None) -> list[tuple[str, str, int, int, float]]:
    """One hit per company id (its best score), kept when close to the best hit."""
    if resolve is None:
        return []
    best: dict[str, tuple[str, str, int, int, float]] = {}
    for hit in resolve.find_company(t):
        if hit[0] not in best or hit[4] > best[hit[0]][4]:
            best[hit[0]] = hit
    if not best:
        return []
    top = max(h[4] for h in best.values())
    return sorted((h for h in best.values() if h[4] >= max(0.5, top - 0.15)), key=lambda h: h[2])


def _heuristic_companies(t: str, people: list[_Person], blocked: list[tuple[int, int]]) -> list[str]:
    """The first strategy that finds something: the words before the people ("飞鹤|张总");
    after 见了/拜访 ("拜访了|中粮集团"); a name ending in 公司/集团; the English patterns."""
    names = [p.company for p in people if p.company]
    for strategy in (_zh_after_visit, _zh_suffixed, _en_company):
        if names:
            break
        names = strategy(t, people, blocked)
    return list(dict.fromkeys(display_company(n) for n in names))


def _zh_after_visit(t: str, people: list[_Person], blocked: list[tuple[int, int]]) -> list[str]:
    for m in _ZH_AFTER_VISIT.finditer(t):
        co = re.split(_ZH_VISIT, m["co"])[-1]           # "陪同市领导拜访了伊利集团" → 伊利集团
        if _good_company(co) and not _overlaps((m.end("co") - len(co), m.end("co")), blocked):
            return [co]
    return []


def _zh_suffixed(t: str, people: list[_Person], blocked: list[tuple[int, int]]) -> list[str]:
    spans = clauses(t)
    for m in re.finditer(r"集团|公司", t):
        co = _company_left(t, m.end(), blocked, None, spans)
        if co:
            return [co]
    return []


def _en_company(t: str, people: list[_Person], blocked: list[tuple[int, int]]) -> list[str]:
    for rx in (_EN_CO_BEFORE_TITLE, _EN_CO_OF, _EN_CO_AFTER_VERB):
        for m in rx.finditer(t):
            co = re.split(rf"\s+(?={_EN_TITLE}\b)", m["co"].strip())[0]     # "Feihe VP Zhang" → Feihe
            if _good_company(co) and co not in {p.name for p in people} and \
                    not _overlaps(m.span("co"), blocked) and co.split()[0] not in _NOT_NAMES:
                return [co]
    return []


def _fill_company(d: MeetingDraft, t: str, companies: list, people: list[_Person],
                  blocked: list[tuple[int, int]]) -> None:
    if companies:
        choices = [(c[0], c[1]) for c in companies]
    else:
        choices = [(None, n) for n in _heuristic_companies(t, people, blocked)]
    if len(choices) == 1:
        d.company_id, d.company = choices[0]
    elif len(choices) > 1:
        labels = [c[1] for c in choices]
        prompt = "说的是哪家企业？" if d.language == "zh" else "Which company is the meeting about?"
        d.questions.append(Question("company", "、".join(labels),
                                    [c[0] if c[0] is not None else c[1] for c in choices], labels, prompt))


# --------------------------------------------------------------------------- stage

_STAGE_CUES = [
    ("started", re.compile(r"开工|动工|破土|(?i:broke ground|groundbreaking"
                           r"|construction (?:has )?(?:started|began|begun))")),
    ("registered", re.compile(r"入统|纳统|(?i:\bregistered\b(?!\s+capital))")),
    ("signed", re.compile(r"签约|签了|签订|签署|签下|已签|(?i:\bsigned\b|\bsigning\b|\binked\b)")),
]
_STAGE_ORDER = ["contact", "signed", "registered", "started"]
# a stage word after these is a plan, not a fact ("准备签约", "will sign")
_NOT_YET = re.compile(r"(?:未|没|没有|尚未|还没|还未|拟|计划|准备|将|预计|争取|待|有望|力争|要|可能|打算|希望|想|即将"
                      r"|(?i:not yet|not|will|plan(?:s|ned)? to|to be|expected to|hope to|going to|may"
                      r"|could|would|aim to|about to|ready to)\s+(?:be\s+)?)\s*$")


def _stage(t: str, dates: list[DateMention]) -> str:
    spans = clauses(t)
    future = {clause_at(spans, m.span[0]) for m in dates if m.role == FOLLOWUP}
    stage = 0
    for name, rx in _STAGE_CUES:
        for m in rx.finditer(t):
            if _NOT_YET.search(t[max(0, m.start() - 12):m.start()]) or clause_at(spans, m.start()) in future:
                continue
            stage = max(stage, _STAGE_ORDER.index(name))
    return _STAGE_ORDER[stage]


# --------------------------------------------------------------------------- topic and next step

_SEG = r"[^，,。；;！!？?\n]"
_TOPIC_ZH = re.compile(
    rf"就(?P<a>{_SEG}{{2,30}}?)(?:进行|展开|开展|交换|达成)"
    rf"|关于(?P<b>{_SEG}+)|对(?P<d>{_SEG}{{2,30}}?)(?:很|非常|比较)?(?:感兴趣|有兴趣|有意向)"
    r"|(?<![座再会面约])(?:洽谈了?|商谈了?|谈了谈|谈到了?|谈判|谈了|谈|聊了聊|聊到了?|聊了|聊|讨论了?|交流了?"
    rf"|探讨了?|沟通了?|商讨了?)(?!会)(?P<c>{_SEG}+)")
_TOPIC_EN = re.compile(r"(?i:\b(?:discussed|discussing|talked about|talking about|spoke about|talk about|interested in"
                       r"|regarding|about|on the topic of)\s+)(?P<t>[^,;\n]+)")
_TOPIC_LEAD = re.compile(r"^(?:了一下|一下|了|下|关于|有关|的|到位|内资|外资|(?i:the|a|an|their|his|her|our)\b)\s*")
_TOPIC_TAIL = re.compile(r"(?:的事情|的事|事宜|等事项|等|的|计划投资|总投资|投资额|投资|大约|约|金额|资金|项目总|到位|到账"
                         r"|内资|外资"
                         r"|(?i:\s+(?:worth|with|of|for|about|around|at|in|on|investment|invest)))\s*$")
_NEXT_CUE = re.compile(r"回访|复访|跟进|下次|下回|提供|寄送|寄给|发送|发给|安排|再约|再洽谈|再谈|再联系|再对接|约定|邀请"
                       r"|报送|落实|协调|准备|下一步|(?i:follow[- ]?up|\bsend|\bprovide|\barrange|\binvite"
                       r"|\brevisit|\bschedule|call back|get back|\bprepare|next step)")
_ANY_CUE = re.compile(r"见了|见到|见面|会见|拜访|拜会|走访|接待|会谈|座谈|碰面|考察|来访|调研|参观"
                      r"|(?i:\bmet\b|meeting|visited|\bsaw\b|talked|spoke)")
# a count or a phone in a clause: "带动就业500人", "电话139…" are facts, not the topic
_COUNT = re.compile(r"\d+\s*(?:[人名个亩吨头只户辆台套家次件%％]|(?i:people|jobs|tons?|hectares?)\b)|\d{7,}")


def _clean_topic(t: str, a: int, b: int, stops: list[tuple[int, int]]) -> str | None:
    """The topic text from a to b, cut at the first amount/date/next-step cue, trimmed."""
    for s, _ in sorted(stops):
        if a <= s < b:
            b = s
            break
    if (m := _NEXT_CUE.search(t, a, b)) is not None:
        b = m.start()
    topic, prev = t[a:b].strip(), None
    while topic != prev:
        prev = topic
        topic = _TOPIC_TAIL.sub("", _TOPIC_LEAD.sub("", topic)).strip(" ,，:：、")
    return topic if len(topic) >= 2 else None


def _topic(t: str, blocked: list[tuple[int, int]], amounts: list[AmountMention],
           dates: list[DateMention], company: str | None) -> str | None:
    stops = [a.span for a in amounts] + [m.span for m in dates]
    for rx, groups in ((_TOPIC_ZH, ("a", "b", "c", "d")), (_TOPIC_EN, ("t",))):
        for m in rx.finditer(t):
            g = next(g for g in groups if m[g] is not None)
            if topic := _clean_topic(t, m.start(g), m.end(g), stops):
                return topic
    return _bare_clause_topic(t, blocked, company, dates)


def _is_deadline_clause(t: str, a: int, b: int, dates: Sequence[DateMention]) -> bool:
    return any(dm.role == FOLLOWUP and a <= dm.span[0] < b and _DEADLINE.match(t, dm.span[1], b)
               for dm in dates)


def _bare_clause_topic(t: str, blocked: list[tuple[int, int]], company: str | None,
                       dates: Sequence[DateMention] = ()) -> str | None:
    """A clause that is none of date/place/company/amount/meeting/next step is the topic:
    "Met … yesterday, | dairy plant expansion |, RMB 200 million, follow up …".
    Clauses with a stage word, a count or a phone are not topics."""
    for a, b in clauses(t):
        seg = t[a:b]
        if _ANY_CUE.search(seg) or _NEXT_CUE.search(seg) or _COUNT.search(seg) or \
                _is_deadline_clause(t, a, b, dates) or \
                any(rx.search(seg) for _, rx in _STAGE_CUES) or (company and company in seg):
            continue
        rest = "".join(" " if _overlaps((i, i + 1), blocked) else t[i] for i in range(a, b))
        rest = re.sub(r"\s+", " ", rest).strip()
        if topic := _clean_topic(rest, 0, len(rest), []):
            if len(re.findall(r"[\u4e00-\u9fff]", topic)) >= 2 or len(topic.split()) >= 2:
                return topic
    return None


# a deadline word right after a date, then an action: "下周三前|发项目建议书", "月底之前报送"
_DEADLINE = re.compile(r"\s*(?:之前|以前|前|以内|之内|内|截止|为限)\s*[\u4e00-\u9fffA-Za-z]{2,}")


def _next_step(t: str, dates: list[DateMention], lang: str) -> str | None:
    """Every clause with a next-step cue, from the cue (or the follow-up date just before it)."""
    parts = []
    for a, b in clauses(t):
        m = _NEXT_CUE.search(t, a, b)
        if m is None:
            # "下周三前发项目建议书": no cue word, but a follow-up date as a deadline with
            # something to do after it is the next step (from the date on)
            if _is_deadline_clause(t, a, b, dates):
                first = min(dm.span[0] for dm in dates if dm.role == FOLLOWUP and a <= dm.span[0] < b)
                if part := t[first:b].strip(" 。.，,;；"):
                    parts.append(part)
            continue
        start = m.start()
        for dm in dates:
            if a <= dm.span[0] < start and 0 <= start - dm.span[1] <= 3 and dm.role == FOLLOWUP:
                start = min(start, dm.span[0])
        part = t[start:b].strip(" 。.，,;；")
        if part:
            parts.append(part)
    return ("；" if lang == "zh" else "; ").join(parts) or None
