"""What a plain chat message asks for: a visitor profile, a question about one of the seven lists,
a meeting report, a problem report, a brief request or a tour request.

The decision is made from two kinds of evidence, both found by the same entity linker the matcher
uses (exact, pinyin, fuzzy: so 优会政策, 亚不力, 考查, 产亮 still meet 优惠, 亚布力, 考察, 产量):

1. what the words link to in the lists: an event's name (龙商回归, 哈洽会) is a question about
   events, a policy's name or alias (工业用地, 贷款贴息) one about policies, a resource (奶牛存栏,
   铜储量) one about resources; companies, titles, chains and places are what a visitor profile is
   made of; a people-list word (乡贤, 校友) asks whom; a format or language (视频, ppt, 俄文) asks
   for material;
2. cue words of each act (`CUES`): question words of a list (哪天, 优惠, 储量, 目标企业…),
   problem words (反映, 卡住, 迟迟没批), future-meeting words (明天见, 之前, 简报) and tour
   words (考察, 路线, 陪同), each with a weight. A meeting report is recognised by the meeting
   parser (`looks_like_meeting`: a meeting verb plus a date, amount, company or person) and by
   past-tense markers.

Every intent gets a score; the highest wins, the others are kept as alternatives (the chat shows
them as "不是这个意思" buttons). Nothing here knows Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from promo.matching.linker import Gazetteer, Term

INTENTS = ("profile", "say", "whom", "event", "policy", "project", "resource", "problem", "meeting",
           "brief", "tour")
LABELS = {"profile": "来访者画像", "say": "查材料", "whom": "查人", "event": "查活动", "policy": "查政策",
          "project": "查项目", "resource": "查资源", "problem": "记录问题", "meeting": "记录对接",
          "brief": "会前简报", "tour": "考察行程"}

# Cue words per intent with a weight. These are words of the *act* (asking a date, reporting a
# problem), not names of records: names come from the lists themselves.
CUES: dict[str, dict[str, float]] = {
    "event": {
        "活动": 1.0, "招商会": 1.2, "推介会": 0.8, "招商活动": 1.5, "展会": 0.9, "博览会": 0.9, "论坛": 0.7,
        "大会": 0.6, "哪天": 1.2, "几号": 1.2, "什么时候": 0.8, "哪儿办": 1.5, "在哪办": 1.5, "在哪儿办": 1.5,
        "报名": 1.0, "展位": 1.0, "日程": 0.8, "活动计划": 1.5, "年度计划": 1.2, "季度计划": 1.2, "月度计划": 1.2,
        "专场": 0.8, "去不去": 0.8, "开幕": 1.0, "召开": 0.8, "举办": 1.0,
        "when is": 1.2, "event": 1.2, "events": 1.2, "expo": 0.6, "fair": 0.6, "forum": 0.6,
        "когда": 1.2, "выставка": 0.8, "форум": 0.6, "мероприятие": 1.2,
    },
    "policy": {
        "政策": 1.5, "优惠": 1.5, "优惠政策": 2.0, "支持": 0.7, "补贴": 1.2, "减免": 1.2, "贴息": 1.2,
        "奖励": 0.9, "奖励办法": 1.5, "电价": 1.2, "水价": 1.2, "气价": 1.2, "多少钱一度": 1.5, "税收": 1.0,
        "免税": 1.0, "扶持": 1.2, "给什么": 0.8, "能给": 0.6, "落户": 0.8, "指标": 0.6, "省里要": 0.8,
        "能不能优惠": 1.5, "怎么回答": 0.6, "incentive": 1.5, "incentives": 1.5, "subsidy": 1.5,
        "policy": 1.5, "tax": 0.8, "льгота": 1.5, "льготы": 1.5, "субсидия": 1.5, "налог": 0.8,
    },
    "project": {
        "招商项目": 1.8, "项目清单": 1.5, "项目库": 1.5, "重点项目": 1.0, "目标企业": 2.0, "目标企业名单": 2.0,
        "还没对接": 1.0, "没对接过": 1.2, "招啥": 1.2, "招什么": 1.2, "可以招": 1.2, "要招": 0.8, "缺哪些": 1.0,
        "缺什么": 0.9, "投资额": 0.8, "前十": 0.5, "清单里": 0.8, "项目": 0.5,
        "investment project": 1.5, "investment projects": 1.5, "projects": 0.8, "targets": 1.0,
        "инвестиционные проекты": 1.5, "проекты": 0.8,
    },
    "resource": {
        "有什么矿": 2.0, "矿产": 1.2, "储量": 1.5, "产量": 1.5, "年产": 1.2, "年产量": 1.5, "存栏": 1.2,
        "面积": 1.0, "多少头": 1.0, "多少吨": 1.0, "图谱": 1.5, "上中下游": 1.5, "上下游": 1.2, "供应链图": 1.5,
        "产业链图": 1.5, "特产": 1.5, "资源": 1.0, "有什么": 0.5, "minerals": 1.5, "resources": 1.2,
        "output": 1.0, "ресурсы": 1.5, "природные ресурсы": 1.8, "полезные ископаемые": 1.8,
    },
    "problem": {
        "反映": 1.8, "问题": 1.0, "卡住": 1.5, "卡在": 1.5, "迟迟": 1.2, "没批": 1.2, "办不下来": 1.5,
        "慢": 0.8, "批复慢": 1.5, "希望": 0.4, "解决": 1.0, "协调": 1.2, "怎么弄": 0.8, "怎么办": 0.8,
        "谁管": 1.0, "没通": 1.2, "接不进去": 1.5, "一直没": 1.0, "没下来": 1.0, "急了": 1.0, "问题清单": 2.0,
        "投诉": 1.5, "提的": 0.6, "complain": 1.8, "complains": 1.8, "slow": 0.8, "problem": 1.2, "issue": 1.0,
        "жалуется": 1.8, "задержка": 1.2, "задержку": 1.2, "проблема": 1.2,
    },
    "brief": {
        "简报": 2.0, "背景": 1.2, "了解啥": 1.2, "需要了解": 1.2, "准备下": 0.8, "要点": 1.2, "会谈要点": 1.5,
        "汇总": 1.0, "该带什么": 1.5, "带什么": 1.2, "说说这家": 1.2, "之前": 0.6, "见面前": 1.2,
        "一并整理": 1.0, "brief": 2.0, "briefing": 2.0, "справку": 2.0, "справка": 2.0, "подготовьте": 0.8,
    },
    "tour": {
        "考察": 1.2, "考察团": 1.5, "路线": 1.5, "线路": 1.2, "行程": 1.5, "参观": 1.0, "陪同": 1.2,
        "接待规格": 1.8, "接待": 0.6, "看哪些点": 1.5, "看哪几个": 1.2, "看看": 0.6, "安排一下": 0.6, "怎么安排": 0.8,
        "怎么排": 0.8, "每一站": 1.5, "回乡考察": 1.0, "来黑河": 0.6, "site visit": 1.8, "itinerary": 1.8,
        "delegation": 0.8, "программа визита": 1.8, "визит": 1.0,
    },
    "say": {
        "推介材料": 1.5, "材料": 0.6, "宣传片": 1.2, "发我": 0.8, "发一份": 0.8, "准备个": 0.5, "放的": 0.5,
        "给我个": 0.4, "send me": 0.8, "нужна": 0.4,
    },
    "whom": {
        "找谁": 1.5, "谁能": 1.2, "引荐": 1.5, "牵线": 1.5, "认识": 0.8, "有没有咱们的人": 1.5, "咱们的人": 1.2,
        "谁认识": 1.5, "who knows": 1.5, "кто знает": 1.5, "who can": 1.5, "introduce": 1.2, "кто может": 1.5, "вывести нас": 1.2,
    },
    "meeting": {
        "见了": 1.0, "开完": 1.0, "聊了": 1.0, "谈了": 0.8, "碰到": 0.8, "拜访": 0.4, "对接": 0.5,
        "记录一下": 1.5, "接待了": 1.2, "见面了": 1.2, "已签": 0.8, "回访": 0.8, "再联系": 0.8, "met": 1.2,
        "встретились": 1.5, "обсуждали": 1.0,
    },
}

# A meeting still to come (明天见, 下午要见, 见…之前): with it a meeting verb asks for a brief.
_FUTURE = re.compile(r"(明天|明早|明晚|后天|下午|晚上|等下|等会|一会儿|待会|下周|周[一二三四五六日天]|星期[一二三四五六日天]"
                     r"|tomorrow|later today|завтра)\s*(要|就|去)?\s*(见|見|拜访|会见|見面|见面|meet|meeting|встреча)"
                     r"|(见|见面|拜访|会见|meeting)\S{0,12}(之前|前[,，\s]|以前|before)|before meeting", re.IGNORECASE)
_PAST = re.compile(r"(今天|昨天|前天|刚|刚刚|上午|中午|下午|上周|today|yesterday|сегодня|вчера)\S{0,20}"
                   r"(见了|见过|见面了|拜访了|对接了|开完|聊了|谈了|碰到|接待了|встретились|\bmet\b)|\bmet\b", re.IGNORECASE)
_MONTH = re.compile(r"(这个月|本月|下个月|下月|这个季度|本季度|下季度|今年|明年|(\d{1,2})月)")


@dataclass
class Intent:
    intent: str
    score: float
    scores: dict[str, float]
    alternatives: list[str]
    evidence: list[tuple[str, str, float]] = field(default_factory=list)   # (words, intent, weight)
    links: dict[str, list[str]] = field(default_factory=dict)              # kind → record ids

    def to_dict(self) -> dict:
        return {"intent": self.intent, "label": LABELS[self.intent], "score": round(self.score, 3),
                "alternatives": self.alternatives,
                "scores": {k: round(v, 3) for k, v in sorted(self.scores.items(), key=lambda kv: -kv[1]) if v > 0},
                "evidence": [{"words": w, "intent": i, "weight": round(x, 2)} for w, i, x in self.evidence],
                "links": self.links}


class IntentIndex:
    """Cue words and the names of events, policies and resources, in one gazetteer; the
    matcher's gazetteer gives companies, chains, places, projects, titles, list words, formats."""

    def __init__(self, library, shared: Gazetteer | None = None):
        """`shared`: the matcher's gazetteer; a record surface that is also a chain, company or
        place word there (玉米, 有色金属) says nothing about the list asked, and is left out."""
        from promo.matching.textnorm import normalize

        generic = set()
        if shared is not None:
            generic = {s for s, terms in shared.exact.items()
                       if any(t.kind in ("chain", "company", "place") for t in terms)}
        g = Gazetteer()
        for intent, words in CUES.items():
            for word, weight in words.items():
                g.add(word, Term("cue", f"{intent}|{weight}", word, "vocab"))
        for kind in ("events", "policies", "resources"):
            for r in library.lists.get(kind, []):
                k = {"events": "event", "policies": "policy", "resources": "resource"}[kind]
                for surface in (r.name, r.name_en, r.name_ru, *r.aliases):
                    if surface and normalize(surface) not in generic:
                        g.add(surface, Term(k, r.id, r.name, "alias"))
                for word in getattr(r, "keywords", []):
                    g.add(word, Term(k, r.id, r.name, "keyword"))
        g.freeze()
        self.gazetteer = g
        self.cues = {intent: [(normalize(w), x) for w, x in words.items()] for intent, words in CUES.items()}


