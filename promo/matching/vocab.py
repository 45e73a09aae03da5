"""Fixed vocabulary the officers use: titles, scenarios, formats, audiences, languages, regions.

These words are not in the editable lists because they describe the meeting, not the city.
Each entry maps typed forms (Chinese, English, Russian, pinyin) to one value.
"""

from __future__ import annotations

# value: (seniority 1..5, display) ; typed forms
TITLES: dict[str, tuple[int, list[str]]] = {
    "董事长": (5, ["董事长", "董事局主席", "主席", "chairman", "chair", "председатель", "dongshizhang", "dsz"]),
    "总裁": (5, ["总裁", "首席执行官", "ceo", "president", "президент", "генеральный директор", "zongcai"]),
    "总经理": (5, ["总经理", "老总", "一把手", "general manager", "gm", "директор", "zongjingli", "zjl"]),
    "创始人": (5, ["创始人", "创办人", "founder", "основатель", "chuangshiren"]),
    "副总裁": (4, ["副总裁", "副总", "副总经理", "vp", "vice president", "svp", "evp",
                  "вице-президент", "заместитель директора", "fuzong", "fuzongcai"]),
    "总监": (3, ["总监", "部长", "总经理助理", "总裁助理", "董事长助理", "director", "head", "руководитель", "zongjian"]),
    "经理": (2, ["经理", "主管", "manager", "менеджер", "jingli"]),
    "合伙人": (4, ["合伙人", "partner", "партнер", "hehuoren"]),
    "秘书长": (3, ["秘书长", "secretary general", "секретарь", "mishuzhang"]),
    "会长": (4, ["会长", "commerce chairman", "huizhang"]),
    "处长": (3, ["处长", "chuzhang"]),
    "司长": (4, ["司长", "副司长", "sizhang"]),
}

SCENARIOS: dict[str, list[str]] = {
    "fair_booth": ["展会", "展位", "展台", "博览会", "洽谈会", "交易会", "fair", "booth", "expo", "exhibition",
                   "выставка", "ярмарка", "zhanhui"],
    "hq_visit": ["总部", "拜访", "上门", "登门", "hq", "headquarters", "visit hq", "офис", "визит", "zongbu"],
    "reception": ["来访", "接待", "座谈", "座谈会", "来黑河", "来考察", "考察", "reception", "visiting us", "прием",
                  "визит в хэйхэ"],
    "online_call": ["线上", "视频会", "视频会议", "视频连线", "微信视频", "网上", "远程", "腾讯会议", "online", "zoom", "call",
                    "video call", "онлайн", "видеозвонок"],
    "forum_speech": ["论坛", "演讲", "致辞", "推介会", "招商会", "路演", "大会", "峰会", "forum", "speech", "summit", "форум",
                     "выступление", "luntan"],
    "site_visit": ["实地", "现场", "参观", "site visit", "tour", "экскурсия"],
}

KINDS: dict[str, list[str]] = {
    "video": ["视频", "短片", "宣传片", "片子", "视屏", "城市宣传片", "视频片", "专题片", "放片", "放个片", "放什么片", "放的片",
              "video", "clip", "film", "видео", "ролик", "фильм", "shipin"],
    "brochure": ["图册", "画册", "手册", "折页", "宣传册", "册子", "小册子", "城市宣传册", "brochure", "booklet", "leaflet", "буклет",
                 "брошюра", "tuce", "huace"],
    "ppt": ["ppt", "幻灯片", "课件", "演示稿", "讲稿", "slides", "deck", "slide deck", "presentation",
            "презентация", "слайды"],
    # 材料 is any pitch material (推介材料, 带什么材料), not a document.
    "document": ["文件", "文档", "报告", "document", "report", "pdf", "документ", "доклад"],
    "web": ["网页", "网站", "链接", "web", "website", "webpage", "сайт"],
}

SCOPES: dict[str, list[str]] = {
    "city": ["城市", "全市", "城市推介", "城市宣传", "城市宣传片", "城市宣传册", "city", "город"],
    "chain": ["产业链", "链条", "industry chain", "value chain", "отрасль"],
    "project": ["项目", "重点项目", "project", "проект"],
}

