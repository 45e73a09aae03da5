"""The fuzzy fallbacks' q-gram index (linker.FuzzyKeys) gives exactly what scanning every key
gives: on random keys and queries, and on whole link results for the labelled queries and a
generated bench query mix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from promo.matching.linker import FuzzyKeys

DATA = Path(__file__).resolve().parent / "data"

# Few letters, so that random keys share many grams and come close to each other and to the
# query: scores near every cutoff, ties, repeated grams.
LATIN = st.text(alphabet="abcde ", min_size=1, max_size=14)
CJK = st.text(alphabet="飞鹤乳业哈尔滨", min_size=1, max_size=9)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=st.lists(LATIN, min_size=1, max_size=40, unique=True), query=LATIN,
       cutoff=st.integers(min_value=40, max_value=100), q=st.sampled_from([1, 2, 3]))
@example(keys=["abce", "abcf"], query="abcd", cutoff=75, q=2)      # exactly at the cutoff, a tie
@example(keys=["aaaa", "aab"], query="aaa", cutoff=80, q=2)        # repeated grams
def test_index_returns_what_the_full_scan_returns_latin(keys, query, cutoff, q):
    fk = FuzzyKeys(keys, q)
    assert fk.best(query, cutoff) == fk.scan(query, cutoff)


@settings(max_examples=400, deadline=None)
@given(keys=st.lists(CJK, min_size=1, max_size=40, unique=True), query=CJK,
       cutoff=st.integers(min_value=50, max_value=100))
def test_index_returns_what_the_full_scan_returns_cjk(keys, query, cutoff):
    fk = FuzzyKeys(keys, 1)
    assert fk.best(query, cutoff) == fk.scan(query, cutoff)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(LATIN, min_size=1, max_size=30, unique=True), query=LATIN,
       cutoff=st.integers(min_value=40, max_value=100), q=st.sampled_from([1, 2, 3]))
def test_every_key_left_out_scores_below_the_cutoff(keys, query, cutoff, q):
    """Stronger than equal answers: the bound never drops a key that reaches the cutoff."""
    fk = FuzzyKeys(keys, q)
    kept = set(fk.candidates(query, cutoff).tolist())
    for i, key in enumerate(keys):
        if i not in kept:
            assert fuzz.ratio(query, key) < cutoff, (query, key)


def test_the_index_leaves_most_keys_unscored(matcher):
    """What the index is for: a typo'd name is scored against a few keys, not all of them, and the
    key it means is among them."""
    g = matcher.gazetteer
    cjk, lat = g._cjk_fuzzy, g._lat_fuzzy
    cand = cjk.candidates("飞鹌乳业", 75)
    assert "飞鹤乳业" in [cjk.keys[i] for i in cand]
    assert len(cand) < len(cjk.keys) / 10
    lat_cand = lat.candidates("cold chian logistics", 88)
    assert len(lat_cand) < len(lat.keys) / 10


def test_a_cutoff_with_a_fraction_is_refused():
    with pytest.raises(ValueError):
        FuzzyKeys(["abcd"], 2).best("abce", 75.5)


# ------------------------------------------------------------------ whole link results

def _link_both(gazetteer, text):
    indexed = gazetteer.link(text)
    gazetteer.fuzzy_index = False
    try:
        scanned = gazetteer.link(text)
    finally:
        del gazetteer.fuzzy_index          # back to the class default (the index)
    return indexed, scanned


def _assert_same_links(gazetteer, texts, monkeypatch) -> tuple[int, int]:
    """Every text links to the same result with and without the index; returns how many fuzzy
    look-ups the links made and how many of them found a key (with the index, every look-up is
    also checked against the full scan on its own)."""
    calls = []
    best = FuzzyKeys.best

    def recording(self, query, cutoff):
        found = best(self, query, cutoff)
        assert found == self.scan(query, cutoff), (query, cutoff)
        calls.append(found)
        return found

    monkeypatch.setattr(FuzzyKeys, "best", recording)
    for text in texts:
        indexed, scanned = _link_both(gazetteer, text)
        assert dataclasses.asdict(indexed) == dataclasses.asdict(scanned), text
    return len(calls), sum(c is not None for c in calls)


def _labelled_texts() -> list[str]:
    labelled = yaml.safe_load((DATA / "queries.yaml").read_text(encoding="utf-8"))
    blind = yaml.safe_load((DATA / "blind" / "matching.yaml").read_text(encoding="utf-8"))
    return [q["query"] for q in labelled] + [q["query"] for q in blind]


def test_labelled_queries_link_the_same_with_and_without_the_index(matcher, monkeypatch):
    texts = _labelled_texts()
    # Typos that reach each fuzzy fallback, so that the comparison covers them.
    texts += ["飞鹌乳业 副总", "哈尔兵冰雪旅游", "cold chian logistics", "Tourism, Culture and Wellness Harbin video",
              "feihw dairy", "логистeка Благовещенск"]
    calls, found = _assert_same_links(matcher.gazetteer, texts, monkeypatch)
    # The fallbacks ran and answered: the comparison is not between two empty lists.
    assert calls >= 200 and found >= 20


def test_labelled_queries_answer_the_same_with_and_without_the_index(matcher):
    from tests.conftest import TODAY

    def answers(text):
        say, whom = matcher.say(text, today=TODAY), matcher.whom(text)
        return ([(r.material.id, r.score, r.why) for r in say.items], say.total,
                [(r.person.id, r.score, r.why) for r in whom.items], whom.total)

    g = matcher.gazetteer
    for text in _labelled_texts():
        indexed = answers(text)
        g.fuzzy_index = False
        try:
            scanned = answers(text)
        finally:
            del g.fuzzy_index
        assert indexed == scanned, text


def test_bench_queries_link_the_same_with_and_without_the_index(tmp_path, monkeypatch):
    """The generated query mix of `python -m bench` (messy queries: typos, pinyin, English), on a
    generated 1,000-person data set."""
    import json

    from bench.generate import generate
    from promo.matching.matcher import load_matcher

    ds = generate(tmp_path / "data", 1000, 1000, n_queries=400)
    m = load_matcher(ds.root)
    queries = json.loads((Path(ds.root) / "bench_queries.json").read_text(encoding="utf-8"))
    assert len(queries) == 400
    calls, found = _assert_same_links(m.gazetteer, [q["text"] for q in queries], monkeypatch)
    assert calls >= 100 and found >= 3
