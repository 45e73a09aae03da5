"""Say: ranking and hard filters (issue 12, part 5), on the sample lists.

- what the officer asks for (format, length, a language named outright, scope, or the refine
  buttons) is a hard filter whenever an on-topic material meets it; only when none does, the
  nearest are listed with `exact = False` and the message "没有完全符合的，最接近的是：";
- durations are read in Chinese numerals, ranges and bounds;
- a company's main chain outranks its other chains;
- the industry outranks the language guessed from the script.
"""

from __future__ import annotations

import datetime as dt

import pytest

from promo.matching import say as say_mod

TODAY = dt.date(2026, 11, 26)


def ids(result) -> list[str]:
    return [r.material.id for r in result.items]


def langs(material) -> set[str]:
    return {lang.value for lang in material.languages}


def about(library, material, chain: str) -> bool:
    project = library.get("projects", material.project)
    return chain in material.chains or bool(project and chain in project.chains)


# =========================================================================== durations

@pytest.mark.parametrize("text, most, least", [
    ("5分钟", 5, None), ("五分钟", 5, None), ("十分钟", 10, None), ("十二分钟", 12, None), ("二十五分钟", 25, None),
    ("三十分钟", 30, None), ("一百二十分钟", 120, None), ("半小时", 30, None), ("半个小时", 30, None),
    ("一刻钟", 15, None), ("一个半小时", 90, None), ("两个小时", 120, None), ("1.5小时", 90, None),
    ("三到五分钟", 5, None), ("3-5分钟", 5, None), ("3~5 min", 5, None), ("三至五分钟", 5, None),
    ("两三分钟", 3, None), ("五六分钟", 6, None), ("三四十分钟", 40, None),
    ("不超过八分钟", 8, None), ("10分钟以内", 10, None), ("十分钟之内", 10, None), ("最多5分钟", 5, None),
    ("5分钟内", 5, None), ("二十分钟左右", 20, None), ("不超过半小时", 30, None), ("under 10 minutes", 10, None),
    ("up to 5 min", 5, None), ("до 5 минут", 5, None), ("2 часа", 120, None), ("полчаса", 30, None),
    ("十来分钟", 12, None), ("十几分钟", 19, None), ("二十多分钟", 29, None),
    ("至少十分钟", None, 10), ("20分钟以上", None, 20), ("至少半小时", None, 30), ("at least 15 minutes", None, 15),
])
def test_durations_are_understood(matcher, text, most, least):
    p = matcher.profile(f"城市 视频 {text}")
    assert (p.minutes, p.min_minutes) == (most, least)
    assert p.words == [], p.words          # the bound words (不超过, 以内, 左右…) are not left over


@pytest.mark.parametrize("text", ["内容介绍", "数据分析", "三分之一", "分类"])
def test_words_with_a_minute_character_are_not_durations(matcher, text):
    p = matcher.profile(text)
    assert p.minutes is None and p.min_minutes is None


# =========================================================================== hard filters

@pytest.mark.parametrize("text, check", [
    ("乳业 视频", lambda m: m.kind.value == "video"),
    ("只要视频 乳业", lambda m: m.kind.value == "video"),
    ("城市 视频 3分钟", lambda m: m.kind.value == "video" and m.minutes is not None and m.minutes <= 3),
    ("城市宣传片 不超过八分钟", lambda m: m.kind.value == "video" and m.scope.value == "city" and m.minutes <= 8),
    ("10分钟以内的城市视频", lambda m: m.kind.value == "video" and m.minutes <= 10),
    ("三到五分钟 城市 视频", lambda m: m.kind.value == "video" and m.minutes <= 5),
    ("英文PPT 城市", lambda m: m.kind.value == "ppt" and "en" in langs(m)),
    ("城市 ppt 至少20分钟", lambda m: m.kind.value == "ppt" and m.minutes >= 20),
    ("木材 俄语版", lambda m: "ru" in langs(m)),
    ("重点项目 视频", lambda m: m.scope.value == "project" and m.kind.value == "video"),
    ("接待俄方代表团 放什么片", lambda m: m.kind.value == "video" and "ru" in langs(m)),
])
def test_what_is_asked_for_is_a_hard_filter(matcher, text, check):
    result = matcher.say(text, today=TODAY, top=None)
    assert result.exact and result.message is None and result.asked
    assert result.items and all(check(r.material) for r in result.items), ids(result)


def test_the_filter_keeps_the_topic_first(matcher, library):
    result = matcher.say("乳业 视频", today=TODAY, top=None)
    assert result.asked == ["视频"]
    assert ids(result)[0] == "dairy_video"
    assert "dairy_deck" not in ids(result) and "dairy_brochure" not in ids(result)
    # the whole city's videos follow the dairy one: they meet the filter too
    assert all(r.material.scope.value == "city" for r in result.items[1:])


