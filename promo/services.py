"""`Services`: the one domain object the bot, the console chat and the tests share.

Started once (lists, matcher, database with migrations, seeded allow-list) and stopped once;
the Telegram application keeps it in its typed `bot_data` (`handlers.state.BotState.services`;
stopped in post_shutdown, as the PTB team's rules-bot does). It knows nothing of Telegram.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from promo.store.access import AccessStore
from promo.bureau.service import BureauService
from promo.config import Settings
from promo.store.db import Database
from promo.lists.loader import DataError, Problem, discover, fingerprint
from promo.matching.matcher import Matcher, load_matcher
from promo.meetings.funnel import ProjectStore
from promo.meetings.store import MeetingStore
from promo.ask.problems import ProblemStore

log = logging.getLogger(__name__)


class Services:
    def __init__(self, settings: Settings, clock=None):
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self._clock = clock            # tests pass a function returning an aware datetime
        self.matcher: Matcher | None = None
        self.db: Database | None = None
        self.access: AccessStore | None = None
        self.meetings: MeetingStore | None = None
        self.projects: ProjectStore | None = None
        self.bureau: BureauService | None = None
        self.problems: ProblemStore | None = None
        self.data_version = 0           # bumped on every successful reload
        self.last_problems: list[Problem] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Load the lists (DataError if broken: refuse to start) and open the database."""
        self.matcher = load_matcher(self.settings.data_dir, today=self.today())
        self.data_version = 1
        self.db = Database(self.settings.db_url)
        self.db.migrate()
        self.access = AccessStore(self.db)
        with self.db.startup_lock():       # workers starting together seed once (issue 16, item 8)
            self.access.seed(self.settings.users, now=self.now())
            self.meetings = MeetingStore(self.db)
            self.projects = ProjectStore(self.db)
            self.bureau = BureauService(self.db, lambda: self.library, self.settings)
            self._start_problems()

    def _start_problems(self) -> None:
        """Investor problems (issue 13): the store, and the ledger's problems imported once."""
        assert self.db is not None
        self.problems = ProblemStore(self.db)
        self.problems.import_seed(self.library.lists.get("problems", []), now=self.now())

    def stop(self) -> None:
        if self.db is not None:
            self.db.dispose()
            self.db = None

    # ------------------------------------------------------------------ data reload
    def data_changed(self) -> bool:
        root = self.settings.data_dir
        return fingerprint(root, discover(root)) != self.library.fingerprint

    def reload(self) -> list[Problem] | None:
        """Reload changed lists. On broken lists keep serving the last good ones and return the
        problems; None when the reload succeeded or nothing changed."""
        if not self.data_changed():
            return None
        try:
            matcher = load_matcher(self.settings.data_dir, today=self.today())
        except DataError as exc:
            if exc.problems != self.last_problems:
                log.error("lists changed but are broken (%d problems); still serving the last good lists",
                          len(exc.problems))
            self.last_problems = exc.problems
            return exc.problems
        self.matcher, self.last_problems = matcher, []
        self.data_version += 1
        if self.problems is not None:
            self.problems.import_seed(self.library.lists.get("problems", []), now=self.now())
        log.info("lists reloaded (version %d)", self.data_version)
        return None

    # ------------------------------------------------------------------ conveniences
    @property
    def library(self):
        return self.matcher.library  # type: ignore[union-attr]  # after start()

    def now(self) -> dt.datetime:
        return self._clock() if self._clock else dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        return self.now().astimezone(self.tz).date()

    def user(self, user_id: int):
        """The active user with this Telegram id, or None (stranger or revoked)."""
        user = self.access.get(user_id)  # type: ignore[union-attr]  # after start()
        return user if user and user.active else None