class _Tally:
    """Scores, evidence and links of one message while it is being read."""

    def __init__(self) -> None:
        self.scores = {k: 0.0 for k in INTENTS}
        self.evidence: list[tuple[str, str, float]] = []
        self.links: dict[str, list[str]] = {}
        self.best: dict[str, float] = {}        # record kind → best match score (list records)
        self.kinds: dict[str, float] = {}       # matcher term kind → best match score
        self.seen_cues: set[tuple[str, str]] = set()

    def add(self, intent: str, weight: float, words: str) -> None:
        self.scores[intent] += weight
        self.evidence.append((words, intent, weight))

    def link(self, kind: str, ref: str) -> None:
        refs = self.links.setdefault(kind, [])
        if ref not in refs:
            refs.append(ref)

    def cue(self, intent: str, word: str, weight: float, text: str) -> None:
        if (intent, word) not in self.seen_cues:
            self.seen_cues.add((intent, word))
            self.add(intent, weight, text)


def _inside_a_name(m, names: list[tuple[int, int]]) -> bool:
    """A match cut out of (or overlapping) a company name: 金矿 in 紫金矿业."""
    return any(s <= m.start and m.end <= e and (m.start, m.end) != (s, e) or
               m.start < s < m.end < e or s < m.start < e < m.end for s, e in names)


