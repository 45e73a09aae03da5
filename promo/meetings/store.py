"""Storage of contact meetings (对接记录): add, edit with history, soft delete, queries.

`MeetingStore.add` commits before it returns, so the bot can say "saved" right after it.
Edits are optimistic: the caller passes the version it showed the user; if someone changed the
meeting in between, `Conflict` is raised and nothing is written. Every change leaves a
`meeting_history` row (field, old, new, who, when); nothing is ever hard-deleted.

Who may change a meeting: its author, or a lead/admin of the meeting's unit.

`recent_by_company` feeds the duplicate-contact warning ("黑河自贸片区 王某 met this company on
3 May"): it returns who and when only, never what was discussed or whom they met.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from promo.store.db import Conflict, Database, NotFound, PermissionDenied, as_utc
from promo.store.tables import Meeting, MeetingHistory, Project
from promo.store.tables import User as UserRow

__all__ = ["MeetingStore", "Meeting", "MeetingHistory", "PriorContact", "STAGES", "STAGE_LABELS",
           "company_key", "normalise_stage", "Conflict", "NotFound", "PermissionDenied"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# --------------------------------------------------------------------------- funnel stages

STAGES = ("contact", "signed", "registered", "started")
STAGE_LABELS = {"contact": "对接", "signed": "签约", "registered": "入统", "started": "开工"}
_STAGE_SYNONYMS = {
    "对接": "contact", "洽谈": "contact", "接洽": "contact", "contact": "contact",
    "签约": "signed", "签订": "signed", "signed": "signed", "sign": "signed",
    "入统": "registered", "入库": "registered", "registered": "registered",
    "开工": "started", "开建": "started", "started": "started", "start": "started",
}


def normalise_stage(value: Any) -> str | None:
    """'签约' / 'signed' / ' Signed ' → 'signed'; None/'' → None; anything else → ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if key in _STAGE_SYNONYMS:
        return _STAGE_SYNONYMS[key]
    raise ValueError(f"unknown stage {value!r}; use one of {', '.join(STAGES)} (对接/签约/入统/开工)")


# --------------------------------------------------------------------------- company names

_SUFFIXES = sorted([
    "集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司",
    "控股集团", "控股", "集团", "公司", "股份",
    "corporation", "company", "limited", "holdings", "group", "corp", "inc", "llc", "ltd",
    "coltd", "gmbh", "ооо",
], key=len, reverse=True)


def company_key(name: str | None) -> str | None:
    """A matching key for company names: NFKC, case-folded, punctuation and spaces removed,
    legal-form suffixes (有限公司, 集团, Co., Ltd. …) stripped. Idempotent."""
    if not name:
        return None
    s = unicodedata.normalize("NFKC", name).casefold()
    s = "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")
    stripped = True
    while stripped:
        stripped = False
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                stripped = True
                break
        for pre in ("ооо", "пао", "ао"):  # Russian legal forms come first
            if s.startswith(pre) and len(s) > len(pre) + 1:
                s = s[len(pre):]
                stripped = True
                break
    return s or None


# --------------------------------------------------------------------------- fields

class Actor(Protocol):
    """What the store needs to know about the acting user (promo.store.access.User fits). Read-only
    members, so frozen dataclasses (User, the demo's officers) conform and a `unit: str` fits."""

    @property
    def user_id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


# name → (kind, max length for strings)
FIELDS: dict[str, tuple[str, int | None]] = {
    "meeting_date": ("date", None),
    "place": ("str", 200),
    "company": ("str", 200),
    "company_id": ("str", 48),
    "person": ("str", 200),
    "title": ("str", 200),
    "chain_ids": ("list", None),
    "topic": ("text", None),
    "amount_yuan": ("int", None),
    "amount": ("int", None),
    "currency": ("currency", None),
    "amount_kind": ("amount_kind", None),
    "stage": ("stage", None),
    "next_step": ("text", None),
    "followup_date": ("date", None),
    "project_id": ("fk", None),
    "raw": ("text", None),
}
EDITABLE = frozenset(FIELDS)
AMOUNT_KINDS = ("investment", "domestic", "foreign", "in_place")
# Fields of the parser's MeetingDraft that are about the parsing, not the meeting: dropped.
PARSER_ONLY = frozenset({"language", "amount_text", "amount_approx", "questions", "dates",
                         "amounts"})

