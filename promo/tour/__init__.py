"""The tour itinerary planner: who visits → which sites, in which order, who receives them.

Public API (imported lazily, so that `promo.loader` can import `promo.tour.models` cheaply):

* `models`: `Site`, `Venue`, `Road`, `Official`, `ReceptionRule`, `TOUR_LISTS`,
  `load_tour_lists(root)`, `check_tour_references(lists, material_ids, chain_ids)`
* `planner`: `TourRequest`, `plan_tour(request, lists) -> TourPlan`, `InfeasibleRequest`
* `check`: `check_plan(plan, request, lists) -> list[str]` (independent of the planner)
* `ics`: `plan_to_ics(plan) -> bytes`; `printable`: `render_printable(plan) -> str`;
  `plan_json`: `plan_to_dict(plan) -> dict`
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TOUR_LISTS": "models", "load_tour_lists": "models", "check_tour_references": "models",
    "Site": "models", "Venue": "models", "Road": "models", "Official": "models", "ReceptionRule": "models",
    "TourRequest": "planner", "TourPlan": "planner", "TourDay": "planner", "Stop": "planner",
    "Leg": "planner", "Dropped": "planner", "MaterialRef": "planner", "TourData": "planner",
    "plan_tour": "planner", "InfeasibleRequest": "planner",
    "check_plan": "check", "plan_to_ics": "ics", "render_printable": "printable",
    "plan_to_dict": "plan_json",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
