"""`BotState`: the one typed object the application keeps as `bot_data` (PTB `ContextTypes`).

Everything live the handlers share sits here under a name and a type, instead of string keys
in a dict: the domain object, the feature modules and what they contribute to the menus, the
answer card's bounded query store, the recent error references. It is never persisted
(`SQLPersistence` stores user and chat data only), so it may hold live objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from promo.meetings.service import MeetingService

if TYPE_CHECKING:
    from promo.services import Services

    from .answer import QueryStore
    from .common import Command


@dataclass
class BotState:
    services: Services | None = None
    features: list[ModuleType] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)          # every feature's COMMANDS
    card_actions: list[Callable[[str, Any], tuple[str, str]]] = field(default_factory=list)
    start_lines: list[str] = field(default_factory=list)           # every feature's START_LINES
    queries: QueryStore | None = None                              # the answer card's, made on first use
    last_errors: list[str] = field(default_factory=list)           # error references told to officers
    dispatch_token: str | None = None      # this process's claims of periodic sends (handlers/jobs.py)
    # issue 13 (handlers/lists.py sets both in post_init): the route of a plain private text by
    # its intent, and the meeting form's hand-over of a "meeting" text that is something else
    text_route: Callable[..., Any] | None = None
    meeting_handover: Callable[..., Any] | None = None
    _meetings: MeetingService | None = None

    @property
    def meetings(self) -> MeetingService:
        """The meeting service over `services` (made once per Services object)."""
        if self._meetings is None or self._meetings.svc is not self.services:
            self._meetings = MeetingService(self.services)
        return self._meetings
