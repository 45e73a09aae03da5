"""The parser's `Resolver` over the lists' matcher: companies, chains and places in a meeting text.

`parse_meeting` asks three questions of the same text (companies, places, chains); the matcher
answers all three from one linking pass, so the last text's links are kept and reused.

Choices made here, not in the parser:
- places are returned by their list name (北京市, 哈尔滨市), the way the lists spell them, so
  meetings and lists agree;
- a guess (fuzzy / pinyin initials) is dropped when the same stretch of text also has a sure
  hit, and company hits below `MIN_COMPANY_SCORE` are dropped: a wrong company would attach
  the meeting to the wrong project and raise false duplicate warnings.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MatcherResolver", "MIN_COMPANY_SCORE"]

MIN_COMPANY_SCORE = 0.75
KINDS = {"company", "chain", "place"}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class MatcherResolver:
    """Implements `promo.meetings.parse.Resolver` with `promo.matching.matcher.Matcher.find`."""

    def __init__(self, matcher: Any) -> None:
        self.matcher = matcher
        self._last: tuple[str, list] | None = None

    def _hits(self, text: str) -> list:
        if self._last is None or self._last[0] != text:
            hits = []
            n = len(text)
            for term, start, end, score in self.matcher.find(text, KINDS):
                # offsets are in the matcher's normalised text, which keeps lengths for Chinese
                # and ASCII; clamp anyway so a rare length change cannot index past the end
                start, end = max(0, min(start, n)), max(0, min(end, n))
                if end > start:
                    hits.append((term, start, end, float(score)))
            self._last = (text, hits)
        return self._last[1]

    def _best(self, text: str, kind: str) -> list:
        """Hits of one kind, without guesses that overlap a sure hit of the same kind."""
        hits = [h for h in self._hits(text) if h[0].kind == kind]
        sure = [(h[1], h[2]) for h in hits if h[3] >= 0.95]
        return [h for h in hits
                if h[3] >= 0.95 or not any(_overlap((h[1], h[2]), s) for s in sure)]

    # ----------------------------------------------------------------------- the protocol

    def find_company(self, text: str) -> list[tuple[str, str, int, int, float]]:
        best: dict[tuple[str, int, int], tuple[str, str, int, int, float]] = {}
        for term, start, end, score in self._best(text, "company"):
            key = (term.ref, start, end)         # a name and its derived form: one hit
            if score >= MIN_COMPANY_SCORE and (key not in best or score > best[key][4]):
                best[key] = (term.ref, term.label, start, end, score)
        return sorted(best.values(), key=lambda h: (h[2], -h[4]))

    def find_chains(self, text: str) -> list[str]:
        return list(dict.fromkeys(term.ref for term, *_ in self._best(text, "chain")))

    def company_chains(self, company_id: str) -> list[str]:
        """The chains the lists give a company (its group's when it has none of its own)."""
        lib = getattr(self.matcher, "library", None)
        company = lib.get("companies", company_id) if lib is not None and company_id else None
        if lib is not None and company is not None and not company.chains and company.group:
            company = lib.get("companies", company.group) or company
        return list(company.chains) if company is not None else []

    def find_place(self, text: str) -> list[tuple[str, int, int]]:
        seen: set[tuple[int, int]] = set()
        out = []
        for term, start, end, _score in self._best(text, "place"):
            if (start, end) in seen:         # one place per stretch (name and derived form)
                continue
            seen.add((start, end))
            out.append((term.label, start, end))
        return out
