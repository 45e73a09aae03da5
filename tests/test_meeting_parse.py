"""The one-message meeting-log parser: dates, amounts, whole drafts (with and without a resolver).

"Today" is fixed: Thursday 26 November 2026 (this week: Mon 23 – Sun 29 Nov).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from promo.meetings.amounts import number_value, parse_amounts
from promo.meetings.dates import cn_int, parse_dates
from promo.meetings.parse import MeetingDraft, money_label, parse_meeting

TODAY = date(2026, 11, 26)
D = date


# --------------------------------------------------------------------------- dates
# (text, mention text, value or None, candidates when ambiguous, role)
DATE_CASES = [
    # Chinese relative days
    ("今天在北京见了张总", "今天", D(2026, 11, 26), None, "meeting"),
    ("今日拜访飞鹤", "今日", D(2026, 11, 26), None, "meeting"),
    ("昨天见了李董", "昨天", D(2026, 11, 25), None, "meeting"),
    ("昨日会见王经理", "昨日", D(2026, 11, 25), None, "meeting"),
    ("前天在哈尔滨见的", "前天", D(2026, 11, 24), None, "meeting"),
    ("明天回访", "明天", D(2026, 11, 27), None, "followup"),
    ("后天再约", "后天", D(2026, 11, 28), None, "followup"),
    # Chinese weeks
    ("上周五见了飞鹤张总", "上周五", D(2026, 11, 20), None, "meeting"),
    ("上星期五见面", "上星期五", D(2026, 11, 20), None, "meeting"),
    ("上礼拜五拜访", "上礼拜五", D(2026, 11, 20), None, "meeting"),
    ("本周三拜访了中粮", "本周三", D(2026, 11, 25), None, "meeting"),
    ("这周三见的", "这周三", D(2026, 11, 25), None, "meeting"),
    ("下周三回访", "下周三", D(2026, 12, 2), None, "followup"),
    ("下个星期三再谈", "下个星期三", D(2026, 12, 2), None, "followup"),
    ("下下周一回访", "下下周一", D(2026, 12, 7), None, "followup"),
    ("周五见了张总", "周五", D(2026, 11, 20), None, "meeting"),        # nearest past
    ("周五回访", "周五", D(2026, 11, 27), None, "followup"),          # nearest future
    ("周四回访", "周四", D(2026, 12, 3), None, "followup"),           # today is Thursday
    ("星期天跟进", "星期天", D(2026, 11, 29), None, "followup"),
    # Chinese calendar dates; no year: nearest in the right direction
    ("12月3日回访", "12月3日", D(2026, 12, 3), None, "followup"),
    ("12月3号回访", "12月3号", D(2026, 12, 3), None, "followup"),
    ("12.3回访", "12.3", D(2026, 12, 3), None, "followup"),
    ("11月20日在深圳见了王总", "11月20日", D(2026, 11, 20), None, "meeting"),
    ("12月3日在北京见了张总", "12月3日", D(2025, 12, 3), None, "meeting"),   # not in the future
    ("1月5日回访", "1月5日", D(2027, 1, 5), None, "followup"),               # over new year
    ("十二月二十一日回访", "十二月二十一日", D(2026, 12, 21), None, "followup"),
    ("三月五日见了李总", "三月五日", D(2026, 3, 5), None, "meeting"),
    ("2026年12月3日回访", "2026年12月3日", D(2026, 12, 3), None, "followup"),
    ("2026-12-03回访", "2026-12-03", D(2026, 12, 3), None, "followup"),
    ("2026/12/03 回访", "2026/12/03", D(2026, 12, 3), None, "followup"),
    ("明年3月5号签约", "明年3月5号", D(2027, 3, 5), None, "followup"),
    ("30号回访", "30号", D(2026, 11, 30), None, "followup"),
    # ambiguous day/month
    ("3/12回访", "3/12", None, [D(2026, 12, 3), D(2027, 3, 12)], "followup"),
    ("3/12见了张总", "3/12", None, [D(2025, 12, 3), D(2026, 3, 12)], "meeting"),
    ("25/12回访", "25/12", D(2026, 12, 25), None, "followup"),         # 25 cannot be a month
    ("12/25回访", "12/25", D(2026, 12, 25), None, "followup"),
    ("5/5回访", "5/5", D(2027, 5, 5), None, "followup"),               # both readings agree
    # Chinese counts
    ("3天后回访", "3天后", D(2026, 11, 29), None, "followup"),
    ("十天后回访", "十天后", D(2026, 12, 6), None, "followup"),
    ("三天前见了张总", "三天前", D(2026, 11, 23), None, "meeting"),
    ("一周后回访", "一周后", D(2026, 12, 3), None, "followup"),
    ("两周后跟进", "两周后", D(2026, 12, 10), None, "followup"),
    ("两周内提供资料", "两周内", D(2026, 12, 10), None, "followup"),
    ("一个月后回访", "一个月后", D(2026, 12, 26), None, "followup"),
    ("半个月后再约", "半个月后", D(2026, 12, 11), None, "followup"),
    ("月底前提供资料", "月底", D(2026, 11, 30), None, "followup"),
    ("下月初再约", "下月初", D(2026, 12, 1), None, "followup"),
    ("下个月3号回访", "下个月3号", D(2026, 12, 3), None, "followup"),
    # English
    ("met them today", "today", D(2026, 11, 26), None, "meeting"),
    ("Met Zhang yesterday", "yesterday", D(2026, 11, 25), None, "meeting"),
    ("call back tomorrow", "tomorrow", D(2026, 11, 27), None, "followup"),
    ("we met the day before yesterday", "the day before yesterday", D(2026, 11, 24), None, "meeting"),
    ("Met him last Friday", "last Friday", D(2026, 11, 20), None, "meeting"),
    ("follow up next Wednesday", "next Wednesday", D(2026, 12, 2), None, "followup"),
    ("On Friday we met Li", "On Friday", D(2026, 11, 20), None, "meeting"),
    ("follow up on Friday", "on Friday", D(2026, 11, 27), None, "followup"),
    ("send the deck this Friday", "this Friday", D(2026, 11, 27), None, "followup"),
    # "next Friday" on a Thursday: tomorrow or the week after? Ask.
    ("follow up next Friday", "next Friday", None, [D(2026, 11, 27), D(2026, 12, 4)], "followup"),
    ("met last Monday", "last Monday", None, [D(2026, 11, 16), D(2026, 11, 23)], "meeting"),
    ("revisit on Dec 3", "Dec 3", D(2026, 12, 3), None, "followup"),
    ("follow up 3 Dec", "3 Dec", D(2026, 12, 3), None, "followup"),
    ("follow up December 3rd", "December 3rd", D(2026, 12, 3), None, "followup"),
    ("met on December 3, 2025", "December 3, 2025", D(2025, 12, 3), None, "meeting"),
    ("follow up in 2 weeks", "in 2 weeks", D(2026, 12, 10), None, "followup"),
    ("follow up in two weeks", "in two weeks", D(2026, 12, 10), None, "followup"),
    ("met 3 days ago", "3 days ago", D(2026, 11, 23), None, "meeting"),
    ("send it by the end of the month", "the end of the month", D(2026, 11, 30), None, "followup"),
    ("revisit early next month", "early next month", D(2026, 12, 1), None, "followup"),
    ("follow up on 2026-12-03", "2026-12-03", D(2026, 12, 3), None, "followup"),
]


@pytest.mark.parametrize("text, mention, value, candidates, role", DATE_CASES,
                         ids=[c[0] for c in DATE_CASES])
def test_dates(text, mention, value, candidates, role):
    found = [m for m in parse_dates(text, TODAY) if m.text == mention]
    assert len(found) == 1, parse_dates(text, TODAY)
    m = found[0]
    assert m.value == value
    assert m.candidates == (candidates or [value])
    assert m.role == role
    assert text[m.span[0]:m.span[1]] == mention


@pytest.mark.parametrize("text", ["坐3号线去见张总", "500人", "投资12.5", "增长3.5%", "this may be good",
                                  "3.5亿元", "电话13912345678"])
def test_not_dates(text):
    assert parse_dates(text, TODAY) == []


def test_coarse_dates_have_precision():
    (week,) = parse_dates("下周回访", TODAY)
    assert (week.value, week.precision) == (D(2026, 11, 30), "week")
    (month,) = parse_dates("next month", TODAY)
    assert (month.value, month.precision) == (D(2026, 12, 1), "month")


@pytest.mark.parametrize("s, n", [("3", 3), ("十二", 12), ("二十一", 21), ("两", 2), ("十", 10),
                                  ("三十一", 31), ("二〇二六", 2026), ("一百零五", 105), ("two", 2)])
def test_cn_int(s, n):
    assert cn_int(s) == n


# --------------------------------------------------------------------------- amounts
# (text, amount text, yuan, amount in currency, currency, candidates when ambiguous, approx, kind)
AMOUNT_CASES = [
    ("投资5亿", "5亿", 500_000_000, 500_000_000, "CNY", None, False, "investment"),
    ("投资约5亿元", "5亿元", 500_000_000, 500_000_000, "CNY", None, True, "investment"),
    ("总投资3.5亿元", "3.5亿元", 350_000_000, 350_000_000, "CNY", None, False, "investment"),
    ("5000万", "5000万", 50_000_000, 50_000_000, "CNY", None, False, "investment"),
    ("计划投资5000万元", "5000万元", 50_000_000, 50_000_000, "CNY", None, False, "investment"),
    ("五亿", "五亿", 500_000_000, 500_000_000, "CNY", None, False, "investment"),
    ("三点五亿", "三点五亿", 350_000_000, 350_000_000, "CNY", None, False, "investment"),
    ("一亿两千万", "一亿两千万", 120_000_000, 120_000_000, "CNY", None, False, "investment"),
    ("1亿2000万", "1亿2000万", 120_000_000, 120_000_000, "CNY", None, False, "investment"),
    ("3亿5", "3亿5", 350_000_000, 350_000_000, "CNY", None, False, "investment"),
    ("1.2万亿", "1.2万亿", 1_200_000_000_000, 1_200_000_000_000, "CNY", None, False, "investment"),
    ("十二亿", "十二亿", 1_200_000_000, 1_200_000_000, "CNY", None, False, "investment"),
    ("两千五百万元", "两千五百万元", 25_000_000, 25_000_000, "CNY", None, False, "investment"),
    ("200万美元", "200万美元", None, 2_000_000, "USD", None, False, "investment"),
    ("外资200万美元", "200万美元", None, 2_000_000, "USD", None, False, "foreign"),
    ("500万欧元", "500万欧元", None, 5_000_000, "EUR", None, False, "investment"),
    ("1000万卢布", "1000万卢布", None, 10_000_000, "RUB", None, False, "investment"),
    ("RMB 200 million", "RMB 200 million", 200_000_000, 200_000_000, "CNY", None, False, "investment"),
    ("200 million yuan", "200 million yuan", 200_000_000, 200_000_000, "CNY", None, False, "investment"),
    ("CNY 1.5 billion", "CNY 1.5 billion", 1_500_000_000, 1_500_000_000, "CNY", None, False, "investment"),
    ("USD 30m", "USD 30m", None, 30_000_000, "USD", None, False, "investment"),
    ("$30 million", "$30 million", None, 30_000_000, "USD", None, False, "investment"),
    ("about $30 million", "$30 million", None, 30_000_000, "USD", None, True, "investment"),
    ("€5m", "€5m", None, 5_000_000, "EUR", None, False, "investment"),
    ("100 million rubles", "100 million rubles", None, 100_000_000, "RUB", None, False, "investment"),
    ("¥5000万", "¥5000万", 50_000_000, 50_000_000, "CNY", None, False, "investment"),
    ("5,000万", "5,000万", 50_000_000, 50_000_000, "CNY", None, False, "investment"),
    ("500 000 000 元", "500 000 000 元", 500_000_000, 500_000_000, "CNY", None, False, "investment"),
    ("3亿多", "3亿多", 300_000_000, 300_000_000, "CNY", None, True, "investment"),
    ("5000余万元", "5000余万元", 50_000_000, 50_000_000, "CNY", None, True, "investment"),
    ("投资5亿左右", "5亿", 500_000_000, 500_000_000, "CNY", None, True, "investment"),
    ("投资超过5亿元", "5亿元", 500_000_000, 500_000_000, "CNY", None, True, "investment"),
    ("到位资金5000万元", "5000万元", 50_000_000, 50_000_000, "CNY", None, False, "in_place"),
    ("5000万到位", "5000万", 50_000_000, 50_000_000, "CNY", None, False, "in_place"),
    ("到位内资3.56亿元", "3.56亿元", 356_000_000, 356_000_000, "CNY", None, False, "domestic"),
    ("RMB 300 million of domestic capital", "RMB 300 million", 300_000_000, 300_000_000, "CNY", None, False,
     "domestic"),
    # ambiguous: ranges and bare numbers
    ("投资2-3亿", "2-3亿", None, None, "CNY", [200_000_000, 300_000_000], False, "investment"),
    ("2000万到3000万", "2000万到3000万", None, None, "CNY", [20_000_000, 30_000_000], False, "investment"),
    ("两三亿", "两三亿", None, None, "CNY", [200_000_000, 300_000_000], False, "investment"),
    ("USD 20-30 million", "USD 20-30 million", None, None, "USD", [20_000_000, 30_000_000], False, "investment"),
    ("投资500", "500", None, None, "CNY", [5_000_000, 500], False, "investment"),
    ("投资约500，下周回访", "500", None, None, "CNY", [5_000_000, 500], True, "investment"),
    ("投资5", "5", None, None, "CNY", [500_000_000, 50_000], False, "investment"),
    ("investment of 500", "500", None, None, "CNY", [500_000_000, 500_000], False, "investment"),
]


@pytest.mark.parametrize("text, atext, yuan, amount, currency, candidates, approx, kind", AMOUNT_CASES,
                         ids=[c[0] for c in AMOUNT_CASES])
def test_amounts(text, atext, yuan, amount, currency, candidates, approx, kind):
    found = parse_amounts(text)
    assert len(found) == 1, found
    a = found[0]
    assert (a.text, a.yuan, a.amount, a.currency) == (atext, yuan, amount, currency)
    assert a.candidates == (candidates or [amount])
    assert a.ambiguous == bool(candidates)
    assert (a.approx, a.kind) == (approx, kind)
    assert text[a.span[0]:a.span[1]] == atext


NOT_AMOUNTS = ["带动就业500人", "30%", "增长331%", "电话13912345678", "手机 139 1234 5678", "0456-8221234",
               "占地300亩", "年产5万吨", "存栏5万头奶牛", "三元乳业", "2026年12月3日", "12月3日回访",
               "坐3号线", "500 people", "2 million tons", "30m from the river", "千万不要错过", "万一不行"]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_not_amounts(text):
    assert parse_amounts(text) == []


def test_amounts_next_to_counts_and_phones():
    found = parse_amounts("带动就业500人，年产5万吨，投资10亿元，电话13912345678")
    assert [(a.text, a.yuan) for a in found] == [("10亿元", 1_000_000_000)]


def test_number_value():
    assert number_value("一亿两千万")[0] == 120_000_000
    assert number_value("5000多万") == (50_000_000, True)


# --------------------------------------------------------------------------- whole messages

FIELDS = ("meeting_date", "followup_date", "place", "company", "company_id", "person", "title",
          "amount_yuan", "amount", "currency", "stage", "topic", "next_step", "language", "chain_ids",
          "amount_approx", "amount_kind")

# (text, expected fields); fields not listed are not checked; "questions" lists the asked fields
MEETING_CASES = [
    ("今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访",
     dict(meeting_date=D(2026, 11, 26), followup_date=D(2026, 12, 2), place="北京", company="飞鹤",
          person="张总", title=None, amount_yuan=500_000_000, amount_approx=True, stage="contact",
          topic="奶粉工厂扩产", next_step="下周三回访", language="zh", questions=[])),
    ("Met Feihe VP Zhang in Beijing yesterday, dairy plant expansion, RMB 200 million, follow up next Wednesday",
     dict(meeting_date=D(2026, 11, 25), followup_date=D(2026, 12, 2), place="北京", company="Feihe",
          person="Zhang", title="VP", amount_yuan=200_000_000, currency="CNY", topic="dairy plant expansion",
          next_step="follow up next Wednesday", language="en", questions=[])),
    ("昨天在哈尔滨的展会上见了中粮集团李董，洽谈大豆深加工项目，计划投资3.5亿元，月底前提供土地政策",
     dict(meeting_date=D(2026, 11, 25), followup_date=D(2026, 11, 30), place="哈尔滨", company="中粮",
          person="李董", title=None, amount_yuan=350_000_000, topic="大豆深加工项目", next_step="月底前提供土地政策")),
    ("拜访了黑龙江飞鹤乳业有限公司董事长冷友斌，就奶粉工厂扩产进行了洽谈，已签约，总投资12亿元",
     dict(company="黑龙江飞鹤乳业", person="冷友斌", title="董事长", stage="signed", topic="奶粉工厂扩产",
          amount_yuan=1_200_000_000, meeting_date=None)),
    ("上周五在深圳见了张伟董事长，聊了冷链物流",
     dict(meeting_date=D(2026, 11, 20), place="深圳", person="张伟", title="董事长", company=None, topic="冷链物流")),
    ("上周五在深圳拜访伊利王经理，聊了冷链物流，12月3日回访",
     dict(company="伊利", person="王经理", title="经理", followup_date=D(2026, 12, 3), next_step="12月3日回访")),
    ("今天拜访了中粮集团，谈玉米深加工",
     dict(company="中粮", person=None, topic="玉米深加工", meeting_date=D(2026, 11, 26))),
    ("昨天和欧阳总在上海见面，谈跨境电商", dict(person="欧阳总", title=None, place="上海", topic="跨境电商")),
    ("见了飞鹤的张总经理", dict(company="飞鹤", person="张总经理", title="总经理")),
    ("今天在黑河接待了伊利集团副总裁李明，考察了合作区", dict(company="伊利", person="李明", title="副总裁", place="黑河")),
    ("在齐齐哈尔市见了某公司王总，谈了谈合作", dict(place="齐齐哈尔", company=None, person="王总", topic="合作")),
    ("在布拉戈维申斯克见了俄方企业代表", dict(place="布拉戈维申斯克")),
    ("Встреча в Благовещенске, обсудили логистику", dict(place="布拉戈维申斯克")),
    ("Visited COFCO in Shanghai today, talked about grain logistics, CNY 1.5 billion, signed a framework agreement",
     dict(company="COFCO", place="上海", meeting_date=D(2026, 11, 26), topic="grain logistics",
          amount_yuan=1_500_000_000, stage="signed")),
    ("Met Zhang Wei, chairman of COFCO, in Harbin on Friday. Discussed soybean processing, about $30 million.",
     dict(person="Zhang Wei", title="chairman", company="COFCO", place="哈尔滨", meeting_date=D(2026, 11, 20),
          topic="soybean processing", amount=30_000_000, currency="USD", amount_yuan=None, amount_approx=True)),
    ("meeting with Mr. Li from Yili in Moscow, 100 million rubles, they will sign in 2 weeks",
     dict(person="Li", title=None, company="Yili", place="莫斯科", currency="RUB", amount=100_000_000,
          stage="contact", followup_date=D(2026, 12, 10))),
    ("Met Zhang Wei yesterday at the Harbin fair, he is interested in soybean processing",
     dict(person="Zhang Wei", place="哈尔滨", topic="soybean processing", company=None)),
    # stages
    ("今天飞鹤张总来黑河考察，项目已开工，到位资金5000万元",
     dict(stage="started", amount_yuan=50_000_000, amount_kind="in_place", company="飞鹤", place=None,
          meeting_date=D(2026, 11, 26))),
    ("伊利项目本月已入统", dict(stage="registered")),
    ("今天和中粮签了框架协议", dict(stage="signed")),
    ("张总表示准备签约，下月开工", dict(stage="contact")),
    ("尚未签约", dict(stage="contact")),
    ("the project will be signed next month", dict(stage="contact")),
    # questions instead of guesses
    ("3/12在大连见了张伟董事长，谈港口物流",
     dict(meeting_date=None, person="张伟", place="大连",
          questions=[("meeting_date", [D(2025, 12, 3), D(2026, 3, 12)])])),
    ("见了伊利王总，投资500，3/12回访",
     dict(amount_yuan=None, followup_date=None,
          questions=[("followup_date", [D(2026, 12, 3), D(2027, 3, 12)]), ("amount_yuan", [5_000_000, 500])])),
    ("在北京见了客商，投资2-3亿，下下周一再约",
     dict(amount_yuan=None, followup_date=D(2026, 12, 7), next_step="下下周一再约", company=None,
          questions=[("amount_yuan", [200_000_000, 300_000_000])])),
    ("见了飞鹤张总和伊利李总，谈乳业合作",
     dict(company=None, person="张总", topic="乳业合作", questions=[("company", ["飞鹤", "伊利"])])),
    ("Met COFCO today, will send the brochure by next Friday",
     dict(followup_date=None, next_step="send the brochure by next Friday",
          questions=[("followup_date", [D(2026, 11, 27), D(2026, 12, 4)])])),
    # amounts inside a message are not confused with counts, phones or dates
    ("12月3日在北京见了张总，带动就业500人，投资10亿元，电话13912345678",
     dict(amount_yuan=1_000_000_000, meeting_date=D(2025, 12, 3), place="北京")),
    ("见了李总，占地300亩，增长30%", dict(amount_yuan=None, amount=None, questions=[])),
    ("见了王总，外资200万美元", dict(amount_yuan=None, amount=200_000_000 // 100, currency="USD",
                                      amount_kind="foreign")),
    # next steps and follow-ups
    ("昨天见了伊利李总，两周内提供项目资料", dict(followup_date=D(2026, 12, 10), next_step="两周内提供项目资料")),
    ("昨天见了伊利李总，安排下周三来黑河考察",
     dict(followup_date=D(2026, 12, 2), next_step="安排下周三来黑河考察", place=None)),
    ("Visited Yili yesterday, follow up in two weeks",
     dict(meeting_date=D(2026, 11, 25), followup_date=D(2026, 12, 10), company="Yili",
          next_step="follow up in two weeks")),
    ("周五见了张总，周五回访", dict(meeting_date=D(2026, 11, 20), followup_date=D(2026, 11, 27))),
    # longer real-world phrasings
    ("11月24日上午在哈尔滨洽谈会上与飞鹤乳业副总经理王强会谈，双方就乳制品深加工项目达成初步意向，项目拟投资8亿元，计划下月签约",
     dict(meeting_date=D(2026, 11, 24), place="哈尔滨", company="飞鹤乳业", person="王强", title="副总经理",
          topic="乳制品深加工项目", amount_yuan=800_000_000, stage="contact")),
    ("今天陪同市领导拜访了伊利集团，商谈黑河乳业基地建设事宜，对方表示有意向投资2亿元左右，下周五前寄送项目资料",
     dict(company="伊利", person=None, topic="黑河乳业基地建设", amount_yuan=200_000_000, amount_approx=True,
          followup_date=D(2026, 12, 4), next_step="下周五前寄送项目资料")),
    ("昨晚和华为李总吃饭，聊了数据中心，下次约在黑河见",
     dict(meeting_date=D(2026, 11, 25), company="华为", person="李总", topic="数据中心", place=None,
          next_step="下次约在黑河见")),
    ("俄罗斯阿穆尔州农业公司伊万诺夫总经理今天到访，谈大豆进口，年进口量10万吨，投资约300万美元",
     dict(company="俄罗斯阿穆尔州农业", topic="大豆进口", amount=3_000_000, currency="USD", amount_yuan=None)),
    ("与北大荒集团对接，谈粮食仓储物流，预计到位资金1.5亿元",
     dict(company="北大荒", topic="粮食仓储物流", amount_yuan=150_000_000, amount_kind="in_place")),
    ("今天在黑河与逊克县领导一起会见了俄方客商，谈木材加工，投资约2000万卢布，两周后回访",
     dict(place="黑河", company=None, topic="木材加工", currency="RUB", amount=20_000_000,
          followup_date=D(2026, 12, 10))),
    ("昨天，飞鹤张总，奶粉工厂二期，12亿，15号回访",
     dict(meeting_date=D(2026, 11, 25), company="飞鹤", topic="奶粉工厂二期", amount_yuan=1_200_000_000,
          followup_date=D(2026, 12, 15), next_step="15号回访")),
    ("同仁堂张总今天来访", dict(company="同仁堂", person="张总", meeting_date=D(2026, 11, 26))),
    ("今天拜访了一汽集团，谈汽车零部件", dict(company="一汽", topic="汽车零部件")),
    ("昨天在长春见了三一重工李总", dict(company="三一重工", person="李总", place="长春")),
    ("走访了3家企业", dict(company=None)),
    ("Had a call with Yili's GM Wang today about the cold chain, RMB 50 million in place, revisit on 12/15",
     dict(company="Yili", person="Wang", title="GM", topic="cold chain", amount_kind="in_place",
          amount_yuan=50_000_000, followup_date=D(2026, 12, 15), next_step="revisit on 12/15")),
    ("Met Sergei Petrov, director of Amur Agro, in Blagoveshchensk yesterday. Soybean imports. Follow up 3/12.",
     dict(person="Sergei Petrov", title="director", company="Amur Agro", place="布拉戈维申斯克",
          topic="Soybean imports", questions=[("followup_date", [D(2026, 12, 3), D(2027, 3, 12)])])),
    ("Dinner with Chairman Li of China Resources in Shenzhen tonight, talked about a 2-3 billion yuan park",
     dict(person="Li", title="Chairman", company="China Resources", place="深圳", meeting_date=D(2026, 11, 26),
          questions=[("amount_yuan", [2_000_000_000, 3_000_000_000])])),
    ("Signed! Feihe dairy plant phase 2, RMB 1.2 billion, registered in statistics last month",
     dict(stage="registered", topic="Feihe dairy plant phase 2", meeting_date=None, amount_yuan=1_200_000_000)),
    # full-width digits
    ("今天见了李总，投资５亿元", dict(amount_yuan=500_000_000, meeting_date=D(2026, 11, 26))),
    ("", dict(meeting_date=None, company=None, amount_yuan=None, stage="contact", questions=[])),
]


def _check(draft: MeetingDraft, expected: dict) -> None:
    for key, want in expected.items():
        if key == "questions":
            assert [(q.field, q.choices) for q in draft.questions] == want
        else:
            assert getattr(draft, key) == want, f"{key}: {getattr(draft, key)!r} != {want!r}"


@pytest.mark.parametrize("text, expected", MEETING_CASES, ids=[c[0][:40] for c in MEETING_CASES])
def test_meeting_without_resolver(text, expected):
    draft = parse_meeting(text, TODAY)
    assert draft.raw == text
    _check(draft, expected)


# --------------------------------------------------------------------------- with a resolver

class FakeResolver:
    """What the matcher would answer, for three companies, three chains and a few places."""

    COMPANIES = {"feihe": ("飞鹤乳业", ["飞鹤乳业", "飞鹤", "feihe"]),
                 "cofco": ("中粮集团", ["中粮集团", "中粮", "cofco"]),
                 "yili": ("伊利", ["伊利集团", "伊利", "yili"])}
    CHAINS = {"dairy": ["奶粉", "乳", "dairy"], "soy": ["大豆", "soybean"], "logistics": ["物流", "logistics"]}
    PLACES = {"北京": ["北京", "beijing"], "哈尔滨": ["哈尔滨", "harbin"], "绥化": ["绥化"]}

    def __init__(self, extra=None):
        self.extra = extra or []

    @staticmethod
    def _spans(text, words):
        for w in sorted(words, key=len, reverse=True):
            for m in re.finditer(re.escape(w), text, re.I):
                yield w, m.start(), m.end()

    def find_company(self, text):
        out, taken = [], []
        for cid, (name, aliases) in self.COMPANIES.items():
            for w, s, e in self._spans(text, aliases):
                if not any(s < te and ts < e for ts, te in taken):
                    taken.append((s, e))
                    out.append((cid, name, s, e, 1.0 if w == name else 0.9))
        return out + list(self.extra)

    def find_chains(self, text):
        return [cid for cid, words in self.CHAINS.items() if any(w in text.lower() for w in words)]

    def find_place(self, text):
        return [(name, s, e) for name, words in self.PLACES.items() for _, s, e in self._spans(text, words)]


RESOLVER_CASES = [
    ("今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访",
     dict(company="飞鹤乳业", company_id="feihe", person="张总", title=None, place="北京", chain_ids=["dairy"])),
    ("Met Feihe VP Zhang in Beijing yesterday, dairy plant expansion, RMB 200 million",
     dict(company="飞鹤乳业", company_id="feihe", person="Zhang", place="北京", chain_ids=["dairy"])),
    ("昨天在哈尔滨见了中粮李董，谈大豆深加工和物流",
     dict(company="中粮集团", company_id="cofco", place="哈尔滨", chain_ids=["soy", "logistics"])),
    ("visited COFCO HQ, soybean crushing", dict(company_id="cofco", company="中粮集团", chain_ids=["soy"])),
    ("在绥化见了伊利王总", dict(place="绥化", company_id="yili", person="王总")),        # place from the resolver
    ("见了飞鹤张总和伊利李总",
     dict(company=None, company_id=None, questions=[("company", ["feihe", "yili"])])),
    ("在北京见了某企业张总", dict(company=None, company_id=None, person="张总", place="北京")),   # falls back
    ("在北京见了华为张总", dict(company="华为", company_id=None)),                            # heuristic fallback
]


@pytest.mark.parametrize("text, expected", RESOLVER_CASES, ids=[c[0][:40] for c in RESOLVER_CASES])
def test_meeting_with_resolver(text, expected):
    _check(parse_meeting(text, TODAY, FakeResolver()), expected)


def test_fuzzy_company_close_scores_are_asked():
    extra = [("feihe-jl", "黑龙江飞鹤", 4, 6, 0.95)]
    draft = parse_meeting("今天见了飞鹤张总", TODAY, FakeResolver(extra))
    assert draft.company is None
    assert draft.questions[0].field == "company"
    assert draft.questions[0].choices == ["feihe", "feihe-jl"]


def test_weak_fuzzy_company_is_dropped():
    extra = [("yili", "伊利", 4, 6, 0.4)]
    draft = parse_meeting("今天见了飞鹤张总", TODAY, FakeResolver(extra))
    assert (draft.company_id, draft.questions) == ("feihe", [])


# --------------------------------------------------------------------------- questions are readable

def test_question_labels_zh_and_en():
    zh = parse_meeting("见了王总，投资500，3/12回访", TODAY)
    assert zh.questions[0].labels == ["2026年12月3日（周四）", "2027年3月12日（周五）"]
    assert zh.questions[1].labels == ["500万元", "500元"]
    assert "500" in zh.questions[1].prompt
    en = parse_meeting("Met Li, follow up next Friday", TODAY)
    assert en.questions[0].labels == ["Fri 27 Nov 2026", "Fri 4 Dec 2026"]


@pytest.mark.parametrize("value, currency, lang, label", [
    (350_000_000, "CNY", "zh", "3.5亿元"), (5_000_000, "CNY", "zh", "500万元"), (2_000_000, "USD", "zh", "200万美元"),
    (200_000_000, "CNY", "en", "RMB 200 million"), (1_500_000_000, "CNY", "en", "RMB 1.5 billion"),
    (30_000_000, "USD", "en", "USD 30 million"),
])
def test_money_label(value, currency, lang, label):
    assert money_label(value, currency, lang) == label


def test_draft_fields_match_the_meeting_table():
    """Every column the store knows is a draft field (the store ignores the extra ones)."""
    names = set(MeetingDraft.__dataclass_fields__)
    assert {"meeting_date", "place", "company", "company_id", "person", "title", "chain_ids", "topic",
            "amount_yuan", "currency", "stage", "next_step", "followup_date", "raw"} <= names


# --------------------------------------------------------------------------- issue 10: people, next steps

@pytest.mark.parametrize("text, person, title, company", [
    ("今天见了飞鹤张总", "张总", None, "飞鹤"),                       # a surname with 总 is the person
    ("昨天见了中粮李董", "李董", None, "中粮"),
    ("今天见了阿穆尔华侨商贸王振江总经理，谈木材进口", "王振江", "总经理", "阿穆尔华侨商贸"),   # not 江
    ("今天见了飞鹤乳业王强副总经理", "王强", "副总经理", "飞鹤乳业"),
    ("今天见了蒙牛李明总裁", "李明", "总裁", "蒙牛"),             # 牛 ends the company, not a surname here
    ("见了王振江总经理", "王振江", "总经理", None),
    ("昨天见了市商务局刘局长", "刘局长", "局长", None),
])
def test_person_keeps_its_characters(text, person, title, company):
    d = parse_meeting(text, TODAY)
    assert (d.person, d.title) == (person, title)
    if company:
        assert d.company == company


def test_person_glued_to_a_resolved_company():
    class R(FakeResolver):
        COMPANIES = {**FakeResolver.COMPANIES, "amur": ("阿穆尔华侨商贸", ["阿穆尔华侨商贸"])}
    d = parse_meeting("今天见了阿穆尔华侨商贸王振江总经理", TODAY, R())
    assert (d.company_id, d.person, d.title) == ("amur", "王振江", "总经理")


@pytest.mark.parametrize("text, next_step, followup", [
    ("今天见了中储粮李总，下周三前发项目建议书", "下周三前发项目建议书", D(2026, 12, 2)),
    ("今天见了伊利王总，谈冷链，12月10日之前报送方案", "12月10日之前报送方案", D(2026, 12, 10)),
])
def test_deadline_is_a_next_step(text, next_step, followup):
    d = parse_meeting(text, TODAY)
    assert (d.next_step, d.followup_date) == (next_step, followup)
    assert d.topic != next_step[-6:] and (d.topic is None or "前" not in d.topic)


# --------------------------------------------------------------------------- issue 9: absurd values are asked

def test_absurd_amount_is_asked_not_taken():
    d = parse_meeting("今天见了张总，投资9999999亿", TODAY)
    assert d.amount_yuan is None and d.amount is None
    (q,) = d.questions
    assert q.field == "amount_yuan" and q.choices == [9_999_999 * 10 ** 8]
    assert q.prompt.startswith("「9999999亿」：确认是") and q.prompt.endswith("吗？")
    assert parse_meeting("今天见了张总，投资9999亿", TODAY).amount_yuan == 9999 * 10 ** 8   # under 1万亿


@pytest.mark.parametrize("text, field, value", [
    ("9999-12-31见了张总", "meeting_date", D(9999, 12, 31)),
    ("9999年12月31日见了张总", "meeting_date", D(9999, 12, 31)),
    ("1999年5月3日见了张总", "meeting_date", D(1999, 5, 3)),
    ("今天见了张总，2028年12月1日回访", "followup_date", D(2028, 12, 1)),
])
def test_out_of_range_date_is_asked_not_taken(text, field, value):
    d = parse_meeting(text, TODAY)
    assert getattr(d, field) is None
    (q,) = d.questions
    assert (q.field, q.choices) == (field, [value])
    assert "确认是" in q.prompt and q.prompt.endswith("吗？")


def test_date_within_bounds_is_taken():
    assert parse_meeting("今天见了张总，2027年6月1日回访", TODAY).followup_date == D(2027, 6, 1)
    assert parse_meeting("2001年5月3日见了张总", TODAY).meeting_date == D(2001, 5, 3)


@pytest.mark.parametrize("text, field, choices", [
    ("2099年13月45日见了张总", "meeting_date", [D(2026, 11, 26), D(2026, 11, 25)]),
    ("2026-02-30在北京见了张总", "meeting_date", [D(2026, 11, 26), D(2026, 11, 25)]),
    ("今天见了张总，2月30日回访", "followup_date", [D(2026, 12, 3), D(2026, 12, 10)]),
])
def test_impossible_date_is_asked_not_replaced_by_today(text, field, choices):
    d = parse_meeting(text, TODAY)
    assert d.meeting_date is None if field == "meeting_date" else d.meeting_date == TODAY
    (q,) = d.questions
    assert (q.field, q.choices) == (field, choices)
    assert "不是有效日期" in q.prompt
