"""The gold check of the blind matching set and the judge of bench/blind.py.

* tests/data/blind/gold_check.yaml covers every blind query, copies each query verbatim, and
  names only ids that exist in the sample data;
* its `answers` / `exists` agree with the evaluator's judge functions applied to the data;
* the judge functions and the false-link count are right on hand-made cases.

Nothing here runs the matcher or asserts its scores.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bench import blind
from promo.lists.loader import load_library
from promo.lists.models import Kind, Lang, Material, Person, PersonList, Scope
from promo.matching.profile import VisitorProfile

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 26)
QUERIES = yaml.safe_load((ROOT / "tests" / "data" / "blind" / "matching.yaml").read_text(encoding="utf-8"))
GOLD = blind.load_gold()
KEYS = {"query", "task", "chains", "industries", "format", "language", "max_minutes", "scope", "places",
        "cities", "agent_regions", "lists", "organisation", "exists", "answers", "note"}
ORG_KEYS = {"companies", "schools", "ministries", "agents"}


@pytest.fixture(scope="module")
def library():
    return load_library(ROOT, today=TODAY, use_cache=False)


def test_evaluator_dates_and_files_match_the_tests():
    assert blind.TODAY == TODAY
    assert blind.GOLD_FILE.is_file() and blind.BLIND_SET.is_file() and blind.TUNING_SET.is_file()


def test_gold_covers_every_query_and_copies_it():
    assert len(QUERIES) == 250
    assert list(GOLD) == [q["id"] for q in QUERIES]
    for q in QUERIES:
        g = GOLD[q["id"]]
        assert set(g) <= KEYS, (q["id"], set(g) - KEYS)
        assert g["query"] == q["query"] and g["task"] == q["task"], q["id"]
        assert isinstance(g["exists"], bool) and g["exists"] == bool(g["answers"]), q["id"]
        if not g["exists"]:
            assert g.get("note"), f"{q['id']}: a data gap needs a note saying why"


def test_gold_follows_the_blind_words(library):
    """Each plain-word constraint of the blind gold is carried over (never dropped or added)."""
    for q in QUERIES:
        words, g = q["gold"], GOLD[q["id"]]
        assert ("chains" in g) == bool(words.get("chain")), q["id"]
        if q["task"] == "say":
            assert g.get("format") == (words["format"] or None), q["id"]
            assert g.get("language") == (words["language"] or None), q["id"]
            assert g.get("max_minutes") == words["max_minutes"], q["id"]
            assert g.get("scope") == (words["scope"] or None), q["id"]
        else:
            want = list(blind.ALL_LISTS) if words["list"] == "any" else [words["list"]]
            assert g["lists"] == want, q["id"]
            assert ("cities" in g) == bool(words.get("place")), q["id"]
            assert ("organisation" in g) == bool(words.get("organisation")), q["id"]


def test_every_id_named_exists(library):
    chains = {c.id for c in library.chains}
    places = {p.id for p in library.lists["places"]}
    companies = {c.id for c in library.lists["companies"]}
    schools = {s.id for s in library.lists["schools"]}
    ministries = {p.ministry for p in library.people if p.ministry}
    agents = {p.organisation for p in library.people if p.organisation}
    materials = {m.id for m in library.materials}
    people = {p.id for p in library.people}
    for qid, g in GOLD.items():
        assert set(g.get("chains", [])) <= chains, qid
        assert set(g.get("places", [])) <= places, qid
        assert set(g.get("lists", [])) <= set(blind.ALL_LISTS), qid
        assert g.get("format") in (None, *(k.value for k in Kind)), qid
        assert g.get("language") in (None, *(x.value for x in Lang)), qid
        assert g.get("scope") in (None, *(s.value for s in Scope)), qid
        org = g.get("organisation") or {}
        assert set(org) <= ORG_KEYS, qid
        assert set(org.get("companies", [])) <= companies, qid
        assert set(org.get("schools", [])) <= schools, qid
        assert set(org.get("ministries", [])) <= ministries, qid
        assert set(org.get("agents", [])) <= agents, qid
        assert set(g["answers"]) <= (materials if g["task"] == "say" else people), qid


def test_answers_are_what_the_judge_finds_in_the_data(library):
    """`answers` lists exactly the records the evaluator's judge accepts: the file and the
    judge read the gold the same way."""
    schools = {s.id: s.name for s in library.lists["schools"]}
    for qid, g in GOLD.items():
        if g["task"] == "say":
            found = [m.id for m in library.materials if not blind.material_misses(m, g, TODAY)]
        else:
            found = [p.id for p in library.people if not blind.person_misses(p, g, schools)]
        assert found == g["answers"], qid


# --------------------------------------------------------------------------- hand-made cases

def _material(**kw) -> Material:
    base = {"id": "m", "title": "t", "kind": "video", "scope": "chain", "chains": ["dairy"],
            "minutes": 4, "languages": ["zh", "en"], "link": "https://example.com/m"}
    return Material.model_validate({**base, **kw})


def _person(**kw) -> Person:
    base = {"id": "ag-900", "list": "agent", "name": "某某", "organisation": "某商会", "city": "杭州",
            "chains": ["energy"], "industries": ["电子信息"], "regions": ["长三角"]}
    return Person.model_validate({**base, **kw})


def test_material_judge():
    m = _material()
    assert blind.material_misses(m, {"chains": ["dairy"], "format": "video", "language": "en",
                                     "max_minutes": 4, "scope": "chain"}, TODAY) == []
    assert blind.material_misses(m, {"chains": ["copper", "dairy"]}, TODAY) == []
    assert blind.material_misses(m, {"max_minutes": 3}, TODAY) == ["minutes 4 not <= 3"]
    assert blind.material_misses(m, {"language": "ru"}, TODAY) == ["language zh+en lacks ru"]
    assert len(blind.material_misses(m, {"chains": ["copper"], "format": "ppt", "scope": "city"}, TODAY)) == 3
    assert blind.material_misses(m, {"chains": []}, TODAY), "a gold chain missing from the data matches nothing"
    brochure = _material(kind="brochure", minutes=None, pages=20)
    assert blind.material_misses(brochure, {"max_minutes": 30}, TODAY), "unknown length fails a length limit"
    withdrawn = _material(status="withdrawn")
    assert blind.material_misses(withdrawn, {}, TODAY) == ["not available"]


def test_person_judge():
    p = _person()
    schools = {"hit": "哈尔滨工业大学"}
    assert blind.person_misses(p, {"lists": ["agent"], "cities": ["杭州"]}, schools) == []
    assert blind.person_misses(p, {"lists": ["hometown"]}, schools) == ["list agent not hometown"]
    assert blind.person_misses(p, {}, schools) == [], "no lists = any list"
    # an agent covering a region inside the gold place counts, whatever its city
    assert blind.person_misses(p, {"cities": ["上海"], "agent_regions": ["长三角"]}, schools) == []
    assert blind.person_misses(p, {"cities": ["上海"]}, schools)
    nonagent = _person(id="ht-900", list="hometown", hometown="北安市", organisation=None)
    assert blind.person_misses(nonagent, {"cities": ["上海"], "agent_regions": ["长三角"]}, schools)
    # chains, or free words standing in for a chain the data lacks
    assert blind.person_misses(p, {"chains": ["dairy"]}, schools)
    assert blind.person_misses(p, {"chains": [], "industries": ["电子"]}, schools) == []
    # organisations: company id, school by name, ministry, agent body
    alum = _person(id="al-900", list="alumni", school="哈尔滨工业大学", organisation=None, company_id="byd")
    assert blind.person_misses(alum, {"organisation": {"schools": ["hit"]}}, schools) == []
    assert blind.person_misses(alum, {"organisation": {"companies": ["byd"]}}, schools) == []
    assert blind.person_misses(alum, {"organisation": {"schools": []}}, schools) == ["organisation differs"]
    assert blind.person_misses(p, {"organisation": {"agents": ["某商会"]}}, schools) == []
    assert blind.person_misses(p, {"organisation": {"ministries": ["商务部"]}}, schools)
    assert PersonList(p.list) is PersonList.agent


def test_ranks_and_scores():
    assert blind.first_correct([["x"], [], []]) == 2
    assert blind.first_correct([["x"]]) is None
    assert blind.score(1) == {"top1": True, "top3": True, "rr": 1.0}
    assert blind.score(3) == {"top1": False, "top3": True, "rr": pytest.approx(1 / 3)}
    assert blind.score(None) == {"top1": False, "top3": False, "rr": 0.0}
    assert blind.relaxed({"task": "say", "chains": ["dairy"], "format": "video"}) == {"task": "say", "chains": ["dairy"]}
    assert blind.relaxed({"task": "whom", "lists": ["alumni"], "cities": ["北京"]}) == {"task": "whom", "lists": ["alumni"]}


def test_false_links(library):
    profile = VisitorProfile(raw="x", chain_ids=["dairy", "copper"], company_id="feihe", city_id="shenzhen",
                             origin_id="beian", school_id="hit", organisation="商务部", project_id="soy_protein")
    links = blind.profile_links(profile)
    assert links == [("chain", "dairy"), ("chain", "copper"), ("company", "feihe"), ("place", "shenzhen"),
                     ("place", "beian"), ("school", "hit"), ("org", "商务部"), ("project", "soy_protein")]
    gold = {"chains": ["dairy"], "places": ["shenzhen"], "organisation": {"companies": ["feihe"]}}
    # beian is one of Heihe's own units: never false; soy_protein is a soybean project
    assert blind.false_links(links, gold, library) == [("chain", "copper"), ("school", "hit"), ("org", "商务部"),
                                                       ("project", "soy_protein")]
    # a chain that comes with the gold company is used; so is the chamber's own company record
    assert blind.false_links([("chain", "beef_cattle")], {"organisation": {"companies": ["yili"]}}, library) == []
    assert blind.false_links([("company", "net-hlj-chamber-sz")],
                             {"organisation": {"agents": ["深圳市黑龙江商会"]}}, library) == []
    assert blind.false_links([("place", "beijing")], {}, library) == [("place", "beijing")]
    # a region or province containing a gold city is what the officer typed for it: used
    assert blind.false_links([("place", "greater_bay_area"), ("place", "guangdong")],
                             {"places": ["shenzhen"]}, library) == []
    assert blind.false_links([("place", "greater_bay_area")], {"places": ["beijing"]}, library) == [
        ("place", "greater_bay_area")]


def test_chains_that_come_with_a_company_or_project_are_not_links_of_their_own(library):
    """粮食物流园 → the project grain_import_hub, whose chains are grain logistics and cross-border:
    the project is the link (judged by its chains), its second chain is not a separate one."""
    profile = VisitorProfile(raw="x", chain_ids=["grain_logistics", "cross_border"],
                             inherited_chain_ids=["grain_logistics", "cross_border"], project_id="grain_import_hub")
    assert blind.profile_links(profile) == [("project", "grain_import_hub")]
    assert blind.false_links(blind.profile_links(profile), {"chains": ["grain_logistics"]}, library) == []
    # a chain named outright stays a link, and is false when the gold does not use it
    named = VisitorProfile(raw="x", chain_ids=["dairy", "copper"], inherited_chain_ids=["copper"], company_id="feihe")
    assert blind.profile_links(named) == [("chain", "dairy"), ("company", "feihe")]
    assert blind.false_links([("chain", "copper")], {"chains": ["dairy"]}, library) == [("chain", "copper")]


@pytest.mark.parametrize("place, text, named", [
    ("beijing", "飞鹤乳业 副总 北京 奶粉", True),
    ("beijing", "去北京拜访央企总部", True),
    ("harbin", "九三粮油 董事长 哈爾濱 大豆", True),              # traditional, normalised like the linker
    ("blagoveshchensk", "Благовещенск логистика", True),
    ("russia", "cross border logistics Russia deck", True),
    ("shenzhen", "xx sz", True),                                  # a Latin alias as a whole word
    ("shenzhen", "xiangxiansz", False),                           # ... not inside another word
    ("hohhot", "客户是俄罗斯阿穆尔州的 做大豆进口", False),         # the old misreading of 阿穆尔
    ("harbin", "выпускники Харбинского политеха", False),         # an inflected stem is not the name
    ("nowhere", "北京", False),
])
def test_a_place_named_outright(library, place, text, named):
    assert blind.named_outright(place, text, library) is named


def test_named_places_are_say_false_places_only(library):
    row = {"task": "say", "query": "客户是俄罗斯的 哈尔滨", "false_links": [("place", "russia"), ("place", "hohhot"),
                                                                          ("company", "feihe")]}
    assert blind.named_places(row, library) == [("place", "russia")]
    assert blind.named_places({**row, "task": "whom"}, library) == []


def test_the_link_line_counts_named_places_apart():
    rows = [{"task": "say", "gap": False, "false_links": [("place", "beijing"), ("company", "x")],
             "named_places": [("place", "beijing")], "relaxed_top1": False},
            {"task": "whom", "gap": False, "false_links": [("place", "beijing")], "named_places": [],
             "relaxed_top1": False}]
    say, whom = blind.gap_and_link_lines(rows)
    assert "false links 2 in 1/1 queries (place 1, company 1); of them 1 a place the query names outright" in say
    assert say.endswith("so 1 other")
    assert "names outright" not in whom
