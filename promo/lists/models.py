"""The records of the city's lists, as pydantic models.

One model per kind of record; `lists/README.md` documents every field with an example and
`python bot.py schemas` writes the JSON Schema files in `schemas/` from these models.
Models are strict about names (unknown keys are errors: a typo in a field name must not be
silently ignored) and lenient about what office staff type (a single string where a list is
expected is accepted as a one-item list).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,47}$"


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [value]
    return value


def _empty_list() -> list:
    return []


StrList = Annotated[list[str], BeforeValidator(_as_list)]
Id = Annotated[str, Field(pattern=ID_PATTERN, description="lower-case letters, digits, _ and -")]
IdList = Annotated[list[Id], BeforeValidator(_as_list)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


# --------------------------------------------------------------------------- vocabularies

class Lang(str, Enum):
    zh = "zh"
    en = "en"
    ru = "ru"


class Kind(str, Enum):
    video = "video"
    brochure = "brochure"
    ppt = "ppt"
    document = "document"
    web = "web"


class Scope(str, Enum):
    city = "city"
    chain = "chain"
    project = "project"


class Scenario(str, Enum):
    fair_booth = "fair_booth"
    hq_visit = "hq_visit"
    reception = "reception"
    online_call = "online_call"
    forum_speech = "forum_speech"
    site_visit = "site_visit"


class Audience(str, Enum):
    central_soe = "central_soe"
    local_soe = "local_soe"
    private = "private"
    foreign = "foreign"
    overseas_chinese = "overseas_chinese"
    listed = "listed"
    sme = "sme"


class PersonList(str, Enum):
    hometown = "hometown"
    alumni = "alumni"
    ministry = "ministry"
    agent = "agent"


class Named(Record):
    """Names and the ways people type them."""

    name: str = Field(min_length=1, description="Chinese name as shown to officers")
    name_en: str | None = None
    name_ru: str | None = None
    aliases: StrList = Field(default_factory=list, description="short forms, old names, "
                             "English / Russian / pinyin spellings that must reach this record")


# --------------------------------------------------------------------------- chains

class Company(Named):
    """A known company or group: targets, people's employers, visitors' firms."""

    id: Id
    group: Id | None = Field(None, description="id of the parent group company, if any")
    chains: IdList = Field(default_factory=list)
    city: str | None = Field(None, description="headquarters city (Chinese name)")
    audience: Audience | None = None
    notes: str | None = None


class Target(Record):
    """A target enterprise of a chain (招什么)."""

    company: Id = Field(description="id in lists/companies.yaml")
    priority: Literal[1, 2, 3] = 2
    why: str | None = None


class Chain(Named):
    id: Id
    keywords: StrList = Field(default_factory=list, description="product and industry words "
                              "in Chinese, English, Russian and pinyin")
    lead: str | None = Field(None, description="task-force (专班) lead, e.g. 副市长 李某")
    unit: str | None = Field(None, description="the task force's name")
    upstream: StrList = Field(default_factory=list)
    midstream: StrList = Field(default_factory=list)
    downstream: StrList = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)


# --------------------------------------------------------------------------- pitch library

class Material(Record):
    id: Id
    title: str = Field(min_length=1)
    title_en: str | None = None
    title_ru: str | None = None
    kind: Kind
    scope: Scope
    chains: IdList = Field(default_factory=list, description="required for scope chain")
    project: Id | None = Field(None, description="id in lists/projects.yaml; required for scope project")
    scenarios: list[Scenario] = Field(default_factory=list)
    minutes: int | None = Field(None, ge=1, le=600, description="length of a video or deck")
    pages: int | None = Field(None, ge=1, le=2000, description="length of a brochure or document")
    languages: list[Lang] = Field(min_length=1)
    audience: list[Audience] = Field(default_factory=list, description="empty: everyone")
    link: str | None = Field(None, description="https:// address")
    file: str | None = Field(None, description="path of a file in pitch_library/files/")
    tags: StrList = Field(default_factory=list)
    updated: dt.date | None = None
    released: dt.date | None = Field(None, description="not recommended before this date")
    expires: dt.date | None = Field(None, description="not recommended after this date")
    status: Literal["current", "draft", "withdrawn"] = "current"

    @field_validator("link")
    @classmethod
    def _link_is_web(cls, v):
        if v is not None and not v.startswith(("https://", "http://")):
            raise ValueError("link must start with https:// (or http://)")
        if v is not None and (" " in v or len(v) < 12):
            raise ValueError("link is not a web address")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.scope is Scope.chain and not self.chains:
            raise ValueError("scope 'chain' needs at least one id in 'chains'")
        if self.scope is Scope.project and not self.project:
            raise ValueError("scope 'project' needs 'project'")
        if not self.link and not self.file:
            raise ValueError("a material needs a 'link' or a 'file'")
        if self.released and self.expires and self.expires < self.released:
            raise ValueError("'expires' is before 'released'")
        return self

    def available(self, today: dt.date) -> bool:
        if self.status != "current":
            return False
        if self.released and self.released > today:
            return False
        return not (self.expires and self.expires < today)


# --------------------------------------------------------------------------- people

class Person(Record):
    id: Id
    list: PersonList = Field(description="set from the file; hometown / alumni / ministry / agent")
    name: str = Field(min_length=1)
    name_en: str | None = None
    company: str | None = Field(None, description="employer as typed")
    company_id: Id | None = Field(None, description="id in lists/companies.yaml, if known")
    title: str | None = None
    chains: IdList = Field(default_factory=_empty_list)
    industries: StrList = Field(default_factory=_empty_list, description="free words, e.g. 奶粉, 物流")
    city: str | None = Field(None, description="where the person is based (Chinese city name)")
    phone: str | None = None
    wechat: str | None = None
    email: str | None = None
    liaison: str | None = Field(None, description="the officer who keeps the relationship")
    strength: Literal[1, 2, 3, 4, 5] = Field(3, description="1 weak … 5 close")
    last_contact: dt.date | None = None
    notes: str | None = None
    sensitive: bool = Field(False, description="contact shown to liaison only (ministry natives)")
    # hometown
    hometown: str | None = Field(None, description="native county / district / town")
    # alumni
    school: str | None = None
    years: str | None = Field(None, description="e.g. 1998-2002")
    # ministry
    ministry: str | None = None
    department: str | None = None
    # agents
    organisation: str | None = None
    regions: StrList = Field(default_factory=_empty_list)
    sectors: StrList = Field(default_factory=_empty_list)
    fee_terms: str | None = None

    def __repr__(self) -> str:   # personal data stays out of logs and tracebacks
        return f"Person(id={self.id!r}, list={self.list.value!r})"

    __str__ = __repr__

    @model_validator(mode="after")
    def _per_list(self):
        need = {PersonList.hometown: "hometown", PersonList.alumni: "school",
                PersonList.ministry: "ministry", PersonList.agent: "organisation"}[self.list]
        if not getattr(self, need):
            raise ValueError(f"a {self.list.value} record needs '{need}'")
        if self.list is PersonList.ministry and "sensitive" not in self.model_fields_set:
            self.sensitive = True
        return self


# --------------------------------------------------------------------------- gazetteers

class Place(Named):
    id: Id
    kind: Literal["city", "county", "province", "country", "town", "region"] = "city"
    parent: Id | None = Field(None, description="the unit this one is part of (city → province → country)")
    within: IdList = Field(default_factory=list, description="regions this place also belongs to "
                           "(粤港澳大湾区, 长三角, 东北…): ids of `kind: region` places")
    local: bool = Field(False, description="part of Heihe (our own counties)")


class Organisation(Named):
    """A ministry, commission, agency or central body that people lists name (`ministry`,
    `organisation`): its full name as the lists write it and the short forms officers type."""

    id: Id
    kind: Literal["ministry", "commission", "agency", "soe", "association", "other"] = "ministry"
    parent: Id | None = Field(None, description="id of the body it belongs to, if any")


class School(Named):
    id: Id
    city: str | None = None


# --------------------------------------------------------------------------- reserved lists

class Project(Named):
    """An investment-opportunity project (招什么)."""

    id: Id
    chains: IdList = Field(default_factory=list)
    county: str | None = None
    investment_yuan: int | None = Field(None, ge=0)
    summary: str | None = None
    status: Literal["open", "negotiating", "signed", "closed"] = "open"


class Event(Named):
    """A promotion event in the calendar (去哪招)."""

    id: Id
    start: dt.date
    end: dt.date | None = None
    city: str | None = None
    chains: IdList = Field(default_factory=list)
    level: Literal["national", "provincial", "city", "county"] = "provincial"
    notes: str | None = None
    attendees: StrList = Field(default_factory=list, description="who from our side goes: officers "
                               "or units, e.g. 市商务局, 北安市招商专班")
    plan: Literal["yearly", "quarterly", "monthly", "ad_hoc"] = Field(
        "ad_hoc", description="which promotion plan the event belongs to (年度/季度/月度计划)")
    confirmed: bool = Field(False, description="dates confirmed by the organiser (else planning dates)")


class Policy(Named):
    """An incentive policy (配套什么)."""

    id: Id
    area: Literal["land", "power", "water", "finance", "talent", "tax", "logistics", "other"]
    chains: IdList = Field(default_factory=list, description="empty: every chain")
    summary: str
    source: str | None = None
    valid_from: dt.date | None = Field(None, description="in force from this date")
    expires: dt.date | None = Field(None, description="last day in force; an expired policy is never offered")
    counties: StrList = Field(default_factory=list, description="where it applies (Chinese names); empty: the whole city")
    audience: list[Audience] = Field(default_factory=list, description="visitor types it is for; empty: everyone")
    kind: Literal["incentive", "ask"] = Field("incentive", description="incentive: what we offer; "
                                              "ask: what we ask of the province or the state (对上争取清单)")
    ask_to: Literal["province", "state"] | None = Field(None, description="for kind ask: whom we ask")
    status: str | None = Field(None, description="for kind ask: where the request stands, as the office writes it")

    def in_force(self, today: dt.date) -> bool:
        if self.valid_from and self.valid_from > today:
            return False
        return not (self.expires and self.expires < today)


class Figure(Record):
    label: str = Field(min_length=1, description="what is counted, e.g. 铜金属资源量")
    value: float
    unit: str = Field(min_length=1, description="e.g. 万吨, 万亩, 万头")
    year: int | None = Field(None, ge=1990, le=2100)
    source: str | None = None


class Resource(Named):
    """A resource or product of a chain with its figures (有什么)."""

    id: Id
    chain: Id = Field(description="id in lists/chains.yaml")
    kind: Literal["mineral", "farm", "livestock", "water", "energy", "land", "tourism", "logistics",
                  "forest", "product", "industry"]
    counties: StrList = Field(default_factory=list, description="where it is (Chinese names); empty: citywide")
    figures: list[Figure] = Field(min_length=1)
    summary: str | None = None
    material: Id | None = Field(None, description="id of a pitch material that shows it")
    keywords: StrList = Field(default_factory=list, description="words that ask for it: 矿, 产量, minerals …")


class ProblemSeed(Named):
    """A problem an investor raised, from the office's ledger (imported into the database once)."""

    id: Id
    company: Id | None = Field(None, description="id in lists/companies.yaml")
    project: Id | None = Field(None, description="id in lists/projects.yaml")
    stage: Literal["approval", "land", "construction", "policy_payment", "other"]
    unit: str = Field(min_length=1, description="responsible unit, e.g. 市生态环境局")
    raised: dt.date
    deadline: dt.date | None = None
    status: Literal["open", "in_progress", "solved"] = "open"
    note: str | None = Field(None, description="how it was solved / where it stands")
    reported_by: str | None = Field(None, description="unit of the officer who reported it")
