"""Entity linking: find the lists' companies, chains, places, schools, projects and the meeting
vocabulary in a free text typed on a phone.

Why not one fuzzy score over whole records: Chinese has no spaces, so token scorers degrade to
`ratio`, and partial scorers rank by record length (../shared/notes/MATCHING.md). Instead every
name, alias and keyword of the lists becomes a *surface* in a gazetteer, indexed four ways:

1. exact normalised surface (traditional → simplified, full-width, case): dictionary look-ups of
   every substring of a Chinese run, longest first — no segmenter needed;
2. full pinyin and (for long names) pinyin initials: reach homophone typos (飞和 → 飞鹤) and
   pinyin typed in Latin letters ("feihe", "fei he", "zcl");
3. Russian by shared stem, so inflected forms (логистики, Благовещенска) still meet;
4. a bounded rapidfuzz fallback for what is left (one wrong character, a Latin typo), over a
   q-gram index that skips the keys that cannot reach the cutoff (`FuzzyKeys`: the same answer as
   scanning every key).

Each match carries how it was found and a confidence in [0, 1]; ranking multiplies by it, so a
guess counts less than an exact name.
"""

from __future__ import annotations

import itertools
import re
import sys
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from promo.matching import vocab
from promo.matching.textnorm import initials_key, is_cjk, normalize, pinyin_key, pinyin_syllables, tokens

MAX_SURFACE = 16           # longest Chinese surface looked up as a substring
STOP_CHARS = set("的了和与及在找见给想要把跟对去来是有个这那请帮一下们我你他她它吧呢啊呀吗哪谁")
COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "集团公司", "集团",
                    "公司", "股份", "控股")
REGION_PREFIXES = ("黑龙江省", "黑龙江", "北京市", "北京", "上海市", "上海", "深圳市", "深圳", "广州市",
                   "广州", "哈尔滨市", "哈尔滨", "内蒙古", "中国", "天津", "杭州", "浙江", "广东", "江苏")
PLACE_SUFFIXES = ("特别行政区", "自治区", "市", "省", "县", "区", "镇")

FRAGMENT = 0.8             # a guess on a piece of a longer word counts less than a whole word
SCORE = {"name": 1.0, "alias": 0.97, "keyword": 0.9, "vocab": 1.0, "derived": 0.95,
         "pinyin": 0.9, "folded": 0.85, "initials": 0.8, "stem": 0.9}


@dataclass(frozen=True)
class Term:
    kind: str      # chain company place school project title scenario kind scope audience language
    ref: str       # record id or vocabulary value
    label: str     # display name
    how: str       # name alias keyword vocab derived


@dataclass
class Match:
    start: int
    end: int
    text: str
    terms: list[Term]
    score: float
    how: str       # exact pinyin initials stem fuzzy (+ the term's own how)


@dataclass
class LinkResult:
    norm: str
    matches: list[Match] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    minutes: int | None = None   # the most the material may take (3分钟, 不超过八分钟, 三到五分钟)
    min_minutes: int | None = None   # at least (至少十分钟, 20分钟以上)
    latin_pinyin: int = 0        # Latin words read as pinyin
    latin_other: int = 0         # Latin words read as English / unknown


