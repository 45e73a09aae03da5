"""`python bot.py tour "<profile>" --days 2 --arrive "<place> <time>" …`: the tour on the command line,
over the same planning service (service.py) and view (view.py) as the bot's /tour flow.

    python bot.py tour "飞鹤乳业 副总" --days 2 --arrive "黑河瑷珲机场 10:30" --date 2026-06-02
    python bot.py tour "飞鹤乳业 副总" --days 1 --arrive "HEK 10:30" --ics plan.ics
    python bot.py tour "飞鹤乳业 副总" --days 1 --arrive "HEK 10:30" --pdf plan.pdf
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

from promo.tour.service import make_plan, parse_place_time, resolve_escort
from promo.tour.view import plan_text


def _ids(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、\s]+", text or "") if p.strip()]


# ---------------------------------------------------------------------- the command

def add_tour_parser(sub, add_data_option) -> None:
    p = sub.add_parser("tour", help="plan a site-visit tour (考察行程) for a visitor")
    p.add_argument("text", help="the visitor profile as typed, e.g. '飞鹤乳业 副总'")
    p.add_argument("--days", default="1", help="0.5, 1, 1.5 … 4 (default 1)")
    p.add_argument("--arrive", required=True, help="arrival place and time, e.g. \"黑河瑷珲机场 10:30\" or \"HEK 10:30\"")
    p.add_argument("--depart", default=None, help="departure place and time on the last day, e.g. \"黑河站 18:00\"")
    p.add_argument("--date", default=None, help="first day YYYY-MM-DD (default today)")
    p.add_argument("--escort", default=None, help="who accompanies: 市领导 / 招商局长 / 专班组长 / 县（市、区）领导, "
                                                  "a role (city_leader, bureau_head …) or an official id")
    p.add_argument("--must-see", default=None, help="site ids, comma-separated")
    p.add_argument("--avoid", default=None, help="site ids, comma-separated")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the plan as JSON")
    out.add_argument("--ics", type=Path, metavar="FILE", help="write the plan as an .ics calendar")
    out.add_argument("--print", dest="print_file", type=Path, metavar="FILE", help="write the printable HTML")
    out.add_argument("--pdf", dest="pdf_file", type=Path, metavar="FILE", help="write the printable PDF")
    add_data_option(p)
    p.set_defaults(handler=cmd_tour)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_tour(args, root: Path) -> int:
    from promo.lists.loader import DataError
    from promo.matching.matcher import load_matcher

    try:
        matcher = load_matcher(root)
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return 1
    library = matcher.library
    lists = library.lists
    try:
        date = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError:
        return _fail(f"--date '{args.date}' is not a date (write YYYY-MM-DD)")
    try:
        days = float(args.days)
    except ValueError:
        return _fail(f"--days '{args.days}' is not a number (0.5, 1, 1.5 … 4)")
    from promo.tour.planner import InfeasibleRequest

    try:
        arrive, arrive_time = parse_place_time(args.arrive, lists)
        depart = depart_time = None
        if args.depart:
            depart, depart_time = parse_place_time(args.depart, lists)
        escort = resolve_escort(args.escort, lists)
        profile = matcher.profile(args.text)
        plan = make_plan(library, profile, days=days, arrive=arrive, arrive_time=arrive_time, date=date,
                         depart=depart, depart_time=depart_time, escort=escort,
                         must_see=_ids(args.must_see), must_avoid=_ids(args.avoid))
    except InfeasibleRequest as exc:
        return _fail(f"the tour cannot be scheduled: {exc}")
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        from promo.tour.plan_json import plan_to_dict

        print(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2, default=str))
    elif args.ics:
        from promo.tour.ics import plan_to_ics

        args.ics.write_bytes(plan_to_ics(plan))
        print(f"{args.ics}: {len(plan.stops)} events")
    elif args.print_file:
        from promo.tour.printable import render_printable

        args.print_file.write_text(render_printable(plan), encoding="utf-8")
        print(f"{args.print_file}: printable plan ({plan.site_count} sites)")
    elif args.pdf_file:
        from promo.tour.pdf import render_pdf

        args.pdf_file.write_bytes(render_pdf(plan))
        print(f"{args.pdf_file}: printable PDF ({plan.site_count} sites)")
    else:
        print(plan_text(plan))
    return 0
