"""The letter-pair index answers exactly what a scan of the texts answers (promo/matching/textindex.py)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from promo.matching.textindex import TextIndex


def scan(texts: list[str], word: str) -> list[int]:
    return [k for k, t in enumerate(texts) if word in t]


def test_random_texts_and_words_agree_with_the_scan():
    rng = random.Random(7)
    alphabet = "合作考察材料视频大豆玉米粮食ab cxyz-éж"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(400)]
    index = TextIndex(texts)
    words = {t[i:i + n] for t in texts for n in (2, 3, 5) for i in range(0, max(len(t) - n, 0), 7)}
    words |= {"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 6))) for _ in range(400)}
    words = {w for w in words if len(w) >= 2}
    assert len(words) > 500
    for w in sorted(words):
        assert index.containing(w).tolist() == scan(texts, w), w


def test_the_materials_titles_and_tags():
    from promo.config import ROOT
    from promo.matching.matcher import load_matcher

    index = load_matcher(ROOT).materials._texts
    texts = index.texts
    words = {t[i:i + n] for t in texts for n in (2, 3, 4, 8) for i in range(len(t) - n + 1)}
    assert len(words) > 1000
    for w in words:
        assert index.containing(w).tolist() == scan(texts, w), w
    assert index.containing("没有这个词").tolist() == []


def test_edges():
    index = TextIndex(["aa", "aaa", "", "ab"])
    assert index.containing("aa").tolist() == [0, 1]
    assert index.containing("aaa").tolist() == [1]
    assert index.containing("ba").tolist() == []
    assert isinstance(index.containing("ab"), np.ndarray)
    with pytest.raises(ValueError):
        index.containing("a")
    with pytest.raises(ValueError):
        TextIndex(["a\nb"])
    assert TextIndex([]).containing("ab").tolist() == []
