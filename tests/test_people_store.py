"""The compact people store (promo/lists/people.py) and whom's top-k order (promo/matching/whom.py).

* every person read back from the store equals the model validated from its file (values,
  types, pydantic's fields-set), as do `where`, `get`, the columns and a pickled copy;
* `top_order` (a partition, then a sort of the k best) gives exactly the order of the full
  sort it replaced, on random scores with many ties;
* whom answers (ids, scores, whys, totals, pages, list filters) over the labelled and blind
  queries and over generated queries at 10k people are the same as those of the materialised
  path: the same index over a plain list of the validated `Person` models, ranked by full sort.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import yaml

from promo.lists import loader
from promo.lists.models import Person
from promo.lists.people import FIELDS, PeopleStore, TextColumn
from promo.matching import whom as whom_mod
from promo.matching.matcher import Matcher, load_matcher

from .conftest import ROOT, TODAY

QUERIES = ROOT / "tests" / "data" / "queries.yaml"
BLIND = ROOT / "tests" / "data" / "blind" / "matching.yaml"


def yaml_people(root: Path) -> tuple[list[Person], dict[str, tuple[str, int]]]:
    """The people validated from their files as the loader does it, without the store."""
    root = root.resolve()
    scratch = loader.Library(root=root, fingerprint="-")
    people: list[Person] = []
    for spec, path in loader.discover(root):
        if spec.name == "people":
            people += loader._load_file(path, str(path.relative_to(root)), spec, [], scratch, {})
    return people, {key[1]: at for key, at in scratch.where.items() if key[0] == "people"}


def same_person(a: Person, b: Person) -> None:
    assert type(a) is type(b) is Person
    assert a == b and a.model_fields_set == b.model_fields_set, a.id
    assert a.model_dump() == b.model_dump()
    assert [type(getattr(a, f)) for f in FIELDS] == [type(getattr(b, f)) for f in FIELDS], a.id


# --------------------------------------------------------------------------- the store

def test_every_person_reads_back_as_validated(library):
    models, where = yaml_people(ROOT)
    store = library.people
    assert isinstance(store, PeopleStore) and len(store) == len(models) > 100
    for i, (model, built) in enumerate(zip(models, store)):
        same_person(model, built)
        same_person(model, store[i])
        same_person(model, library.get("people", model.id))
        assert library.where[("people", model.id)] == where[model.id]
        assert library.where.get(("people", model.id)) == where[model.id]
    same_person(models[-1], store[-1])
    assert [p.id for p in store[2:5]] == [p.id for p in models[2:5]]
    with pytest.raises(IndexError):
        store[len(store)]
    # the fields each file wrote differ from record to record (the sheets export reads them)
    assert len({frozenset(m.model_fields_set) for m in models}) > 10


def test_lookups_that_miss(library):
    assert library.get("people", "no-such-person") is None
    assert library.get("people", None) is None
    assert library.where.get(("people", "no-such-person")) is None
    assert ("people", "no-such-person") not in library.where
    first = min(p.id for p in library.people)
    assert library.people.row_of(first[:-1]) is None          # a prefix of an id is not that id


def test_columns_are_the_fields(library):
    models, _ = yaml_people(ROOT)
    for name in FIELDS:
        assert library.people.values(name) == [getattr(m, name) for m in models], name
    with pytest.raises(KeyError):
        library.people.values("no_such_field")
    assert list(library.people.id_order()) == sorted(range(len(models)), key=lambda i: models[i].id)


def test_a_built_person_is_a_copy(library):
    person = library.people[0]
    person.name, before = "改过的名字", library.people[0].name
    person.chains.append("changed")
    assert library.people[0].name == before and "changed" not in library.people[0].chains


def test_pickled_store_is_the_same(library):
    copy = pickle.loads(pickle.dumps(library, protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(copy.lists["people"], PeopleStore)
    for a, b in zip(library.people, copy.people):
        same_person(a, b)
    assert dict(copy.where) == dict(library.where)
    assert "ht-0" not in repr(library.people) and str(len(library.people)) in repr(library.people)


@pytest.mark.parametrize("items", [
    ["a", "b", "a", None, "", "a"] * 20,                     # few distinct values: codes
    [f"v{i}" if i % 7 else None for i in range(1000)],      # many: one string + offsets
    [f"名字{i}" if i % 5 else "" for i in range(1000)],     # '' and None stay apart
    [f"x{i}" for i in range(300)] + [None],
    [],
])
def test_text_column_round_trip(items):
    col = TextColumn(items)
    assert [col[i] for i in range(len(items))] == items and col.all() == items and len(col) == len(items)


def test_a_library_of_plain_models_is_compacted_on_use(library):
    models, where = yaml_people(ROOT)
    lib = loader.Library(root=library.root, fingerprint="-", lists={"people": models},
                         where={("people", k): v for k, v in where.items()})
    assert isinstance(lib.people, PeopleStore) and lib.lists["people"] is lib.people
    assert lib.where[("people", models[3].id)] == where[models[3].id]


# --------------------------------------------------------------------------- top-k order

def full_sort_order(score, rank, good, offset, top):
    """The order before the partition (whom.py until this change)."""
    order = np.lexsort((rank, -score))
    order = order[good[order]]
    return order[offset: offset + top if top else None]


@pytest.mark.parametrize("seed", range(40))
def test_top_order_is_the_full_sort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    levels = rng.integers(1, 12)            # few distinct scores: ties everywhere
    score = np.round(rng.integers(0, levels, n) / levels, 6)
    rank = rng.permutation(n) if seed % 2 else rng.integers(0, max(1, n // 3), n)   # also duplicate ranks
    good = score >= 0.35 if seed % 3 else np.ones(n, dtype=bool)
    for offset, top in [(0, 10), (10, 10), (0, 1), (5, 3), (0, None), (0, 0), (n, 10), (0, n + 5),
                        (int(rng.integers(0, n + 1)), int(rng.integers(1, 50)))]:
        got = whom_mod.top_order(score, rank, good, offset, top)
        assert got.tolist() == full_sort_order(score, rank, good, offset, top).tolist(), (offset, top)


# --------------------------------------------------------------------------- same answers

class ModelPeople(list):
    """The people as a plain list of validated models, with the arrays whom needs computed the way
    whom.py did before the store (the materialised path)."""

    def values(self, name):
        return [getattr(p, name) for p in self]

    def id_order(self):
        return np.array(sorted(range(len(self)), key=lambda i: self[i].id), dtype=np.int64)

    def strengths(self):
        return np.array([p.strength for p in self], dtype=np.float64)

    def list_codes(self):
        return np.array([whom_mod._LIST_ORDER.index(p.list.value) for p in self], dtype=np.int8)


class ModelLibrary:
    def __init__(self, library, people):
        self._library, self.people = library, people

    def __getattr__(self, name):
        return getattr(self._library, name)


def materialised_index(matcher: Matcher, root: Path) -> whom_mod.PeopleIndex:
    models, _ = yaml_people(root)
    index = whom_mod.PeopleIndex(ModelLibrary(matcher.library, ModelPeople(models)), matcher._place_ids,
                                 matcher._school_ids, matcher.people.ancestors, matcher.people.org_names)
    for key in index.postings:
        assert np.array_equal(index.postings[key], matcher.people.postings[key])
    assert index.postings.keys() == matcher.people.postings.keys()
    return index


def answer(result: whom_mod.WhomResult) -> dict:
    return {"items": [(r.person.model_dump(), r.score, r.why, r.features) for r in result.items],
            "total": result.total, "matched": result.matched, "message": result.message,
            "lists": result.lists, "from_text": result.lists_from_text, "widened": result.widened}


def compare(matcher: Matcher, root: Path, texts: list[str], monkeypatch, everyone: bool) -> int:
    reference = materialised_index(matcher, root)
    calls = [dict(), dict(top=5, offset=5), dict(top=None) if everyone else dict(top=60),
             dict(lists={"hometown"}), dict(lists={"ministry", "agent"}, top=3, offset=1)]
    profiles = [matcher.profile(t) for t in texts]
    new = [[answer(matcher.people.rank(p, **kw)) for kw in calls] for p in profiles]
    with monkeypatch.context() as m:
        m.setattr(whom_mod, "top_order", full_sort_order)
        old = [[answer(reference.rank(p, **kw)) for kw in calls] for p in profiles]
    for text, a, b in zip(texts, new, old):
        assert a == b, text
    return sum(bool(r["items"]) for row in new for r in row)


def test_whom_on_the_labelled_sets_is_the_materialised_answer(matcher, monkeypatch):
    texts = [q["query"] for q in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]
    texts += [q["query"] for q in yaml.safe_load(BLIND.read_text(encoding="utf-8"))]
    assert len(texts) > 150
    assert compare(matcher, ROOT, texts, monkeypatch, everyone=True) > 300     # answers, not empty lists


def test_whom_at_10k_is_the_materialised_answer(tmp_path_factory, monkeypatch):
    from bench.generate import generate

    ds = generate(tmp_path_factory.mktemp("people10k") / "data", 10_000, 200, n_queries=200)
    matcher = load_matcher(ds.root, today=TODAY)
    assert len(matcher.library.people) == 10_000
    texts = [q["text"] for q in json.loads((ds.root / "bench_queries.json").read_text(encoding="utf-8"))]
    assert compare(matcher, ds.root, texts, monkeypatch, everyone=False) > 500