_BAD_CHARS = re.compile(r"[\x00]")  # PostgreSQL text cannot hold NUL


def _clean_text(name: str, kind: str, maxlen: int | None, value: Any) -> str | None:
    v = _BAD_CHARS.sub("", str(value)).strip()
    if kind == "str" and maxlen and len(v) > maxlen:
        v = v[: maxlen - 1] + "…"
    return v or None


def _clean_date(name: str, kind: str, maxlen: int | None, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"{name}: a date is expected, not a datetime")
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _clean_number(name: str, kind: str, maxlen: int | None, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name}: a number is expected")
    if isinstance(value, float) and not value.is_integer():
        value = round(value)
    number = int(value)
    if kind == "int" and number < 0:
        raise ValueError(f"{name}: must not be negative")
    return number


def _clean_list(name: str, kind: str, maxlen: int | None, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        item = str(item).strip()
        if item and item not in out:
            out.append(item)
    return out


_CURRENCY_WORDS = {"RMB": "CNY", "元": "CNY", "人民币": "CNY", "美元": "USD", "卢布": "RUB",
                   "欧元": "EUR", "港元": "HKD", "港币": "HKD"}


def _clean_currency(name: str, kind: str, maxlen: int | None, value: Any) -> str:
    v = str(value).strip().upper()
    v = _CURRENCY_WORDS.get(v, v)
    if not re.fullmatch(r"[A-Z]{3}", v):
        raise ValueError(f"{name}: a 3-letter currency code is expected (CNY, USD, RUB …)")
    return v


def _clean_stage(name: str, kind: str, maxlen: int | None, value: Any) -> str | None:
    return normalise_stage(value)


def _clean_amount_kind(name: str, kind: str, maxlen: int | None, value: Any) -> str | None:
    amount_kind = str(value).strip().lower() or None
    if amount_kind is not None and amount_kind not in AMOUNT_KINDS:
        raise ValueError(f"{name}: one of {', '.join(AMOUNT_KINDS)}")
    return amount_kind


# kind (FIELDS) → cleaner(name, kind, max length, a value that is not None)
_CLEANERS: dict[str, Callable[[str, str, int | None, Any], Any]] = {
    "str": _clean_text, "text": _clean_text, "date": _clean_date, "int": _clean_number,
    "fk": _clean_number, "list": _clean_list, "currency": _clean_currency, "stage": _clean_stage,
    "amount_kind": _clean_amount_kind,
}


def _clean_value(name: str, value: Any) -> Any:
    kind, maxlen = FIELDS[name]
    if value is None:
        return [] if kind == "list" else None
    return _CLEANERS[kind](name, kind, maxlen, value)


def _as_dict(draft: Any) -> dict[str, Any]:
    if isinstance(draft, Mapping):
        return dict(draft)
    if hasattr(draft, "model_dump"):          # pydantic
        return draft.model_dump()
    if is_dataclass(draft):
        return {f.name: getattr(draft, f.name) for f in fields(draft)}
    raise TypeError("draft fields must be a dict, a dataclass or a pydantic model")


def clean_fields(draft: Any, *, ignore_unknown: bool = False) -> dict[str, Any]:
    data = {k: v for k, v in _as_dict(draft).items() if k not in PARSER_ONLY}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown and not ignore_unknown:
        raise ValueError(f"unknown meeting fields {unknown}; known: {', '.join(FIELDS)}")
    return {k: _clean_value(k, v) for k, v in data.items() if k in FIELDS}


def _fmt(value: Any) -> str | None:
    """How a value is written into the history table."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def local_today(now: dt.datetime) -> dt.date:
    return as_utc(now).astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class PriorContact:
    """Another unit's meeting with the same company (for the duplicate-contact warning)."""

    meeting_id: int
    meeting_date: dt.date
    unit: str | None
    user_id: int
    display_name: str | None
    logged_at: dt.datetime


# --------------------------------------------------------------------------- the store

class MeetingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ----------------------------------------------------------------------- writing

    def add(self, draft_fields: Any, user: Actor, now: dt.datetime | None = None, *,
            ignore_unknown: bool = False) -> Meeting:
        """Store a confirmed meeting and commit. `draft_fields`: a dict, or the parser's
        `MeetingDraft` (its parsing-only fields are dropped); other unknown keys are an error
        unless `ignore_unknown`. `meeting_date` defaults to today (Beijing time). The unit is
        the logging user's unit. Amounts: `amount` in `currency` as said, `amount_yuan` in
        yuan (filled from `amount` for CNY; left None for foreign currencies)."""
        now = as_utc(now)
        values = clean_fields(draft_fields, ignore_unknown=ignore_unknown)
        values.setdefault("chain_ids", [])
        if values.get("meeting_date") is None:
            values["meeting_date"] = local_today(now)
        if values.get("amount_yuan") is not None or values.get("amount") is not None:
            values["currency"] = values.get("currency") or "CNY"
            if values["currency"] == "CNY":       # the same number, said in yuan
                if values.get("amount") is None:
                    values["amount"] = values["amount_yuan"]
                elif values.get("amount_yuan") is None:
                    values["amount_yuan"] = values["amount"]
        m = Meeting(**values, company_key=company_key(values.get("company")),
                    logged_by=int(user.user_id), logged_by_name=getattr(user, "display_name", None),
                    unit=getattr(user, "unit", None), created_at=now, updated_at=now)
        with self.db.session() as s:
            self._check_project(s, values.get("project_id"))
            s.add(m)
            s.flush()
            s.add(MeetingHistory(meeting_id=m.id, field="_created", old_value=None,
                                 new_value=None, changed_by=m.logged_by, changed_at=now,
                                 version=m.version))
        return m

    @staticmethod
    def _check_project(s, project_id: int | None) -> None:
        if project_id is not None and s.get(Project, project_id) is None:
            raise NotFound(f"project {project_id} not found")

    @staticmethod
    def can_edit(meeting: Meeting, user: Actor) -> bool:
        if getattr(user, "active", True) is False:
            return False
        if int(user.user_id) == meeting.logged_by:
            return True
        return (user.role in ("lead", "admin") and user.unit is not None
                and user.unit == meeting.unit)

    def _load_for_change(self, s, meeting_id: int, user: Actor,
                         expected_version: int | None, *, deleted_ok: bool = False) -> Meeting:
        m = s.get(Meeting, int(meeting_id))
        if m is None or (m.deleted_at is not None and not deleted_ok):
            raise NotFound(f"meeting {meeting_id} not found")
        if not self.can_edit(m, user):
            raise PermissionDenied("only the author or a lead/admin of the same unit may change "
                                   "this meeting")
        if expected_version is not None and m.version != expected_version:
            raise Conflict(f"meeting {meeting_id} was changed by someone else "
                           f"(version {m.version}, expected {expected_version})")
        return m

    def edit(self, meeting_id: int, changes: Any, user: Actor, now: dt.datetime | None = None,
             expected_version: int | None = None) -> Meeting:
        """Change fields of a meeting. Returns the meeting as stored (new version). Raises
        NotFound, PermissionDenied, Conflict (stale `expected_version` or a concurrent edit),
        ValueError (bad field or value)."""
        now = as_utc(now)
        values = clean_fields(changes)
        try:
            with self.db.session() as s:
                m = self._load_for_change(s, meeting_id, user, expected_version)
                diffs = {k: (getattr(m, k), v) for k, v in values.items() if getattr(m, k) != v}
                if not diffs:
                    return m
                if "project_id" in diffs:
                    self._check_project(s, values["project_id"])
                for k, (_old, new) in diffs.items():
                    setattr(m, k, new)
                if "company" in diffs:
                    m.company_key = company_key(m.company)
                m.updated_at = now
                s.flush()  # UPDATE … WHERE version = old: a concurrent edit fails here
                for k, (old, new) in diffs.items():
                    s.add(MeetingHistory(meeting_id=m.id, field=k, old_value=_fmt(old),
                                         new_value=_fmt(new), changed_by=int(user.user_id),
                                         changed_at=now, version=m.version))
            return m
        except StaleDataError:
            raise Conflict(f"meeting {meeting_id} was changed by someone else") from None

    def _set_deleted(self, meeting_id, user, now, expected_version, deleted: bool) -> Meeting:
        now = as_utc(now)
        try:
            with self.db.session() as s:
                m = self._load_for_change(s, meeting_id, user, expected_version, deleted_ok=True)
                if (m.deleted_at is not None) == deleted:
                    return m
                old = m.deleted_at
                m.deleted_at, m.deleted_by = (now, int(user.user_id)) if deleted else (None, None)
                m.updated_at = now
                s.flush()
                s.add(MeetingHistory(meeting_id=m.id, field="deleted_at", old_value=_fmt(old),
                                     new_value=_fmt(m.deleted_at), changed_by=int(user.user_id),
                                     changed_at=now, version=m.version))
            return m
        except StaleDataError:
            raise Conflict(f"meeting {meeting_id} was changed by someone else") from None

    def soft_delete(self, meeting_id: int, user: Actor, now: dt.datetime | None = None,
                    expected_version: int | None = None) -> Meeting:
        """Hide a meeting from every list and report; the row and its history stay."""
        return self._set_deleted(meeting_id, user, now, expected_version, True)

    def restore(self, meeting_id: int, user: Actor, now: dt.datetime | None = None,
                expected_version: int | None = None) -> Meeting:
        return self._set_deleted(meeting_id, user, now, expected_version, False)

    # ----------------------------------------------------------------------- reading

    def get(self, meeting_id: int, *, include_deleted: bool = False) -> Meeting | None:
        with self.db.read() as s:
            m = s.get(Meeting, int(meeting_id))
            if m is None or (m.deleted_at is not None and not include_deleted):
                return None
            return m

    def history(self, meeting_id: int) -> list[MeetingHistory]:
        with self.db.read() as s:
            return list(s.scalars(select(MeetingHistory)
                                  .where(MeetingHistory.meeting_id == int(meeting_id))
                                  .order_by(MeetingHistory.id)))

    def mine(self, user_id: int, limit: int = 20) -> list[Meeting]:
        """The user's latest meetings, newest meeting date first."""
        with self.db.read() as s:
            return list(s.scalars(select(Meeting)
                                  .where(Meeting.logged_by == int(user_id),
                                         Meeting.deleted_at.is_(None))
                                  .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
                                  .limit(limit)))

    def between(self, date_from: dt.date, date_to: dt.date, user_id: int | None = None,
                unit: str | None = None) -> list[Meeting]:
        """Meetings with date_from ≤ meeting_date ≤ date_to (inclusive), oldest first."""
        q = select(Meeting).where(Meeting.deleted_at.is_(None),
                                  Meeting.meeting_date >= date_from,
                                  Meeting.meeting_date <= date_to)
        if user_id is not None:
            q = q.where(Meeting.logged_by == int(user_id))
        if unit is not None:
            q = q.where(Meeting.unit == unit)
        with self.db.read() as s:
            return list(s.scalars(q.order_by(Meeting.meeting_date, Meeting.id)))

    def recent_by_company(self, company: str, since: dt.date, *, exclude_unit: str | None = None,
                          company_id: str | None = None, limit: int = 20) -> list[PriorContact]:
        """Meetings with this company since `since` (inclusive) by units other than
        `exclude_unit`: who (current display name, unit) and when. `company` is a company id
        or a company name (normalised here with `company_key`)."""
        key = company_key(company)
        conds = [Meeting.company_id == company]
        if key:
            conds.append(Meeting.company_key == key)
        if company_id:
            conds.append(Meeting.company_id == company_id)
        q = (select(Meeting, UserRow.display_name)
             .outerjoin(UserRow, UserRow.user_id == Meeting.logged_by)
             .where(Meeting.deleted_at.is_(None), Meeting.meeting_date >= since, or_(*conds)))
        if exclude_unit is not None:
            q = q.where(or_(Meeting.unit.is_(None), Meeting.unit != exclude_unit))
        q = q.order_by(Meeting.meeting_date.desc(), Meeting.id.desc()).limit(limit)
        with self.db.read() as s:
            return [PriorContact(m.id, m.meeting_date, m.unit, m.logged_by,
                                 name or m.logged_by_name, m.created_at)
                    for m, name in s.execute(q)]

    def iter_all(self, *, include_deleted: bool = False) -> Iterable[Meeting]:
        q = select(Meeting).order_by(Meeting.id)
        if not include_deleted:
            q = q.where(Meeting.deleted_at.is_(None))
        with self.db.read() as s:
            return list(s.scalars(q))