class FuzzyKeys:
    """The fuzzy keys of one script, for `process.extractOne(query, keys, scorer=fuzz.ratio,
    score_cutoff=cutoff)` (no processor: the keys and queries are normalised already). `best` gives
    exactly what that full scan gives (`scan`), scoring only the keys that can reach the cutoff.

    Why it is exact. rapidfuzz's `fuzz.ratio(a, b)` is the normalised Indel similarity,
    100·(1 − (m + n − 2L)/(m + n)) = 200·L/(m + n), with m = |a|, n = |b| and L their longest
    common subsequence. A score ≥ c therefore needs L ≥ L_min = ⌈c·(m + n)/200⌉ (c an integer, so
    this is integer arithmetic), and L ≤ min(m, n).

    Fix an alignment of an LCS: L matched pairs (i, j), increasing in both strings. A window of q
    consecutive positions of `a` is *kept* when all its positions are matched to q consecutive
    positions of `b`; then the same q-gram occurs there in `b`, and distinct windows land on
    distinct positions of `b`, so the q-grams the two strings share (a multiset intersection:
    Σ over grams of min(count in a, count in b)) number at least the kept windows. Of the
    m − q + 1 windows of `a`, one is lost only (1) by holding one of the m − L unmatched positions
    of `a` (each is in at most q windows), or (2) by holding two neighbours i, i + 1 matched to
    j < j' − 1: the positions j + 1 … j' − 1 of `b` are then unmatched and belong to no other such
    pair, so there are at most n − L such pairs, each in at most q − 1 windows. Hence

        shared q-grams ≥ (m − q + 1) − q·(m − L) − (q − 1)·(n − L),

    and the same with a and b swapped; both grow with L, so they hold at L_min. A key sharing fewer
    q-grams with the query than the larger bound scores below the cutoff. For q = 1 the bound is
    L_min itself: the LCS is at most the characters the two share, with multiplicity.

    The keys left keep their order, and a key below the cutoff never takes part in extractOne's
    choice (the first key with the highest score ≥ cutoff), so the answer is the same key with the
    same score. `tests/test_linker_index.py` checks this on random keys and on full link results.

    Chinese keys are indexed by character (q = 1: a character is selective, and the keys are short,
    so pairs would leave too small a bound); Latin and Cyrillic keys by pairs of characters (q = 2:
    single letters are shared by nearly every key).
    """

    def __init__(self, keys: Iterable[str], q: int):
        self.keys = list(keys)
        self.q = q
        self._lens = np.array([len(k) for k in self.keys], dtype=np.intp)
        self._max_len = int(self._lens.max()) if self.keys else 0
        levels: dict[str, list[list[int]]] = defaultdict(list)
        for i, key in enumerate(self.keys):
            for gram, count in Counter(_grams(key, q)).items():
                lv = levels[gram]
                while len(lv) < count:
                    lv.append([])
                for j in range(count):
                    lv[j].append(i)
        # For each gram, the keys holding it at least once, twice, …: taking the first t lists for
        # a gram the query holds t times counts min(t, count in the key) for every key.
        self._postings = {g: [np.array(ids, dtype=np.int32) for ids in lv] for g, lv in levels.items()}

    def scan(self, query: str, cutoff: int) -> tuple[str, float] | None:
        """The full scan over every key."""
        best = process.extractOne(query, self.keys, scorer=fuzz.ratio, score_cutoff=cutoff)
        return (best[0], best[1]) if best else None

    def best(self, query: str, cutoff: int) -> tuple[str, float] | None:
        """The same as `scan`, scoring only the keys whose shared q-grams reach the bound."""
        cand = self.candidates(query, cutoff)
        if not len(cand):
            return None
        keys = self.keys
        best = process.extractOne(query, [keys[i] for i in cand], scorer=fuzz.ratio, score_cutoff=cutoff)
        return (best[0], best[1]) if best else None

    def candidates(self, query: str, cutoff: int) -> np.ndarray:
        """The positions, in order, of the keys that may score ≥ cutoff against the query."""
        if not self.keys:
            return np.zeros(0, dtype=np.intp)
        need = _needed(self.q, self._max_len, len(query), cutoff)
        parts = [post for gram, times in Counter(_grams(query, self.q)).items()
                 for post in self._postings.get(gram, ())[:times]]
        if parts:
            shared = np.bincount(np.concatenate(parts), minlength=len(self.keys))
        else:
            shared = np.zeros(len(self.keys), dtype=np.intp)
        return np.flatnonzero(shared >= need[self._lens])


def _grams(s: str, q: int) -> list[str]:
    return [s[i:i + q] for i in range(len(s) - q + 1)]