AUDIENCES: dict[str, list[str]] = {
    "central_soe": ["央企", "中央企业", "国资委", "central soe", "soe", "госкомпания", "yangqi"],
    "local_soe": ["地方国企", "省属国企", "国企", "市属国企", "local soe"],
    "private": ["民企", "民营企业", "民营", "私企", "private", "частная компания", "minqi"],
    "foreign": ["外资", "外企", "外商", "外国", "foreign", "иностранный", "waizi"],
    "overseas_chinese": ["侨商", "华侨", "港澳台", "overseas chinese", "huaqiao"],
    "listed": ["上市公司", "上市", "listed"],
    "sme": ["中小企业", "小微", "sme"],
}

LANGUAGES: dict[str, list[str]] = {
    "zh": ["中文", "汉语", "中文版", "chinese", "китайский", "на китайском"],
    "en": ["英文", "英语", "英文版", "中英双语", "english", "in english", "английский", "на английском"],
    "ru": ["俄文", "俄语", "俄文版", "俄语版", "中俄双语", "俄汉双语", "俄方", "俄方代表团", "俄罗斯代表团", "俄罗斯客人",
           "俄罗斯客商", "俄商", "russian", "in russian", "русский", "на русском",
           "по-русски"],
}

# Words that say a place is where the visitor comes FROM (hometown), not where they are based.
ORIGIN_BEFORE = ("老家", "祖籍", "出生于", "出生在", "出身", "家乡", "来自", "native of", "from", "родом из")
ORIGIN_AFTER = ("籍", "人", "老乡", "出生", "出身")

# Which places a region contains is data: `parent` / `within` in lists/places.yaml.
NATIONWIDE = ("全国", "全球", "national", "nationwide")


# Words that name a people list (乡贤 → hometown). `strong` words choose the list; `weak` ones
# (在京: also said of hometown people in Beijing) only when no strong word is there.
LIST_WORDS: dict[str, dict[str, list[str]]] = {
    "hometown": {"strong": ["乡贤", "老乡", "同乡", "家乡人", "乡亲", "乡友", "老家人", "在外乡贤",
                            "xiangxian", "laoxiang", "tongxiang", "jiaxiangren", "xiangqin",
                            "fellow townsman", "fellow townsmen", "hometown people", "hometown network", "natives",
                            "hometown entrepreneur", "hometown entrepreneurs", "hometown notables",
                            "hometown businessmen",
                            "земляк", "земляки", "земляков", "землячество"],
                 "weak": []},
    "alumni": {"strong": ["校友", "同学", "老同学", "校友会", "学长", "学姐", "学弟", "学妹", "毕业", "毕业于",
                          "xiaoyou", "tongxue",
                          "alumni", "alumnus", "alumna", "classmate", "classmates", "schoolmate", "schoolmates",
                          "выпускник", "выпускники", "выпускников", "однокурсник", "однокурсники"],
               "weak": []},
    "ministry": {"strong": ["部委", "国家部委", "中央部委", "在京部委", "部委的人", "部里", "部委司局", "司局", "委办",
                            "buwei", "ministry", "ministries", "ministry people", "central government",
                            "министерство", "министерства", "министерстве", "министерств"],
                 "weak": ["在京", "在京单位", "zaijing"]},
    "agent": {"strong": ["委托招商", "招商代理", "代理招商", "中介", "招商中介", "中介机构", "商会", "顾问", "招商顾问",
                         "咨询公司", "投行", "代理商", "代理", "协会", "联盟",
                         "weituozhaoshang", "zhongjie", "shanghui", "guwen", "agent", "agents", "consultant",
                         "consultants", "chamber", "chambers", "chamber of commerce", "intermediary", "broker",
                         "агент", "агенты", "агентов", "посредник", "посредники", "консультант", "консультанты",
                         "торговая палата", "палата"],
              "weak": []},
}


def duration_words() -> dict[str, int]:
    """Typed durations that are not 'N minutes'."""
    return {"半小时": 30, "一刻钟": 15, "三刻钟": 45, "一小时": 60, "一个小时": 60, "半个小时": 30, "半个钟头": 30,
            "一个钟头": 60, "一个半小时": 90, "一个半钟头": 90, "half an hour": 30, "an hour": 60,
            "quarter of an hour": 15, "полчаса": 30, "полтора часа": 90, "час": 60}
