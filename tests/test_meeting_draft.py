"""The meeting draft as a domain object (promo/meetings/draft.py) and the follow-up rule whether
a queued reminder still goes out (promo/meetings/todo.py). No Telegram here."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from promo.config import Settings
from promo.meetings.draft import FORM_STEPS, Draft, MeetingForms
from promo.meetings.service import MeetingService
from promo.services import Services

from .conftest import NOW, ROOT, TODAY

# A draft as the bot stored it before the draft was a class (a dict in user_data["mtg"]).
STORED = {"draft": {"tok": "Ab3x_k", "mode": "form", "step": "date", "lang": "zh",
                    "f": {"company": "中国飞鹤有限公司", "company_id": "feihe", "chain_ids": ["dairy"],
                          "stage": "contact"},
                    "assumed": [], "q": [], "project": None, "await": "meeting_date"},
          "edit": None, "active": "draft"}


def test_a_stored_draft_loads_and_is_written_back_the_same():
    forms = MeetingForms.from_json(json.loads(json.dumps(STORED)))
    d = forms.draft
    assert (d.tok, d.mode, d.step, d.awaiting, d.kind, d.typed) == ("Ab3x_k", "form", "date", "meeting_date",
                                                                     "draft", False)
    assert forms.item("Ab3x_k") is d and forms.item("other") is None
    assert forms.waiting() is d and forms.state() == "text"
    again = MeetingForms.from_json(json.loads(json.dumps(forms.to_json())))
    assert again == forms
    assert again.to_json()["draft"]["await"] == "meeting_date"


def test_the_form_walks_its_steps_and_the_screen_follows_the_draft():
    d = Draft.form()
    assert d.screen() == ("form", "company") and d.awaiting == "company"
    d.set_fields({"company": "某某新材料", "company_id": None})
    d.got_value("company")
    assert d.step == "date"
    d.skip_step()                     # 跳过 on the date step moves on as well
    assert d.step == "topic"
    for _ in FORM_STEPS[2:]:
        d.skip_step()
    assert (d.mode, d.step) == ("card", None)
    assert d.screen() == ("card", None)
    assert d.ask("amount") and d.screen() == ("ask", "amount")
    assert not d.ask("password")      # only the card's fields
    d.back()
    assert d.screen() == ("card", None)


def test_questions_come_first_and_typing_instead_drops_them():
    d = Draft(q=[{"field": "amount_yuan", "prompt": "「5000」是多少？", "labels": ["5000万元", "5000元"],
                  "values": [50_000_000, 5000]}])
    assert d.screen()[0] == "question" and d.awaiting == "amount"
    d.type_instead()
    assert not d.q and d.screen() == ("ask", "amount")
    d.put_question({"field": "amount_yuan", "prompt": "?", "labels": ["a"], "values": [1]}, "amount")
    d.put_question({"field": "amount_yuan", "prompt": "??", "labels": ["b"], "values": [2]}, "amount")
    assert [q["prompt"] for q in d.q] == ["??"]          # the question for the same field is replaced
    d.typed_answer("amount")
    assert d.q == []


def test_company_change_forgets_the_chosen_project_and_choices_are_checked():
    d = Draft(f={"company": "飞鹤", "topic": "奶粉工厂"})
    d.choose_project("7")
    assert d.project == {"id": 7}
    d.set_fields({"company": "伊利"})
    assert d.project is None
    d.choose_project("new")
    assert d.project == {"new": "奶粉工厂"}
    for forged in ("²", "99999999999999999999", "-3", "x"):
        d.choose_project(forged)
        assert d.project is None
    d.toggle_chain("dairy")
    d.toggle_chain("corn")
    d.toggle_chain("dairy")
    assert d.f["chain_ids"] == ["corn"]


def test_an_edit_knows_its_changes_and_undoes_them():
    d = Draft(kind="edit", id=3, version=1, f={"topic": "扩产", "amount": None},
              orig={"topic": "扩产", "amount": None})
    d.set_fields({"amount": 500})
    assert d.changes() == {"amount": 500} and d.got_value("amount") is True
    d.undo()
    assert d.changes() == {}
    forms = MeetingForms()
    forms.put(d)
    forms.put(Draft())
    forms.shown(d)
    assert forms.edit is d and forms.state() == "card"
    assert forms.clear() and forms.state() is None and not forms.clear()


@pytest.fixture
def service(tmp_path):
    env = {"PROMO_DATA_DIR": str(ROOT), "PROMO_DB_URL": f"sqlite:///{tmp_path / 'promo.db'}",
           "PROMO_USERS": "1:officer:北安市:刘专员; 9:admin:招商局:管理员", "PROMO_RELOAD_SECONDS": "0"}
    services = Services(Settings.load(env=env, dotenv=tmp_path / "no.env"), clock=lambda: NOW)
    services.start()
    yield MeetingService(services)
    services.stop()


def test_a_queued_reminder_goes_out_once_and_not_after_the_follow_up_changed(service):
    officer = service.svc.user(1)
    follow = TODAY + dt.timedelta(days=3)
    m = service.meetings.add({"company": "飞鹤", "meeting_date": TODAY, "followup_date": follow}, officer, NOW)
    fu = service.followups
    when = fu.remind_time(follow)
    assert fu.upcoming_reminder(m, NOW) == when
    assert fu.claim(m.id, 1, when + dt.timedelta(hours=1), NOW) is None       # another time: re-dated
    assert fu.claim(m.id, 1, when, NOW).id == m.id                            # goes out …
    assert fu.claim(m.id, 1, when, NOW) is None                               # … once
    other = service.meetings.add({"company": "伊利", "meeting_date": TODAY, "followup_date": follow},
                                 officer, NOW)
    fu.mark_done(other.id, officer, NOW)
    assert fu.claim(other.id, 1, when, NOW) is None                           # done since
    third = service.meetings.add({"company": "蒙牛", "meeting_date": TODAY, "followup_date": follow},
                                 officer, NOW)
    service.svc.access.revoke(1, by=9, now=NOW)
    assert fu.claim(third.id, 1, when, NOW) is None                           # revoked since
    assert fu.upcoming_reminder(third, when + dt.timedelta(minutes=1)) is None   # already past