def _read_cues_and_records(tally: _Tally, t: str, main, index: IntentIndex) -> None:
    names = [(m.start, m.end) for m in main.matches if any(x.kind == "company" for x in m.terms)]
    linked = index.gazetteer.link(t)
    for m in linked.matches:
        inside = _inside_a_name(m, names)
        for term in m.terms:
            if term.kind == "cue":
                cue_intent, cue_weight = term.ref.split("|")
                tally.cue(cue_intent, term.label, float(cue_weight) * min(m.score, 1.0), m.text)
            elif not inside and (m.how != "fuzzy" or m.score >= 0.75):   # one loose guess is not enough
                tally.link(term.kind, term.ref)
                tally.best[term.kind] = max(tally.best.get(term.kind, 0.0), m.score)
    # the cue words typed exactly, also where a longer fuzzy guess covered them
    norm = linked.norm
    for cue_intent, words in index.cues.items():
        for word, cue_w in words:
            if re.search(rf"\b{re.escape(word)}\b", norm) if word.isascii() else word in norm:
                tally.cue(cue_intent, word, cue_w, word)
    for kind, weight in (("event", 2.2), ("policy", 1.6), ("resource", 2.0)):
        if tally.links.get(kind):
            tally.add(kind, weight * tally.best[kind], f"{kind}:{','.join(tally.links[kind][:2])}")


