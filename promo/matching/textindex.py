"""Which texts contain a word: a letter-pair index over short texts (issue 16, say's tail).

say counts, for every word of the officer's text, the materials whose titles and tags contain
it. A scan of all titles with `str.find` costs one pass over the texts plus one step per hit,
and the common words of a chatty sentence (合作, 考察, 材料) hit thousands of materials: those
sentences were say's p99. Here every pair of adjacent characters of the texts has a posting
array (the texts that contain it, sorted); a word's candidates are the intersection of its
pairs' postings, and each candidate is checked with `in`, so the answer is exactly the texts
that contain the word (`tests/test_textindex.py` compares it with the scan).

Memory: one int32 per distinct (pair, text) and one uint64 per distinct pair, no Python objects
per pair (≈ 3 MB for the titles and tags of 10,000 materials).
"""

from __future__ import annotations

import numpy as np

_EMPTY = np.zeros(0, dtype=np.int64)
_SEP = "\n"


def _pair_codes(chars: np.ndarray) -> np.ndarray:
    return (chars[:-1].astype(np.uint64) << np.uint64(21)) | chars[1:].astype(np.uint64)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class TextIndex:
    def __init__(self, texts: list[str]):
        if any(_SEP in t for t in texts):
            raise ValueError("texts must not contain a newline")
        self.texts = texts
        n = len(texts)
        blob = _SEP.join(texts) + _SEP
        chars = _code_points(blob)
        starts = np.cumsum([0] + [len(t) + 1 for t in texts])
        codes = _pair_codes(chars)
        owner = np.searchsorted(starts, np.arange(len(codes)), side="right") - 1
        keep = (chars[:-1] != ord(_SEP)) & (chars[1:] != ord(_SEP))
        keys = np.unique(codes[keep] * np.uint64(max(n, 1)) + owner[keep].astype(np.uint64))
        pair = keys // np.uint64(max(n, 1))
        self._postings = (keys % np.uint64(max(n, 1))).astype(np.int32)
        self._pairs, self._first = np.unique(pair, return_index=True)
        self._ends = np.append(self._first[1:], len(pair))

    def _posting(self, code: int) -> np.ndarray | None:
        i = int(np.searchsorted(self._pairs, np.uint64(code)))
        if i == len(self._pairs) or self._pairs[i] != code:
            return None
        return self._postings[self._first[i]:self._ends[i]]

    def containing(self, word: str) -> np.ndarray:
        """The (sorted) indices of the texts that contain `word` (two characters or more)."""
        if len(word) < 2 or _SEP in word:
            raise ValueError("a word of two characters or more, without a newline")
        postings = []
        for code in set(_pair_codes(_code_points(word)).tolist()):   # (np.unique imports numpy.ma: 0.15 s)
            posting = self._posting(code)
            if posting is None:
                return _EMPTY
            postings.append(posting)
        postings.sort(key=len)
        found = postings[0]
        for posting in postings[1:]:
            if not len(found):
                return _EMPTY
            found = np.intersect1d(found, posting, assume_unique=True)
        if len(word) == 2:
            return found.astype(np.int64)
        texts = self.texts
        return np.array([k for k in found.tolist() if word in texts[k]], dtype=np.int64)
