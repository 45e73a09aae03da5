"""Did you mean …?": the closest of a few known names to a misspelt one, or nothing.

One scorer for every such hint (unknown ids and field names in `check`, roles in /invite), so
they behave alike. The scorer is the optimal-string-alignment edit distance (Levenshtein plus
the swap of two neighbouring letters, the commonest typo), normalised by the longer length,
on lower-cased names with '-', '_' and spaces counted as one separator. A suggestion needs a
similarity of at least 0.8: one slip in five letters (`dariy` → `dairy`, `titel` → `title`),
two in ten (`cross_boarder` → `cross_border`), or two neighbouring letters swapped in a short
name (`nmae` → `name`), while unrelated words get nothing.
rapidfuzz's default `WRatio` scorer was wrong for this: it scores partial matches of short
strings high, so `feihe` suggested `sf`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

CUTOFF = 0.8
_SEPARATORS = re.compile(r"[-_\s]+")


def _key(text: str) -> str:
    return _SEPARATORS.sub("_", str(text).strip().lower())


def closest(value: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The choice most like `value` with similarity ≥ cutoff (ties: the first), else None."""
    choices = list(choices)
    if not choices or value is None:
        return None
    # no score_cutoff: rapidfuzz turns it into a whole edit distance and rounds 4/5 below 0.8
    best = process.extractOne(str(value), choices, scorer=OSA.normalized_similarity, processor=_key)
    if not best:
        return None
    if best[1] >= cutoff - 1e-9 or _swapped(_key(value), _key(best[0])):
        return best[0]
    return None


def _swapped(a: str, b: str) -> bool:
    """Two neighbouring letters swapped, nothing else (`nmae` → `name`): a typo whatever
    the length, while one other letter changed in four (`wind`, `kind`) is not."""
    return len(a) == len(b) >= 3 and sorted(a) == sorted(b) and OSA.distance(a, b) == 1
