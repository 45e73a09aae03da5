"""An independent implementation of the bureau's counting rules (promo/bureau/rules.py), for
the tests: it reads the SQLite file with the sqlite3 module, replays every project's stage
history (instead of reading the projects' current date columns), sums capital changes by date
and credits each project group to its first signer with plain loops."""

from __future__ import annotations

import datetime as dt
import sqlite3

from promo.meetings.store import company_key

STAGES = ["contact", "signed", "registered", "started"]
FAR = dt.date(9999, 12, 31)


def _d(v):
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


class Oracle:
    def __init__(self, db_path, resolve, threshold=100_000_000):
        con = sqlite3.connect(str(db_path))
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
        self.capital = list(con.execute("select project_id, origin, measure, as_of, delta_yuan from project_capital"))
        self.capital = [(p, o, m, _d(a), d) for p, o, m, a, d in self.capital]
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
        best = 0
        for m in members:
            total = sum(d for p, o, me, a, d in self.capital if p == m and o == origin and me == measure and a <= upto)
            best = max(best, total)
        return best

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
