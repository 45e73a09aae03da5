"""The published JSON Schema files match the models, and every list file points at one."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from promo.lists.schemas import write_schemas

from .conftest import ROOT


def test_published_schemas_are_up_to_date(tmp_path):
    for path in write_schemas(tmp_path):
        published = ROOT / "schemas" / path.name
        assert published.exists(), f"run: python bot.py schemas  ({path.name} missing)"
        assert json.loads(published.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8")), \
            f"schemas/{path.name} is stale: run python bot.py schemas"


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT) for p in [*ROOT.glob("lists/**/*.yaml"),
                                                                      *ROOT.glob("pitch_library/*.yaml")]),
                         ids=str)
def test_each_list_names_its_schema_and_validates(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    m = re.search(r"yaml-language-server: \$schema=(\S+)", "\n".join(text.split("\n", 3)[:2]))
    assert m, f"{path}: first lines should name its schema for editors"
    schema_path = ((ROOT / path).parent / m.group(1)).resolve()
    assert schema_path.exists(), f"{path}: {m.group(1)} does not exist"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(yaml.safe_load(text), default=str)), schema)
