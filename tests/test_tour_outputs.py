"""The calendar (.ics), the printable page and the JSON of a plan."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import HealthCheck, given, settings
from icalendar import Calendar

from promo.tour.ics import plan_to_ics
from promo.tour.planner import InfeasibleRequest, TourRequest, plan_tour
from promo.tour.printable import render_printable
from tests.test_tour_property import requests
from tests.test_tour_support import profile, request, tour_lists

LISTS = tour_lists()
STAMP = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _events(ics: bytes):
    cal = Calendar.from_ical(ics)
    return cal, [c for c in cal.walk() if c.name == "VEVENT"]


def _check_calendar(plan, ics: bytes):
    cal, events = _events(ics)
    assert len(events) == len(plan.stops)
    tz = [c for c in cal.walk() if c.name == "VTIMEZONE"]
    assert len(tz) == 1 and str(tz[0]["TZID"]) == "Asia/Shanghai"
    for stop, ev in zip(plan.stops, events):
        start = ev.decoded("DTSTART")
        assert start == stop.start and str(start.tzinfo) == "Asia/Shanghai"
        if stop.end > stop.start:
            assert ev.decoded("DTEND") == stop.end
        else:
            assert "DTEND" not in ev
        assert stop.name in str(ev["LOCATION"]) and stop.name in str(ev["SUMMARY"])
        geo = ev["GEO"]
        assert (round(geo.latitude, 4), round(geo.longitude, 4)) == (round(stop.lat, 4), round(stop.lon, 4))
        assert "DTSTAMP" in ev and str(ev["UID"]).startswith(plan.plan_id)
    assert len({str(ev["UID"]) for ev in events}) == len(events)
    assert b"TZID=Asia/Shanghai" in ics and b"\r\n" in ics


def test_calendar_has_one_event_per_stop_with_the_right_times_and_links():
    rq = request(["dairy", "cross_border"], 4, "private", days=2, arrival=dt.datetime(2026, 6, 9, 9, 0))
    plan = plan_tour(rq, LISTS)
    ics = plan_to_ics(plan, dtstamp=STAMP)
    _check_calendar(plan, ics)
    _, events = _events(ics)
    site_events = [ev for s, ev in zip(plan.stops, events) if s.kind == "site" and s.materials]
    assert site_events
    for ev in site_events:
        text = str(ev["DESCRIPTION"])
        assert "https://" in text and "展示材料" in text
    # the same plan gives the same calendar (stable UIDs)
    assert plan_to_ics(plan_tour(rq, LISTS), dtstamp=STAMP) == ics


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(requests())
def test_calendars_of_random_plans_parse(rq):
    try:
        plan = plan_tour(rq, LISTS)
    except InfeasibleRequest:
        return
    _check_calendar(plan, plan_to_ics(plan, dtstamp=STAMP))


HOSTILE = "<script>alert('x')</script> & \"Ltd\" <img src=x onerror=alert(1)>"


def test_printable_page_escapes_hostile_text_and_is_print_ready():
    visitor = profile(["dairy"], 4, "private", raw=HOSTILE, company="<b>Evil & Co</b>", title=HOSTILE,
                      city="</td></tr><tr><td>")
    rq = TourRequest(profile=visitor, days=2, arrival_place="hek_airport", arrival=dt.datetime(2026, 6, 9, 9, 0),
                     language="en")
    plan = plan_tour(rq, LISTS)
    html = render_printable(plan, generated=dt.datetime(2026, 6, 1, 8, 0))
    assert "<script>" not in html and "<img" not in html and "<b>Evil" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;" in html
    assert '<meta charset="utf-8">' in html
    assert "size: A4" in html
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif' in html
    assert html.count('<table class="day">') == len(plan.days)
    for stop in plan.stops:
        assert stop.name in html
    assert "接待 / 陪同" in html and "车程" in html
    assert plan.reception["chair"]["label"] in html
    assert len(re.findall(r"<tr class=\"(?:arrival|site|talk|meal|hotel|departure)\">", html)) == len(plan.stops)
    # English names appear for an English-speaking visitor
    assert any(s.name_en and s.name_en in html for s in plan.stops if s.kind == "site")


def test_plan_as_json():
    rq = request(["copper"], 5, "central_soe", days=1.5, escort="vm_han", must_see=["hh_bridge_port"])
    plan = plan_tour(rq, LISTS)
    data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
    assert data["plan_id"] == plan.plan_id
    assert [len(d["stops"]) for d in data["days"]] == [len(d.stops) for d in plan.days]
    stop = data["days"][0]["stops"][0]
    assert stop["kind"] == "arrival" and stop["start"].startswith("2026-06-09T09:00")
    assert data["reception"]["chair"]["id"] in ("vm_han", "hh_secretary", "hh_mayor")
    assert data["request"]["must_see"] == ["hh_bridge_port"]