@lru_cache(maxsize=4096)
def _needed(q: int, max_len: int, m: int, cutoff: int) -> np.ndarray:
    """For every key length n ≤ max_len, the q-grams a key must share with a query of length m
    to reach the cutoff (FuzzyKeys); a length that cannot reach it needs more than any key holds."""
    if cutoff != int(cutoff):
        raise ValueError(f"the bound needs an integer cutoff, not {cutoff}")
    c = int(cutoff)
    need = np.full(max_len + 1, max_len + 1, dtype=np.intp)
    for n in range(1, max_len + 1):
        lcs = -(-c * (m + n) // 200)          # ⌈c·(m + n)/200⌉, the shortest LCS that reaches c
        if lcs <= min(m, n):
            need[n] = max(m - q + 1 - q * (m - lcs) - (q - 1) * (n - lcs),
                          n - q + 1 - q * (n - lcs) - (q - 1) * (m - lcs))
    need.flags.writeable = False
    return need


class Gazetteer:
    # False: every fuzzy fallback scans all its keys (FuzzyKeys.scan), for the tests that the index
    # changes nothing.
    fuzzy_index = True

    def __init__(self):
        self.exact: dict[str, list[Term]] = defaultdict(list)
        self.pinyin: dict[str, list[Term]] = defaultdict(list)
        self.initials: dict[str, list[Term]] = defaultdict(list)
        self.folded: dict[str, list[Term]] = defaultdict(list)     # pinyin with accent pairs merged
        self.cyr_prefix: dict[str, list[tuple[str, Term]]] = defaultdict(list)
        self._fuzzy_cjk: dict[str, list[Term]] = defaultdict(list)
        self._fuzzy_lat: dict[str, list[Term]] = defaultdict(list)
        self._fuzzy_cyr: dict[str, list[Term]] = defaultdict(list)
        self._frozen = False

    # ------------------------------------------------------------------ building
    def add(self, surface: str | None, term: Term) -> None:
        if not surface:
            return
        s = normalize(str(surface))
        if not s:
            return
        bucket = self.exact[s]
        if term not in bucket:
            bucket.append(term)
        compact = s.replace(" ", "")
        if compact != s and all(c.isascii() for c in compact):
            self._add_unique(self.exact, compact, term)
        if any(is_cjk(c) for c in s):
            # A mixed alias (ozon电商) is only itself: its Chinese part alone must not mean it.
            cjk = "".join(c for c in s if is_cjk(c)) if all(is_cjk(c) or not c.isalnum() for c in s) else ""
            if len(cjk) >= 2:
                self._add_unique(self.pinyin, pinyin_key(cjk), term)
                self._add_unique(self._fuzzy_cjk, cjk, term)
            if len(cjk) >= 3:
                self._add_unique(self.initials, initials_key(cjk), term)
                self._add_unique(self.folded, fold_pinyin(pinyin_syllables(cjk)), term)
        elif any("\u0400" <= c <= "\u04ff" for c in s):
            self.cyr_prefix[s[:4]].append((s, term))
            self._add_unique(self._fuzzy_cyr, s, term)
        elif len(compact) >= 4:
            self._add_unique(self._fuzzy_lat, s, term)

    @staticmethod
    def _add_unique(index, key, term):
        if term not in index[key]:
            index[key].append(term)

    def freeze(self) -> None:
        # Initials collide easily (sz: 深圳 / 苏州); keep only the unambiguous ones.
        self.initials = {k: v for k, v in self.initials.items()
                         if len({(t.kind, t.ref) for t in v}) == 1 and k not in self.exact}
        self.exact = dict(self.exact)
        self.pinyin = dict(self.pinyin)
        self.folded = dict(self.folded)
        self.cyr_prefix = dict(self.cyr_prefix)
        self._share_terms()
        self._cjk_fuzzy = FuzzyKeys(self._fuzzy_cjk, 1)
        self._cjk_keys = self._cjk_fuzzy.keys
        self._cjk_blob = "\n".join(self._cjk_keys) + "\n"
        self._cjk_starts = list(itertools.accumulate([len(k) + 1 for k in self._cjk_keys], initial=0))
        self._lat_fuzzy = FuzzyKeys(self._fuzzy_lat, 2)
        self._cyr_fuzzy = FuzzyKeys(self._fuzzy_cyr, 2)
        self._frozen = True

    def _share_terms(self) -> None:
        """One list object for equal term lists and one string for equal keys across the indexes.

        A person's name is a key of `exact`, `pinyin`, `folded`, `_fuzzy_cjk` (and `initials`)
        with the same one-term list in each: at 300,000 people, 867k entries hold 167k distinct
        lists. Nothing changes a list once the gazetteer is frozen, so they can be shared
        (≈ 60 MB at 300k, docs/benchmarks.md)."""
        lists: dict[tuple[Term, ...], list[Term]] = {}
        for name in ("exact", "pinyin", "initials", "folded", "_fuzzy_cjk", "_fuzzy_lat", "_fuzzy_cyr"):
            index: dict[str, list[Term]] = getattr(self, name)
            setattr(self, name, {sys.intern(k): lists.setdefault(tuple(v), v) for k, v in index.items()})

    # ------------------------------------------------------------------ linking
    def link(self, text: str) -> LinkResult:
        norm = normalize(text)
        result = LinkResult(norm=norm)
        masked = _take_durations(norm, result)
        toks = tokens(masked)
        i = 0
        while i < len(toks):
            script = toks[i][0]
            j = i
            while j + 1 < len(toks) and toks[j + 1][0] == script and script in ("lat", "cyr") \
                    and masked[toks[j][3]:toks[j + 1][2]].strip() == "":
                j += 1
            group = toks[i:j + 1]
            if script == "cjk":
                self._link_cjk(group[0], result)
            elif script in ("lat", "cyr"):
                self._link_words(group, script, result)
            i = j + 1
        result.matches.sort(key=lambda m: m.start)
        return result

    def _link_cjk(self, tok, result: LinkResult) -> None:
        _, run, offset, _ = tok
        n = len(run)
        covered = [False] * n
        chosen = []
        for a, b, terms, how in sorted(self._cjk_candidates(run),
                                       key=lambda c: (-(c[1] - c[0]), c[3] != "exact", c[0])):
            if any(covered[a:b]):
                continue
            covered[a:b] = [True] * (b - a)
            chosen.append((a, b, terms, how))
        # A sound-alike on a piece of a longer word (两个字 read as a place by its pinyin) is a
        # fragment unless what is around it is explained: the run's edge, a stop character or
        # an exact name. A two-character fragment is dropped (the gap pass may still read it);
        # a longer one counts less than a whole word.
        exact = [False] * n
        for a, b, _, how in chosen:
            if how == "exact":
                exact[a:b] = [True] * (b - a)

        def bounded(i):
            return i < 0 or i >= n or exact[i] or run[i] in STOP_CHARS

        for a, b, terms, how in chosen:
            factor = 1.0
            if how != "exact" and not (bounded(a - 1) and bounded(b)):
                if b - a <= 2:
                    covered[a:b] = [False] * (b - a)
                    continue
                factor = FRAGMENT
            m = _match(offset + a, offset + b, run[a:b], terms, how)
            m.score = round(m.score * factor, 3)
            result.matches.append(m)
        gaps = list(_gaps(covered))
        if any(b - a >= 2 for a, b in gaps) and 3 <= n <= 8 and self._fuzzy_whole_run(run, offset, result):
            return
        for a, b in gaps:
            # whole: the gap is bounded by the run's edges or by exact names, not by a guess.
            whole = (a == 0 or exact[a - 1]) and (b == n or exact[b])
            self._link_cjk_gap(run[a:b], offset + a, result, whole)

    def _cjk_candidates(self, run: str) -> list[tuple]:
        """Every substring of a Chinese run that names something: exactly, by pinyin, or by
        folded pinyin; (start, end, terms, how)."""
        n = len(run)
        syllables = pinyin_syllables(run)
        cands = []
        for a in range(n):
            for b in range(min(n, a + MAX_SURFACE), a, -1):
                terms = self.exact.get(run[a:b])
                if terms:
                    cands.append((a, b, terms, "exact"))
                    continue
                if 2 <= b - a <= 8:
                    terms = self.pinyin.get("".join(syllables[a:b]))
                    if terms:
                        cands.append((a, b, terms, "pinyin"))
                    elif b - a >= 3:
                        terms = self.folded.get(fold_pinyin(syllables[a:b]))
                        if terms:
                            cands.append((a, b, terms, "folded"))
        # A sound-alike must not cut an exact word in half (黑河视频: 黑河视 sounds like 黑河市, but
        # 视频 is a word); it may contain one whole (飞和乳业 ⊃ 乳业).
        exact_spans = [(a, b) for a, b, _, how in cands if how == "exact"]
        return [c for c in cands if c[3] == "exact" or not any(
            a < c[0] < b < c[1] or c[0] < a < c[1] < b for a, b in exact_spans)]

    def _fuzzy_whole_run(self, run: str, offset: int, result: LinkResult) -> bool:
        """飞鹌乳业: an exact part (乳业) leaves a gap, but the whole run is one wrong character
        away from a name. Then the name replaces the parts."""
        best = self._best(self._cjk_fuzzy, run, 75)
        if not best or len(best[0]) < len(run) - 1:
            return False
        key, score = best
        result.matches[:] = [m for m in result.matches if not offset <= m.start < offset + len(run)]
        result.matches.append(Match(offset, offset + len(run), run, self._fuzzy_cjk[key],
                                    round(score / 100 * 0.85, 3), "fuzzy"))
        return True

    def _link_cjk_gap(self, gap: str, offset: int, result: LinkResult, whole: bool = True) -> None:
        pieces = [p for p in re.split("[" + "".join(STOP_CHARS) + "]", gap) if p]
        pos = 0
        for piece in pieces:
            start = offset + gap.index(piece, pos)
            pos = gap.index(piece, pos) + len(piece)
            if len(piece) < 2:
                continue
            if len(piece) >= 3 and self._cjk_keys:
                best = self._best(self._cjk_fuzzy, piece, 70)
                # A short guess (3 characters) needs the piece to be a word of its own: the whole
                # gap, not a piece cut out of a longer unknown run.
                if best and (len(piece) >= 4 or len(pieces) == 1 and whole) and not self._common_part(piece):
                    key, score = best
                    factor = 1.0 if whole and len(pieces) == 1 else FRAGMENT
                    result.matches.append(Match(start, start + len(piece), piece, self._fuzzy_cjk[key],
                                                round(score / 100 * 0.85 * factor, 3), "fuzzy"))
                    continue
            result.leftovers.append(piece)

    def _common_part(self, piece: str) -> bool:
        """深加工, 产业园: a piece that appears whole inside the names of two or more records is an
        ordinary word those names share, not a misspelt name of one of them."""
        blob, starts = self._cjk_blob, self._cjk_starts
        refs: set[tuple[str, str]] = set()
        i = blob.find(piece)
        while i != -1:
            k = bisect_right(starts, i) - 1
            refs.update((t.kind, t.ref) for t in self._fuzzy_cjk[self._cjk_keys[k]])
            if len(refs) >= 2:
                return True
            i = blob.find(piece, starts[k + 1])
        return False

    def _link_words(self, group, script: str, result: LinkResult) -> None:
        words = [t[1] for t in group]
        i = 0
        while i < len(words):
            for length in range(min(4, len(words) - i), 0, -1):
                span = words[i:i + length]
                found = self._lookup_words(span, script)
                # A fuzzy guess at one long pinyin word (yumishipin ≈ youjishipin) loses to the
                # words it is made of (yumi shipin), when they are found.
                if found and found[1] == "fuzzy" and length == 1 and script == "lat" \
                        and self._link_run_on_pinyin(span[0], group[i][2], result):
                    result.latin_pinyin += 1
                    i += 1
                    break
                if found:
                    terms, how, score = found
                    start, end = group[i][2], group[i + length - 1][3]
                    result.matches.append(Match(start, end, " ".join(span), terms, score, how))
                    if script == "lat":
                        if how in ("pinyin", "initials") or all(map(is_pinyin_word, span)):
                            result.latin_pinyin += length
                        else:
                            result.latin_other += length
                    i += length
                    break
            else:
                if script == "lat":
                    if is_pinyin_word(words[i]):
                        result.latin_pinyin += 1
                    else:
                        result.latin_other += 1
                if script == "lat" and self._link_run_on_pinyin(words[i], group[i][2], result):
                    pass
                elif len(words[i]) >= 2:
                    result.leftovers.append(words[i])
                i += 1

    def _link_run_on_pinyin(self, word: str, offset: int, result: LinkResult) -> bool:
        """heihetuijieshipin: pinyin typed without spaces, several words in one. Cut it at
        syllable boundaries into the longest pieces (two syllables or more) that are names, aliases
        or words of the lists; what is between stays a leftover. Only a long word that reads as
        pinyin throughout, and only when two pieces are found or one covers most of it."""
        if len(word) < 7 or not is_pinyin_word(word):
            return False
        bounds = [0]
        for syllable in _SYLLABLES_RE.findall(word):
            bounds.append(bounds[-1] + len(syllable))
        if bounds[-1] != len(word):
            return False
        found, rest = [], []
        k = 0
        while k < len(bounds) - 1:
            for e in range(min(len(bounds) - 1, k + 8), k + 1, -1):
                piece = word[bounds[k]:bounds[e]]
                terms = self.exact.get(piece) or self.pinyin.get(piece)
                if terms:
                    found.append((bounds[k], bounds[e], piece, terms))
                    k = e
                    break
            else:
                rest.append(word[bounds[k]:bounds[k + 1]])
                k += 1
        covered = sum(b - a for a, b, _, _ in found)
        if not (len(found) >= 2 or covered >= 0.7 * len(word)):
            return False
        for a, b, piece, terms in found:
            result.matches.append(Match(offset + a, offset + b, piece, terms,
                                        _term_score(terms, SCORE["pinyin"] * FRAGMENT), "pinyin"))
        if rest:
            result.leftovers.append("".join(rest))
        return True

    def _lookup_words(self, span: list[str], script: str):
        phrase, compact = " ".join(span), "".join(span)
        for key in (phrase, compact):
            terms = self.exact.get(key)
            if terms:
                return terms, "exact", _term_score(terms, 1.0)
        if script == "lat":
            # One pinyin syllable (xian, jian) reads as one character, not as a two-character name.
            if compact in self.pinyin and not (len(span) == 1 and _SYLLABLE_RE.match(compact)):
                return self.pinyin[compact], "pinyin", _term_score(self.pinyin[compact], SCORE["pinyin"])
            if len(span) == 1 and len(compact) >= 3 and compact in self.initials:
                return self.initials[compact], "initials", SCORE["initials"]
            # A short Latin word is too often an ordinary English word one letter from a keyword.
            if len(span) == 1 and len(compact) >= 5:
                return self._fuzzy(compact, self._lat_fuzzy, self._fuzzy_lat, 80)
            if len(span) > 1 and len(compact) >= 8:   # "colld testing": a typo inside a phrase
                return self._fuzzy(phrase, self._lat_fuzzy, self._fuzzy_lat, 88)
            return None
        if len(span) == 1:
            return self._cyr_stem(compact) or self._fuzzy(compact, self._cyr_fuzzy, self._fuzzy_cyr, 82)
        return self._cyr_phrase_stem(span)

    def _cyr_phrase_stem(self, span: list[str]):
        """A Russian name of several words, each word inflected (Харбинского политеха → Харбинский
        политех): every word shares its stem with the name's word in the same place. The words
        agree in case with each other, so an adjective's other ending is not another word here."""
        terms: list[Term] = []
        for surface, term in self.cyr_prefix.get(span[0][:4], []):
            parts = surface.split()
            if len(parts) == len(span) and all(map(_stem_meets, span, parts)) and term not in terms:
                terms.append(term)
        return (terms, "stem", SCORE["stem"]) if terms else None

    def _cyr_stem(self, word: str):
        best = None
        for surface, term in self.cyr_prefix.get(word[:4], []):
            if " " in surface:
                continue
            common = _common_prefix(word, surface)
            if term.kind == "place" and _adjective_form_differs(word, surface):
                continue
            if _stem_meets(word, surface):
                if best is None or common > best[0]:
                    best = (common, [term])
                elif common == best[0] and term not in best[1]:
                    best[1].append(term)
        if best:
            return best[1], "stem", SCORE["stem"]
        return None

    def _best(self, keys: FuzzyKeys, query: str, cutoff: int) -> tuple[str, float] | None:
        return keys.best(query, cutoff) if self.fuzzy_index else keys.scan(query, cutoff)

    def _fuzzy(self, word, keys: FuzzyKeys, index, cutoff):
        best = self._best(keys, word, cutoff)
        if not best:
            return None
        key, score = best
        if _fragment_of(word, key, score):
            return None
        return index[key], "fuzzy", round(score / 100 * 0.85, 3)


_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = ("(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ue|ve|ui"
          "|er|a|o|e|i|u|v)")
_PINYIN_RE = re.compile(f"^(?:{_INITIAL}{_FINAL}|a|ai|an|ang|ao|e|ei|en|eng|er|o|ou)+$")
_SYLLABLES_RE = re.compile(f"{_INITIAL}{_FINAL}|a[io]?|an|ang|e[ir]?|en|eng|o|ou")
_SYLLABLE_RE = re.compile(f"^(?:{_INITIAL}{_FINAL}|a|ai|an|ang|ao|e|ei|en|eng|er|o|ou)$")


_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FOLD_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def _fragment_of(word: str, key: str, score: float) -> bool:
    """A single word that comes close to a name of several words only because it is one of
    them (`international` ≈ `cofco international`, `dairy` ≈ `feihe dairy`) has not named the
    record: the name's other words are missing. It is a fragment when one word of the key alone
    scores at least what the whole key does; a typo of the whole name (`duobaoshancoper`) is
    not. The test is on the answer, so the index and the full scan still agree."""
    if " " in word or " " not in key:
        return False
    return max(fuzz.ratio(word, part) for part in key.split()) >= score


def fold_pinyin(syllables: list[str]) -> str:
    """Pinyin with the pairs many speakers merge (z/zh, c/ch, s/sh, n/l, in/ing, en/eng, an/ang)
    made equal: 完达三 (wandasan) meets 完达山 (wandashan)."""
    out = []
    for s in syllables:
        for a, b in _FOLD_INITIALS:
            if s.startswith(a):
                s = b + s[len(a):]
                break
        for a, b in _FOLD_FINALS:
            if s.endswith(a):
                s = s[: -len(a)] + b
                break
        out.append(s)
    return "".join(out)


def is_pinyin_word(word: str) -> bool:
    """Whether a Latin word reads as toneless pinyin syllables (feihe, zhongchuliang; not dairy)."""
    return len(word) >= 2 and bool(_PINYIN_RE.match(word))


def _term_score(terms: list[Term], base: float) -> float:
    return round(base * max(SCORE.get(t.how, 1.0) for t in terms), 3)


def _match(start, end, text, terms, how) -> Match:
    base = 1.0 if how == "exact" else SCORE[how]
    return Match(start, end, text, terms, _term_score(terms, base), how)


def _gaps(covered: list[bool]):
    a = None
    for i, c in enumerate(covered + [True]):
        if not c and a is None:
            a = i
        elif c and a is not None:
            yield a, i
            a = None


_ADJ_ENDINGS = ("ого", "ему", "ому", "ыми", "ими", "ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие",
                "ую", "юю", "ых", "их", "ым", "им")


def _adjective_form_differs(word: str, surface: str) -> bool:
    """свободная (free) is not Свободный (a town): a Russian adjective in another form is another
    word, while a noun's case endings (Благовещенска) still meet the name."""
    end_w = next((e for e in _ADJ_ENDINGS if word.endswith(e)), None)
    end_s = next((e for e in _ADJ_ENDINGS if surface.endswith(e)), None)
    return end_s is not None and end_w != end_s


def _stem_meets(word: str, surface: str) -> bool:
    """A Russian word is a form of a name's word when they share a stem of four letters or
    more, at most three letters of the shorter one are left over, and at most two of the name's
    own (its ending or a stem alternation: молоко → молочный). So политеха does not meet полигон:
    they share only поли, and гон is the name's own word."""
    common = _common_prefix(word, surface)
    return common >= 4 and common >= min(len(word), len(surface)) - 3 and len(surface) - common <= 2


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN = "[零〇一二两三四五六七八九十百]+"
_NUM = rf"(?:\d+(?:\.\d+)?|{_CN})"
_UNIT = (r"(?:分钟|分(?![之析别类])|min(?:ute)?s?(?![a-z])|мин(?:ут[аы]?)?|个小时|个钟头|小时|钟头|hours?(?![a-z])"
         r"|hrs?(?![a-z])|h(?![a-z])|час(?:а|ов)?)")
_AT_MOST = ("不超过|不超出|不要超过|别超过|不能超过|不多于|最多|最长|顶多|至多|控制在|限时|限"
            "|(?<![a-z])(?:within|under|up to|max|maximum|less than|no more than)\\s*|не более|не больше|(?<![а-я])до\\s")
_AT_LEAST = "至少|起码|最少|不少于|不低于|不短于|(?<![a-z])at least\\s*|не менее|минимум"
_POST = r"(?:\s*(?P<post_most>以内|之内|以下|内(?!容)|左右|上下|或更短|or less)|\s*(?P<post_least>以上|或更长|or more))?"
_DURATION_RE = re.compile(
    rf"(?:(?P<most>{_AT_MOST})|(?P<least>{_AT_LEAST}))?\s*"
    rf"(?:(?P<lo>{_NUM})\s*(?:到|至|-|~|—|–|to)\s*)?(?P<n>{_NUM})(?P<approx>来|多|几)?\s*-?\s*"
    rf"(?P<unit>{_UNIT})" + _POST)
def cn_number(text: str) -> tuple[float, float] | None:
    """A number as typed: 12, 1.5, 十五, 二十五, 一百二十; two digits side by side are a range
    (两三 → 2–3, 三五 → 3–5, 三四十 → 30–40). Returns (low, high), or None."""
    if text[0].isdigit():
        value = float(text)
        return value, value
    if len(text) >= 2 and text[0] in _CN_DIGITS and text[1] in _CN_DIGITS \
            and 0 < _CN_DIGITS[text[0]] < _CN_DIGITS[text[1]]:
        scale = {"": 1, "十": 10}.get(text[2:])
        if scale is None:
            return None
        return _CN_DIGITS[text[0]] * scale, _CN_DIGITS[text[1]] * scale
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:      # 二三十五: not a number
                return None
            digit = _CN_DIGITS[ch]
        elif ch in "十百":
            total += (1 if digit is None else digit) * (10 if ch == "十" else 100)
            digit = None
    value = total + (digit or 0)
    return (value, value) if value else None


def _take_durations(norm: str, result: LinkResult) -> str:
    """Read the time asked for into result.minutes (the most it may take) and
    result.min_minutes (at least, from 至少 / 以上), and blank the words out of the text.

    3分钟, 三分钟, 半小时, 一刻钟, 1.5小时, 两个小时 · ranges 三到五分钟, 3-5 min, 两三分钟 → 5 ·
    bounds 不超过八分钟, 10分钟以内, 最多5分钟, under 10 minutes → at most; 至少十分钟, 20分钟以上 → at least ·
    十来分钟 → 12, 十几分钟 → 19, 二十多分钟 → 29 (the most it may mean)."""
    masked = norm
    for word, minutes in sorted(vocab.duration_words().items(), key=lambda kv: -len(kv[0])):
        # A Latin or Russian word only as a whole word (час is not the start of часов).
        edge = "" if is_cjk(word[0]) else r"(?<![\w])"
        pattern = re.compile(f"(?:(?P<most>{_AT_MOST})|(?P<least>{_AT_LEAST}))?\\s*" + edge + re.escape(word)
                             + ("" if is_cjk(word[-1]) else r"(?![\w])") + _POST)
        for m in list(pattern.finditer(masked)):
            if m.group("least") or m.group("post_least"):
                result.min_minutes = minutes
            else:
                result.minutes = minutes
            masked = masked[:m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _DURATION_RE.finditer(masked):
        hi = cn_number(m.group("n"))
        lo = cn_number(m.group("lo")) if m.group("lo") else None
        if hi is None or m.group("lo") and lo is None:
            continue
        value = hi[1]
        approx = m.group("approx")
        if approx:
            value += {"来": 2, "多": 9, "几": 9}[approx] if value >= 10 else 0
        unit = m.group("unit")
        factor = 60 if unit.startswith(("小", "个", "钟", "h", "час")) else 1
        minutes = max(1, int(round(value * factor)))
        if m.group("least") or m.group("post_least"):
            low = hi[0] if lo is None else lo[0]
            result.min_minutes = max(1, int(round(low * factor)))
        else:
            result.minutes = minutes
        masked = masked[:m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    return masked


def strip_company(name: str) -> list[str]:
    """Short forms a company is called by: without legal suffix and region prefix."""
    forms = []
    s = normalize(name)
    for suffix in COMPANY_SUFFIXES:
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            s = s[: -len(suffix)]
            forms.append(s)
            break
    for prefix in REGION_PREFIXES:
        if s.startswith(prefix) and len(s) - len(prefix) >= 2:
            forms.append(s[len(prefix):])
            break
    return forms


def strip_place(name: str) -> list[str]:
    s = normalize(name)
    for suffix in PLACE_SUFFIXES:
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            return [s[: -len(suffix)]]
    return []


def vocabulary_terms():
    """(surface, Term) pairs of the fixed meeting vocabulary."""
    for value, (_, forms) in vocab.TITLES.items():
        for f in forms:
            yield f, Term("title", value, value, "vocab")
    for value, by_strength in vocab.LIST_WORDS.items():
        for strength, words in by_strength.items():
            for f in words:
                yield f, Term("list", value, value, "vocab" if strength == "strong" else "weak")
    for kind, table in (("scenario", vocab.SCENARIOS), ("kind", vocab.KINDS), ("scope", vocab.SCOPES),
                        ("audience", vocab.AUDIENCES), ("language", vocab.LANGUAGES)):
        for value, forms in table.items():
            for f in forms:
                yield f, Term(kind, value, value, "vocab")
