"""What a sheet of each list looks like: its title, its columns, their Chinese headers, the
synonyms staff use for them, and what kind of value each column holds.

Everything here is derived from the pydantic models (`promo/lists/models.py`, `promo/tour/models.py`)
and the loader's file specs, so a new field gets a column without touching this module; the
tables below only add the Chinese words.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from promo.lists import models
from promo.lists.loader import FileSpec

# --------------------------------------------------------------------------- sheet titles

# file (relative to the data root) → sheet title; a title is at most 31 characters (Excel).
TITLES = {
    "lists/people/hometown.yaml": "乡贤企业家",
    "lists/people/alumni.yaml": "校友企业家",
    "lists/people/ministry.yaml": "部委老乡",
    "lists/people/agents.yaml": "委托招商",
    "lists/chains.yaml": "产业链",
    "lists/companies.yaml": "企业名录",
    "lists/companies-network.yaml": "人脉单位",
    "lists/projects.yaml": "招商项目",
    "lists/events.yaml": "招商活动",
    "lists/policies.yaml": "优惠政策",
    "lists/places.yaml": "地名",
    "lists/organisations.yaml": "机构",
    "lists/schools.yaml": "学校",
    "pitch_library/city.yaml": "推介材料-城市",
    "pitch_library/chains.yaml": "推介材料-产业链",
    "pitch_library/projects.yaml": "推介材料-项目",
    "lists/tour/sites.yaml": "考察点",
    "lists/tour/venues.yaml": "交通住宿",
    "lists/tour/roads.yaml": "道路",
    "lists/tour/officials.yaml": "陪同领导",
    "lists/tour/reception.yaml": "接待规则",
    "lists/units.yaml": "考核单位",
    "lists/targets.yaml": "年度目标",
}

# words in a sheet's name (or a --list argument) that name a list, by loader spec pattern
LIST_WORDS = {
    "lists/people/hometown*.yaml": ["乡贤", "hometown", "老乡企业家"],
    "lists/people/alumni*.yaml": ["校友", "alumni"],
    "lists/people/ministry*.yaml": ["部委", "ministry", "京籍", "在京"],
    "lists/people/agents*.yaml": ["委托", "中介", "agent", "agents", "代理"],
    "lists/chains.yaml": ["产业链", "chains", "chain"],
    "lists/companies*.yaml": ["企业名录", "公司", "企业", "companies", "company", "人脉单位"],
    "lists/projects.yaml": ["项目库", "招商项目", "项目", "projects", "project"],
    "lists/events.yaml": ["活动", "会展", "events", "event"],
    "lists/policies.yaml": ["政策", "policies", "policy"],
    "lists/places.yaml": ["地名", "places"],
    "lists/organisations.yaml": ["机构", "organisations"],
    "lists/schools.yaml": ["学校", "院校", "schools"],
    "pitch_library/*.yaml": ["推介", "材料", "materials", "pitch"],
    "lists/tour/sites.yaml": ["考察点", "sites"],
    "lists/tour/venues.yaml": ["交通住宿", "venues"],
    "lists/tour/roads.yaml": ["道路", "roads"],
    "lists/tour/officials.yaml": ["陪同领导", "officials"],
    "lists/tour/reception.yaml": ["接待规则", "reception"],
}

EXPLAIN_TITLE = "说明"
VALUES_TITLE = "_可选值"

# --------------------------------------------------------------------------- column words

# field → (Chinese header, synonyms). Overridden per list below where a word means another field.
LABELS: dict[str, tuple[str, list[str]]] = {
    "id": ("编号", ["id", "记录编号"]),
    "name": ("名称", ["名字", "全称"]),
    "name_en": ("英文名", ["英文名称", "英文", "english"]),
    "name_ru": ("俄文名", ["俄文名称", "俄文", "russian"]),
    "aliases": ("别名", ["简称", "又名", "其他叫法", "别称"]),
    "company": ("单位", ["公司", "企业", "工作单位", "所在单位", "单位名称", "企业名称", "公司名称", "任职单位"]),
    "company_id": ("单位编号", ["企业编号", "公司编号"]),
    "title": ("职务", ["职位", "头衔", "职称"]),
    "chains": ("产业链", ["产业", "行业", "所属产业链", "对接产业链", "相关产业链", "所属产业", "所属行业"]),
    "industries": ("业务领域", ["主营业务", "主营", "业务", "关键词", "领域"]),
    "city": ("所在城市", ["城市", "常驻城市", "所在地", "工作城市", "常驻地"]),
    "phone": ("手机", ["电话", "联系方式", "手机号", "手机号码", "联系电话", "电话号码", "移动电话"]),
    "wechat": ("微信", ["微信号"]),
    "email": ("邮箱", ["电子邮箱", "电子邮件", "e-mail", "mail"]),
    "liaison": ("联络人", ["对接人", "联系干部", "联络干部", "负责干部"]),
    "strength": ("关系强度", ["熟悉程度", "亲密度", "关系"]),
    "last_contact": ("最近联系", ["最近联系日期", "最后联系", "上次联系", "最近联系时间", "联系日期"]),
    "notes": ("备注", ["说明", "附注", "情况说明"]),
    "sensitive": ("敏感", ["是否敏感", "敏感信息"]),
    "hometown": ("籍贯", ["家乡", "老家", "祖籍", "出生地"]),
    "school": ("毕业院校", ["学校", "院校", "母校", "毕业学校"]),
    "years": ("在校时间", ["届别", "入学毕业", "在校年份", "年级"]),
    "ministry": ("部委", ["所在部委", "所在部门单位"]),
    "department": ("司局", ["部门", "处室", "司局处室"]),
    "organisation": ("机构", ["委托机构", "中介机构", "商会", "机构名称"]),
    "regions": ("覆盖区域", ["区域", "地区", "覆盖地区"]),
    "sectors": ("擅长行业", ["擅长领域", "服务行业"]),
    "fee_terms": ("费用约定", ["费用", "佣金", "收费方式", "收费"]),
    "group": ("所属集团", ["集团", "母公司"]),
    "audience": ("企业类型", ["企业性质", "性质", "类型"]),
    "keywords": ("关键词", ["检索词"]),
    "lead": ("专班负责人", ["牵头领导", "负责人"]),
    "unit": ("专班", ["专班名称", "单位"]),
    "upstream": ("上游", []),
    "midstream": ("中游", []),
    "downstream": ("下游", []),
    "targets": ("目标企业", ["招商目标"]),
    "kind": ("类型", ["种类", "类别"]),
    "parent": ("上级", ["上级单位", "所属"]),
    "within": ("所属区域", []),
    "local": ("黑河本地", ["本地"]),
    "county": ("县区", ["所在县区", "属地", "县市区"]),
    "investment_yuan": ("投资额（元）", ["投资额", "总投资", "投资", "计划投资", "投资总额"]),
    "summary": ("简介", ["概况", "内容", "项目简介", "摘要"]),
    "status": ("状态", ["进展", "当前状态"]),
    "start": ("开始日期", ["开始", "日期", "举办日期", "开始时间"]),
    "end": ("结束日期", ["结束", "结束时间"]),
    "level": ("级别", ["层级"]),
    "area": ("政策类别", ["类别", "领域"]),
    "source": ("政策依据", ["依据", "来源", "文件"]),
    "expires": ("有效期至", ["截止日期", "到期", "失效日期"]),
    # materials
    "title_en": ("英文标题", []),
    "title_ru": ("俄文标题", []),
    "scope": ("层级", ["范围", "推介层级"]),
    "project": ("项目编号", ["项目"]),
    "scenarios": ("适用场景", ["场景"]),
    "minutes": ("时长（分钟）", ["时长", "分钟"]),
    "pages": ("页数", []),
    "languages": ("语言", ["语种"]),
    "link": ("链接", ["网址", "地址", "url"]),
    "file": ("文件", ["文件名"]),
    "tags": ("标签", []),
    "updated": ("更新日期", ["更新"]),
    "released": ("发布日期", ["发布"]),
    # tour
    "town": ("乡镇", ["所在乡镇"]),
    "lat": ("纬度", []),
    "lon": ("经度", []),
    "visit_minutes": ("参观时长（分钟）", ["参观时长"]),
    "open_days": ("开放日", []),
    "hours": ("开放时间", []),
    "closed_dates": ("闭馆日期", []),
    "months": ("开放月份", ["月份"]),
    "audiences": ("适合对象", []),
    "min_level": ("最低级别", []),
    "max_level": ("最高级别", []),
    "importance": ("重要性", []),
    "showcase": ("重点展示", []),
    "materials": ("推介材料", []),
    "hosts": ("接待人", []),
    "code": ("代码", []),
    "arrive_minutes": ("到达用时（分钟）", []),
    "depart_minutes": ("提前出发（分钟）", []),
    "a": ("起点", []),
    "b": ("终点", []),
    "km": ("公里", ["里程"]),
    "route": ("路线", []),
    "rank": ("级别", []),
    "roles": ("角色", []),
}

# per model: fields whose word differs from the table above
MODEL_LABELS: dict[str, dict[str, tuple[str, list[str]]]] = {
    "Person": {"name": ("姓名", ["名字", "人名"]), "notes": ("备注", ["说明", "附注", "情况说明", "简介"])},
    "Material": {"title": ("标题", ["名称", "材料名称"]), "kind": ("形式", ["类型", "格式"]),
                 "audience": ("对象", ["受众", "面向"]), "project": ("项目编号", ["项目"])},
    "Official": {"title": ("职务", ["职位"]), "name": ("姓名", []), "unit": ("单位", [])},
    "Road": {"minutes": ("车程（分钟）", ["车程", "分钟"])},
    "Company": {"kind": ("类型", [])},
    "Place": {"kind": ("类型", [])},
    "Venue": {"kind": ("类型", []), "town": ("所在城镇", [])},
    "Site": {"kind": ("类型", [])},
}

# Fields of each people list that its sheet always shows (others only when a record has them).
PERSON_COMMON = ["id", "name", "name_en", "company", "company_id", "title", "chains", "industries",
                 "city", "phone", "wechat", "email", "liaison", "strength", "last_contact", "notes"]
PERSON_OWN = {"hometown": ["hometown"], "alumni": ["school", "years"],
              "ministry": ["ministry", "department", "sensitive"],
              "agent": ["organisation", "regions", "sectors", "fee_terms"]}

# --------------------------------------------------------------------------- value words

# Chinese labels of fixed values, per field ("Material.kind" for one model only): export writes
# the label, import takes the label, the value itself or a synonym.
_AUDIENCE = {"central_soe": "央企", "local_soe": "地方国企", "private": "民企", "foreign": "外企",
             "overseas_chinese": "华侨华人", "listed": "上市公司", "sme": "中小企业"}
_LANG = {"zh": "中文", "en": "英文", "ru": "俄文"}
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "Material.kind": {"video": "视频", "brochure": "图册", "ppt": "PPT", "document": "文档", "web": "网页"},
    "Material.scope": {"city": "城市", "chain": "产业链", "project": "项目"},
    "Material.scenarios": {"fair_booth": "展会展位", "hq_visit": "总部拜访", "reception": "来访接待",
                           "online_call": "线上洽谈", "forum_speech": "论坛演讲", "site_visit": "实地考察"},
    "Material.audience": _AUDIENCE, "Company.audience": _AUDIENCE, "Site.audiences": _AUDIENCE,
    "ReceptionRule.audiences": _AUDIENCE,
    "Material.languages": _LANG, "Official.languages": _LANG,
    "Material.status": {"current": "在用", "draft": "草稿", "withdrawn": "停用"},
    "Project.status": {"open": "待洽谈", "negotiating": "洽谈中", "signed": "已签约", "closed": "已关闭"},
    "Event.level": {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级"},
    "Policy.area": {"land": "土地", "power": "电力", "water": "用水", "finance": "金融", "talent": "人才",
                    "tax": "税收", "logistics": "物流", "other": "其他"},
}
VALUE_SYNONYMS = {"宣传片": "video", "影片": "video", "画册": "brochure", "手册": "brochure", "折页": "brochure",
                  "幻灯片": "ppt", "课件": "ppt", "汉语": "zh", "中": "zh", "英语": "en", "英": "en",
                  "俄语": "ru", "俄": "ru", "国企": "local_soe", "民营": "private", "民营企业": "private",
                  "外资": "foreign", "外资企业": "foreign", "中央企业": "central_soe", "已签": "signed",
                  "洽谈": "negotiating", "上市": "listed"}


# --------------------------------------------------------------------------- columns

class Kind(str, Enum):
    text = "text"
    texts = "texts"          # list of free words
    date = "date"
    dates = "dates"
    int = "int"
    ints = "ints"
    float = "float"
    bool = "bool"
    choice = "choice"        # one fixed value
    choices = "choices"      # several fixed values
    chains = "chains"        # chain ids, typed as ids, names or aliases
    ref = "ref"              # an id of another record
    refs = "refs"
    amount = "amount"        # yuan, typed as 1.5亿 / 15000万
    sub = "sub"              # a list of sub-records (a chain's targets), one per line


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    synonyms: tuple[str, ...]
    kind: Kind
    required: bool
    choices: tuple[Any, ...] = ()          # allowed values (not labels; ints for 1–5 scales)
    sub_fields: tuple[str, ...] = ()
    description: str = ""

    labels: tuple[tuple[str, str], ...] = ()   # (value, Chinese label) of fixed values

    def label(self, value) -> str:
        value = value.value if isinstance(value, Enum) else value
        return dict(self.labels).get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass
class SheetSpec:
    """One sheet = one YAML file."""

    file: str                      # relative to the data root
    title: str
    spec: FileSpec
    columns: list[Column] = field(default_factory=list)

    @property
    def model(self) -> type[BaseModel]:
        return self.spec.model

    @property
    def list_name(self) -> str:
        return self.spec.name

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _unwrap(annotation):
    """(base type, is list, Literal/Enum choices) of a field annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0])
    if origin is list:
        base, _, choices = _unwrap(typing.get_args(annotation)[0])
        return base, True, choices
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        return type(values[0]), False, tuple(values)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation, False, tuple(m.value for m in annotation)
    return annotation, False, ()


