"""A visitor profile: what an officer's free text says about the visitor and the meeting.

`parse_profile(text, library)` links the words of the text to the lists (see `linker.py`) and
reads off company, chains, seniority, base city, origin, school, language, scenario, time and
format. Everything is optional: an officer types what they know.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


# Seniority levels, 1 (staff) … 5 (chairman / CEO of a group). Reception and ranking use them.
SENIORITY_NAMES = {1: "职员", 2: "经理", 3: "总监", 4: "副总", 5: "董事长/总经理"}


@dataclass
class Evidence:
    """One recognised piece of the text: which words, what they were taken for, how sure."""

    text: str          # the words as typed
    kind: str          # chain, company, place, school, title, scenario, format, audience, ...
    ref: str           # id or value it was linked to
    label: str         # display name (Chinese)
    score: float       # 0..1, 1 = exact
    how: str           # exact, pinyin, initials, stem, fuzzy, pattern
    source: str = ""   # what the words matched in the lists: name, alias, keyword, derived, vocab


@dataclass
class VisitorProfile:
    raw: str
    company_id: str | None = None
    company: str | None = None            # display name
    group_id: str | None = None           # parent group of the company, if any
    chain_ids: list[str] = field(default_factory=list)
    inherited_chain_ids: list[str] = field(default_factory=list)   # only via the company / project
    title: str | None = None
    seniority: int | None = None          # 1..5, see SENIORITY_NAMES
    audience: str | None = None           # central_soe, private, foreign, ... (models.Audience)
    city: str | None = None               # where the visitor is based (Chinese name)
    city_id: str | None = None
    origin: str | None = None             # hometown named in the query (Chinese name)
    origin_id: str | None = None
    origin_local: bool = False            # the origin is one of Heihe's own units
    school: str | None = None             # Chinese full name
    school_id: str | None = None
    organisation: str | None = None       # a ministry or agency named (商务部, 某商会)
    lists: list[str] = field(default_factory=list)      # people lists asked for (乡贤 → hometown)
    language: str = "zh"                  # zh / en / ru: the language to pitch in
    language_explicit: bool = False       # asked for ("俄语版") rather than guessed from script
    scenario: str | None = None           # models.Scenario value
    minutes: int | None = None            # time available: the most a material may take
    min_minutes: int | None = None        # at least (至少十分钟, 20分钟以上)
    kind: str | None = None               # models.Kind value wanted
    scope: str | None = None              # city / chain / project
    project_id: str | None = None
    words: list[str] = field(default_factory=list)      # leftover words not linked to anything
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        """True when the text told us anything we can rank on."""
        return bool(self.evidence)

    def confidence(self, kind: str) -> float:
        """How sure the text was about the best `kind` evidence (1 = exact name)."""
        return max((e.score for e in self.evidence if e.kind == kind), default=1.0)

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- parsing

_SENIOR_SUFFIX = "总董"          # 张总, 李董: how a senior manager is addressed


def build_profile(text: str, link, library, place_of=None, ancestors=None) -> VisitorProfile:
    """Read a VisitorProfile off a `linker.LinkResult` of `text`. `place_of(name)` gives the
    place a record's name starts with and `ancestors` the places containing each place
    (`matcher.place_ancestors`); with them a short form several records share is read as the
    one in the place the text names (`_prefer_named_place`)."""
    p = VisitorProfile(raw=text, minutes=link.minutes, min_minutes=link.min_minutes, words=list(link.leftovers))
    places: list[tuple[object, object]] = []
    company_score = 0.0
    named_places = {t.ref for m in link.matches for t in m.terms if t.kind == "place"}
    for m in link.matches:
        by_kind: dict[str, list] = {}
        for t in m.terms:
            by_kind.setdefault(t.kind, []).append(t)
        for kind, terms in by_kind.items():
            if kind in ("company", "org") and place_of is not None:
                terms = _prefer_named_place(terms, named_places, place_of, ancestors or {})
            term = terms[0]
            p.evidence.append(Evidence(m.text, kind, term.ref, term.label, m.score, m.how, term.how))
            if kind == "company":
                if m.score <= company_score:
                    continue
                company_score = m.score
            _apply(p, kind, terms, m, library, places)
    home_native = _apply_places(p, places, link.norm, library)
    _apply_lists(p, link, home_native)
    if p.title is None:
        senior = next((link.norm[i - 1:i + 1] for i in range(1, len(link.norm))
                       if link.norm[i] in _SENIOR_SUFFIX and "\u4e00" <= link.norm[i - 1] <= "\u9fff"
                       and (i + 1 == len(link.norm) or not "\u4e00" <= link.norm[i + 1] <= "\u9fff")), None)
        if senior:
            p.title, p.seniority = senior, 4
            p.evidence.append(Evidence(senior, "title", "总", senior, 0.8, "pattern"))
    if not p.language_explicit:
        p.language = _language_from_script(text, link)
    if p.company_id and p.audience is None:
        company = library.get("companies", p.company_id)
        if company and company.audience:
            p.audience = company.audience.value
    return p


def _apply(p: VisitorProfile, kind: str, terms, m, library, places) -> None:
    from promo.matching import vocab

    term = terms[0]
    if kind == "chain":
        for t in terms:
            if t.ref not in p.chain_ids:
                p.chain_ids.append(t.ref)
            if t.ref in p.inherited_chain_ids:
                p.inherited_chain_ids.remove(t.ref)
    elif kind == "company":
        company = library.get("companies", term.ref)
        p.company_id, p.company = term.ref, term.label
        p.group_id = company.group if company else None
        _inherit(p, company.chains if company else [])
    elif kind == "place":
        places.append((m, terms))
    elif kind == "school":
        p.school, p.school_id = term.label, term.ref
    elif kind == "org":
        p.organisation = term.ref
    elif kind == "project":
        p.project_id = term.ref
        project = library.get("projects", term.ref)
        _inherit(p, project.chains if project else [])
    elif kind == "title":
        level = vocab.TITLES[term.ref][0]
        if p.seniority is None or level > p.seniority:
            p.title, p.seniority = term.ref, level
    elif kind == "scenario":
        p.scenario = term.ref
    elif kind == "kind":
        p.kind = term.ref
    elif kind == "scope":
        p.scope = term.ref
    elif kind == "audience":
        p.audience = term.ref
    elif kind == "language":
        p.language, p.language_explicit = term.ref, True


def _prefer_named_place(terms, named: set[str], place_of, ancestors: dict[str, list[str]]) -> list:
    """A short form that several records share (黑龙江商会: the chambers of Shanghai, Guangzhou,
    Shenzhen) means the ones in a place the text names (广东 黑龙江商会 → Guangzhou's or
    Shenzhen's, not Shanghai's): they come first. A record's place is the place its name starts
    with (深圳市黑龙江商会 → 深圳市), or one inside it. Without such a place the order stays."""
    if len(terms) < 2 or not named:
        return terms

    def inside(term) -> bool:
        pid = place_of(term.label)
        return pid is not None and (pid in named or any(a in named for a in ancestors.get(pid, ())))

    first = [t for t in terms if inside(t)]
    return first + [t for t in terms if t not in first] if first else terms


def _apply_lists(p: VisitorProfile, link, home_native: bool = False) -> None:
    """The people lists the words name: strong words (乡贤, 校友, 部委, 中介) choose; a weak one
    (在京) only when no strong one is there. 黑河人 / 黑河籍 (a native of the home city itself)
    with no list word asks for the hometown list."""
    strong: list[str] = []
    weak: list[str] = []
    for m in link.matches:
        for t in m.terms:
            if t.kind == "list":
                (strong if t.how != "weak" else weak).append(t.ref)
    lists = list(dict.fromkeys(strong or weak)) or (["hometown"] if home_native else [])
    # 部委的老乡, земляки в министерствах: the ministry list is the natives in ministries, so
    # 老乡 describes them rather than asking for the hometown list too.
    if "ministry" in lists and "hometown" in lists:
        lists.remove("hometown")
    # 北安老乡 / 五大连池 老乡: with a hometown named, 老乡 asks for natives of it on any list
    # (an alumnus or a ministry official born there), not for the hometown list only.
    if p.origin_id and lists == ["hometown"]:
        lists = []
    p.lists = lists


def _inherit(p: VisitorProfile, chain_ids) -> None:
    for chain_id in chain_ids:
        if chain_id not in p.chain_ids:
            p.chain_ids.append(chain_id)
            p.inherited_chain_ids.append(chain_id)


def _apply_places(p: VisitorProfile, places, norm: str, library) -> bool:
    """Our own counties are hometowns; other places are where the visitor is based, unless
    the words around them say origin (哈尔滨人, 山东籍, 老家在…). The home city itself (黑河) is
    the setting of every list, not an origin: every hometown notable is a native of it. Returns
    whether the text speaks of natives of it (黑河人, 黑河籍, 黑河老乡)."""
    from promo.matching.vocab import ORIGIN_AFTER, ORIGIN_BEFORE

    home_native = False
    city_at = False      # the base city came from 在X (在广东做企业): an earlier bare place yields to it
    for m, terms in places:
        place = library.get("places", terms[0].ref)
        label = place.name if place else terms[0].label
        # A marker right after the place (哈尔滨人) or right before it (老家北安) — not one that
        # belongs to a neighbouring place ("哈尔滨人 在北京").
        after, before = norm[m.end:m.end + 2], norm[max(0, m.start - 8):m.start].rstrip(" 在是:：")
        marked = any(after.startswith(w) for w in ORIGIN_AFTER) or any(before.endswith(w) for w in ORIGIN_BEFORE)
        if place is not None and place.local and place.kind == "city":
            home_native = home_native or marked
            continue
        if (place is not None and place.local) or marked:
            if p.origin is None:
                p.origin, p.origin_id, p.origin_local = label, terms[0].ref, bool(place and place.local)
            continue
        # 在X says where they are (黑龙江的大学毕业 在广东做企业的: 广东, not 黑龙江).
        at = norm[max(0, m.start - 1):m.start] == "在"
        if p.city is None or (at and not city_at):
            p.city, p.city_id, city_at = label, terms[0].ref, at
    return home_native


def _language_from_script(text: str, link) -> str:
    from promo.matching.textnorm import script_of

    script = script_of(text)
    if script == "ru":
        return "ru"
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    if script == "en" and not has_chinese and link.latin_other > link.latin_pinyin:
        return "en"
    return "zh"
