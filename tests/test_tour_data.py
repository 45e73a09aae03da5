"""The tour lists: they load, they are rich enough, and their checks catch mistakes."""

from __future__ import annotations

import copy
import itertools

import pytest
from pydantic import ValidationError

from tests.tourcheck import travel as checker
from promo.tour.models import (
    TOUR_LISTS,
    Road,
    Site,
    SiteKind,
    Venue,
    VenueKind,
    check_tour_references,
    parse_hours,
    parse_months,
    parse_weekdays,
)
from promo.tour.travel import TravelModel
from tests.test_tour_support import CHAINS, COUNTIES, ROOT, chain_ids, material_ids, tour_lists


def _refs(lists):
    return check_tour_references(lists, material_ids(), chain_ids())


def test_files_exist_and_are_lists():
    import yaml
    for rel in TOUR_LISTS:
        data = yaml.safe_load((ROOT / rel).read_text("utf-8"))
        assert isinstance(data, list) and data, rel
    assert all(rel.startswith("lists/tour/") for rel in TOUR_LISTS)
    # the loader keys lists by file stem: none may clash with the core lists
    assert {rel.rsplit("/", 1)[1][:-5] for rel in TOUR_LISTS}.isdisjoint(
        {"chains", "companies", "places", "schools", "projects", "events", "policies", "materials", "people"})


def test_sample_data_covers_the_city():
    lists = tour_lists()
    sites = lists["sites"]
    assert len(sites) >= 45
    assert {s.county.value for s in sites} == set(COUNTIES)
    assert set(CHAINS) <= {c for s in sites for c in s.chains}
    assert set(CHAINS) == chain_ids()
    names = {s.name for s in sites}
    for must in ("多宝山铜矿", "黑河公路大桥口岸", "黑河自贸片区综合服务中心", "中俄民族风情园", "瑷珲历史陈列馆",
                 "五大连池火山地质博物馆", "五大连池矿泉疗养院", "嫩江大豆产业园", "北安寒区试车场", "黑河寒区试车场",
                 "黑河国际物流园", "中俄东线天然气管道黑河首站", "黑河市政府会议室"):
        assert must in names, must
    venues = {v.id: v for v in lists["venues"]}
    for code in ("HEK", "DTU"):
        assert any(v.code == code for v in venues.values())
    for vid in ("heihe_station", "beian_station", "nenjiang_station", "bridge_port_gate"):
        assert vid in venues
    assert any(s.kind is SiteKind.government for s in sites)
    assert any(len(s.ranges) == 2 for s in sites)          # a lunch break somewhere


def test_references_are_valid():
    assert _refs(tour_lists()) == []


def test_road_table_is_realistic():
    roads = {tuple(sorted((r.a, r.b))): r.minutes for r in tour_lists()["roads"]}
    assert 150 <= roads[("beian", "heihe")] <= 210
    assert 40 <= roads[("beian", "wudalianchi")] <= 75
    assert 90 <= roads[("beian", "nenjiang")] <= 150
    assert 70 <= roads[("heihe", "sunwu")] <= 110
    assert 70 <= roads[("sunwu", "xunke")] <= 110
    assert 120 <= roads[("heihe", "xunke")] <= 180


def _mutated(stem, index, **changes):
    lists = tour_lists()
    records = [copy.deepcopy(r) for r in lists[stem]]
    for key, value in changes.items():
        object.__setattr__(records[index], key, value)
    lists[stem] = records
    return lists


def _fields(problems):
    return {(p[0].rsplit("/", 1)[1], p[2]) for p in problems}


@pytest.mark.parametrize("stem, changes, where", [
    ("sites", {"town": "nowhere"}, ("sites.yaml", "town")),
    ("sites", {"town": "hek_airport"}, ("sites.yaml", "town")),
    ("sites", {"materials": ["no_such_material"]}, ("sites.yaml", "materials")),
    ("sites", {"chains": ["semiconductors"]}, ("sites.yaml", "chains")),
    ("sites", {"hosts": ["nobody_here"]}, ("sites.yaml", "hosts")),
    ("sites", {"lat": 48.0, "lon": 125.0}, ("sites.yaml", "lat")),
    ("officials", {"chains": ["semiconductors"]}, ("officials.yaml", "chains")),
    ("roads", {"b": "moscow"}, ("roads.yaml", "b")),
    ("roads", {"minutes": 10}, ("roads.yaml", "minutes")),
])
def test_cross_reference_mistakes_are_reported(stem, changes, where):
    problems = _refs(_mutated(stem, 0, **changes))
    assert where in _fields(problems), problems
    for file, index, _field, message, fix in problems:
        assert file in TOUR_LISTS and index >= 0 and message and fix