def _kind(model: type[BaseModel], name: str) -> tuple[Kind, tuple, tuple]:
    info = model.model_fields[name]
    base, many, choices = _unwrap(info.annotation)
    is_id = any(getattr(m, "pattern", None) == models.ID_PATTERN for m in _metadata(info.annotation))
    if name == "chains":
        return Kind.chains, (), ()
    if name == "investment_yuan":
        return Kind.amount, (), ()
    if isinstance(base, type) and issubclass(base, BaseModel):
        return Kind.sub, (), tuple(base.model_fields)
    if choices and base is not int:
        return (Kind.choices if many else Kind.choice), tuple(str(c) for c in choices), ()
    if base is int:
        return (Kind.ints if many else Kind.int), tuple(choices), ()
    if base is float:
        return Kind.float, (), ()
    if base is bool:
        return Kind.bool, (), ()
    if base is dt.date:
        return (Kind.dates if many else Kind.date), (), ()
    if is_id and name != "id":
        return (Kind.refs if many else Kind.ref), (), ()
    return (Kind.texts if many else Kind.text), (), ()


def _metadata(annotation) -> list:
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_metadata(arg))
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            found.append(meta)
            found.extend(getattr(meta, "metadata", []))
    return found


def columns_for(spec: FileSpec, present: set[str] | None = None) -> list[Column]:
    """The columns of a sheet of this file: every model field except those set from the file,
    people lists showing their own fields (and others only when some record has them)."""
    model = spec.model
    names = [n for n in model.model_fields if n not in spec.extra]
    if model is models.Person:
        own = PERSON_COMMON + PERSON_OWN[spec.extra["list"]]
        names = [n for n in names if n in own or (present and n in present)]
        names.sort(key=lambda n: own.index(n) if n in own else len(own))
    if "id" in names:
        names.remove("id")
        names.insert(0, "id")
    overrides = MODEL_LABELS.get(model.__name__, {})
    cols = []
    for name in names:
        info = model.model_fields[name]
        header, synonyms = overrides.get(name) or LABELS.get(name) or (name, [])
        kind, choices, sub = _kind(model, name)
        labels = CHOICE_LABELS.get(f"{model.__name__}.{name}", {})
        cols.append(Column(name, header, tuple(synonyms), kind, info.is_required(), choices, sub,
                           info.description or "", tuple((c, labels.get(c, c)) for c in choices if isinstance(c, str))))
    return cols


