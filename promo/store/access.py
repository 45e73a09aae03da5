"""Who may use the bot: the allow-list, roles and one-time invite codes.

Roles: `officer` (logs meetings, sees lists), `lead` (task-force lead: also edits the meetings of
their unit and corrects funnel stages), `admin` (also invites and revokes users).

Users come from two places: the config file (`AccessStore.seed`, run on every start) and invite
codes an admin creates in the chat (`create_invite` → the new user sends `/start <code>` →
`redeem`). Codes are 24 url-safe characters, valid 48 hours by default, usable once; only their
SHA-256 is stored. Every change is written to the `access_audit` table.

A revoked user keeps their row; `seed` never re-activates them unless the config entry says
`reactivate: true`, and an invite code does not re-admit them either (an admin must
`reactivate` them explicitly).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import time
import secrets
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import select, update

from promo.store.db import FULL_WIDTH_DIGITS, Database, NotFound, PermissionDenied, PromoError, as_utc, rowcount
from promo.suggest import closest
from promo.store.tables import AccessAudit, Invite
from promo.store.tables import User as UserRow

__all__ = ["AccessStore", "PermissionDenied", "NotFound", "RedeemResult", "Role", "User",
           "parse_user_id", "parse_role", "suggest_role"]

CODE_BYTES = 18  # → 24 url-safe characters
# Telegram user ids are positive and fit in 52 bits (Bot API docs); anything larger is a typo,
# and beyond 2**63 it would not even fit the database's INTEGER (OverflowError).
MAX_USER_ID = 2**53 - 1


class Role(str, Enum):
    officer = "officer"
    lead = "lead"
    admin = "admin"


@dataclass(frozen=True)
class User:
    """A user as the rest of the program sees it (a plain snapshot, not a database row)."""

    user_id: int
    display_name: str
    role: str
    unit: str | None
    active: bool
    created_at: dt.datetime
    created_by: int | None
    revoked_at: dt.datetime | None
    revoked_by: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def is_lead_or_admin(self) -> bool:
        return self.role in (Role.lead.value, Role.admin.value)

    @classmethod
    def _of(cls, row: UserRow) -> User:
        return cls(row.user_id, row.display_name, row.role, row.unit, row.active, row.created_at,
                   row.created_by, row.revoked_at, row.revoked_by)


# Reasons `redeem` can fail with, and the Chinese text the bot shows.
REDEEM_REASONS = {
    "unknown": "邀请码无效，请向管理员索取新的邀请码。",
    "used": "该邀请码已被使用过（每个邀请码只能使用一次），请向管理员索取新的邀请码。",
    "expired": "该邀请码已过期，请向管理员索取新的邀请码。",
    "revoked_user": "您的账号已被停用，邀请码不能恢复，请联系管理员。",
    "already_member": "您已经是授权用户，无需再使用邀请码。",
}


@dataclass(frozen=True)
class RedeemResult:
    ok: bool
    reason: str | None = None      # a key of REDEEM_REASONS when not ok
    user: User | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return "欢迎！您已获得使用权限。"
        return REDEEM_REASONS.get(self.reason or "", "邀请码无法使用。")




def parse_user_id(text: Any) -> int | None:
    """A user id as an admin types it ("123456789", full-width digits too), or None when it
    is not a plain positive number a Telegram user id can be (letters, signs, 99999999999999999999)."""
    s = str(text or "").strip().translate(FULL_WIDTH_DIGITS)
    if not re.fullmatch(r"[0-9]{1,16}", s):        # ASCII only: str.isdigit() passes '²'
        return None
    n = int(s)
    return n if 0 < n <= MAX_USER_ID else None


# Words an admin may write for a role in /invite (case does not matter).
ROLE_WORDS = {"officer": "officer", "lead": "lead", "admin": "admin",
              "专员": "officer", "招商专员": "officer", "负责人": "lead", "专班负责人": "lead", "管理员": "admin"}


def parse_role(word: str) -> str | None:
    """The role a word names ("Lead", "管理员"), or None."""
    return ROLE_WORDS.get(unicodedata.normalize("NFKC", str(word or "")).strip().lower())


def looks_like_role(word: str) -> bool:
    """A Latin word in the role's place is a (misspelt) role, not a unit: units are Chinese
    names; a unit written in Latin letters follows an explicit role (/invite officer FTZ)."""
    return bool(re.fullmatch(r"[A-Za-z]+", str(word or "").strip()))


def suggest_role(word: str) -> str | None:
    """The role a misspelt word probably meant: a near-miss (`admn`, `oficer`) or a word that
    starts with a role or its beginning (`leader`, `adm`); None for anything else (`boss`)."""
    w = str(word or "").strip().lower()
    roles = [r.value for r in Role]
    hit = closest(w, roles)
    if hit:
        return hit
    prefix = [r for r in roles if len(w) >= 3 and (w.startswith(r) or r.startswith(w))]
    return prefix[0] if len(prefix) == 1 else None


@dataclass(frozen=True)
class _SeedUser:
    """One user of the config file, checked (see AccessStore.seed)."""
    uid: int
    name: str | None
    role: str
    unit: str | None
    active: Any
    reactivate: bool

    @classmethod
    def of(cls, entry: dict) -> _SeedUser:
        e = dict(entry)
        ids = (e.pop("id", None), e.pop("user_id", None))
        uid = ids[0] if ids[0] is not None else ids[1]
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise ValueError("every config user needs an integer 'id' (Telegram user id)")
        names = (e.pop("name", None), e.pop("display_name", None))
        name = str(names[0] or names[1] or "").strip() or None
        role = _role(e.pop("role", Role.officer.value))
        unit = str(e.pop("unit", None) or "").strip() or None
        active = e.pop("active", True)
        reactivate = bool(e.pop("reactivate", False))
        if e:
            raise ValueError(f"unknown keys in config user {uid}: {sorted(e)}")
        return cls(uid, name, role, unit, active, reactivate)


def _refused(cls: type[PromoError], reason: str, message: str) -> PromoError:
    """A domain exception with a `reason` key the bot's templates turn into Chinese."""
    exc = cls(message)
    exc.reason = reason
    return exc


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def _role(value: Any) -> str:
    try:
        return Role(str(value).strip().lower()).value
    except ValueError:
        raise ValueError(f"unknown role {value!r}; use officer, lead or admin") from None


