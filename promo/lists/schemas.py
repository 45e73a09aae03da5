"""JSON Schema files for the lists, so an editor's YAML plug-in autocompletes and underlines."""

from __future__ import annotations

import json
from pathlib import Path

from promo.lists import models
from promo.bureau.models import BUREAU_LISTS
from promo.tour.models import TOUR_LISTS


def _record_models() -> dict[str, type]:
    out: dict[str, type] = {"chain": models.Chain, "company": models.Company, "place": models.Place, "school": models.School,
           "organisation": models.Organisation,
           "project": models.Project, "event": models.Event, "policy": models.Policy,
           "resource": models.Resource, "problem": models.ProblemSeed,
           "material": models.Material, "person": models.Person}
    for path, model in {**TOUR_LISTS, **BUREAU_LISTS}.items():
        out[Path(path).stem.rstrip("s") if Path(path).stem.endswith("s") else Path(path).stem] = model
    return out


def schema_for(name: str, model) -> dict:
    item = model.model_json_schema()
    if name == "person":   # the list is set from the file name, never typed
        item.get("required", []).remove("list") if "list" in item.get("required", []) else None
        item["properties"].pop("list", None)
    defs = item.pop("$defs", {})
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": f"{name} list", "type": "array", "items": item}
    if defs:
        schema["$defs"] = defs
    return schema


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, model in _record_models().items():
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(schema_for(name, model), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
