"""The planner on chosen visitors: reception levels, honest empty plans, routes, constraints."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.tourcheck import check_plan
from promo.tour.planner import InfeasibleRequest, TourRequest, plan_tour
from tests.test_tour_support import request, tour_lists, town_blocks

OFFICIALS = {o.id: o for o in tour_lists()["officials"]}


def plan_ok(rq: TourRequest):
    lists = tour_lists()
    plan = plan_tour(rq, lists)
    assert check_plan(plan, rq, lists) == []
    return plan


def talk(plan):
    talks = [s for s in plan.stops if s.kind == "talk"]
    assert len(talks) == 1
    return talks[0]


# --------------------------------------------------------------------------- reception

def test_central_soe_chairman_is_received_by_the_city_top():
    plan = plan_ok(request(["copper"], 5, "central_soe", days=2))
    assert plan.reception["receiver"]["id"] in ("hh_secretary", "hh_mayor")
    t = talk(plan)
    assert t.host_ids[0] in ("hh_secretary", "hh_mayor")
    assert "vm_han" in t.host_ids                          # the copper task-force lead joins
    assert (t.end - t.start).total_seconds() == 90 * 60
    for s in plan.stops:
        if s.kind == "site" and s.host_ids:
            assert max(OFFICIALS[o].rank for o in s.host_ids) >= 3
    assert any(s.why == "欢迎晚宴" and s.host_ids == [t.host_ids[0]] for s in plan.stops)


def test_private_vice_president_meets_the_vice_mayor_in_charge_or_the_bureau():
    plan = plan_ok(request(["dairy"], 4, "private"))
    assert plan.reception["receiver"]["id"] == "vm_liu"    # dairy task-force lead
    assert plan.reception["alternates"][0]["id"] == "zsj_head"
    plan = plan_ok(request([], 4, "private"))
    assert plan.reception["receiver"]["id"] == "zsj_head"


def test_foreign_delegation_gets_a_vice_mayor_and_foreign_affairs():
    rq = request(["cross_border"], 4, "foreign", arrival_place="bridge_port_gate", language="ru")
    plan = plan_ok(rq)
    assert OFFICIALS[plan.reception["receiver"]["id"]].rank == 4
    assert "fao_head" in [w["id"] for w in plan.reception["with"]]
    assert "fao_head" in talk(plan).host_ids
    assert any("俄语" in n for n in plan.notes)
    ru = [m for s in plan.stops for m in s.materials if "ru" in m.languages]
    assert ru                                               # Russian versions are preferred


def test_overseas_chinese_delegation_is_received_by_united_front():
    plan = plan_ok(request(["green_food"], 5, "overseas_chinese"))
    assert plan.reception["receiver"]["id"] in ("ufwd_head", "qiao_head")
    plan = plan_ok(request(["green_food"], 3, "overseas_chinese"))
    assert plan.reception["receiver"]["id"] == "qiao_head"


def test_escort_implies_host_levels_and_chair():
    # the mayor escorting a private chairman chairs the talk; county tops host at the sites
    plan = plan_ok(request(["dairy"], 5, "private", days=2, escort="hh_mayor"))
    assert plan.reception["chair"]["id"] == "hh_mayor"
    assert talk(plan).host_ids[0] == "hh_mayor"
    assert plan.reception["site_host_rank"] == 3
    # a bureau escort keeps county hosts at deputy level
    plan = plan_ok(request(["dairy"], 3, "sme", days=2, escort="bureau_head"))
    assert plan.reception["site_host_rank"] == 2
    # a county escort favours the county's sites
    plan = plan_ok(request(["soybean", "green_food"], 4, "private", days=1, escort="sunwu_head",
                           arrival_place="hek_airport"))
    assert any(s.county == "孙吴县" for s in plan.stops if s.kind == "site")
    with pytest.raises(ValueError, match="unknown escort"):
        plan_tour(request(["dairy"], escort="the_pope"), tour_lists())


# --------------------------------------------------------------------------- honest answers

def test_arrival_after_everything_closed_on_a_half_day_gets_an_honest_plan():
    rq = request(["dairy"], 4, "private", days=0.5, arrival=dt.datetime(2026, 6, 9, 17, 30))
    plan = plan_ok(rq)
    assert [s.kind for s in plan.stops if s.kind in ("site", "talk")] == []
    assert plan.stops[0].kind == "arrival" and plan.stops[-1].kind == "departure"
    assert any("没有可安排" in n for n in plan.notes)
    assert plan.dropped and all(d.reason for d in plan.dropped)
    assert any(d.id == "talk" for d in plan.dropped)


def test_visitor_with_no_matching_chain_is_told_so():
    plan = plan_ok(request(["semiconductors"], 3, "private"))
    assert any("没有与" in n for n in plan.notes)
    assert all("城市名片" in s.why for s in plan.stops if s.kind == "site")


def test_nothing_relevant_and_everything_avoided_still_gives_a_valid_plan():
    lists = tour_lists()
    showcases = [s.id for s in lists["sites"] if s.showcase]
    rq = request([], 3, None, must_avoid=showcases)
    plan = plan_ok(rq)
    assert plan.site_count == 0
    assert any("没有可安排的考察点位" in n or "只安排了座谈" in n for n in plan.notes)


def test_impossible_departure_is_refused_with_a_reason():
    with pytest.raises(InfeasibleRequest, match="无法安排"):
        plan_tour(request(["dairy"], arrival=dt.datetime(2026, 6, 9, 10, 0), days=0.5,
                          departure_place="nenjiang_station", departure=dt.datetime(2026, 6, 9, 12, 0)),
                  tour_lists())


@pytest.mark.parametrize("kw, words", [
    ({"days": 5}, "days"),
    ({"days": 1.25}, "days"),
    ({"must_see": ["hh_bridge_port"], "must_avoid": ["hh_bridge_port"]}, "both"),
    ({"arrival": dt.datetime(2026, 6, 9, 22, 30)}, "21:30"),
    ({"start_date": dt.date(2026, 6, 20)}, "start date"),
    ({"departure": dt.datetime(2026, 6, 8, 12, 0)}, "not after"),
])
def test_malformed_requests_are_refused(kw, words):
    with pytest.raises(ValueError, match=words):
        request(["dairy"], **kw)


def test_unknown_arrival_place_is_refused():
    with pytest.raises(ValueError, match="unknown arrival place"):
        plan_tour(request(["dairy"], arrival_place="moscow"), tour_lists())


# --------------------------------------------------------------------------- routes and rules

def test_long_multi_county_tour_does_not_go_back_and_forth():
    rq = request(["dairy", "soybean", "beef_cattle"], 5, "private", days=4, arrival_place="dtu_airport",
                 arrival=dt.datetime(2026, 8, 3, 9, 0), departure_place="hek_airport", escort="city_leader")
    plan = plan_ok(rq)
    counties = {s.county for s in plan.stops if s.kind == "site"}
    assert len(counties) >= 4
    for day in plan.days:
        blocks = town_blocks(day.stops)
        assert len(blocks) == len(set(blocks)), (day.date, blocks)
    whole = town_blocks(plan.stops, kinds=("site", "talk"))
    assert len(whole) == len(set(whole)), whole            # and no town twice across the tour
    assert plan.site_count >= 10


def test_must_see_and_must_avoid():
    rq = request(["dairy"], 4, "private", days=2, must_see=["xunke_port"], must_avoid=["beian_dairy_plant"],
                 arrival=dt.datetime(2026, 6, 9, 9, 0))
    plan = plan_ok(rq)
    ids = [s.place_id for s in plan.stops]
    assert "xunke_port" in ids and "beian_dairy_plant" not in ids
    assert any(d.id == "beian_dairy_plant" and "按要求" in d.reason for d in plan.dropped)
    port = next(s for s in plan.stops if s.place_id == "xunke_port")
    assert "按要求安排" in port.why
    # a must-see that cannot be reached in time is reported with the reason
    rq = request(["dairy"], days=1, arrival=dt.datetime(2026, 6, 9, 9, 0), must_see=["duobaoshan_mine"])
    plan = plan_ok(rq)
    assert any(d.id == "duobaoshan_mine" and "时间不足" in d.reason for d in plan.dropped)
    # a must-see that is closed on the tour days is reported, not silently skipped
    rq = request(["dairy"], days=1, arrival=dt.datetime(2026, 6, 9, 9, 0), must_see=["hh_cold_test_ground"])
    plan = plan_ok(rq)
    assert any(d.id == "hh_cold_test_ground" and "季节" in d.reason for d in plan.dropped)


def test_seasonal_sites_follow_the_season():
    summer = plan_ok(request(["cold_testing"], 4, "private", days=2, arrival=dt.datetime(2026, 7, 7, 9, 0)))
    winter = plan_ok(request(["cold_testing"], 4, "private", days=2, arrival=dt.datetime(2026, 12, 8, 9, 0)))
    assert "hh_cold_test_ground" not in {s.place_id for s in summer.stops}
    assert "hh_cold_test_ground" in {s.place_id for s in winter.stops}


def test_meals_days_and_half_days():
    rq = request(["green_food", "tourism_health"], 4, "private", days=1.5,
                 arrival=dt.datetime(2026, 7, 15, 9, 0))
    plan = plan_ok(rq)
    assert [d.kind for d in plan.days] == ["program", "program"] and plan.days[1].half
    first = plan.days[0]
    assert [s.meal for s in first.stops if s.kind == "meal"] == ["lunch", "dinner"]
    assert first.stops[-1].kind == "hotel"
    assert plan.stops[-1].end == dt.datetime(2026, 7, 16, 14, 30, tzinfo=plan.stops[-1].end.tzinfo)
    half_program = [s for s in plan.days[1].stops if s.kind in ("site", "talk")]
    start = plan.days[0].stops[-1].end
    assert all((s.end - start).total_seconds() <= 300 * 60 for s in half_program)


def test_eve_arrival_and_next_morning_departure():
    rq = request(["cross_border"], 4, "foreign", days=1, arrival_place="bridge_port_gate",
                 arrival=dt.datetime(2026, 6, 8, 20, 0), start_date=dt.date(2026, 6, 9),
                 departure=dt.datetime(2026, 6, 10, 10, 0))
    plan = plan_ok(rq)
    assert [d.kind for d in plan.days] == ["eve", "program", "leave"]
    assert [s.kind for s in plan.days[0].stops] == ["arrival", "hotel"]
    assert [s.kind for s in plan.days[2].stops] == ["departure"]
    assert plan.site_count >= 3


def test_same_input_same_plan_and_list_order_does_not_matter():
    rq = request(["energy", "copper"], 5, "central_soe", days=2.5, escort="vm_han",
                 must_see=["hh_bridge_port"])
    lists = tour_lists()
    a = plan_tour(rq, lists).to_dict()
    b = plan_tour(rq, lists).to_dict()
    assert a == b
    shuffled = dict(lists, sites=list(reversed(lists["sites"])), venues=list(reversed(lists["venues"])),
                    roads=list(reversed(lists["roads"])))
    assert plan_tour(rq, shuffled).to_dict() == a
