"""What to say: rank pitch materials for a visitor profile.

A material's score is its *relevance* (does it speak about what the visitor cares for?)
times a *fit* factor per request (format, language, length, scenario, audience, scope):

    relevance: same project 1.0 · chain material whose main chain the text names 0.9 (0.85 when
               the chain is a side chain of the material; 0.7 when the chain only comes with the
               visitor's company and the text names another) · when the text names no chain, the
               company's: its main chain 0.9, as a side topic of the material 0.8, another chain of
               the company 0.7 · project of such a chain 0.75 (0.6) ·
               words of the text in title/tags 0.7 (+0.1 on top of another reason) ·
               whole-city material 0.6 (0.85 when the text names nothing more specific)
    fit:       1.0 when the material is what was asked for, down to 0.5 when it is not

The company's main chain (its first) is what its visitor is about: a grain group's question is
about grain first. The language guessed from the script (a Russian-typed query) weighs less
than the industry: a Russian query about corn gets corn materials first, Russian ones first
among them.

What the officer asks for — a format, at most / at least so many minutes, a language named
outright, a scope, or the same from the buttons — is a hard filter whenever some available,
relevant material on the asked topic meets all of it: only such materials are listed. When
none does, the nearest are listed with `exact = False`: the materials on the asked topic first
(by the ranking above, which prefers what comes closest), then the others; the card says so
("没有完全符合的，最接近的是…").

Scores are in [0, 1] and comparable across queries; `GOOD` is the cut below which a material
is noise. Materials not yet released, expired or withdrawn are never returned. The arrays are
built once per library; a query is a handful of numpy operations over all materials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from promo.lists.models import Audience, Kind, Lang, Material, Scenario, Scope
from promo.matching.profile import VisitorProfile
from promo.matching.linker import strip_place
from promo.matching.textindex import TextIndex
from promo.matching.textnorm import normalize

GOOD = 0.3
NEAREST = "没有完全符合的，最接近的是："
SCOPE_LABELS = {"city": "城市", "chain": "产业链", "project": "重点项目"}
KIND_LABELS = {"video": "视频", "brochure": "图册", "ppt": "PPT", "document": "文件", "web": "网页"}
LANG_LABELS = {"zh": "中文", "en": "English", "ru": "Русский"}
_FAR_FUTURE = dt.date(9999, 12, 31).toordinal()


@dataclass
class RankedMaterial:
    material: Material
    score: float
    why: list[str]


@dataclass
class SayResult:
    profile: VisitorProfile
    items: list[RankedMaterial]
    total: int
    message: str | None = None
    asked: list[str] = field(default_factory=list)   # the hard filters, as labels: 视频 · ≤5分钟 · English
    exact: bool = True       # False: nothing meets all of `asked`; the items are the nearest


def _codes(enum) -> dict[str, int]:
    return {member.value: i for i, member in enumerate(enum)}


class MaterialIndex:
    def __init__(self, library):
        self.library = library
        self.materials: list[Material] = list(library.materials)
        ms = self.materials
        n = len(ms)
        self.chain_ix = {c.id: i for i, c in enumerate(library.chains)}
        self.kind_ix, self.lang_ix = _codes(Kind), _codes(Lang)
        self.scen_ix, self.aud_ix, self.scope_ix = _codes(Scenario), _codes(Audience), _codes(Scope)
        self.chains = np.zeros((n, max(1, len(self.chain_ix))), dtype=bool)
        self.langs = np.zeros((n, len(self.lang_ix)), dtype=bool)
        self.scens = np.zeros((n, len(self.scen_ix)), dtype=bool)
        self.auds = np.zeros((n, len(self.aud_ix)), dtype=bool)
        self.kind = np.array([self.kind_ix[m.kind.value] for m in ms], dtype=np.int8)
        self.scope = np.array([self.scope_ix[m.scope.value] for m in ms], dtype=np.int8)
        self.minutes = np.array([m.minutes or np.nan for m in ms], dtype=np.float64)
        self.project = np.array([m.project or "" for m in ms], dtype=object)
        self.released = np.array([m.released.toordinal() if m.released else 0 for m in ms], dtype=np.int64)
        self.expires = np.array([m.expires.toordinal() if m.expires else _FAR_FUTURE for m in ms],
                                dtype=np.int64)
        self.first_lang = np.array([self.lang_ix[m.languages[0].value] for m in ms], dtype=np.int8)
        self.current = np.array([m.status == "current" for m in ms], dtype=bool)
        texts = [normalize(" ".join(filter(None, [m.title, m.title_en, m.title_ru, *m.tags]))) for m in ms]
        # Which titles and tags contain a word: a letter-pair index (normalised text has no newline).
        self._texts = TextIndex(texts)
        # The first chain listed is the material's main subject; the others are side topics.
        self.main_chain = np.array([self.chain_ix.get(m.chains[0], -1) if m.chains else -1 for m in ms],
                                   dtype=np.int64)
        # Ties go to the more focused material (fewer chains), then the fresher, then by id.
        order = sorted(range(n), key=lambda i: (len(ms[i].chains), -(ms[i].updated or dt.date.min).toordinal(),
                                                ms[i].id))
        self.tie_rank = np.empty(n, dtype=np.int64)
        self.tie_rank[order] = np.arange(n)
        self._fill_flags(library)

    def _fill_flags(self, library) -> None:
        """The boolean matrices: chains (a project material also counts its project's chains),
        languages, scenarios, audiences."""
        for i, m in enumerate(self.materials):
            project = library.get("projects", m.project)
            for chain_id in set(m.chains) | set(project.chains if project else []):
                if chain_id in self.chain_ix:
                    self.chains[i, self.chain_ix[chain_id]] = True
            for lang in m.languages:
                self.langs[i, self.lang_ix[lang.value]] = True
            for s in m.scenarios:
                self.scens[i, self.scen_ix[s.value]] = True
            for a in m.audience:
                self.auds[i, self.aud_ix[a.value]] = True

    def available(self, today: dt.date) -> np.ndarray:
        t = today.toordinal()
        return self.current & (self.released <= t) & (self.expires >= t)

    def rank(self, profile: VisitorProfile, today: dt.date, top: int | None = 10, offset: int = 0,
             kind: str | None = None, language: str | None = None, scope: str | None = None,
             minutes: int | None = None) -> SayResult:
        """Rank for `profile`. The keyword arguments override what the text asked for (buttons):
        None = as the text says, "" (0 for minutes) = not asked, whatever the text says."""
        min_minutes = profile.min_minutes if minutes is None else None
        kind = profile.kind if kind is None else (kind or None)
        explicit_lang = bool(language) or (language is None and profile.language_explicit)
        language = language or profile.language
        scope = profile.scope if scope is None else (scope or None)
        minutes = profile.minutes if minutes is None else (minutes or None)
        rel = self._relevance(profile)
        if rel is None:
            return SayResult(profile, [], 0, "没有从这段话里认出产业、企业、项目或想要的材料类型，"
                                             "请补充一点信息，例如：乳制品 视频 3分钟")
        score = rel * self._fit(kind, language, explicit_lang, scope, minutes, profile, min_minutes)
        available = self.available(today)
        score = np.where(available, score, 0.0)
        good = score >= GOOD
        hard_lang = language if explicit_lang else None
        asked = self._asked(kind, hard_lang, scope, minutes, min_minutes)
        exact = True
        if asked:
            # What was asked for decides which materials are listed, so the fit (which only
            # scores how close a material comes to it) no longer cuts: relevance does.
            good = available & (rel >= GOOD)
            meets = self._meets(kind, hard_lang, scope, minutes, min_minutes)
            on_topic = self._on_topic(profile, scope)
            if (good & meets & on_topic).any():
                good &= meets
            else:
                exact = False
        total = int(good.sum())
        if exact:
            order = np.lexsort((self.tie_rank, -np.round(score, 6)))
        else:
            # The nearest: what the text is about comes first (the corn deck for a corn video
            # that does not exist), then what meets the request on another topic (the city video).
            order = np.lexsort((self.tie_rank, -np.round(score, 6), ~on_topic))
        order = order[good[order]]
        chosen = order[offset: offset + top if top else None]
        items = [RankedMaterial(self.materials[i], round(float(score[i]), 3),
                                self._why(self.materials[i], profile, kind, hard_lang, minutes, min_minutes))
                 for i in chosen]
        message = None if total else "没有足够相关的推介材料。"
        if total and not exact:
            message = NEAREST
        return SayResult(profile, items, total, message, asked, exact)

    @staticmethod
    def _asked(kind, language, scope, minutes, min_minutes) -> list[str]:
        asked = [KIND_LABELS[kind]] if kind else []
        if minutes and min_minutes:
            asked.append(f"{min_minutes}–{minutes}分钟")
        elif minutes:
            asked.append(f"≤{minutes}分钟")
        elif min_minutes:
            asked.append(f"≥{min_minutes}分钟")
        if language:
            asked.append(LANG_LABELS[language])
        if scope:
            asked.append(SCOPE_LABELS[scope])
        return asked

    def _meets(self, kind, language, scope, minutes, min_minutes) -> np.ndarray:
        """The materials that are exactly what was asked for (a length must be known to meet one)."""
        ok = np.ones(len(self.materials), dtype=bool)
        if kind:
            ok &= self.kind == self.kind_ix[kind]
        if language:
            ok &= self.langs[:, self.lang_ix[language]]
        if scope:
            ok &= self.scope == self.scope_ix[scope]
        with np.errstate(invalid="ignore"):
            if minutes:
                ok &= self.minutes <= minutes
            if min_minutes:
                ok &= self.minutes >= min_minutes
        return ok

    def _on_topic(self, p: VisitorProfile, scope: str | None) -> np.ndarray:
        """The materials about what the text names (its chains or project); all of them when it
        names none. A whole-city material asked for as such (城市宣传片) is on topic too."""
        n = len(self.materials)
        qchains = [self.chain_ix[c] for c in p.chain_ids if c in self.chain_ix]
        if not (qchains or p.project_id):
            return np.ones(n, dtype=bool)
        on = np.zeros(n, dtype=bool)
        if qchains:
            on |= self.chains[:, qchains].any(axis=1)
        if p.project_id:
            on |= self.project == p.project_id
        if scope == "city":
            on |= self.scope == self.scope_ix["city"]
        return on

    def _relevance(self, p: VisitorProfile) -> np.ndarray | None:
        n = len(self.materials)
        qchains = [self.chain_ix[c] for c in p.chain_ids if c in self.chain_ix]
        overlap = self.chains[:, qchains].any(axis=1) if qchains else np.zeros(n, dtype=bool)
        hits = self._word_hits(p)
        topic = bool(qchains or p.project_id)
        asked_for_material = bool(p.kind or p.scenario or p.minutes or p.min_minutes or p.language_explicit
                                  or p.scope)
        if not (topic or hits.any() or asked_for_material or p.recognised):
            return None
        city, chain, project = (self.scope == self.scope_ix[s] for s in ("city", "chain", "project"))
        # A county or town of our own named (五大连池的那个视频) is more specific than the whole
        # city: the materials that name it come first.
        local = self.library.get("places", p.origin_id) if p.origin_local and p.origin_id else None
        specific = topic or bool(local and local.kind != "city" and hits.any())
        rel = np.zeros(n)
        rel[city] = 0.6 if specific else 0.85
        if topic:
            self._topic_relevance(rel, p, qchains, overlap, chain, project)
        else:
            rel[chain] = 0.5
            rel[project] = 0.45
        # Words of the text found in a title or tag: a topic of their own, or +0.1 a word on top
        # of another reason (灌装, hub, 矿泉水 tell which of the chain's materials is meant).
        hit = hits > 0
        # A place of our own named (specific, no chain): the materials naming it start level with
        # the whole-city ones, so the word puts them first.
        base = np.maximum(rel[hit], 0.6) if specific and not topic else rel[hit]
        rel[hit] = np.where(rel[hit] > 0, np.minimum(1.0, base + 0.1 * np.minimum(hits[hit], 3)),
                            np.minimum(0.8, 0.6 + 0.1 * hits[hit]))
        return rel

    def _topic_relevance(self, rel: np.ndarray, p: VisitorProfile, qchains: list[int], overlap: np.ndarray | np.bool_,
                         chain: np.ndarray, project: np.ndarray) -> None:
        """Relevance (in place) of chain and project materials when the text names a chain or a
        project: named chains before chains only inherited from the company (中粮 玉米)."""
        named = [self.chain_ix[c] for c in p.chain_ids if c in self.chain_ix and c not in p.inherited_chain_ids]
        named_overlap = self.chains[:, named].any(axis=1) if named else overlap
        # When the text names a chain, the company's other chains are a side topic; when it
        # names none, the company's main chain (its first) comes before its others.
        company = self.library.get("companies", p.company_id) if p.company_id else None
        company_main = (self.chain_ix.get(company.chains[0]) if company and company.chains and not named
                        else None)
        rel[chain & overlap] = 0.7
        if company_main is None:
            rel[chain & named_overlap] = 0.85
            rel[chain & np.isin(self.main_chain, named or qchains)] = 0.9
        else:
            # A grain group's question is about grain first: its other chains' materials
            # come after the main chain's (by more than a scenario's or language's fit).
            rel[chain & self.chains[:, company_main]] = 0.8
            rel[chain & (self.main_chain == company_main)] = 0.9
        rel[project & overlap] = 0.6
        rel[project & named_overlap] = 0.75
        if p.project_id:
            rel[self.project == p.project_id] = 1.0

    def _word_hits(self, p: VisitorProfile) -> np.ndarray:
        """How many of the text's words (left over, or linked to a company, place, project or a
        chain's product word) appear in each material's titles and tags."""
        words = {normalize(w) for w in p.words if len(w) >= 2}
        # A chain's name is already the chain's relevance; its product words (矿泉水) are not.
        # The home city itself (黑河, heihe) is the setting of every material, not a word to find.
        words |= {e.text for e in p.evidence if len(e.text) >= 2 and not self._home(e) and (
            e.kind in ("company", "place", "project") or e.kind == "chain" and e.source == "keyword")}
        local = self.library.get("places", p.origin_id) if p.origin_local and p.origin_id else None
        if p.origin and local is not None and local.kind != "city":
            words |= {p.origin, *strip_place(p.origin)}   # a county named: its own projects first
        hits = np.zeros(len(self.materials), dtype=np.int64)
        for w in words:
            if "\n" not in w:
                hits[self._texts.containing(w)] += 1      # one count per material
        return hits

    def _home(self, e) -> bool:
        if e.kind != "place":
            return False
        place = self.library.get("places", e.ref)
        return bool(place and place.local and place.kind == "city")

    def _fit(self, kind, language, explicit_lang, scope, minutes, p: VisitorProfile,
             min_minutes: int | None = None) -> np.ndarray:
        n = len(self.materials)
        fit = np.ones(n)
        if kind:
            fit *= np.where(self.kind == self.kind_ix[kind], 1.0, 0.5)
        if language:
            # Asked for (俄语版) weighs most. Guessed from the script (typed in Russian) it orders
            # the materials of the industry asked about but does not outvote it: a chain's own
            # Chinese deck (0.9 × 0.75) comes before the Russian city deck (0.6), after the
            # chain's Russian project deck (0.75 × 0.95). English words are often just how the
            # officer typed the industry.
            has = self.langs[:, self.lang_ix[language]]
            miss = 0.6 if explicit_lang else {"ru": 0.75, "en": 0.8}.get(language, 0.85)
            # A version made for that language (listed first) beats a multilingual one.
            first = self.first_lang == self.lang_ix[language]
            fit *= np.where(first, 1.0, np.where(has, 0.95, miss))
        if scope:
            fit *= np.where(self.scope == self.scope_ix[scope], 1.0, 0.5)
        if minutes:
            m = self.minutes
            with np.errstate(invalid="ignore"):
                # Within the time: the closer to it the better (a 3-minute slot wants the 3-minute clip).
                within = 0.9 + 0.1 * np.minimum(1.0, m / minutes)
                fit *= np.where(np.isnan(m), 0.9, np.where(m <= minutes, within, np.where(m <= 1.5 * minutes, 0.8, 0.5)))
        if min_minutes:
            with np.errstate(invalid="ignore"):
                fit *= np.where(np.isnan(self.minutes), 0.9, np.where(self.minutes >= min_minutes, 1.0, 0.6))
        if p.scenario:
            has = self.scens[:, self.scen_ix[p.scenario]]
            fit *= np.where(has, 1.0, np.where(self.scens.any(axis=1), 0.8, 0.9))
        if p.audience:
            has = self.auds[:, self.aud_ix[p.audience]]
            fit *= np.where(has | ~self.auds.any(axis=1), 1.0, 0.85)
        return fit

    def _why(self, m: Material, p: VisitorProfile, kind, language, minutes, min_minutes=None) -> list[str]:
        """Scope, topic, format and length, languages; then, in brackets, what it lacks of what
        was asked for (`language` only when asked outright)."""
        lib = self.library
        why = [SCOPE_LABELS[m.scope.value]]
        shared = [c for c in p.chain_ids if c in m.chains]
        if p.project_id and m.project == p.project_id:
            project = lib.get("projects", m.project)
            why.append(f"项目：{project.name if project else m.project}")
        elif shared:
            why.append("、".join(lib.chain_name(c) for c in shared))
        length = f"{m.minutes}分钟" if m.minutes else (f"{m.pages}页" if m.pages else None)
        why.append(KIND_LABELS[m.kind.value] + (f" {length}" if length else ""))
        why.append("/".join(LANG_LABELS[lang.value] for lang in m.languages))
        if kind and m.kind.value != kind:
            why.append(f"（没有合适的{KIND_LABELS[kind]}）")
        if minutes and m.minutes and m.minutes > minutes:
            why.append(f"（超过{minutes}分钟）")
        if min_minutes and m.minutes and m.minutes < min_minutes:
            why.append(f"（不足{min_minutes}分钟）")
        if language and language not in {lang.value for lang in m.languages}:
            why.append(f"（没有{LANG_LABELS[language]}版）")
        return why
