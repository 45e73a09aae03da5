"""Chinese labels used in plans (the why of a stop, drop reasons, printable headings)."""

from __future__ import annotations

# Fallback chain names; lists/chains.yaml is the source (pass chain_names to the planner).
CHAIN_LABELS = {
    "copper": "铜及有色金属产业链", "dairy": "乳制品产业链", "soybean": "大豆精深加工产业链",
    "corn": "玉米精深加工产业链", "grain_logistics": "粮食仓储物流产业链",
    "green_food": "绿色有机食品产业链", "cross_border": "对俄跨境贸易物流产业链",
    "tourism_health": "文旅康养产业链", "ftz": "自贸片区开放型经济", "energy": "能源产业链",
    "biopharma": "生物医药产业链", "wood": "对俄进口木材加工产业链",
    "cold_testing": "寒区汽车测试产业链", "agri_machinery": "农机装备产业链",
    "beef_cattle": "肉牛养殖加工产业链",
}

SITE_KIND_WORDS = {
    "industrial_park": "产业园区", "enterprise": "核心企业", "project_site": "招商项目地块",
    "port": "口岸", "bridge": "跨境通道", "ftz": "自贸片区平台", "exhibition": "展示窗口",
    "scenic": "景区", "government": "会场", "farm": "种养基地", "lab": "检测研发平台",
}

AUDIENCE_WORDS = {
    "central_soe": "央企", "local_soe": "地方国企", "private": "民企", "foreign": "外资企业",
    "overseas_chinese": "侨商", "listed": "上市公司", "sme": "中小企业",
}

LEVEL_WORDS = {5: "主要负责人", 4: "高管", 3: "中层", 2: "业务团队", 1: "业务团队"}

WEEKDAY_WORDS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}

STOP_KIND_WORDS = {
    "arrival": "抵达", "site": "考察", "talk": "座谈", "meal": "用餐", "hotel": "入住",
    "departure": "离开",
}


def chain_label(chain_id: str, names: dict[str, str] | None = None) -> str:
    return (names or {}).get(chain_id) or CHAIN_LABELS.get(chain_id, chain_id)


def clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def duration_text(minutes: int) -> str:
    """A drive in words: under an hour in minutes (「13分钟」); longer ones rounded up to 5 minutes
    as hours and minutes (249 → 「约4小时10分」, 120 → 「约2小时」)."""
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes}分钟"
    rounded = -(-minutes // 5) * 5
    hours, rest = divmod(rounded, 60)
    return f"约{hours}小时" + (f"{rest}分" if rest else "")


def short_url(url: str) -> str:
    """A link as printed on paper: without the scheme and a trailing slash."""
    text = str(url or "")
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme):]
    return text.rstrip("/")


def weekdays_text(days: list[int]) -> str:
    if days == [1, 2, 3, 4, 5, 6, 7]:
        return "每天"
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAY_WORDS[days[0]]}至{WEEKDAY_WORDS[days[-1]]}"
    return "、".join(WEEKDAY_WORDS[d] for d in days)


def months_text(months: list[int]) -> str:
    if not months:
        return "全年"
    runs, start = [], months[0]
    for a, b in zip(months, [*months[1:], None]):
        if b != a + 1:
            runs.append((start, a))
            start = b  # type: ignore[assignment]  # None only after the last month
    if len(runs) == 2 and runs[0][0] == 1 and runs[-1][1] == 12:      # wraps the new year
        runs = [(runs[-1][0], runs[0][1])]
    return "、".join(f"{a}月" if a == b else f"{a}—{b}月" for a, b in runs)