def test_nothing_meets_it_then_the_nearest_are_shown_and_said_so(matcher, library):
    # No dairy video of three minutes or less exists: the dairy video (4 minutes) is the nearest.
    result = matcher.say("乳业 视频 3分钟", today=TODAY, top=5)
    assert not result.exact and result.message == say_mod.NEAREST
    assert result.message.startswith("没有完全符合的，最接近的是")
    assert result.asked == ["视频", "≤3分钟"]
    first = result.items[0]
    assert first.material.id == "dairy_video" and "（超过3分钟）" in first.why


def test_a_filter_met_only_off_topic_is_not_met(matcher, library):
    """A Russian copper deck does not exist; the Russian city deck meets "PPT + 俄文" but is not
    about copper, so the answer says it found nothing exact. The nearest: copper first (the
    Chinese copper deck), then what meets the request on another topic (the Russian city deck)."""
    result = matcher.say("铜产业ppt俄文版", today=TODAY, top=None)
    assert not result.exact and result.message == say_mod.NEAREST
    first = result.items[0]
    assert first.material.id == "copper_deck" and "（没有Русский版）" in first.why
    copper = [about(library, r.material, "copper") for r in result.items]
    assert copper == sorted(copper, reverse=True)
    assert "city_deck_ru" in ids(result)


def test_the_nearest_keep_the_topic_before_the_format(matcher, library):
    # No corn video exists: the corn materials first, each saying it is not a video, then videos.
    result = matcher.say("玉米 视频", today=TODAY, top=None)
    assert not result.exact
    corn = [about(library, r.material, "corn") for r in result.items]
    assert corn[0] and corn == sorted(corn, reverse=True)
    assert all("（没有合适的视频）" in r.why for r, c in zip(result.items, corn) if c)
    assert any(r.material.kind.value == "video" for r, c in zip(result.items, corn) if not c)


def test_no_request_no_filter(matcher):
    result = matcher.say("乳业", today=TODAY, top=None)
    assert result.exact and result.asked == []
    assert {"video", "ppt", "brochure"} <= {r.material.kind.value for r in result.items}


def test_buttons_set_and_clear_filters(matcher):
    """The refine buttons pass overrides: a value sets a filter, "" (0 for minutes) clears the
    one the text asked for."""
    assert all(r.material.kind.value == "brochure"
               for r in matcher.say("乳业 视频", today=TODAY, kind="brochure", top=None).items)
    cleared = matcher.say("乳业 视频", today=TODAY, kind="", top=None)
    assert cleared.asked == [] and "dairy_deck" in ids(cleared)
    shorter = matcher.say("城市 视频 8分钟", today=TODAY, minutes=3, top=None)
    assert shorter.asked == ["视频", "≤3分钟", "城市"] and all(r.material.minutes <= 3 for r in shorter.items)
    any_length = matcher.say("城市 视频 3分钟", today=TODAY, minutes=0, top=None)
    assert any_length.asked == ["视频", "城市"] and "city_video_8min" in ids(any_length)
    ru = matcher.say("乳业", today=TODAY, language="ru", top=None)
    assert ru.asked == ["Русский"] and all("ru" in langs(r.material) for r in ru.items)
    not_ru = matcher.say("木材 俄语版", today=TODAY, language="", top=None)
    assert not_ru.asked == [] and not_ru.exact


def test_material_words_are_not_a_format(matcher):
    """材料 is any pitch material (推介材料, 带什么材料), not a document."""
    for text in ("大豆精深加工 推介材料", "紫金矿业来人了 有色金属的材料有没有"):
        result = matcher.say(text, today=TODAY, top=3)
        assert result.profile.kind is None and result.asked == []
        assert result.items[0].material.scope.value == "chain", ids(result)


# =========================================================================== ranking

@pytest.mark.parametrize("text, company, main", [
    ("中储粮来考察", "sinograin", "grain_logistics"),
    ("中粮北良", "net-cofco-beiliang", "grain_logistics"),
])
def test_the_company_main_chain_comes_first(matcher, text, company, main):
    result = matcher.say(text, today=TODAY, top=None)
    assert result.profile.company_id == company
    chain_items = [r for r in result.items if r.material.scope.value == "chain"]
    mains = [r.material.chains[0] == main for r in chain_items]
    assert mains[0] and mains == sorted(mains, reverse=True), ids(result)


