"""The tour itinerary planner: who visits → which sites, in which order, who receives them.

Public API (imported lazily, so that `promo.lists.loader` can import `promo.tour.models` cheaply):

* `models`: `Site`, `Venue`, `Road`, `Official`, `ReceptionRule`, `TOUR_LISTS`,
  `load_tour_lists(root)`, `check_tour_references(lists, material_ids, chain_ids)`
* `planner`: `TourRequest`, `plan_tour(request, lists) -> TourPlan`, `InfeasibleRequest`
* `ics`: `plan_to_ics(plan) -> bytes`; `printable`: `render_printable(plan) -> str`;
  `plan_json`: `plan_to_dict(plan) -> dict`
* `service`: the planning service the bot and the CLI share (choices, resolving input,
  `make_plan`, `site_choices`); `view`: the plan card's data (`plan_view`, `plan_text`)

The independent checker of plans lives with the tests (tests/tourcheck/).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TOUR_LISTS": "models", "load_tour_lists": "models", "check_tour_references": "models",
    "Site": "models", "Venue": "models", "Road": "models", "Official": "models", "ReceptionRule": "models",
    "TourRequest": "planner", "TourPlan": "planner", "TourDay": "planner", "Stop": "planner",
    "Leg": "planner", "Dropped": "planner", "MaterialRef": "planner", "TourData": "planner",
    "plan_tour": "planner", "InfeasibleRequest": "planner",
    "plan_to_ics": "ics", "render_printable": "printable",
    "plan_to_dict": "plan_json",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
