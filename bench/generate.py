"""Synthetic but realistic lists at scale, written in the real list format.

    python -m bench.generate --people 100000 --materials 10000 --out /tmp/promo-100k

The sample's chains, places, schools and projects are copied as they are (they are the city's
real vocabulary: 15 chains, the counties, the schools, the projects); the sample's two company
files are copied too, because the chains' `targets` name those companies. Generated on top:

- companies (`lists/companies-synth.yaml`): region + 字号 + industry + legal form
  (深圳市华鑫供应链管理有限公司), with short forms, pinyin and initials as aliases, an English
  name, a parent group for some;
- people in the four people files (hometown / alumni / ministry / agents): surnames drawn from a
  frequency table, 1–2 character given names (names of 2–3 characters, 4 with a compound
  surname), employers typed as officers type them (often the short form), titles, cities
  weighted by where Heihe's business contacts live, hometowns in Heihe's counties, schools,
  ministries, liaisons;
- materials in `pitch_library/` (city / chains / projects), with titles, kinds, lengths,
  languages, tags from the chains' keywords, some drafts, withdrawn and expiring ones.

A query mix for the latency runs is written next to the lists (`bench_queries.json`): clean
queries and messy ones (typos by homophone, pinyin, traditional characters, English, Russian,
no spaces, long chatty sentences, noise). Everything is deterministic for a seed. YAML is
written as hand-made lines (about 10× faster than yaml.dump) and parses back to the same values
(checked in tests/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from promo.config import ROOT as SAMPLE_ROOT
from promo.matching.textnorm import SURNAME_READINGS, char_pinyin, pinyin_syllables

COPIED = ["lists/chains.yaml", "lists/places.yaml", "lists/schools.yaml", "lists/projects.yaml",
          "lists/companies.yaml", "lists/companies-network.yaml"]

# --------------------------------------------------------------------------- names

# Surname shares (per cent of the population, rounded; 2020 census order). The tail covers the
# readings pypinyin gets wrong (曾 单 解 仇 区 查 朴) and a few compound surnames.
SURNAMES = {
    "王": 7.1, "李": 7.0, "张": 6.7, "刘": 5.4, "陈": 4.6, "杨": 3.1, "黄": 2.2, "赵": 2.0, "吴": 1.9,
    "周": 1.9, "徐": 1.5, "孙": 1.5, "马": 1.4, "朱": 1.3, "胡": 1.2, "郭": 1.1, "何": 1.1, "高": 1.0,
    "林": 1.0, "罗": 0.9, "郑": 0.9, "梁": 0.8, "谢": 0.7, "宋": 0.6, "唐": 0.6, "许": 0.6, "韩": 0.6,
    "冯": 0.5, "邓": 0.5, "曹": 0.5, "彭": 0.5, "曾": 0.5, "肖": 0.5, "田": 0.4, "董": 0.4, "袁": 0.4,
    "潘": 0.4, "于": 0.4, "蒋": 0.4, "蔡": 0.4, "余": 0.4, "杜": 0.3, "叶": 0.3, "程": 0.3, "苏": 0.3,
    "魏": 0.3, "吕": 0.3, "丁": 0.3, "任": 0.3, "沈": 0.3, "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3,
    "钟": 0.3, "谭": 0.2, "陆": 0.2, "汪": 0.2, "范": 0.2, "金": 0.2, "石": 0.2, "廖": 0.2, "贾": 0.2,
    "夏": 0.2, "韦": 0.2, "付": 0.2, "方": 0.2, "白": 0.2, "邹": 0.2, "孟": 0.2, "熊": 0.2, "秦": 0.2,
    "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.2, "侯": 0.2, "龙": 0.2,
    "史": 0.2, "陶": 0.1, "黎": 0.1, "贺": 0.1, "顾": 0.1, "毛": 0.1, "郝": 0.1, "龚": 0.1, "邵": 0.1,
    "万": 0.1, "钱": 0.1, "严": 0.1, "覃": 0.1, "武": 0.1, "戴": 0.1, "莫": 0.1, "孔": 0.1, "葛": 0.1,
    "单": 0.05, "解": 0.03, "仇": 0.03, "区": 0.02, "查": 0.03, "朴": 0.02, "乐": 0.02, "翟": 0.05,
    "欧阳": 0.05, "司马": 0.01, "诸葛": 0.01, "上官": 0.01, "慕容": 0.005,
}
GIVEN_M = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰东海晨博文志国建新春江"
               "振宏成立德永胜利宾昊天佳轩然睿泽瑞远航晓光")
GIVEN_F = list("芳娜敏静丽艳娟霞秀玲桂英红梅莉婷雪琳晶燕倩颖慧佳欣怡萱雅琴琪瑶洁萌璐菲丹宁月兰凤"
               "晓春美玉")

# --------------------------------------------------------------------------- companies

# (prefix as written in a company name, city as officers type it, weight)
REGIONS = [
    ("北京", "北京", 12), ("北京市", "北京", 4), ("上海", "上海", 10), ("上海市", "上海", 3),
    ("深圳市", "深圳", 9), ("深圳", "深圳", 2), ("广州市", "广州", 6), ("哈尔滨", "哈尔滨", 8),
    ("哈尔滨市", "哈尔滨", 3), ("黑龙江", "哈尔滨", 6), ("黑龙江省", "哈尔滨", 2), ("黑河市", "黑河", 4),
    ("黑河", "黑河", 3), ("杭州", "杭州", 4), ("苏州", "苏州", 3), ("天津", "天津", 3), ("大连", "大连", 3),
    ("青岛", "青岛", 3), ("济南", "济南", 2), ("郑州", "郑州", 2), ("武汉", "武汉", 2), ("成都", "成都", 2),
    ("西安", "西安", 2), ("长春", "长春", 2), ("沈阳", "沈阳", 2), ("齐齐哈尔", "齐齐哈尔", 2),
    ("大庆", "大庆", 2), ("厦门", "厦门", 2), ("宁波", "宁波", 2), ("东莞", "东莞", 1), ("南京", "南京", 2),
    ("合肥", "合肥", 1), ("呼和浩特", "呼和浩特", 1), ("绥芬河", "绥芬河", 1), ("牡丹江", "牡丹江", 1),
]
ZIHAO = list("华鑫瑞恒泰丰隆盛达通宏远龙江北兴源德信诚安康佳嘉金银海天中正广博弘润和顺利祥富荣昌明"
             "伟新科创联合亿万宝鼎汇聚峰岳川林森禾谷粮牧鹤鸿腾飞跃骏驰晟昊煜辰星耀灿锦绣瀚宸睿智"
             "方圆德仁义礼泽惠普众邦国际亚欧俄远东冰雪")
INDUSTRIES = {   # chain → [(industry in the name, short form for aliases, English)]
    "copper": [("矿业", "矿业", "Mining"), ("有色金属", "有色", "Non-ferrous Metals"), ("铜业", "铜业", "Copper"),
               ("冶炼", "冶炼", "Smelting")],
    "dairy": [("乳业", "乳业", "Dairy"), ("乳品", "乳品", "Dairy Products"), ("牧业", "牧业", "Ranching"),
              ("营养食品", "食品", "Nutrition")],
    "soybean": [("大豆制品", "大豆", "Soy Products"), ("粮油", "粮油", "Grain and Oil"),
                ("植物蛋白", "蛋白", "Plant Protein")],
    "corn": [("生物科技", "生物", "Biotech"), ("淀粉", "淀粉", "Starch"), ("玉米开发", "玉米", "Corn")],
    "grain_logistics": [("粮食储运", "粮食", "Grain Logistics"), ("仓储物流", "仓储", "Warehousing"),
                        ("粮油贸易", "粮贸", "Grain Trading")],
    "green_food": [("绿色食品", "食品", "Green Food"), ("有机农业", "农业", "Organic Agriculture"),
                   ("食品", "食品", "Foods")],
    "cross_border": [("国际贸易", "贸易", "International Trade"), ("供应链管理", "供应链", "Supply Chain"),
                     ("跨境电商", "电商", "Cross-border E-commerce"), ("国际物流", "物流", "Logistics")],
    "tourism_health": [("文化旅游", "文旅", "Culture and Tourism"), ("康养产业", "康养", "Wellness"),
                       ("国际旅行社", "旅行社", "Travel")],
    "ftz": [("进出口", "进出口", "Import and Export"), ("投资管理", "投资", "Investment"),
            ("商贸", "商贸", "Trading")],
    "energy": [("新能源", "新能源", "New Energy"), ("风电", "风电", "Wind Power"), ("光伏科技", "光伏", "Solar"),
               ("燃气", "燃气", "Gas")],
    "biopharma": [("生物医药", "医药", "Biopharma"), ("药业", "药业", "Pharmaceutical"),
                  ("中药材", "中药", "Herbal Medicine")],
    "wood": [("木业", "木业", "Wood"), ("木材加工", "木材", "Timber"), ("家居", "家居", "Home Furnishing")],
    "cold_testing": [("汽车技术", "汽车", "Automotive Technology"), ("汽车检测", "检测", "Vehicle Testing"),
                     ("试验场", "试验场", "Proving Ground")],
    "agri_machinery": [("农业机械", "农机", "Agricultural Machinery"), ("农机装备", "农机", "Farm Equipment"),
                       ("机械制造", "机械", "Machinery")],
    "beef_cattle": [("牧业", "牧业", "Ranching"), ("肉业", "肉业", "Meat"), ("畜牧", "畜牧", "Livestock")],
}
LEGAL = [("有限公司", 70), ("股份有限公司", 15), ("集团有限公司", 10), ("有限责任公司", 5)]
AUDIENCES = [("private", 60), ("sme", 15), ("local_soe", 8), ("listed", 8), ("foreign", 4),
             ("overseas_chinese", 3), ("central_soe", 2)]

# --------------------------------------------------------------------------- people

TITLES = [("董事长", 10), ("总经理", 12), ("副总经理", 12), ("副总裁", 5), ("总裁", 3), ("创始人", 3),
          ("合伙人", 3), ("销售总监", 8), ("采购总监", 5), ("技术总监", 4), ("财务总监", 3),
          ("区域经理", 8), ("采购经理", 6), ("投资部经理", 5), ("战略发展部总经理", 3), ("办公室主任", 3),
          ("首席执行官", 2), ("监事会主席", 1)]
MINISTRY_TITLES = [("处长", 30), ("副处长", 25), ("一级调研员", 10), ("二级巡视员", 5), ("副司长", 5),
                   ("主任科员", 15), ("副主任", 10)]
AGENT_TITLES = [("会长", 10), ("副会长", 15), ("秘书长", 15), ("副秘书长", 10), ("合伙人", 15),
                ("执行董事", 10), ("董事总经理", 10), ("项目经理", 15)]
MINISTRIES = {
    "国家发展和改革委员会": ["地区振兴司", "产业发展司", "利用外资和境外投资司", "农村经济司"],
    "商务部": ["欧亚司", "对外投资和经济合作司", "外国投资管理司", "自由贸易区港建设协调司"],
    "农业农村部": ["畜牧兽医局", "乡村产业发展司", "种植业管理司", "国际合作司"],
    "工业和信息化部": ["消费品工业司", "原材料工业司", "装备工业一司", "节能与综合利用司"],
    "财政部": ["经济建设司", "农业农村司"],
    "交通运输部": ["综合规划司", "运输服务司"],
    "海关总署": ["口岸监管司", "动植物检疫司"],
    "国务院国有资产监督管理委员会": ["规划发展局", "改革局"],
    "国家能源局": ["新能源和可再生能源司", "石油天然气司"],
    "自然资源部": ["矿产资源保护监督司"],
    "国家林业和草原局": ["国有林场和种苗管理司"],
    "文化和旅游部": ["资源开发司"],
}
UNITS = ["招商局", "招商局", "招商局", "自贸区", "驻京办", "驻深办", "驻沪办", "工商联", "北安市", "嫩江市",
         "五大连池市", "逊克县", "孙吴县", "爱辉区", "商务局"]
RANKS = ["局长", "副局长", "科长", "处长", "主任", "秘书长", "副主任"]
AGENT_ORGS = ["{city}黑龙江商会", "{city}黑河商会", "{region}{zh}投资咨询有限公司", "{zh}证券投资银行部",
              "中国{chain}协会", "{region}{zh}招商服务有限公司"]
NOTES = ["龙商回家大会上对接过", "有意来黑河考察", "在对俄贸易方面经验丰富", "可介绍上下游配套企业",
         "关注自贸片区政策", "熟悉总部投资决策流程", "每年春节回黑河", "愿意牵线集团高层", "对项目用地有顾虑",
         "希望了解电价和物流成本", "去年参加过中俄博览会", "同乡会骨干", "已推荐两家企业来考察"]
FEE_TERMS = ["按到位资金0.5%计酬，上限200万元", "按到位资金0.8%计酬，单个项目上限150万元",
             "固定年费30万元加奖励", "按签约项目计酬，每个项目20万元"]

# --------------------------------------------------------------------------- materials

KIND_WORDS = {"video": ["宣传片", "短视频", "专题片"], "brochure": ["招商图册", "画册", "折页"],
              "ppt": ["推介PPT", "汇报课件", "推介演示"], "document": ["投资指南", "研究报告", "政策汇编"],
              "web": ["专题网页", "在线展厅"]}
KIND_EN = {"video": "Video", "brochure": "Brochure", "ppt": "Deck", "document": "Guide", "web": "Web Page"}
KIND_RU = {"video": "видео", "brochure": "буклет", "ppt": "презентация", "document": "справочник",
           "web": "веб-страница"}
MATERIAL_TOPICS = ["招商推介", "投资机遇", "产业发展", "合作前景", "营商环境", "重点企业", "产业园区",
                   "对俄合作", "政策解读", "发展规划"]
CITY_TOPICS = ["黑河城市形象", "黑河投资环境", "中俄双子城", "黑河营商环境", "黑河自贸片区", "黑河口岸",
               "黑河四季旅游", "黑河人才政策", "黑河交通区位", "黑河招商政策"]
SCENARIOS = ["fair_booth", "hq_visit", "reception", "online_call", "forum_speech", "site_visit"]


def _weighted(pairs):
    items = [p[:-1] if len(p) > 2 else p[0] for p in pairs]
    weights = [p[-1] for p in pairs]
    return items, weights


@dataclass
class World:
    """What the generator knows of the copied lists."""

    chains: list[dict]
    places: list[dict]
    schools: list[dict]
    projects: list[dict]
    sample_companies: list[dict]
    cities: list[tuple[str, str]] = field(default_factory=list)     # (typed name, place id)
    local_units: list[str] = field(default_factory=list)             # hometown values

    @classmethod
    def read(cls, sample: Path) -> World:
        load = lambda rel: yaml.load((sample / rel).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or []  # noqa: E731
        w = cls(load("lists/chains.yaml"), load("lists/places.yaml"), load("lists/schools.yaml"),
                load("lists/projects.yaml"),
                load("lists/companies.yaml") + load("lists/companies-network.yaml"))
        by_id = {p["id"]: p for p in w.places}
        for p in w.places:
            if p.get("kind", "city") == "city" and not p.get("local"):
                typed = p["name"][:-1] if p["name"].endswith("市") and len(p["name"]) > 2 else p["name"]
                w.cities.append((typed, p["id"]))
        for p in w.places:
            if not p.get("local") or p["id"] == "heihe":
                continue
            if p.get("kind") == "town":
                parent = by_id.get(p.get("parent"), {})
                w.local_units.append(parent.get("name", "") + p["name"])
            else:
                w.local_units.append(p["name"])
        return w


CITY_WEIGHTS = {"北京": 14, "上海": 10, "深圳": 9, "哈尔滨": 12, "广州": 6, "杭州": 4, "天津": 3, "大连": 3,
                "青岛": 3, "沈阳": 2, "长春": 2, "齐齐哈尔": 2, "大庆": 2, "布拉戈维申斯克": 3, "莫斯科": 2,
                "哈巴罗夫斯克": 1, "苏州": 3, "南京": 2, "武汉": 2, "成都": 2, "西安": 2, "郑州": 2, "济南": 2,
                "厦门": 2, "宁波": 2, "香港": 2}


class Generator:
    def __init__(self, world: World, seed: int):
        self.w = world
        self.rng = random.Random(seed)
        self.sur, self.sur_w = list(SURNAMES), list(SURNAMES.values())
        self.titles = _weighted(TITLES)
        self.city_names = [c for c, _ in world.cities]
        self.city_w = [CITY_WEIGHTS.get(c, 0.4) for c in self.city_names]
        self.chain_ids = [c["id"] for c in world.chains]
        self.chain = {c["id"]: c for c in world.chains}
        self.zh_keywords = {c["id"]: [k for k in c.get("keywords", []) if re.search(r"[\u4e00-\u9fff]", str(k))]
                            for c in world.chains}
        self.other_keywords = {c["id"]: [k for k in c.get("keywords", []) if not re.search(r"[\u4e00-\u9fff]", str(k))]
                               for c in world.chains}
        self.companies: list[dict] = []
        self.used_names: set[str] = {c["name"] for c in world.sample_companies}

    # ------------------------------------------------------------------ pieces
    def pick(self, items, weights=None):
        return self.rng.choices(items, weights)[0] if weights else self.rng.choice(items)

    def person_name(self) -> tuple[str, str]:
        surname = self.pick(self.sur, self.sur_w)
        pool = GIVEN_M if self.rng.random() < 0.62 else GIVEN_F
        given = "".join(self.rng.choice(pool) for _ in range(1 if self.rng.random() < 0.28 else 2))
        name = surname + given
        syl = pinyin_syllables(name, name=True)
        k = 1 if len(surname) == 1 or surname in SURNAME_READINGS else len(surname)
        name_en = "".join(syl[:k]).capitalize() + " " + "".join(syl[k:]).capitalize()
        return name, name_en

    def date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days))

    # ------------------------------------------------------------------ companies
    def make_companies(self, n: int) -> list[dict]:
        regions, region_w = [(r, c) for r, c, _ in REGIONS], [w for *_, w in REGIONS]
        legal, legal_w = [s for s, _ in LEGAL], [w for _, w in LEGAL]
        aud, aud_w = [a for a, _ in AUDIENCES], [w for _, w in AUDIENCES]
        groups: list[int] = []
        for i in range(n):
            chain = self.rng.choice(self.chain_ids)
            ind, short, en = self.rng.choice(INDUSTRIES[chain])
            for _ in range(50):
                zh = self.rng.choice(ZIHAO) + self.rng.choice(ZIHAO)
                if zh[0] == zh[1]:
                    continue
                prefix, city = self.pick(regions, region_w)
                suffix = self.pick(legal, legal_w)
                name = f"{prefix}{zh}{ind}{suffix}"
                if name not in self.used_names:
                    break
            self.used_names.add(name)
            region_en = "".join(pinyin_syllables(prefix.rstrip("市省"))).capitalize()
            zh_py = "".join(pinyin_syllables(zh))
            aliases = [f"{zh}{short}"]
            if self.rng.random() < 0.5:
                aliases.append(zh_py + "".join(pinyin_syllables(short)))
            if self.rng.random() < 0.3:
                aliases.append("".join(s[0] for s in pinyin_syllables(zh + short)))
            if suffix.startswith("集团") and self.rng.random() < 0.7:
                aliases.append(f"{zh}集团")
            chains = [chain]
            if self.rng.random() < 0.3:
                other = self.rng.choice(self.chain_ids)
                if other != chain:
                    chains.append(other)
            rec = {"id": f"co-{i:06d}", "name": name,
                   "name_en": f"{region_en} {zh_py.capitalize()} {en} Co., Ltd." if self.rng.random() < 0.6 else None,
                   "aliases": aliases, "chains": chains, "city": city,
                   "audience": self.pick(aud, aud_w),
                   "_zh": zh, "_short": f"{zh}{short}", "_chain": chain}
            if groups and self.rng.random() < 0.1:
                rec["group"] = self.companies[self.rng.choice(groups)]["id"]
            elif suffix.startswith("集团"):
                groups.append(i)
            self.companies.append(rec)
        return self.companies

    # ------------------------------------------------------------------ people
    def make_people(self, n: int) -> dict[str, list[dict]]:
        files = {"hometown": [], "alumni": [], "ministry": [], "agents": []}
        shares = [("hometown", 40), ("alumni", 35), ("ministry", 10), ("agents", 15)]
        kinds, kind_w = [k for k, _ in shares], [w for _, w in shares]
        schools = [s["name"] for s in self.w.schools]
        school_w = [6 if "黑河" in s else 3 if any(x in s for x in ("北安", "嫩江", "五大连池")) else 2 for s in schools]
        ministry_titles = _weighted(MINISTRY_TITLES)
        agent_titles = _weighted(AGENT_TITLES)
        prefix = {"hometown": "ht", "alumni": "al", "ministry": "mn", "agents": "ag"}
        today = dt.date(2026, 11, 1)
        for i in range(n):
            kind = self.pick(kinds, kind_w)
            name, name_en = self.person_name()
            p: dict = {"id": f"{prefix[kind]}-{i:06d}", "name": name}
            if self.rng.random() < 0.35:
                p["name_en"] = name_en
            chains = self.rng.sample(self.chain_ids, self.rng.choice((1, 1, 1, 2, 2, 3)))
            if kind == "ministry":
                ministry = self.rng.choice(list(MINISTRIES))
                p["ministry"] = ministry
                p["department"] = self.rng.choice(MINISTRIES[ministry])
                p["title"] = self.pick(*ministry_titles)
                p["chains"] = chains
                p["city"] = "北京"
                p["hometown"] = self.rng.choice(self.w.local_units)
            else:
                self._person_outside_ministry(p, kind, chains, agent_titles, schools, school_w)
            self._person_contact(p, name)
            p["strength"] = self.pick([1, 2, 3, 4, 5], [10, 25, 35, 20, 10])
            if self.rng.random() < 0.8:
                p["last_contact"] = self.date(dt.date(2023, 1, 1), today)
            if self.rng.random() < 0.6:
                p["notes"] = "；".join(self.rng.sample(NOTES, self.rng.randint(1, 2)))
            if kind == "ministry":
                p["sensitive"] = True
            files[kind].append(p)
        return files

    def _person_outside_ministry(self, p: dict, kind: str, chains: list[str], agent_titles,
                                 schools: list[str], school_w: list[int]) -> None:
        """The employer, chains, city and the list's own fields of a hometown, alumni or agent
        record (the random draws in the order they have always been made)."""
        company = self.rng.choice(self.companies) if self.rng.random() < 0.92 else None
        if kind == "agents":
            org = self.rng.choice(AGENT_ORGS).format(
                city=self.pick(self.city_names[:30]), region=self.pick([r for r, _, _ in REGIONS]),
                zh=self.rng.choice(ZIHAO) + self.rng.choice(ZIHAO),
                chain=self.chain[chains[0]]["name"].replace("产业链", ""))
            p["organisation"] = org
            p["company"] = org
            p["title"] = self.pick(*agent_titles)
            if company and self.rng.random() < 0.5:
                p["company_id"] = company["id"]
        else:
            chains = self._person_employer(p, company, chains)
            p["title"] = self.pick(*self.titles)
        p["chains"] = chains
        p["industries"] = self.rng.sample(self.zh_keywords[chains[0]],
                                          min(len(self.zh_keywords[chains[0]]), self.rng.randint(1, 4)))
        p["city"] = company["city"] if company and self.rng.random() < 0.6 else \
            self.pick(self.city_names, self.city_w)
        if kind == "hometown":
            p["hometown"] = self.rng.choice(self.w.local_units)
        elif kind == "alumni":
            p["school"] = self.pick(schools, school_w)
            start = self.rng.randint(1980, 2016)
            p["years"] = f"{start}-{start + 4}"
        else:
            p["regions"] = self.rng.sample(["粤港澳大湾区", "长三角", "京津冀", "东北", "俄罗斯远东", "西南",
                                            "华中", "山东", "全国"], self.rng.randint(1, 2))
            p["sectors"] = [self.chain[c]["name"].replace("产业链", "") for c in chains[:2]]
            p["fee_terms"] = self.rng.choice(FEE_TERMS)

    def _person_employer(self, p: dict, company: dict | None, chains: list[str]) -> list[str]:
        """A generated company as typed by officers, or a real one of the sample lists; the
        person's chains with the company's first."""
        if company is not None:
            chains = list(dict.fromkeys([company["_chain"], *chains]))[:3]
            typed = self.rng.random()
            p["company"] = company["name"] if typed < 0.55 else company["_short"] if typed < 0.9 \
                else company["name"].replace("有限公司", "")
            if self.rng.random() < 0.88:
                p["company_id"] = company["id"]
            return chains
        sample = self.rng.choice(self.w.sample_companies)     # a real company, as a person's employer
        p["company"] = sample["name"]
        p["company_id"] = sample["id"]
        return list(dict.fromkeys([*sample.get("chains", []), *chains]))[:3] or chains

    def _person_contact(self, p: dict, name: str) -> None:
        p["phone"] = f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"
        if self.rng.random() < 0.5:
            p["wechat"] = "".join(pinyin_syllables(name))[:12] + f"_{self.rng.randrange(100)}"
        if self.rng.random() < 0.15:
            p["email"] = f"{''.join(pinyin_syllables(name))}{self.rng.randrange(1000)}@example.com"
        p["liaison"] = f"{self.rng.choice(UNITS)} {self.pick(self.sur[:40])}{self.rng.choice(RANKS)}"

    # ------------------------------------------------------------------ materials
    def make_materials(self, n: int) -> dict[str, list[dict]]:
        files = {"city": [], "chains": [], "projects": []}
        kinds = ["video", "brochure", "ppt", "document", "web"]
        kind_w = [30, 25, 25, 15, 5]
        for i in range(n):
            r = self.rng.random()
            scope = "city" if r < 0.15 else "chain" if r < 0.75 else "project"
            kind = self.pick(kinds, kind_w)
            kw = self.rng.choice(KIND_WORDS[kind])
            m: dict = {"id": f"m-{i:06d}"}
            edition = f"（{self.rng.randint(2019, 2026)}版）" if self.rng.random() < 0.5 else f"之{i % 97 + 1}"
            if scope == "city":
                topic = self.rng.choice(CITY_TOPICS)
                m["title"] = f"{topic}{kw}{edition}"
                chains = []
                tags = ["黑河", topic.replace("黑河", "")[:4], "营商环境"]
                en = f"Heihe {KIND_EN[kind]}"
            elif scope == "chain":
                chains = self.rng.sample(self.chain_ids, self.rng.choice((1, 1, 1, 2)))
                c = self.chain[chains[0]]
                word = self.rng.choice(self.zh_keywords[c["id"]] or [c["name"]])
                m["title"] = self.rng.choice([f"{c['name']}{self.rng.choice(MATERIAL_TOPICS)}{kw}{edition}",
                                              f"黑河{word}{self.rng.choice(MATERIAL_TOPICS)}{kw}{edition}"])
                tags = self.rng.sample(self.zh_keywords[c["id"]], min(3, len(self.zh_keywords[c["id"]])))
                tags += self.rng.sample(self.other_keywords[c["id"]], min(2, len(self.other_keywords[c["id"]])))
                en = f"{c.get('name_en', c['id'])} {KIND_EN[kind]}"
            else:
                project = self.rng.choice(self.w.projects)
                m["title"] = f"{project['name']}{kw}{edition}"
                m["project"] = project["id"]
                chains = list(project.get("chains", []))
                tags = [a for a in project.get("aliases", [])[:2]]
                en = f"{project.get('name_en', project['id'])} {KIND_EN[kind]}"
            if self.rng.random() < 0.4:
                m["title_en"] = en
            if self.rng.random() < 0.25:
                m["title_ru"] = f"Хэйхэ: {KIND_RU[kind]}"
            m["kind"] = kind
            m["scope"] = scope
            if chains:
                m["chains"] = chains
            m["scenarios"] = self.rng.sample(SCENARIOS, self.rng.randint(0, 3))
            if kind in ("video", "ppt"):
                m["minutes"] = self.pick([3, 5, 8, 10, 15, 20, 30, 45], [15, 20, 10, 15, 15, 10, 10, 5])
            elif kind in ("brochure", "document"):
                m["pages"] = self.rng.randint(4, 120)
            langs = ["zh"]
            if self.rng.random() < 0.4 or "title_en" in m:
                langs.append("en")
            if self.rng.random() < 0.3 or "title_ru" in m:
                langs.append("ru")
            m["languages"] = langs
            m["audience"] = self.rng.sample([a for a, _ in AUDIENCES], self.rng.choice((0, 0, 1, 2)))
            m["link"] = f"https://promo.heihe.example/m/{m['id']}"
            m["tags"] = tags
            m["updated"] = self.date(dt.date(2023, 1, 1), dt.date(2026, 11, 1))
            r = self.rng.random()
            if r < 0.04:
                m["status"] = "draft"
            elif r < 0.08:
                m["status"] = "withdrawn"
            elif r < 0.12:
                m["released"] = self.date(dt.date(2026, 1, 1), dt.date(2027, 6, 1))
            elif r < 0.16:
                m["expires"] = self.date(dt.date(2027, 1, 1), dt.date(2029, 1, 1))
            files[{"city": "city", "chain": "chains", "project": "projects"}[scope]].append(m)
        return files


# --------------------------------------------------------------------------- YAML writing

_PLAIN = re.compile(r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9 ·_\-（）()、，。；]*")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    s = str(value)
    if _PLAIN.fullmatch(s) and not s.endswith(" ") and s.lower() not in _RESERVED and "  " not in s:
        return s
    return json.dumps(s, ensure_ascii=False)


def dump_records(records: list[dict], header: str) -> str:
    """One YAML list, block mappings with flow lists, as the sample files are written."""
    out = [header]
    for rec in records:
        first = True
        for key, value in rec.items():
            if key.startswith("_") or value is None or value == []:
                continue
            lead = "- " if first else "  "
            first = False
            if isinstance(value, list):
                out.append(f"{lead}{key}: [{', '.join(scalar(v) for v in value)}]")
            else:
                out.append(f"{lead}{key}: {scalar(value)}")
        out.append("")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- queries

def _homophone_table() -> dict[str, list[str]]:
    """Common characters grouped by reading: the typo a phone's pinyin keyboard makes."""
    pool = set(GIVEN_M + GIVEN_F + ZIHAO) | set("和合河贺何鹤禾荷盒核赫华化花画话滑划桦豆逗斗都读毒独度肚渡杜"
                                                "乳入如儒汝茹儒业叶夜页液野也冶爷耶")
    by_reading: dict[str, list[str]] = {}
    for ch in sorted(pool):
        by_reading.setdefault(char_pinyin(ch), []).append(ch)
    return {ch: [o for o in by_reading[char_pinyin(ch)] if o != ch] for ch in pool
            if len(by_reading[char_pinyin(ch)]) > 1}


