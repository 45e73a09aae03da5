"""Issue 9 and 10 in the domain: lunch on the last day, the checker catching its absence, the
calendar's hotel and departure, the printable page's links, assumed departure and long drives,
typed times and dates, dates the calendar arithmetic cannot take."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from icalendar import Calendar

from tests.tourcheck import check_plan
from promo.tour.ics import plan_to_ics
from promo.tour.planner import TourRequest, plan_tour
from promo.tour.printable import render_printable
from promo.tour.text import duration_text, short_url
from promo.tour.when import WhenError, check_start, parse_clock, parse_day
from tests.test_tour_support import profile, request, tour_lists

LISTS = tour_lists()
STAMP = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def readme_request() -> TourRequest:
    """`bot.py tour "飞鹤乳业 副总 北京" --days 2 --arrive "黑河瑷珲机场 10:00" --date 2026-12-09
    --depart "五大连池德都机场 15:00" --escort 招商局长`."""
    return TourRequest(profile=profile(["dairy"], 4, "private", raw="飞鹤乳业 副总 北京", city="北京"), days=2,
                       arrival_place="hek_airport", arrival=dt.datetime(2026, 12, 9, 10, 0),
                       start_date=dt.date(2026, 12, 9), departure_place="dtu_airport",
                       departure=dt.datetime(2026, 12, 10, 15, 0), escort="bureau_head")


def test_the_last_day_before_an_afternoon_departure_has_lunch():
    rq = readme_request()
    plan = plan_tour(rq, LISTS)
    assert check_plan(plan, rq, LISTS) == []
    last = plan.days[-1]
    lunches = [s for s in last.stops if s.kind == "meal" and s.meal == "lunch"]
    assert len(lunches) == 1
    assert dt.time(11, 30) <= lunches[0].start.time() and lunches[0].end.time() <= dt.time(13, 30)


def test_the_checker_catches_a_last_day_without_lunch():
    rq = readme_request()
    plan = plan_tour(rq, LISTS)
    broken = copy.deepcopy(plan)
    last = broken.days[-1]
    i = next(i for i, s in enumerate(last.stops) if s.kind == "meal" and s.meal == "lunch")
    lunch = last.stops.pop(i)
    nxt = last.stops[i]                                  # the drive now starts where lunch was
    nxt.travel.frm = last.stops[i - 1].place_id
    problems = check_plan(broken, rq, LISTS)
    assert any("but no lunch" in p for p in problems), problems
    assert lunch.place_id


def test_a_departure_just_after_noon_owes_no_lunch():
    rq = readme_request()
    rq.departure = rq.departure.replace(hour=12, minute=0)
    plan = plan_tour(rq, LISTS)
    assert check_plan(plan, rq, LISTS) == []


def _events(plan):
    cal = Calendar.from_ical(plan_to_ics(plan, dtstamp=STAMP))
    return [(s, ev) for s, ev in zip(plan.stops, cal.walk("VEVENT"))]


def test_calendar_hotel_reads_as_a_night_and_departure_text_agrees_with_its_times():
    rq = readme_request()
    plan = plan_tour(rq, LISTS)
    for stop, ev in _events(plan):
        summary = str(ev["SUMMARY"])
        if stop.kind == "hotel":
            assert summary.startswith("住宿｜") and f"{stop.start:%H:%M}入住" in summary
            assert f"次日{stop.end:%H:%M}出发" in summary
            assert str(ev["TRANSP"]) == "TRANSPARENT"
        if stop.kind == "departure":
            early = int((stop.end - stop.start).total_seconds() // 60)
            text = str(ev["DESCRIPTION"]) + summary
            assert f"{stop.start:%H:%M}到达" in text and f"{stop.end:%H:%M}离开" in text
            for said in re.findall(r"提前(\d+)分钟到达", text):
                assert int(said) == early, (said, early, text)


def test_printable_prints_links_marks_an_assumed_departure_and_writes_long_drives_in_hours():
    rq = request(["dairy", "cross_border"], 4, "private", days=2, arrival=dt.datetime(2026, 6, 9, 9, 0))
    plan = plan_tour(rq, LISTS)
    assert plan.departure_assumed
    html = render_printable(plan, generated=dt.datetime(2026, 6, 1, 8, 0))
    assert 'a[href]::after { content: ""; }' not in html
    links = {m.link for s in plan.stops for m in s.materials if m.link}
    assert links
    for link in links:
        assert f'<span class="url">{short_url(link)}</span>' in html
    assert html.count("<svg") >= len(links)                             # a QR code for each
    assert "离开（估算）" in html and "估算：未给出离开时间" in html
    long = [s.travel.minutes for s in plan.stops if s.travel and s.travel.minutes >= 60]
    assert long
    for minutes in long:
        assert f"<td>{duration_text(minutes)}</td>" in html
        assert f"<td>{minutes}分钟</td>" not in html
    explicit = plan_tour(readme_request(), LISTS)
    page = render_printable(explicit)
    assert not explicit.departure_assumed and "离开（估算）" not in page and "估算：未给出离开时间" not in page


@pytest.mark.parametrize("minutes, text", [(13, "13分钟"), (59, "59分钟"), (60, "约1小时"), (61, "约1小时5分"),
                                           (249, "约4小时10分"), (120, "约2小时")])
def test_drive_in_words(minutes, text):
    assert duration_text(minutes) == text


@pytest.mark.parametrize("typed, value", [("11:20", (11, 20)), ("1120", (11, 20)), ("11点20", (11, 20)),
                                          ("11点20分", (11, 20)), ("下午2点", (14, 0)), ("11点半", (11, 30)),
                                          ("930", (9, 30)), ("8：05", (8, 5)), ("晚上8点", (20, 0))])
def test_typed_times(typed, value):
    assert parse_clock(typed) == dt.time(*value)


@pytest.mark.parametrize("typed", ["25:00", "2599", "11:60", "abc", ""])
def test_wrong_times_say_so_in_chinese(typed):
    with pytest.raises(WhenError) as err:
        parse_clock(typed)
    assert re.search(r"[\u4e00-\u9fff]", str(err.value)) and "hour must be" not in str(err.value)


TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("typed, day", [("12-09", dt.date(2026, 12, 9)), ("12月9日", dt.date(2026, 12, 9)),
                                        ("2026-12-09", dt.date(2026, 12, 9)), ("2026/12/9", dt.date(2026, 12, 9)),
                                        ("明天", dt.date(2026, 11, 27)), ("今天", TODAY),
                                        ("11-20", dt.date(2027, 11, 20))])
def test_typed_dates(typed, day):
    assert parse_day(typed, TODAY) == day


@pytest.mark.parametrize("typed, words", [("9999-12-31", "太远"), ("2026-11-01", "已经过去"),
                                          ("2026-02-30", "不是有效日期"), ("飞鹤", "不是日期")])
def test_wrong_dates_say_so_in_chinese(typed, words):
    with pytest.raises(WhenError, match=words):
        parse_day(typed, TODAY)


def test_a_start_in_the_past_is_refused():
    now = dt.datetime(2026, 11, 26, 22, 18)
    with pytest.raises(WhenError, match="已经过去"):
        check_start(TODAY, dt.time(14, 0), now)
    check_start(TODAY, dt.time(22, 30), now)
    check_start(TODAY + dt.timedelta(days=1), dt.time(8, 0), now)


def test_the_planner_refuses_a_date_it_cannot_count_from_with_a_value_error():
    with pytest.raises(ValueError, match="日期超出范围"):
        request(["dairy"], days=2, arrival=dt.datetime(9999, 12, 31, 10, 0))
