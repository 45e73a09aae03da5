"""The independent checker is not a rubber stamp: broken plans are caught."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from tests.tourcheck import check_plan
from promo.tour.planner import MaterialRef, plan_tour
from tests.test_tour_support import request, tour_lists

RQ = request(["dairy", "cross_border"], 4, "private", days=2, arrival=dt.datetime(2026, 6, 9, 9, 0))
LISTS = tour_lists()
PLAN = plan_tour(RQ, LISTS)


def broken(change) -> list[str]:
    plan = copy.deepcopy(PLAN)
    change(plan)
    return check_plan(plan, RQ, LISTS)


def first(plan, kind, meal=None):
    return next(s for s in plan.stops if s.kind == kind and (meal is None or s.meal == meal))


def shift(stop, minutes):
    stop.start += dt.timedelta(minutes=minutes)
    stop.end += dt.timedelta(minutes=minutes)


def at_three_am(stop):
    length = stop.end - stop.start
    stop.start = stop.start.replace(hour=3, minute=0)
    stop.end = stop.start + length


def test_the_plan_itself_is_valid():
    assert check_plan(PLAN, RQ, LISTS) == []
    assert PLAN.site_count >= 4


@pytest.mark.parametrize("change, words", [
    (lambda p: at_three_am(first(p, "site")), "opening hours"),
    (lambda p: setattr(first(p, "site").travel, "minutes", 1), "the data gives"),
    (lambda p: shift(first(p, "site"), -25), "drive takes"),
    (lambda p: setattr(first(p, "site"), "end", first(p, "site").start + dt.timedelta(minutes=5)), "the visit takes"),
    (lambda p: shift(first(p, "meal", "lunch"), 150), "outside"),
    (lambda p: p.days[0].stops.remove(first(p, "meal", "lunch")), "no lunch"),
    (lambda p: p.days[0].stops.remove(first(p, "meal", "dinner")), "no dinner"),
    (lambda p: setattr(p.stops[0], "start", p.stops[0].start - dt.timedelta(hours=1)), "arrival"),
    (lambda p: setattr(p.stops[-1], "end", p.stops[-1].start), "before the departure"),
    (lambda p: p.days[0].stops.pop(), "must end at a hotel"),
    (lambda p: setattr(first(p, "talk"), "host_ids", ["zsj_deputy"]), "receives"),
    (lambda p: setattr(first(p, "site"), "materials", [MaterialRef("tourism_video")]), "material"),
    (lambda p: setattr(first(p, "hotel"), "place_id", "hh_river_fish"), "outside a hotel"),
])
def test_broken_plans_are_caught(change, words):
    problems = broken(change)
    assert any(words in p for p in problems), problems


def test_closed_days_and_avoided_sites_are_caught():
    plan = copy.deepcopy(PLAN)
    site = first(plan, "site")
    rq = copy.deepcopy(RQ)
    rq.must_avoid = [site.place_id]
    assert any("avoid" in p for p in check_plan(plan, rq, LISTS))
    # the same plan a week later would visit on other weekdays / dates: move one day to a Sunday
    lists = dict(LISTS)
    closed = [s.model_copy(update={"open_days": [7]}) if s.id == site.place_id else s for s in LISTS["sites"]]
    lists["sites"] = closed
    assert any("weekday" in p for p in check_plan(plan, RQ, lists))


def test_day_length_and_host_rank_are_caught():
    rq = copy.deepcopy(RQ)
    rq.max_day_minutes = 200
    assert any("programme of" in p for p in check_plan(PLAN, rq, LISTS))
    top = request(["dairy", "cross_border"], 5, "central_soe", days=2, arrival=dt.datetime(2026, 6, 9, 9, 0))
    assert any("rank" in p for p in check_plan(PLAN, top, LISTS))
