"""The units and targets lists as a registry: resolve an officer's unit (as the allow-list
writes it: name, id or alias) to a unit, and a unit's targets of a year."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from promo.bureau.models import KIND_LABELS, Target, Unit, UnitKind

__all__ = ["UnitRegistry", "UNKNOWN_KIND"]

UNKNOWN_KIND = "unlisted"   # a unit name found in the records but not in lists/units.yaml


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


@dataclass
class UnitRegistry:
    units: list[Unit]
    targets: list[Target]

    def __post_init__(self):
        self._by_key: dict[str, Unit] = {}
        for u in self.units:
            for name in (u.id, u.name, *u.aliases):
                self._by_key.setdefault(_key(name), u)
        self._targets = {(t.unit, t.year): t for t in self.targets}

    @classmethod
    def from_library(cls, lib) -> UnitRegistry:
        return cls(list(lib.lists.get("units", [])), list(lib.lists.get("targets", [])))

    def resolve(self, text: str | None) -> Unit | None:
        """The unit an allow-list or record unit string names, or None."""
        return self._by_key.get(_key(text)) if text else None

    def get(self, unit_id: str) -> Unit | None:
        u = self._by_key.get(_key(unit_id))
        return u if u and u.id == unit_id else None

    def target(self, unit_id: str, year: int) -> Target | None:
        return self._targets.get((unit_id, year))

    def of_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind.value == kind]

    @staticmethod
    def kind_label(kind: str) -> str:
        return KIND_LABELS.get(kind, "未登记单位")

    def names(self, unit: Unit) -> set[str]:
        """Every string records may carry for this unit."""
        return {unit.id, unit.name, *unit.aliases}


KINDS = [k.value for k in UnitKind]