def test_duplicate_road_and_site_venue_clash_and_missing_restaurant():
    lists = tour_lists()
    lists["roads"] = lists["roads"] + [Road(a=lists["roads"][0].b, b=lists["roads"][0].a, minutes=50)]
    assert ("roads.yaml", "a") in _fields(_refs(lists))
    lists = tour_lists()
    clash = lists["venues"][0].model_copy(update={"id": lists["sites"][0].id})
    lists["venues"] = lists["venues"] + [clash]
    assert ("sites.yaml", "id") in _fields(_refs(lists))
    lists = tour_lists()
    lists["venues"] = [v for v in lists["venues"] if not (v.kind is VenueKind.restaurant and v.town == "xunke")]
    assert any("no restaurant" in p[3] for p in _refs(lists))


def test_raw_dicts_are_validated_too():
    lists = tour_lists()
    bad = lists["sites"][0].model_dump(mode="json")
    bad["hours"] = "nine to five"
    lists["sites"] = [bad] + lists["sites"][1:]
    problems = _refs(lists)
    assert any(p[1] == 0 and "invalid record" in p[3] for p in problems)


def _site(**kw):
    base = dict(id="x", name="测试点", county="爱辉区", town="heihe", kind="enterprise", chains=["dairy"],
                lat=50.2, lon=127.5)
    base.update(kw)
    return Site.model_validate(base)


@pytest.mark.parametrize("kw, words", [
    ({"hours": "nine to five"}, "range of hours"),
    ({"hours": "17:00-08:00"}, "ends before"),
    ({"hours": "08:00-12:00, 11:00-17:00"}, "overlap"),
    ({"open_days": "monday-someday"}, "weekday"),
    ({"months": "13"}, "month"),
    ({"lat": 39.9, "lon": 116.4}, "outside Heihe"),
    ({"visit_minutes": 200, "hours": "08:30-11:30, 13:30-16:30"}, "does not fit"),
    ({"kind": "castle"}, "kind"),
    ({"colour": "red"}, "colour"),
    ({"closed_dates": ["2026-02-10..2026-02-01"]}, "ends before"),
])
def test_record_mistakes_are_errors(kw, words):
    with pytest.raises(ValidationError) as err:
        _site(**kw)
    assert words in str(err.value)


def test_record_parsing_is_lenient_where_staff_type():
    s = _site(hours="8:30–11:30 13:30-17:00", open_days="周一至周五", months="11-3",
              closed_dates=["2026-02-15..2026-02-17"], materials="dairy_video")
    assert s.ranges == [(510, 690), (810, 1020)]
    assert s.open_days == [1, 2, 3, 4, 5]
    assert s.months == [1, 2, 3, 11, 12]
    assert len(s.closed_dates) == 3 and s.materials == ["dairy_video"]
    assert parse_weekdays("daily") == list(range(1, 8)) and parse_weekdays(["sat", "sun"]) == [6, 7]
    assert parse_months("全年") == [] and parse_months([5, "6-7"]) == [5, 6, 7]
    assert parse_hours(["09:00-11:00", "14:00-16:00"]) == [(540, 660), (840, 960)]
    with pytest.raises(ValidationError):
        Venue.model_validate(dict(id="h", name="宾馆", kind="hotel", county="爱辉区", lat=50.2, lon=127.5))
    with pytest.raises(ValidationError):
        Road.model_validate(dict(a="heihe", b="heihe", minutes=30))


def test_planner_and_checker_agree_on_every_travel_time():
    """Two implementations of the documented travel rule give the same minutes everywhere."""
    lists = tour_lists()
    venues, sites = lists["venues"], lists["sites"]
    towns = {v.id: (v.lat, v.lon) for v in venues if v.kind is VenueKind.town}
    where = {v.id: (v.lat, v.lon, v.town_id) for v in venues}
    where.update({s.id: (s.lat, s.lon, s.town) for s in sites})
    model = TravelModel(where, towns, lists["roads"])
    roads = checker.Roads(lists["roads"])
    ids = sorted(where)
    for a, b in itertools.combinations(ids, 2):
        m = model.minutes(a, b)
        assert m == model.minutes(b, a) == checker.travel_minutes(a, b, where, towns, roads), (a, b)
        assert m >= 10
    # a road-table leg: Heihe centre → Bei'an centre is the table's 180 minutes plus 10 fixed
    assert model.minutes("heihe", "beian") == 190
