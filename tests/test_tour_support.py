"""Shared data and builders for the tour tests (no tests here)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml

from promo.lists.models import Material
from promo.matching.profile import VisitorProfile
from promo.tour.models import load_tour_lists
from promo.tour.planner import TourRequest

ROOT = Path(__file__).resolve().parents[1]

CHAINS = ["copper", "dairy", "soybean", "corn", "grain_logistics", "green_food", "cross_border",
          "tourism_health", "ftz", "energy", "biopharma", "wood", "cold_testing", "agri_machinery",
          "beef_cattle"]
AUDIENCES = ["central_soe", "local_soe", "private", "foreign", "overseas_chinese", "listed", "sme"]
COUNTIES = ["爱辉区", "北安市", "五大连池市", "嫩江市", "逊克县", "孙吴县", "黑河自贸片区"]


@lru_cache(maxsize=1)
def _lists() -> dict[str, list]:
    lists = load_tour_lists(ROOT)
    materials = []
    for path in sorted((ROOT / "pitch_library").glob("*.yaml")):
        materials += [Material.model_validate(m) for m in yaml.safe_load(path.read_text("utf-8")) or []]
    lists["materials"] = materials
    return lists


def tour_lists() -> dict[str, list]:
    """The tour lists plus the pitch library (a fresh dict, shared records: do not mutate them)."""
    return dict(_lists())


@lru_cache(maxsize=1)
def chain_ids() -> set[str]:
    return {c["id"] for c in yaml.safe_load((ROOT / "lists" / "chains.yaml").read_text("utf-8"))}


def material_ids() -> set[str]:
    return {m.id for m in _lists()["materials"]}


def profile(chains=(), seniority=None, audience=None, raw="来访客商", **kw) -> VisitorProfile:
    return VisitorProfile(raw=raw, chain_ids=list(chains), seniority=seniority, audience=audience, **kw)


def request(chains=(), seniority=4, audience="private", days=1.0, arrival_place="hek_airport",
            arrival=dt.datetime(2026, 6, 9, 9, 0), **kw) -> TourRequest:
    return TourRequest(profile=profile(chains, seniority, audience), days=days,
                       arrival_place=arrival_place, arrival=arrival, **kw)


def town_blocks(stops, kinds=("site", "talk", "meal"), towns_of=None) -> list[str]:
    """Towns of the given stops in order, consecutive repeats merged."""
    out: list[str] = []
    for s in stops:
        if s.kind in kinds and (not out or out[-1] != s.town):
            out.append(s.town)
    return out
