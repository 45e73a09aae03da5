"""Records of the editable sample lists (lists/), from the loaded data.

A test that expects a person's or a company's name in an answer takes it from here, by the
record's id, so that office staff editing a name in lists/ does not break the test (and a
test that asserts a name is absent cannot pass because the name changed).

    from .sample import company, person
    assert person(FEIHE_VP).name in text
"""

from __future__ import annotations

from functools import cache

from promo.lists.models import Company, Person

from .conftest import ROOT, TODAY

# The people the sample queries are about (ids are what other records refer to; names may change)
FEIHE_VP = "ht-011"          # the Feihe vice-president in Beijing: 飞鹤乳业 副总 北京 奶粉
BEIDAHUANG_VP = "ht-013"     # at 北大荒 in Harbin, last contacted in May 2026 (a nudge is due)


@cache
def _library():
    from promo.matching.matcher import load_matcher

    return load_matcher(ROOT, today=TODAY).library


def person(person_id: str) -> Person:
    found = _library().get("people", person_id)
    assert found is not None, f"lists/people/: no person '{person_id}' (tests/sample.py names it)"
    return found


def company(company_id: str) -> Company:
    found = _library().get("companies", company_id)
    assert found is not None, f"lists/companies*.yaml: no company '{company_id}' (tests/sample.py names it)"
    return found