def test_a_named_chain_beats_the_company_main_chain(matcher):
    # 中储粮 is a grain group, but the officer asks about soybeans.
    result = matcher.say("中储粮 大豆", today=TODAY, top=3)
    assert result.items[0].material.chains[0] == "soybean", ids(result)


@pytest.mark.parametrize("text, chain, russian_first", [
    ("кукурузный крахмал", "corn", None),                   # no Russian corn material: corn first anyway
    ("переработка сои", "soybean", "soybean_brochure"),
    ("древесина", "wood", {"wood_deck", "wood_video"}),
])
def test_industry_outranks_the_guessed_language(matcher, library, text, chain, russian_first):
    result = matcher.say(text, today=TODAY, top=None)
    p = result.profile
    assert p.language == "ru" and not p.language_explicit and chain in p.chain_ids
    assert about(library, result.items[0].material, chain), ids(result)
    # the industry's own chain materials, Russian or not, all before the city's Russian deck
    own = [i for i, r in enumerate(result.items) if r.material.scope.value == "chain" and chain in r.material.chains]
    assert own and ids(result).index("city_deck_ru") > max(own), ids(result)
    if russian_first:
        first = result.items[0].material
        assert first.id in ({russian_first} if isinstance(russian_first, str) else russian_first)
        assert "ru" in langs(first)


def test_a_county_named_puts_its_materials_before_the_whole_city(matcher):
    result = matcher.say("五大连池的那个视屏", today=TODAY, top=3)    # 视屏: a typo of 视频
    assert result.profile.kind == "video"
    assert "五大连池" in result.items[0].material.title, ids(result)


# =========================================================================== pinyin run together

@pytest.mark.parametrize("text, kind, place, chain, leftover", [
    ("heihetuijieshipin", "video", "heihe", None, "tuijie"),     # 黑河 推介 视频
    ("yumishipin", "video", None, "corn", None),                 # 玉米 视频, not 有机食品 (youjishipin)
])
def test_pinyin_typed_without_spaces_is_cut_into_words(matcher, text, kind, place, chain, leftover):
    p = matcher.profile(text)
    assert p.kind == kind
    assert place is None or ("place", place) in {(e.kind, e.ref) for e in p.evidence}
    assert chain is None or chain in p.chain_ids
    assert p.words == ([leftover] if leftover else [])


@pytest.mark.parametrize("text", ["basketball", "congratulations", "photography"])
def test_english_words_are_not_cut_into_pinyin(matcher, text):
    p = matcher.profile(text)
    assert p.kind is None and p.chain_ids == [] and p.company_id is None


def test_a_word_many_names_share_is_not_a_misspelt_name(matcher):
    """深加工 sits inside 铜深加工, 玉米精深加工, 大豆精深加工…: an ordinary word, not a guess at the
    copper project (which made "corn video" answer with the copper video)."""
    p = matcher.profile("玉米深加工产业链宣传片")
    assert p.project_id is None and p.chain_ids == ["corn"] and "深加工" in p.words
    assert matcher.profile("飞鹌乳业").company_id == "feihe"     # a real typo still meets its name


@pytest.mark.parametrize("text, city", [
    ("黑河老乡 在广州做生意的", "guangzhou"), ("广东的黑河老乡有哪些", "guangdong"),
    ("珠三角有没有咱黑河人开厂的", "pearl_river_delta"), ("哈尔滨 黑河籍企业家", "harbin"),
])
def test_natives_of_the_home_city_are_the_hometown_list(matcher, text, city):
    """黑河 is where every hometown notable comes from, not an origin that narrows them: 黑河老乡 /
    黑河人 / 黑河籍 ask for the hometown list, and the other place is where they work."""
    p = matcher.profile(text)
    assert p.lists == ["hometown"] and p.origin_id is None and p.city_id == city
    result = matcher.whom(p, top=3)
    assert result.items and all(r.person.list.value == "hometown" for r in result.items)


def test_hometown_entrepreneurs_in_english_name_the_hometown_list(matcher):
    p = matcher.profile("hometown entrepreneurs in shenzhen")
    assert p.lists == ["hometown"] and p.city_id == "shenzhen" and p.words == []


@pytest.mark.parametrize("text", ["部委 老乡", "在京部委的老乡", "buwei laoxiang", "земляки в министерствах Пекина"])
def test_natives_in_ministries_are_the_ministry_list(matcher, text):
    p = matcher.profile(text)
    assert p.lists == ["ministry"]
    assert all(r.person.list.value == "ministry" for r in matcher.whom(p, top=5).items)


def test_cross_border_alone_names_the_chain(matcher):
    p = matcher.profile("深圳 做跨境的 有老乡没")
    assert "cross_border" in p.chain_ids and p.lists == ["hometown"]