def make_queries(gen: Generator, people: dict[str, list[dict]], n: int, seed: int) -> list[dict]:
    """A mix of the queries officers type, clean and messy; each {text, kind}."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    homo = _homophone_table()
    companies = gen.companies
    chains = gen.w.chains
    schools = [s["name"] for s in gen.w.schools]
    all_people = [p for recs in people.values() for p in recs]
    titles = ["副总", "董事长", "总经理", "采购总监", "老总", "vp", "CEO", "张总", "李董"]
    asks = ["视频", "5分钟", "PPT", "图册", "英文版", "俄语版", "展会", "来访", "线上", "10分钟视频", "论坛 致辞"]
    ru_words = {"cross_border": "логистика", "dairy": "молоко", "wood": "лесоматериалы", "energy": "энергетика",
                "soybean": "соя", "copper": "медь", "grain_logistics": "зерно", "tourism_health": "туризм"}
    cities_en = {"北京": "Beijing", "上海": "Shanghai", "深圳": "Shenzhen", "哈尔滨": "Harbin", "广州": "Guangzhou"}

    def company():
        return rng.choice(companies)

    def typo(text: str) -> str:
        idx = [i for i, ch in enumerate(text) if ch in homo]
        if not idx:
            return text
        i = rng.choice(idx)
        return text[:i] + rng.choice(homo[text[i]]) + text[i + 1:]

    def chain_word(c):
        return rng.choice(gen.zh_keywords[c["id"]] or [c["name"]])

    makers = {
        "clean": lambda: (lambda c: f"{c['_short']} {rng.choice(titles)} {c['city']} "
                                    f"{chain_word(gen.chain[c['_chain']])}")(company()),
        "full_name": lambda: f"{company()['name']} {rng.choice(titles)}",
        "person_context": lambda: (lambda p: f"{p.get('company') or p.get('ministry')} {p.get('city', '')} "
                                             f"{rng.choice(p.get('industries') or ['合作'])}")(rng.choice(all_people)),
        "typo": lambda: f"{typo(company()['_short'])} {rng.choice(titles)} {chain_word(rng.choice(chains))}",
        "pinyin": lambda: (lambda c: f"{''.join(pinyin_syllables(c['_short']))} {rng.choice(['fuzong', 'dongshizhang', ''])}")(company()),
        "pinyin_spaced": lambda: " ".join(pinyin_syllables(company()["_short"])) + " " + rng.choice(["fu zong", "dong shi zhang", ""]),
        "traditional": lambda: s2t.convert(f"{company()['_short']} {rng.choice(titles)} {rng.choice(gen.city_names[:25])}"),
        "english": lambda: (lambda c: f"{rng.choice([c['name_en'], *[a for a in c.get('aliases', []) if a.isascii()][:2]])} "
                                      f"{rng.choice(list(cities_en.values()))} {rng.choice(['video', 'deck', 'vp', ''])}")(rng.choice(chains)),
        "russian": lambda: f"{rng.choice(list(ru_words.values()))} {rng.choice(['Благовещенск', 'Москва', 'Хабаровск'])} "
                           f"{rng.choice(['презентация', 'видео', 'директор'])}",
        "short_form": lambda: f"{company()['_zh']} {rng.choice(titles)}",
        "no_spaces": lambda: f"{company()['_short']}{rng.choice(titles)}{rng.choice(gen.city_names[:25])}{rng.choice(asks)}",
        "school": lambda: f"{rng.choice(schools)}校友 {rng.choice(gen.city_names[:25])} {chain_word(rng.choice(chains))}",
        "hometown": lambda: f"{rng.choice(gen.w.local_units)}人 在{rng.choice(gen.city_names[:25])}做{chain_word(rng.choice(chains))}",
        "say_request": lambda: f"{chain_word(rng.choice(chains))} {rng.choice(asks)} {rng.choice(asks)}",
        "chatty": lambda: f"明天{rng.choice(gen.city_names[:25])}{company()['_short']}的{rng.choice(['张总', '王董', '刘经理'])}"
                          f"来考察，想谈{chain_word(rng.choice(chains))}合作，帮我找下能牵线的人和合适的材料",
        "project": lambda: f"{rng.choice(gen.w.projects)['name']} {rng.choice(asks)}",
        "noise": lambda: rng.choice(["你好", "在吗", "asdfgh", "？？", "谢谢", "帮我查一下", "ok", "随便看看吧"]),
    }
    weights = {"clean": 12, "full_name": 5, "person_context": 8, "typo": 8, "pinyin": 6, "pinyin_spaced": 3,
               "traditional": 6, "english": 6, "russian": 4, "short_form": 5, "no_spaces": 6, "school": 6,
               "hometown": 6, "say_request": 8, "chatty": 6, "project": 4, "noise": 3}
    kinds = list(weights)
    out = []
    for _ in range(n):
        kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
        out.append({"text": " ".join(makers[kind]().split()), "kind": kind})
    return out


# --------------------------------------------------------------------------- entry points

SIZES = {"smoke": (300, 100), "1k": (1_000, 1_000), "10k": (10_000, 10_000), "100k": (100_000, 10_000)}


def parse_size(label: str) -> tuple[int, int]:
    """'1k' → (1000 people, 1000 materials); '100k' → (100000, 10000); '500' → (500, 500)."""
    if label in SIZES:
        return SIZES[label]
    m = re.fullmatch(r"(\d+)(k?)", label.strip().lower())
    if not m:
        raise ValueError(f"size '{label}': use smoke, 1k, 10k, 100k or a number of people")
    people = int(m.group(1)) * (1000 if m.group(2) else 1)
    return people, min(people, 10_000)


@dataclass
class Dataset:
    root: Path
    people: int
    materials: int
    companies: int
    seconds: float
    yaml_bytes: int
    queries: list[dict]


def generate(out: str | Path, people: int, materials: int, seed: int = 7, n_queries: int = 400,
             sample: Path = SAMPLE_ROOT) -> Dataset:
    t0 = time.perf_counter()
    root = Path(out)
    if root.exists():
        shutil.rmtree(root)
    (root / "lists" / "people").mkdir(parents=True)
    (root / "pitch_library").mkdir(parents=True)
    for rel in COPIED:
        shutil.copyfile(sample / rel, root / rel)
    gen = Generator(World.read(sample), seed)
    n_companies = max(50, people // 8)
    companies = gen.make_companies(n_companies)
    people_files = gen.make_people(people)
    material_files = gen.make_materials(materials)
    size = 0
    header = "# generated by bench/generate.py (seed {seed}): synthetic data, not real people\n"

    def write(rel: str, records: list[dict]) -> None:
        nonlocal size
        text = dump_records(records, header.format(seed=seed))
        (root / rel).write_text(text, encoding="utf-8")
        size += len(text.encode())

    write("lists/companies-synth.yaml", companies)
    for stem, recs in people_files.items():
        write(f"lists/people/{stem}.yaml", recs)
    for stem, recs in material_files.items():
        write(f"pitch_library/{stem}.yaml", recs)
    queries = make_queries(gen, people_files, n_queries, seed + 1)
    (root / "bench_queries.json").write_text(json.dumps(queries, ensure_ascii=False, indent=0), encoding="utf-8")
    return Dataset(root, people, materials, n_companies, time.perf_counter() - t0, size, queries)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--materials", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    ds = generate(args.out, args.people, args.materials, args.seed)
    print(f"{ds.root}: {ds.people} people, {ds.materials} materials, {ds.companies} companies, "
          f"{ds.yaml_bytes / 1e6:.1f} MB of YAML in {ds.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
