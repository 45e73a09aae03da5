"""Property tests: random visitors, days, arrivals, escorts, must-see/avoid → valid plans."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.tourcheck import check_plan
from promo.tour.planner import ALLOWED_DAYS, InfeasibleRequest, TourRequest, plan_tour
from tests.test_tour_support import AUDIENCES, CHAINS, profile, tour_lists, town_blocks

LISTS = tour_lists()
SITE_IDS = sorted(s.id for s in LISTS["sites"])
POINTS = ["hek_airport", "dtu_airport", "heihe_station", "beian_station", "nenjiang_station",
          "bridge_port_gate", "heihe_river_port", "heihe", "beian"]
ESCORTS = [None, "city_leader", "bureau_head", "county_head", "taskforce_lead", "foreign_affairs",
           "hh_mayor", "vm_liu", "vm_sun", "zsj_head", "zsj_deputy", "beian_head", "xunke_deputy", "ftz_director"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def requests(draw):
    chains = draw(st.lists(st.sampled_from(CHAINS), max_size=3, unique=True))
    visitor = profile(chains, draw(st.one_of(st.none(), st.integers(1, 5))),
                      draw(st.one_of(st.none(), st.sampled_from(AUDIENCES))),
                      raw=draw(st.text(max_size=30)))
    days = draw(st.sampled_from(ALLOWED_DAYS))
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    eve = draw(st.booleans()) and draw(st.booleans())
    if eve:
        arrival = dt.datetime.combine(start - dt.timedelta(days=1),
                                      dt.time(draw(st.integers(12, 23)), draw(st.integers(0, 59))))
    else:
        arrival = dt.datetime.combine(start, dt.time(draw(st.integers(6, 20)), draw(st.integers(0, 59))))
    departure_place = departure = None
    if draw(st.booleans()):
        departure_place = draw(st.sampled_from(POINTS))
    if draw(st.booleans()):
        last = start + dt.timedelta(days=int(-(-days // 1)) - 1)
        departure = dt.datetime.combine(last + dt.timedelta(days=draw(st.sampled_from([0, 0, 1]))),
                                        dt.time(draw(st.integers(7, 23)), draw(st.sampled_from([0, 30]))))
    must_see = draw(st.lists(st.sampled_from(SITE_IDS), max_size=2, unique=True))
    must_avoid = [s for s in draw(st.lists(st.sampled_from(SITE_IDS), max_size=4, unique=True))
                  if s not in must_see]
    try:
        return TourRequest(
            profile=visitor, days=days, arrival_place=draw(st.sampled_from(POINTS)), arrival=arrival,
            start_date=start, departure_place=departure_place, departure=departure,
            escort=draw(st.sampled_from(ESCORTS)), must_see=must_see, must_avoid=must_avoid,
            max_day_minutes=draw(st.sampled_from([480, 600, 600, 720])),
            language=draw(st.sampled_from([None, "zh", "en", "ru"])))
    except ValueError:
        assume(False)


def _plan(rq):
    try:
        return plan_tour(rq, LISTS)
    except InfeasibleRequest:
        # only an explicit departure can make a tour impossible
        assert rq.departure is not None
        assume(False)


@SETTINGS
@given(requests())
def test_every_plan_passes_the_independent_check(rq):
    plan = _plan(rq)
    assert check_plan(plan, rq, LISTS) == []
    # town blocks: within a day no town is left and come back to
    for day in plan.days:
        blocks = town_blocks(day.stops)
        assert len(blocks) == len(set(blocks)), (day.date, blocks)
    # nothing avoided, and every must-see planned or explained
    planned = {s.place_id for s in plan.stops}
    assert not planned & set(rq.must_avoid)
    for sid in rq.must_see:
        assert sid in planned or any(d.id == sid and d.reason for d in plan.dropped)
    if plan.site_count == 0:
        assert plan.notes                                     # an empty plan says why


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(requests())
def test_same_request_same_plan(rq):
    plan = _plan(rq)
    again = plan_tour(rq, LISTS)
    assert again.to_dict() == plan.to_dict()
    assert again.plan_id == plan.plan_id


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(requests())
def test_without_an_explicit_departure_a_plan_always_exists(rq):
    rq.departure = None
    plan = plan_tour(rq, LISTS)
    assert check_plan(plan, rq, LISTS) == []
