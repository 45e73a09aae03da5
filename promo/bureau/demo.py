"""`python bot.py demo`: a realistic quarter (2026Q3) loaded into a fresh database, at the scale
of the seed's real quarter — about 30 registered projects, about 10亿元 domestic capital in
place (+331% on 2025Q3 as entered in lists/targets.yaml), one county (北安市) with 12 signed
projects and 3.56亿元 — spread over units, officers and months, with meetings, stage
histories, a duplicate signing, a capital increase and overdue nodes. A few projects bring
foreign capital in dollars and roubles (`FOREIGN`), recorded at the configured rates
(`PROMO_FX_RATES`) when given, else kept unconverted: the board shows either way.

Every row it writes is listed in `demo_rows`: the board and the charts say 演示数据 while any
is there, and `python bot.py demo --remove` deletes exactly those rows. It refuses a database
that holds real projects or meetings. The officers it logs as are not on the allow-list.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from promo.store.db import as_utc
from promo.meetings.funnel import Money, ProjectStore
from promo.meetings.store import MeetingStore
from promo.store.tables import (DemoRow, FollowupReminder, Meeting, MeetingHistory, Project, ProjectCapital,
                          ProjectMilestone, ProjectStage)

from promo.bureau.milestones import MilestoneStore

__all__ = ["load_demo", "remove_demo", "DemoRefused", "DEMO_QUARTER"]

DEMO_QUARTER = "2026Q3"
D = dt.date
# 北安: 32600万 of new projects + a 3000万 capital increase of a 2025 project = 3.56亿
# unit id → (signed in Q3, registered in Q3, domestic in place in Q3 (万元), foreign (万元), contacts)
PLAN = {
    "beian": (12, 7, 32600, 0, 26), "ftz_zone": (5, 4, 14200, 6000, 22), "aihui": (6, 5, 16800, 2500, 24),
    "wudalianchi": (3, 3, 9300, 0, 12), "nenjiang": (4, 3, 11200, 0, 15), "xunke": (2, 2, 4300, 0, 8),
    "sunwu": (2, 1, 3600, 1000, 7), "wdlc_scenic": (2, 1, 4200, 0, 9),
    "tf_dairy": (2, 1, 1200, 0, 14), "tf_soybean": (2, 1, 900, 0, 11), "tf_cross_border": (1, 1, 500, 0, 10),
    "tf_copper": (1, 0, 0, 0, 6), "tf_tourism_health": (1, 0, 0, 0, 8), "tf_energy": (1, 0, 0, 0, 5),
    "bureau": (1, 1, 1100, 0, 18), "commerce": (1, 0, 0, 0, 7), "industry": (0, 0, 0, 0, 4),
}
SUBJECTS = ["年产10万吨深加工项目", "仓储物流园项目", "产业园一期项目", "智能工厂项目", "冷链中心项目",
            "扩能改造项目", "种养结合基地项目", "对俄进出口加工项目", "文旅综合体项目", "新能源配套项目"]
BY_CHAIN = {"copper": ["铜精矿选冶项目", "有色金属深加工项目"], "dairy": ["年产10万吨乳粉项目", "万头奶牛牧场项目"],
            "soybean": ["大豆蛋白深加工项目", "非转基因豆制品项目"], "corn": ["玉米淀粉及深加工项目", "生物发酵项目"],
            "grain_logistics": ["粮食仓储物流园项目", "粮食烘干仓储项目"], "green_food": ["有机杂粮加工项目", "绿色食品产业园项目"],
            "cross_border": ["对俄跨境物流园项目", "进出口商品加工项目"], "tourism_health": ["温泉康养度假项目", "文旅综合体项目"],
            "ftz": ["跨境电商产业园项目", "保税加工项目"], "energy": ["风电光伏项目", "储能电站项目"],
            "biopharma": ["中药材种植加工项目", "生物制药项目"], "wood": ["进口木材加工项目", "木结构建材项目"],
            "cold_testing": ["寒区汽车试验场项目", "整车测试基地项目"], "agri_machinery": ["智能农机制造项目", "农机装备维修中心项目"],
            "beef_cattle": ["肉牛屠宰加工项目", "肉牛养殖基地项目"]}
MONTHS = [(2026, 7), (2026, 8), (2026, 9)]
# unit id → (which signed project, foreign capital agreed and in place in its currency)
FOREIGN = {"ftz_zone": (1, Money(5_000_000, "USD")), "aihui": (1, Money(30_000_000, "RUB")),
           "tf_cross_border": (0, Money(50_000_000, "RUB"))}


_USED: set[str] = set()


def _subject(company, rnd) -> str:
    """A project name from the company's chain; never one used before in this demo (the one
    duplicate signing below is made on purpose)."""
    short = company.name.split("有限")[0].split("股份")[0]
    short = short[:10] if "\u4e00" <= short[:1] <= "\u9fff" else f"{company.name} "   # foreign names whole
    options = [x for c in company.chains for x in BY_CHAIN.get(c, [])] or SUBJECTS
    name = f"{short}{rnd.choice(options)}"
    phase = 2
    while name in _USED:
        name = f"{short}{rnd.choice(options).removesuffix('项目')}（{phase}期）项目"
        phase += 1
    _USED.add(name)
    return name


class DemoRefused(RuntimeError):
    """The database holds real records (or the demo already)."""


@dataclass(frozen=True)
class DemoOfficer:
    user_id: int
    display_name: str
    role: str
    unit: str
    active: bool = True


def _split(total: int, n: int, rnd: random.Random) -> list[int]:
    if n == 0:
        return []
    weights = [rnd.uniform(0.5, 1.5) for _ in range(n)]
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _day(rnd, year, month):
    return D(year, month, rnd.randint(1, 28))


def load_demo(db, registry, library, now: dt.datetime | None = None, fx=None) -> dict:
    """`fx`: the configured rates (promo.meetings.fx.FxRates) the foreign amounts are recorded at."""
    now = as_utc(now)
    with db.read() as s:
        demo = s.scalar(select(func.count()).select_from(DemoRow))
        real = (s.scalar(select(func.count()).select_from(Project)) or 0) + \
               (s.scalar(select(func.count()).select_from(Meeting)) or 0)
    if demo:
        raise DemoRefused("演示数据已装入；先运行 python bot.py demo --remove 再重装 · the demo is already loaded")
    if real:
        raise DemoRefused("数据库中已有真实的项目或对接记录，演示数据只装入空数据库（另设 PROMO_DB_URL）"
                          " · the database holds real records: use a fresh database for the demo")
    rnd = random.Random(2026)
    _USED.clear()
    projects, meetings, milestones = ProjectStore(db), MeetingStore(db), MilestoneStore(db)
    companies = [c for c in library.companies if not c.id.startswith("net-")]
    rnd.shuffle(companies)
    made_p, made_m, made_ms = [], [], []
    officers = {}
    for i, uid in enumerate(PLAN):
        unit = registry.get(uid)
        officers[uid] = DemoOfficer(9_000_000_000 + i, f"演示专员{i + 1:02d}", "lead", unit.name)
    ci = 0

    def company():
        nonlocal ci
        ci += 1
        return companies[ci % len(companies)]

    for uid, (n_signed, n_reg, dom_wan, for_wan, n_contacts) in PLAN.items():
        who = officers[uid]
        dom = _split(dom_wan * 10_000, max(n_reg, 1) if dom_wan else 0, rnd)
        frn = _split(for_wan * 10_000, 1 if for_wan else 0, rnd)
        for k in range(n_signed):
            c = company()
            y, m = MONTHS[k % 3]
            contact = _day(rnd, 2026, rnd.randint(3, m - 1))
            p = projects.find_or_create(c.name, _subject(c, rnd), who.unit,
                                        company_id=c.id, user=who, contact_date=contact, now=now)
            made_p.append(p.id)
            signed = _day(rnd, y, m)
            projects.advance(p.id, "signed", signed, who, now)
            agreed = rnd.choice([20_000_000, 30_000_000, 50_000_000, 60_000_000, 80_000_000, 120_000_000, 200_000_000, 500_000_000])
            projects.set_capital(p.id, who, now, as_of=signed, domestic_agreed=agreed)
            if k < n_reg:
                reg = min(signed + dt.timedelta(days=rnd.randint(5, 40)), D(2026, 9, 30))
                projects.advance(p.id, "registered", reg, who, now)
                if k < len(dom):
                    projects.set_capital(p.id, who, now, as_of=reg, domestic_in_place=dom[k])
                if k == 0 and frn:
                    projects.set_capital(p.id, who, now, as_of=reg, foreign_in_place=frn[0], foreign_agreed=frn[0])
                if uid in FOREIGN and FOREIGN[uid][0] == k:
                    projects.set_capital(p.id, who, now, as_of=reg, foreign_agreed=FOREIGN[uid][1],
                                         foreign_in_place=FOREIGN[uid][1], fx=fx, note="外资（演示数据）")
                if k % 3 == 0:
                    projects.advance(p.id, "started", min(reg + dt.timedelta(days=20), D(2026, 9, 30)), who, now)
                elif k % 3 == 1:
                    made_ms.append(milestones.add(p.id, "start", D(2026, 10, 15), note="计划10月中旬开工",
                                                  user=who, now=now).id)
            elif k == n_reg:
                made_ms.append(milestones.add(p.id, "capital", D(2026, 10, 31), amount_yuan=agreed // 5,
                                              note="首期资金", user=who, now=now).id)
            meet = meetings.add({"meeting_date": contact, "company": c.name, "company_id": c.id, "project_id": p.id,
                                 "topic": "项目洽谈（演示数据）", "stage": "contact"}, who, now)
            made_m.append(meet.id)
        # contacts held: meetings over the quarter, some leading to projects still at contact
        for k in range(n_contacts - n_signed):
            c = company()
            y, m = MONTHS[k % 3]
            day = _day(rnd, y, m)
            pid = None
            if k % 4 == 0:
                p = projects.find_or_create(c.name, _subject(c, rnd), who.unit,
                                            company_id=c.id, user=who, contact_date=day, now=now)
                made_p.append(p.id)
                pid = p.id
                if k % 8 == 0:
                    made_ms.append(milestones.add(p.id, "problem", D(2026, 9, 20),
                                                  note="企业反映用地指标未落实（演示数据）", user=who, now=now).id)
            made_m.append(meetings.add({"meeting_date": day, "company": c.name, "company_id": c.id, "project_id": pid,
                                        "topic": "对接洽谈（演示数据）"}, who, now).id)
    # a duplicate signing: 爱辉区 logs 北安's first project again at a fair (counted for 北安 only)
    first_view = projects.get(made_p[0])
    assert first_view is not None, "the demo's first project was created above"
    first = first_view.project
    ai = officers["aihui"]
    dup = projects.find_or_create(first.company, first.name, ai.unit, company_id=first.company_id, user=ai,
                                  contact_date=D(2026, 9, 1), now=now)
    projects.advance(dup.id, "signed", D(2026, 9, 12), ai, now)
    made_p.append(dup.id)
    # a capital increase (增资) of a project signed last year: only the increase counts
    old = company()
    bei = officers["beian"]
    p = projects.find_or_create(old.name, "乳品加工扩能项目", bei.unit, company_id=old.id, user=bei,
                                contact_date=D(2025, 3, 1), now=now)
    projects.advance(p.id, "signed", D(2025, 4, 1), bei, now)
    projects.advance(p.id, "registered", D(2025, 6, 1), bei, now)
    projects.set_capital(p.id, bei, now, as_of=D(2025, 6, 1), domestic_in_place=20_000_000)
    projects.set_capital(p.id, bei, now, as_of=D(2026, 8, 15), domestic_in_place=50_000_000,
                         note="增资扩能：新增到位3000万元")
    made_p.append(p.id)
    with db.session() as s:
        s.add_all([DemoRow(table_name=t, row_id=i, created_at=now)
                   for t, ids in (("projects", made_p), ("meetings", made_m), ("project_milestones", made_ms))
                   for i in sorted(set(ids))])
    return {"projects": len(set(made_p)), "meetings": len(made_m), "milestones": len(made_ms)}


def remove_demo(db) -> dict:
    """Delete exactly the rows the demo loaded."""
    with db.session() as s:
        ids = {t: [r for r, in s.execute(select(DemoRow.row_id).where(DemoRow.table_name == t))]
               for t in ("projects", "meetings", "project_milestones")}
        meeting_ids = ids["meetings"] + [m for m, in s.execute(select(Meeting.id).where(Meeting.project_id.in_(ids["projects"])))]
        s.execute(delete(FollowupReminder).where(FollowupReminder.meeting_id.in_(meeting_ids)))
        s.execute(delete(MeetingHistory).where(MeetingHistory.meeting_id.in_(meeting_ids)))
        s.execute(delete(Meeting).where(Meeting.id.in_(meeting_ids)))
        s.execute(delete(ProjectMilestone).where(ProjectMilestone.project_id.in_(ids["projects"])))
        s.execute(delete(ProjectStage).where(ProjectStage.project_id.in_(ids["projects"])))
        s.execute(delete(ProjectCapital).where(ProjectCapital.project_id.in_(ids["projects"])))
        s.execute(delete(Project).where(Project.id.in_(ids["projects"])))
        s.execute(delete(DemoRow))
    return {"projects": len(ids["projects"]), "meetings": len(set(meeting_ids))}
