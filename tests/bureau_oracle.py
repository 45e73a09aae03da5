"""An independent implementation of the bureau's counting rules (promo/bureau/rules.py), for
the tests: it reads the SQLite file with the sqlite3 module, replays every project's stage
history (instead of reading the projects' current date columns), sums capital changes by date
and credits each project group to its first signer with plain loops.

Currencies: a change in a foreign currency counts in yuan at the yuan figure stored with it; one
stored without (no rate when it was recorded) at the rate configured now (`rates`: code → rate
text), converted here with fractions; with no rate at all it is "not converted" and counts in
no yuan figure. The max-of-members rule applies per currency (to the yuan and to the amounts),
the yuan figure is the sum over the currencies."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from fractions import Fraction

from promo.meetings.store import company_key

STAGES = ["contact", "signed", "registered", "started"]
FAR = dt.date(9999, 12, 31)


def _d(v):
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


def yuan_at(amount, rate_text):
    """amount × rate, rounded to the yuan, halves away from zero."""
    x = Fraction(amount) * Fraction(rate_text)
    return int(math.copysign(math.floor(abs(x) + Fraction(1, 2)), x))


class Oracle:
    def __init__(self, db_path, resolve, threshold=100_000_000, rates=None):
        con = sqlite3.connect(str(db_path))
        rates = {k: str(v) for k, v in (rates or {}).items()}
        self.threshold = threshold
        self.projects = {}
        for pid, name, cid, ckey, unit in con.execute(
                "select id, name, company_id, company_key, unit from projects"):
            self.projects[pid] = {"name": name, "subject": company_key(name) or name.strip().casefold(),
                                  "cid": cid, "ckey": ckey,
                                  "unit": resolve(unit) or unit, "dates": dict.fromkeys(STAGES)}
        for pid, to, day in con.execute("select project_id, to_stage, stage_date from project_stages order by id"):
            dates = self.projects[pid]["dates"]
            i = STAGES.index(to)
            for later in STAGES[i + 1:]:
                dates[later] = None
            dates[to] = _d(day)
        # (project, origin, measure, as_of, yuan or None, currency, amount in the currency)
        self.capital = []
        for p, o, m, a, dy, cur, da in con.execute(
                "select project_id, origin, measure, as_of, delta_yuan, currency, delta_amount from project_capital"):
            cur = cur or "CNY"
            amount = da if da is not None else dy
            if dy is None and cur in rates:
                dy = yuan_at(amount, rates[cur])
            self.capital.append((p, o, m, _d(a), dy, cur, amount))
        self.meetings = [(resolve(u) or u, _d(day)) for u, day in con.execute(
            "select unit, meeting_date from meetings where deleted_at is null and unit is not null")]
        con.close()
        def same(a, b):
            if a["subject"] != b["subject"]:
                return False
            if not (a["cid"] or a["ckey"]) and not (b["cid"] or b["ckey"]):
                return True
            return bool(a["cid"] and a["cid"] == b["cid"]) or bool(a["ckey"] and a["ckey"] == b["ckey"])

        # connected components of "same project", by repeated merging of clusters
        clusters = [{pid} for pid in self.projects]
        merged = True
        while merged:
            merged = False
            for i in range(len(clusters)):
                for j in range(i + 1, len(clusters)):
                    if any(same(self.projects[a], self.projects[b]) for a in clusters[i] for b in clusters[j]):
                        clusters[i] |= clusters.pop(j)
                        merged = True
                        break
                if merged:
                    break
        self.groups = []
        for members in map(sorted, clusters):
            signed = [m for m in members if self.projects[m]["dates"]["signed"]]
            if signed:
                owner = min(signed, key=lambda m: (self.projects[m]["dates"]["signed"], m))
            else:
                owner = min(members, key=lambda m: (self.projects[m]["dates"]["contact"] or FAR, m))
            dates = {}
            for st in STAGES:
                ds = [self.projects[m]["dates"][st] for m in members if self.projects[m]["dates"][st]]
                dates[st] = min(ds) if ds else None
            self.groups.append({"owner": owner, "unit": self.projects[owner]["unit"], "members": members,
                                "dates": dates})

    def cum(self, members, origin, measure, upto):
        """Per currency the largest member's yuan, summed over the currencies."""
        out = 0
        for currency in {cur for p, o, me, *_, cur, _ in self.capital if p in members and o == origin and me == measure}:
            best = 0
            for m in members:
                total = sum(d for p, o, me, a, d, cur, _ in self.capital
                            if p == m and o == origin and me == measure and cur == currency and a <= upto
                            and d is not None)
                best = max(best, total)
            out += best
        return out

    def cum_currency(self, members, currency, converted, upto):
        """The group's largest cumulative foreign amount in place in `currency`, counting only
        the changes with (converted) or without (not converted) a yuan figure."""
        best = 0
        for m in members:
            total = sum(amt for p, o, me, a, d, cur, amt in self.capital
                        if p == m and o == "foreign" and me == "in_place" and cur == currency and a <= upto
                        and (d is not None) == converted)
            best = max(best, total)
        return best

    def foreign(self, unit, first, last):
        """{"converted": {currency: amount}, "unconverted": {currency: amount}} of the period."""
        gs = [g for g in self.groups if g["unit"] == unit]
        before = first - dt.timedelta(days=1)
        currencies = {cur for *_, cur, _ in self.capital if cur != "CNY"}
        out = {"converted": {}, "unconverted": {}}
        for cur in sorted(currencies):
            for part, converted in (("converted", True), ("unconverted", False)):
                v = sum(self.cum_currency(g["members"], cur, converted, last)
                        - self.cum_currency(g["members"], cur, converted, before) for g in gs)
                if v:
                    out[part][cur] = v
        return out

    def figures(self, unit, first, last):
        gs = [g for g in self.groups if g["unit"] == unit]
        before = first - dt.timedelta(days=1)
        out = {"contacts": sum(1 for u, d in self.meetings if u == unit and first <= d <= last)}
        for st, key in (("contact", "new_projects"), ("signed", "signed"), ("registered", "registered"),
                        ("started", "started")):
            out[key] = sum(1 for g in gs if g["dates"][st] is not None and first <= g["dates"][st] <= last)
        for origin in ("domestic", "foreign"):
            out[origin] = sum(self.cum(g["members"], origin, "in_place", last)
                              - self.cum(g["members"], origin, "in_place", before) for g in gs)
        out["capital"] = out["domestic"] + out["foreign"]
        out["high_level"] = 0
        for g in gs:
            s = g["dates"]["signed"]
            agreed = self.cum(g["members"], "domestic", "agreed", last) + self.cum(g["members"], "foreign", "agreed", last)
            if s is not None and first <= s <= last and agreed >= self.threshold:
                out["high_level"] += 1
        reached = {}
        for i, st in enumerate(STAGES):
            reached[st] = sum(1 for g in gs if any(g["dates"][x] is not None and g["dates"][x] <= last
                                                   for x in STAGES[i:]))
        for key, num, den in (("rate_cs", "signed", "contact"), ("rate_sr", "registered", "signed"),
                              ("rate_rs", "started", "registered")):
            out[key] = round(reached[num] / reached[den], 4) if reached[den] else None
        return out
