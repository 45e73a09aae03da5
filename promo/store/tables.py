"""Every database table, on one declarative `Base` (the metadata Alembic compares against).

The stores (`promo/store/access.py`, `promo/meetings/store.py`, `funnel.py`, `followups.py`,
`promo/store/kvstore.py`) own the behaviour; this module only declares columns. A change here needs a
new revision in `migrations/versions/` — `tests/test_db_migrations.py` fails until the
migrations and these tables agree.

Conventions: timestamps are `UTCDateTime` (aware UTC datetimes in Python, timestamptz on
PostgreSQL); Telegram user ids are BigInteger (they exceed 2**31); money is whole yuan in
BigInteger; nothing is hard-deleted (meetings have `deleted_at`, users `revoked_at`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect
from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer,
                        MetaData, String, Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out — on SQLite too (which has no time zones:
    values are stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}

    def __repr__(self) -> str:  # ids only: rows hold personal data, reprs end up in logs
        identity = inspect(self).identity
        key = identity[0] if identity and len(identity) == 1 else identity
        version = getattr(self, "version", None) if "version" in self.__dict__ else None
        return f"<{type(self).__name__} {key}{f' v{version}' if version else ''}>"


# --------------------------------------------------------------------------- access

class User(Base):
    """The allow-list. A revoked user keeps their row (revoked_at/by) for the audit trail."""

    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))  # officer | lead | admin
    unit: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # None: from the config file
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Invite(Base):
    """A one-time invite code. Only the SHA-256 of the code is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class AccessAudit(Base):
    """Who did what to the allow-list: seed_add, seed_update, seed_revoke, seed_reactivate,
    invite_create, invite_redeem, invite_refused, revoke, reactivate."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the config file
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    invite_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# --------------------------------------------------------------------------- projects (funnel)

class Project(Base):
    """A project in the funnel contact → signed → registered (入统) → started (开工)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[str | None] = mapped_column(String(48), index=True)
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)
    chain_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # contact | signed | registered | started
    contact_date: Mapped[dt.date | None] = mapped_column(Date)
    signed_date: Mapped[dt.date | None] = mapped_column(Date)
    registered_date: Mapped[dt.date | None] = mapped_column(Date)
    started_date: Mapped[dt.date | None] = mapped_column(Date)
    domestic_agreed_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    foreign_agreed_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    domestic_in_place_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    foreign_in_place_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ProjectStage(Base):
    """Every stage change of a project (the first row is the creation at 'contact')."""

    __tablename__ = "project_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    stage_date: Mapped[dt.date] = mapped_column(Date)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProjectCapital(Base):
    """Every change of a project's capital figures; `delta_yuan` of the in-place measures summed
    by `as_of` month gives the capital that arrived in a month.

    A figure is cumulative per currency: `old_amount` / `new_amount` / `delta_amount` are in
    `currency` (ISO code; NULL on rows from before revision 0004: yuan). Foreign currencies keep
    the rate stated for the change (`fx_rate` yuan for one unit, exact decimal text, with
    `fx_date` and `fx_source` from PROMO_FX_RATES / _DATE / _SOURCE) and its yuan figures at that
    rate; without a configured rate the yuan figures are NULL (not converted, never guessed)."""

    __tablename__ = "project_capital"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    origin: Mapped[str] = mapped_column(String(16))    # domestic | foreign
    measure: Mapped[str] = mapped_column(String(16))   # agreed | in_place
    old_yuan: Mapped[int | None] = mapped_column(BigInteger)     # the project's yuan figure before
    new_yuan: Mapped[int | None] = mapped_column(BigInteger)     # … and after (NULL: not converted)
    delta_yuan: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))      # CNY, USD, EUR, RUB, HKD…; NULL: CNY
    old_amount: Mapped[int | None] = mapped_column(BigInteger)   # cumulative in `currency`
    new_amount: Mapped[int | None] = mapped_column(BigInteger)
    delta_amount: Mapped[int | None] = mapped_column(BigInteger)
    fx_rate: Mapped[str | None] = mapped_column(String(24))      # yuan for one unit, e.g. "7.10"
    fx_date: Mapped[dt.date | None] = mapped_column(Date)
    fx_source: Mapped[str | None] = mapped_column(String(200))
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- meetings

