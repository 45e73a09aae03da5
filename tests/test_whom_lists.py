"""Issue 12, the people side: the list asked for, places in places, short forms, precision.

Domain tests on the sample lists (the queries are ours, written for these behaviours; the blind
set is never read here), and one bot test for the card's list line and its widen button.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from promo.matching import whom as whom_mod
from promo.matching.matcher import place_ancestors
from promo.lists.people import Where
from promo.lists.validate import cross_check

from .botkit import build_bot, running

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 26)


def people(matcher, text, **kw):
    return matcher.whom(text, top=None, **kw).items


# =========================================================================== 1. the list asked for

@pytest.mark.parametrize("text, want", [
    ("乡贤 深圳", "hometown"), ("老乡 上海", "hometown"), ("同乡 广州", "hometown"), ("家乡人 深圳", "hometown"),
    ("xiangxian shenzhen", "hometown"), ("鄉賢 廣州", "hometown"), ("земляки в Москве", "hometown"),
    ("hometown people in shanghai", "hometown"),
    ("东北林大的校友 做木材", "alumni"), ("同学 北京 乳业", "alumni"), ("alumni dairy", "alumni"),
    ("北京 部委 粮食", "ministry"), ("国家部委 能源", "ministry"), ("ministry people energy", "ministry"),
    ("委托招商 广州", "agent"), ("深圳的商会", "agent"), ("招商代理 上海", "agent"), ("中介 北京", "agent"),
    ("招商顾问 杭州", "agent"), ("wtzs guangzhou", "agent"), ("агенты в Гуанчжоу", "agent"),
    ("agent hong kong", "agent"),
])
def test_a_list_word_restricts_the_answer_to_that_list(matcher, text, want):
    result = matcher.whom(text, top=None)
    assert result.profile.lists == [want] and result.lists_from_text
    assert result.items, text
    assert {r.person.list.value for r in result.items} == {want}


def test_list_word_and_a_place_alone_is_enough(matcher):
    """委托招商 广州 answered "nobody relevant" before: the Guangzhou chamber comes first."""
    items = people(matcher, "委托招商 广州")
    assert items[0].person.id == "ag-003" and items[0].features == ["city"]
    assert all(whom_mod.GOOD <= r.score <= 1 for r in items)


def test_list_word_alone_gives_the_list_closest_first(matcher, library):
    result = matcher.whom("乡贤", top=None)
    hometown = [p for p in library.people if p.list.value == "hometown"]
    assert result.total == len(hometown) and {r.person.list.value for r in result.items} == {"hometown"}
    strengths = [r.person.strength for r in result.items]
    assert strengths == sorted(strengths, reverse=True)
    assert all(whom_mod.GOOD <= r.score <= 1 for r in result.items)


def test_being_on_the_list_ranks_below_sharing_what_was_asked(matcher):
    items = people(matcher, "乡贤 深圳")
    city = [r for r in items if r.features == ["city"]]
    assert city and items[:len(city)] == city


def test_weak_list_word_gives_way_to_a_strong_one(matcher):
    assert matcher.profile("在京 部委").lists == ["ministry"]
    assert matcher.profile("在京 老乡").lists == ["hometown"]
    assert matcher.profile("在京 老乡").city_id == "beijing"


def test_hometown_marker_after_a_place_is_an_origin_not_a_list(matcher):
    p = matcher.profile("北安老乡 飞鹤")
    assert p.origin_id == "beian" and p.lists == []


def test_a_named_body_brings_its_list(matcher):
    """商务部 老乡: the natives at the ministry are on the ministry list."""
    items = people(matcher, "工信部 老乡")
    assert {r.person.list.value for r in items} == {"ministry", "hometown"}
    assert [r.person.ministry for r in items[:2]] == ["工业和信息化部"] * 2


def test_nobody_on_the_list_widens_to_all_lists(matcher):
    narrow = matcher.whom("中介 哈工大", top=None, lists={"agent"})
    assert narrow.total == 0
    result = matcher.whom("中介 哈工大", top=None)
    assert result.widened and result.items and "全部名单" in result.message


def test_buttons_lists_beat_the_text(matcher):
    result = matcher.whom("乡贤 深圳", top=None, lists={"agent"})
    assert not result.lists_from_text
    assert {r.person.list.value for r in result.items} <= {"agent"}


# =========================================================================== 2. places in places

def test_containment_comes_from_the_places_list(library):
    up = place_ancestors(library)
    assert {"guangdong", "greater_bay_area", "pearl_river_delta", "south_china", "china"} <= set(up["shenzhen"])
    assert "northeast_china" in up["harbin"] and "russian_far_east" in up["blagoveshchensk"]
    assert up["china"] == []


def test_province_finds_its_cities_below_an_exact_city(matcher):
    items = people(matcher, "广东 中介")
    ids = [r.person.id for r in items[:4]]
    assert {"ag-001", "ag-003"} <= set(ids)        # Shenzhen and Guangzhou chambers
    assert all(r.features in (["within"], ["region"]) for r in items[:4])
    exact = {r.person.id: r.score for r in people(matcher, "深圳 中介")}
    inside = {r.person.id: r.score for r in items}
    assert exact["ag-001"] > inside["ag-001"]


@pytest.mark.parametrize("text, pid", [
    ("大湾区 中介", "ag-001"), ("珠三角的商会", "ag-003"), ("长三角 乡贤", "ht-005"),
    ("俄罗斯远东 委托招商", "ag-017"), ("Far East agent", "ag-017"), ("东北 中介", "ag-018"),
    ("京津冀 招商顾问", "ag-007"),
])
def test_regions_reach_the_people_in_them(matcher, text, pid):
    assert pid in [r.person.id for r in people(matcher, text)[:5]], text


def test_russian_far_east_is_not_all_of_russia(matcher):
    assert matcher.profile("俄罗斯远东 委托招商").city_id == "russian_far_east"


def test_agent_serving_a_region_is_found_from_a_city_in_it(matcher):
    r = next(r for r in people(matcher, "委托招商 东莞") if r.person.id == "ag-001")
    assert r.features == ["region"] and "业务覆盖粤港澳大湾区" in r.why


# =========================================================================== 3. short forms

@pytest.mark.parametrize("text, body", [
    ("发改委", "国家发展和改革委员会"), ("国家发改委有人吗", "国家发展和改革委员会"), ("NDRC", "国家发展和改革委员会"),
    ("工信部", "工业和信息化部"), ("gongxinbu", "工业和信息化部"), ("国资委的老乡", "国务院国资委"),
    ("ministry of commerce", "商务部"), ("能源局 能源", "国家能源局"), ("粮食局", "国家粮食和物资储备局"),
    ("农业部 奶业", "农业农村部"), ("国土资源部", "自然资源部"), ("文旅部", "文化和旅游部"),
])
def test_ministry_short_forms_reach_their_people(matcher, text, body):
    result = matcher.whom(text, top=None)
    assert result.profile.organisation == body
    assert result.items and result.items[0].person.ministry == body


def test_a_body_without_people_says_so(matcher):
    result = matcher.whom("科技部")
    assert result.items == [] and "科学技术部" in result.message


def test_check_warns_about_a_ministry_without_record(library):
    # the library's people are columns and a Person is a copy: check a library with one changed
    person = next(p for p in library.people if p.ministry == "商务部")
    changed = [p.model_copy(update={"ministry": "国家数据局"}) if p.id == person.id else p for p in library.people]
    problems = cross_check(dataclasses.replace(library, lists={**library.lists, "people": changed}, where=Where()),
                           TODAY, {})
    assert any("国家数据局" in p.message and p.severity == "warning" for p in problems)
    assert not any("has no record" in p.message for p in cross_check(library, TODAY, {}))


def test_fuyunlai_is_in_the_data(matcher):
    p = matcher.profile("福运来 大豆")
    assert p.company_id == "fuyunlai_soy" and "soybean" in p.chain_ids
    assert matcher.profile("福运来大豆项目").project_id == "beian_fuyunlai_soybean"


# =========================================================================== 4. precision

def test_one_pinyin_syllable_is_not_a_two_character_name(matcher):
    # "shan" is one syllable (山); it used to be free to read as any two-character pinyin.
    link = matcher.gazetteer.link("beian shan")
    assert not any(m.text == "shan" and m.how == "pinyin" for m in link.matches)


def test_two_character_sound_alike_inside_a_longer_word_is_dropped(matcher):
    """A homophone needs its neighbours explained: 飞和 next to the exact 乳业 is 飞鹤, but a
    two-character sound-alike inside an unknown run is not a name."""
    assert matcher.profile("飞和乳业").company_id == "feihe"
    link = matcher.gazetteer.link("大逗腐")
    assert not any(m.how == "pinyin" and m.end - m.start == 2 for m in link.matches)


def test_a_russian_adjective_is_not_a_town(matcher):
    link = matcher.gazetteer.link("свободная торговля")
    assert not any(t.kind == "place" for m in link.matches for t in m.terms)
    assert matcher.profile("Благовещенска").city_id == "blagoveshchensk"


def test_short_latin_word_is_not_fuzzy_matched(matcher):
    link = matcher.gazetteer.link("milk")      # one letter from nothing it should be
    assert all(m.how != "fuzzy" for m in link.matches)


def test_leftovers_are_shown_on_the_profile(matcher):
    assert matcher.profile("乡贤 深圳 联谊会").words == ["联谊会"]


# =========================================================================== the card

@pytest.mark.asyncio
async def test_card_names_the_list_and_widens(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/whom 委托招商 广州 联谊会")
        card = calls[-1]
        text = fakebot.plain(card.params["text"])
        assert "按委托招商名单查找" in text and "没认出：联谊会" in text
        labels = [label for row in fakebot.buttons(card) for label, _ in row]
        assert "查全部名单" in labels
        wide = await fakebot.press(bot.app, bot.officer, card.result["message_id"], "查全部名单")
        text = fakebot.plain(wide[-1].params["text"])
        assert "按委托招商名单查找" not in text
        assert any(label == "✓查全部名单" for row in fakebot.buttons(wide[-1]) for label, _ in row)


def test_every_city_and_region_of_the_people_lists_is_a_place(matcher, library):
    """A city that is not in places.yaml cannot be inside a province (芜湖 was missing)."""
    ids = matcher._ids_of("place")
    for p in library.people:
        assert not p.city or ids(p.city), p.id
        assert all(r == "全国" or ids(r) for r in p.regions), p.id
    wuhu = next(p for p in library.people if p.city == "芜湖")
    assert wuhu.id in [r.person.id for r in people(matcher, "安徽 乡贤")[:3]]