def _read_entities(tally: _Tally, t: str, main) -> None:
    for m in main.matches:
        for term in m.terms:
            tally.link(term.kind, term.ref)
            tally.kinds[term.kind] = max(tally.kinds.get(term.kind, 0.0), m.score)
    kinds = tally.kinds
    # a visitor profile is made of who they are
    profile = sum(w for k, w in (("company", 0.9), ("title", 0.7), ("chain", 0.5), ("place", 0.3),
                                 ("audience", 0.4), ("org", 0.3)) if k in kinds)
    if profile:
        tally.add("profile", min(profile, 1.8), "profile words")
    if "list" in kinds:
        tally.add("whom", 1.6, "people list word")
    if "org" in kinds and "company" not in kinds:
        tally.add("whom", 0.5, "organisation")
    for k, w in (("kind", 1.6), ("language", 0.5), ("scope", 0.2)):
        if k in kinds:
            tally.add("say", w, k)
    if main.minutes:
        tally.add("say", 0.8, "length")
    visit = re.search(r"看\S{0,8}(项目|基地|企业|园区|口岸|牧场)|安排参观|来\S{0,6}考察|\bvisit\b", t, re.IGNORECASE)
    if visit:
        tally.add("tour", 1.0, visit.group(0))
    if "project" in kinds:
        tally.add("project", 0.4, "project name")


def _read_structure(tally: _Tally, t: str, today: dt.date) -> None:
    """Tense, the meeting parser, days, periods and question marks."""
    from promo.meetings.routing import looks_like_meeting

    scores = tally.scores
    future = _FUTURE.search(t)
    past = _PAST.search(t)
    if future:
        tally.add("brief", 1.6, future.group(0))
        scores["meeting"] -= 1.0
    if past and not future:
        tally.add("meeting", 1.2, past.group(0))
    if not future and looks_like_meeting(t, today):
        tally.add("meeting", 1.5, "meeting report")
    if future and scores["say"] >= 1.3:          # "明天见飞鹤王总 给我准备个乳业ppt": the material is asked
        tally.add("say", 0.6, "material for the meeting")
    if scores["tour"] > 0 and re.search(r"(\d|[一两二三四五])\s*(天|日|day|дн)", t):
        tally.add("tour", 0.8, "days")
    if scores["problem"] > 0 and (tally.links.get("company") or tally.links.get("project")):
        tally.add("problem", 0.3, "who raised it")
    if scores["event"] > 0 and _MONTH.search(t):
        tally.add("event", 0.4, "period")
    if re.search(r"[?？吗呢]|多少|哪些|有没有|有啥|什么|how|what|which|какие|когда|\?", t, re.IGNORECASE):
        scores["meeting"] -= 0.8
        scores["profile"] -= 0.3


def decide(text: str, matcher, index: IntentIndex, today: dt.date | None = None) -> Intent:
    """The intent of `text` with its evidence and the records it links to."""
    today = today or dt.date.today()
    t = (text or "").strip()
    tally = _Tally()
    main = matcher.gazetteer.link(t)
    _read_cues_and_records(tally, t, main, index)
    _read_entities(tally, t, main)
    _read_structure(tally, t, today)
    scores = tally.scores
    ranked = sorted(INTENTS, key=lambda k: (-scores[k], INTENTS.index(k)))
    winner = ranked[0]
    if scores[winner] < 0.5:
        winner = "profile"
        ranked = ["profile", *[k for k in ranked if k != "profile"]]
    alternatives = [k for k in ranked[1:] if scores[k] > 0][:3]
    return Intent(winner, scores[winner], scores, alternatives, tally.evidence, tally.links)


def month_range(text: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a question names (这个月, 下个月, 本季度, 今年, 3月), or None."""
    m = _MONTH.search(text or "")
    if not m:
        return None
    word = m.group(1)

    def month(y: int, mo: int) -> tuple[dt.date, dt.date]:
        nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
        return dt.date(y, mo, 1), nxt - dt.timedelta(days=1)

    if word in ("这个月", "本月"):
        return month(today.year, today.month)
    if word in ("下个月", "下月"):
        y, mo = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return month(y, mo)
    if word in ("这个季度", "本季度", "下季度"):
        q = (today.month - 1) // 3 + (1 if word == "下季度" else 0)
        y = today.year + q // 4
        q %= 4
        start = dt.date(y, q * 3 + 1, 1)
        return start, month(y, q * 3 + 3)[1]
    if word == "今年":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if word == "明年":
        return dt.date(today.year + 1, 1, 1), dt.date(today.year + 1, 12, 31)
    mo = int(m.group(2))
    if 1 <= mo <= 12:
        y = today.year if mo >= today.month else today.year + 1
        return month(y, mo)
    return None