def sheet_specs(root: Path) -> list[SheetSpec]:
    """One SheetSpec per list file present under `root` (the loader's discovery order)."""
    from promo.lists.loader import discover

    out = []
    for spec, path in discover(root):
        rel = str(path.relative_to(root))
        title = TITLES.get(rel) or _title_for(rel)
        out.append(SheetSpec(rel, title, spec, columns_for(spec)))
    return out


def _title_for(rel: str) -> str:
    """A title for a file not in TITLES (a second hometown file, another pitch library file)."""
    stem = Path(rel).stem
    for pattern, words in LIST_WORDS.items():
        if Path(rel).match(pattern):
            return f"{words[0]}-{stem}"[:31]
    return stem[:31]


# --------------------------------------------------------------------------- header words

_PUNCT = re.compile(r"[\s*＊:：()（）\[\]【】<>《》\"'`·_\-—/\\.,，、?？!！#]+")


def header_key(text: str) -> str:
    """A header cell as compared: NFKC, lower case, without spaces, stars, brackets, punctuation."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    text = re.sub(r"[(（\[【](必填|选填|可选|必须|元|万元|分钟)[)）\]】]", "", text)
    return _PUNCT.sub("", text)


def header_words(col: Column) -> list[str]:
    words = [col.header, col.field, *col.synonyms, f"{col.header}({col.field})"]
    return [header_key(w) for w in words]