def _invalidates(method):
    """After a change to users, forget the cached answers (all of them: cheap and obviously right)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            self._forget()
    return wrapper


class AccessStore:
    """Every update asks who its sender is, so answers are cached for `cache_seconds`; changes
    made through this store take effect at once, changes made by another process within that
    time (a revocation from a second bot process may take up to that long)."""

    def __init__(self, db: Database, cache_seconds: float = 10.0) -> None:
        self.db = db
        self.cache_seconds = cache_seconds
        self._cache: dict[int, tuple[float, User | None]] = {}

    def _forget(self) -> None:
        self._cache.clear()

    # ----------------------------------------------------------------------- reading

    def get(self, user_id: int) -> User | None:
        if not 0 < int(user_id) <= MAX_USER_ID:       # no such Telegram user; would overflow the DB
            return None
        now = time.monotonic()
        hit = self._cache.get(int(user_id))
        if hit and hit[0] > now:
            return hit[1]
        with self.db.read() as s:
            row = s.get(UserRow, int(user_id))
            user = User._of(row) if row else None
        if len(self._cache) > 10_000:   # strangers must not grow it without bound
            self._cache.clear()
        self._cache[int(user_id)] = (now + self.cache_seconds, user)
        return user

    def is_authorised(self, user_id: int) -> bool:
        user = self.get(user_id)
        return bool(user and user.active)

    def role(self, user_id: int) -> str | None:
        """The role of an active user, None for unknown or revoked users."""
        user = self.get(user_id)
        return user.role if user and user.active else None

    def list_users(self, *, include_revoked: bool = True) -> list[User]:
        with self.db.read() as s:
            q = select(UserRow).order_by(UserRow.unit, UserRow.display_name, UserRow.user_id)
            if not include_revoked:
                q = q.where(UserRow.active.is_(True))
            return [User._of(r) for r in s.scalars(q)]

    def audit(self, *, target_user_id: int | None = None, limit: int = 100) -> list[AccessAudit]:
        with self.db.read() as s:
            q = select(AccessAudit).order_by(AccessAudit.id.desc()).limit(limit)
            if target_user_id is not None:
                q = q.where(AccessAudit.target_user_id == target_user_id)
            return list(s.scalars(q))

    # ----------------------------------------------------------------------- config

    @_invalidates
    def seed(self, users: list[dict], now: dt.datetime | None = None) -> dict[str, int]:
        """Make the allow-list contain the users of the config file. Idempotent.

        Each dict: `id` (or `user_id`, the Telegram user id), `name` (or `display_name`),
        `role`, `unit` (an empty name or unit keeps the stored one); optional `active: false` (revoke) and `reactivate: true` (re-admit a
        user an admin revoked). Returns counts of what changed."""
        now = as_utc(now)
        counts = {"added": 0, "updated": 0, "revoked": 0, "reactivated": 0, "unchanged": 0}
        with self.db.session() as s:
            for entry in users:
                for what in self._seed_one(s, _SeedUser.of(entry), now):
                    counts[what] += 1
        return counts

    def _seed_one(self, s, u: _SeedUser, now: dt.datetime) -> list[str]:
        """Bring one stored user in line with the config; the counts it changed."""
        row = s.get(UserRow, u.uid)
        if row is None:
            s.add(UserRow(user_id=u.uid, display_name=u.name or str(u.uid), role=u.role, unit=u.unit,
                          active=bool(u.active), created_at=now, created_by=None,
                          revoked_at=None if u.active else now, revoked_by=None,
                          updated_at=now))
            self._audit(s, now, None, "seed_add", u.uid, details={"role": u.role, "unit": u.unit})
            return ["added"]
        done = []
        # a name or unit left out of the config keeps the stored one
        changed = {k: v for k, v in (("display_name", u.name), ("role", u.role), ("unit", u.unit))
                   if v is not None and getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        if changed:
            self._audit(s, now, None, "seed_update", u.uid,
                        details={k: v for k, v in changed.items() if k != "display_name"})
            done.append("updated")
        if not u.active and row.active:
            row.active, row.revoked_at, row.revoked_by = False, now, None
            self._audit(s, now, None, "seed_revoke", u.uid)
            done.append("revoked")
        elif u.active and not row.active and u.reactivate:
            row.active, row.revoked_at, row.revoked_by = True, None, None
            self._audit(s, now, None, "seed_reactivate", u.uid)
            done.append("reactivated")
        elif not changed:
            done.append("unchanged")
        if s.is_modified(row):
            row.updated_at = now
        return done

    # ----------------------------------------------------------------------- invites

    def _require_admin(self, s, admin_id: int) -> UserRow:
        row = s.get(UserRow, int(admin_id)) if 0 < int(admin_id) <= MAX_USER_ID else None
        if row is None or not row.active or row.role != Role.admin.value:
            raise _refused(PermissionDenied, "not_admin", "only an active admin may do this")
        return row

    def create_invite(self, by_admin_id: int, role: str | Role, unit: str | None,
                      ttl: dt.timedelta = dt.timedelta(hours=48),
                      now: dt.datetime | None = None) -> str:
        """A new one-time code (24 characters of A-Z a-z 0-9 _ -). Only admins may invite."""
        now = as_utc(now)
        role = _role(role.value if isinstance(role, Role) else role)
        if ttl <= dt.timedelta(0):
            raise ValueError("ttl must be positive")
        code = secrets.token_urlsafe(CODE_BYTES)
        with self.db.session() as s:
            self._require_admin(s, by_admin_id)
            inv = Invite(code_hash=hash_code(code), role=role, unit=(unit or "").strip() or None,
                         created_by=int(by_admin_id), created_at=now, expires_at=now + ttl)
            s.add(inv)
            s.flush()
            self._audit(s, now, by_admin_id, "invite_create", None, invite_id=inv.id,
                        details={"role": role, "unit": inv.unit, "expires_at": inv.expires_at.isoformat()})
        return code

    @_invalidates
    def redeem(self, code: str, user_id: int, display_name: str,
               now: dt.datetime | None = None) -> RedeemResult:
        """Use an invite code. One-time: the code is consumed atomically (a conditional UPDATE),
        so two people racing with the same code cannot both get in. Whether the admin who made
        the code has been revoked since does not matter."""
        now = as_utc(now)
        user_id = int(user_id)
        with self.db.session() as s:
            inv = s.scalar(select(Invite).where(Invite.code_hash == hash_code(code or "")))
            existing = s.get(UserRow, user_id)
            reason = None
            if inv is None:
                reason = "unknown"
            elif inv.used_at is not None:
                reason = "used"
            elif inv.expires_at <= now:
                reason = "expired"
            elif existing is not None and not existing.active:
                reason = "revoked_user"
            elif existing is not None:
                reason = "already_member"
            if reason is None:
                assert inv is not None          # no reason to refuse: the invite was found
                took = rowcount(s.execute(update(Invite)
                                          .where(Invite.id == inv.id, Invite.used_at.is_(None))
                                          .values(used_at=now, used_by=user_id)))
                if took != 1:
                    reason = "used"
            if reason is not None:
                self._audit(s, now, user_id, "invite_refused", user_id,
                            invite_id=inv.id if inv else None, details={"reason": reason})
                return RedeemResult(False, reason)
            assert inv is not None
            row = UserRow(user_id=user_id, display_name=(display_name or "").strip()[:128] or str(user_id),
                          role=inv.role, unit=inv.unit, active=True, created_at=now,
                          created_by=inv.created_by, updated_at=now)
            s.add(row)
            self._audit(s, now, user_id, "invite_redeem", user_id, invite_id=inv.id,
                        details={"role": inv.role, "unit": inv.unit, "invited_by": inv.created_by})
            s.flush()
            return RedeemResult(True, None, User._of(row))

    # ----------------------------------------------------------------------- revoke

    @_invalidates
    def revoke(self, user_id: int, by: int, now: dt.datetime | None = None) -> User:
        """Revoke a user. Refusals carry `reason`: not_admin, self, not_found."""
        now = as_utc(now)
        with self.db.session() as s:
            self._require_admin(s, by)
            if int(user_id) == int(by):
                raise _refused(PermissionDenied, "self", "an admin cannot revoke themselves")
            row = s.get(UserRow, int(user_id)) if 0 < int(user_id) <= MAX_USER_ID else None
            if row is None:
                raise _refused(NotFound, "not_found", "no such user")
            if row.active:
                row.active, row.revoked_at, row.revoked_by, row.updated_at = False, now, int(by), now
                self._audit(s, now, by, "revoke", row.user_id)
            return User._of(row)

    @_invalidates
    def reactivate(self, user_id: int, by: int, now: dt.datetime | None = None) -> User:
        now = as_utc(now)
        with self.db.session() as s:
            self._require_admin(s, by)
            row = s.get(UserRow, int(user_id)) if 0 < int(user_id) <= MAX_USER_ID else None
            if row is None:
                raise _refused(NotFound, "not_found", "no such user")
            if not row.active:
                row.active, row.revoked_at, row.revoked_by, row.updated_at = True, None, None, now
                self._audit(s, now, by, "reactivate", row.user_id)
            return User._of(row)

    # ----------------------------------------------------------------------- audit

    @staticmethod
    def _audit(s, now, actor_id, action, target, *, invite_id=None, details=None) -> None:
        s.add(AccessAudit(at=now, actor_id=actor_id, action=action, target_user_id=target,
                          invite_id=invite_id, details=details))