class Meeting(Base):
    """One contact meeting (对接) as logged by an officer."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    logged_by: Mapped[int] = mapped_column(BigInteger, index=True)
    logged_by_name: Mapped[str | None] = mapped_column(String(128))  # as it was when logged
    unit: Mapped[str | None] = mapped_column(String(64))
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[str | None] = mapped_column(String(48), index=True)
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)
    person: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    chain_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic: Mapped[str | None] = mapped_column(Text)
    amount_yuan: Mapped[int | None] = mapped_column(BigInteger)   # in yuan (CNY amounts only)
    amount: Mapped[int | None] = mapped_column(BigInteger)        # as said, in `currency`
    currency: Mapped[str | None] = mapped_column(String(8))
    amount_kind: Mapped[str | None] = mapped_column(String(16))  # investment|domestic|foreign|in_place
    stage: Mapped[str | None] = mapped_column(String(16))
    next_step: Mapped[str | None] = mapped_column(Text)
    followup_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    followup_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    followup_done_by: Mapped[int | None] = mapped_column(BigInteger)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_meetings_unit_date", "unit", "meeting_date"),)


class MeetingHistory(Base):
    """One row per changed field (and one for creation, deletion, restore, follow-up done)."""

    __tablename__ = "meeting_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)  # the meeting's version after the change


class FollowupReminder(Base):
    """A reminder that went out, so it does not fire twice (e.g. after a restart)."""

    __tablename__ = "followup_reminders"
    __table_args__ = (UniqueConstraint("meeting_id", "remind_at",
                                       name="uq_followup_reminders_meeting_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    remind_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- key-value

class KeyValue(Base):
    """Small JSON values by (namespace, key): conversation state, Telegram file_id cache."""

    __tablename__ = "kv"

    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- the bureau's view

class BureauDispatch(Base):
    """A dispatch (monthly scoreboard to the leaders' chat, a lead's unit page, a weekly
    milestone list) claimed for one period and target chat before it is posted: the unique key
    makes it happen once across restarts and processes."""

    __tablename__ = "bureau_dispatch"
    __table_args__ = (UniqueConstraint("kind", "period", "target", name="uq_bureau_dispatch_kind_period_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))      # board | lead | milestones
    period: Mapped[str] = mapped_column(String(16))    # 2026-10, 2026-W48
    target: Mapped[str] = mapped_column(String(32))    # chat id
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ProjectMilestone(Base):
    """A planned node of a project the milestone checks (节点督查) watch: the planned start of
    construction, capital due by a date, a problem to be solved by a deadline."""

    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))      # start | capital | problem
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount_yuan: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DemoRow(Base):
    """Rows `python bot.py demo` loaded, so they are marked as demo data and can be removed."""

    __tablename__ = "demo_rows"

    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- investor problems

class InvestorProblem(Base):
    """A problem an investor raised (解决什么): stage, responsible unit, deadline, status."""

    __tablename__ = "investor_problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(48), unique=True)   # id in lists/problems.yaml
    summary: Mapped[str] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[str | None] = mapped_column(String(48), index=True)
    project_ref: Mapped[str | None] = mapped_column(String(48), index=True)   # lists/projects.yaml id
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    chain_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(16))     # approval land construction policy_payment other
    unit: Mapped[str | None] = mapped_column(String(64), index=True)     # the responsible unit
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)          # open in_progress solved
    note: Mapped[str | None] = mapped_column(Text)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    reported_by: Mapped[int | None] = mapped_column(BigInteger)
    reporter_unit: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    solved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ProblemHistory(Base):
    """Every status change of a problem, with who and the note."""

    __tablename__ = "investor_problem_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("investor_problems.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- webhook updates

class ProcessedUpdate(Base):
    """A Telegram update a worker has handled (handlers/webhook.py): a redelivery of the same
    update_id is answered without being handled again. Rows older than two days are pruned
    (Telegram keeps an undelivered update for 24 hours)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    worker: Mapped[str | None] = mapped_column(String(64))
