"""Structural validation of Bot API requests against `api.json`.

`api.json` is telegram-bot-api-spec (MIT, see LICENSE here): every method and type with its
fields as `{name, types[], required, description}`. A field's `types` is a union ("Integer or
String" is `["Integer", "String"]`); "Array of X" nests; abstract types (InlineQueryResult,
BotCommandScope, ...) list `subtypes` told apart by a constant `type`/`source`/`status` field
whose description says `must be X` or `always "X"`.

Real Telegram ignores unknown fields and coerces "123" to 123; this fake does neither, because
a misspelt field or a stringly-typed id is a bug the real server would hide.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

API_JSON = Path(__file__).with_name("api.json")

_DISCRIMINATORS = ("type", "source", "status")
_CONST_RE = re.compile(r'(?:must be|always) "?([a-z][a-z0-9_]*)"?$')
_ARRAY = "Array of "


class FileRef:
    """Stands in for a multipart part where a field's value would be, so that `InputFile`
    fields validate like any other value."""

    __slots__ = ("part",)

    def __init__(self, part: str):
        self.part = part

    def __repr__(self) -> str:
        return f"FileRef({self.part!r})"


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing" | "unknown" | "type" | "value"
    path: str
    detail: str = ""

    def describe(self) -> str:
        if self.kind == "missing":
            return f'Bad Request: parameter "{self.path}" is required'
        if self.kind == "unknown":
            return f'Bad Request: unknown parameter "{self.path}" ({self.detail})'
        return f'Bad Request: field "{self.path}" {self.detail}'


def _py_kind(value: Any) -> str:
    if isinstance(value, FileRef):
        return "an uploaded file"
    return {
        bool: "Boolean",
        int: "Integer",
        float: "Float",
        str: "String",
        list: "Array",
        dict: "Object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


class Schema:
    """Index over api.json with a recursive validator. Build once: see `load_schema`."""

    def __init__(self, data: dict[str, Any]):
        self.version: str = data.get("version", "?")
        self.methods: dict[str, dict] = data["methods"]
        self.types: dict[str, dict] = data["types"]
        self._fields: dict[str, dict[str, dict]] = {}
        self._discriminator: dict[str, tuple[str, dict[Any, list[str]]] | None] = {}

    # ---- lookups -------------------------------------------------------------------------

    def has_method(self, name: str) -> bool:
        return name in self.methods

    def method_fields(self, method: str) -> dict[str, dict]:
        key = "m:" + method
        if key not in self._fields:
            self._fields[key] = {f["name"]: f for f in self.methods[method].get("fields", [])}
        return self._fields[key]

    def type_fields(self, name: str) -> dict[str, dict]:
        key = "t:" + name
        if key not in self._fields:
            self._fields[key] = {f["name"]: f for f in self.types[name].get("fields", [])}
        return self._fields[key]

    def returns(self, method: str) -> list[str]:
        return self.methods[method].get("returns", [])

    def const_of(self, type_name: str) -> tuple[str, str] | None:
        """The discriminating (field, value) of a concrete subtype, e.g. ("type", "article")."""
        for name in _DISCRIMINATORS:
            spec = self.type_fields(type_name).get(name)
            if spec:
                m = _CONST_RE.search(spec["description"].rstrip(". "))
                if m:
                    return name, m.group(1)
        return None

    def _discriminate(self, abstract: str) -> tuple[str, dict[Any, list[str]]] | None:
        if abstract not in self._discriminator:
            result: tuple[str, dict[Any, list[str]]] | None = None
            table: dict[Any, list[str]] = {}
            field_name = None
            for sub in self.types[abstract].get("subtypes", []):
                const = self.const_of(sub) if sub in self.types else None
                if const is None:
                    continue
                field_name = const[0]
                table.setdefault(const[1], []).append(sub)
            if field_name:
                result = (field_name, table)
            self._discriminator[abstract] = result
        return self._discriminator[abstract]

    # ---- validation ------------------------------------------------------------------------

    def decode_params(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Params with JSON-string objects/arrays decoded where the field is structured."""
        fields = self.method_fields(method)
        return {
            name: self._decode_json_string(value, fields[name]["types"]) if name in fields else value
            for name, value in params.items()
        }

    def validate_call(
        self, method: str, params: dict[str, Any], parts: Iterable[str] = ()
    ) -> list[Problem]:
        """Problems of one request. `params` are decoded values; `parts` the names of its
        multipart file parts (referenced either by field name or by `attach://name`)."""
        fields = self.method_fields(method)
        parts = set(parts)
        problems: list[Problem] = []
        for name in params:
            if name not in fields:
                problems.append(Problem("unknown", name, f"not a field of {method} in {self.version}"))
        params = self.decode_params(method, params)
        for name, spec in fields.items():
            if name in params:
                problems += self.check(params[name], spec["types"], name)
            elif name in parts and "InputFile" in spec["types"]:
                continue
            elif spec["required"]:
                problems.append(Problem("missing", name))
        referenced = {name for name in parts if name in fields} | set(_attach_refs(params))
        for part in sorted(parts - referenced):
            problems.append(Problem("unknown", part, "multipart part that no field refers to"))
        for ref in sorted(set(_attach_refs(params)) - parts):
            problems.append(Problem("value", ref, "is referenced as attach:// but was not uploaded"))
        return problems

    @staticmethod
    def _decode_json_string(value: Any, types: list[str]) -> Any:
        # On the wire nested objects are JSON strings; a caller passing one through api_kwargs
        # is as valid as PTB's dict, so decode where the field cannot be a plain String.
        if isinstance(value, str) and "String" not in types:
            structured = any(t.startswith(_ARRAY) or t not in _PRIMITIVES for t in types)
            if structured:
                try:
                    return json.loads(value)
                except ValueError:
                    return value
        return value

    def check(self, value: Any, types: list[str], path: str) -> list[Problem]:
        """Problems of `value` against a union of type expressions ([] if any one fits)."""
        attempts: list[tuple[str, list[Problem]]] = []
        for t in types:
            problems = self._check_one(value, t, path)
            if not problems:
                return []
            attempts.append((t, problems))
        # Report the candidate whose shape fits (an object for an object type) rather than a
        # bare "wrong type", so nested mistakes name the nested field.
        fitting = [(t, p) for t, p in attempts if self._kind_fits(value, t)]
        if fitting:
            return min(fitting, key=lambda tp: len(tp[1]))[1]
        return [Problem("type", path, f"must be of type {' or '.join(types)}, got {_py_kind(value)}")]

    def _kind_fits(self, value: Any, t: str) -> bool:
        if t.startswith(_ARRAY):
            return isinstance(value, list)
        if t in _PRIMITIVES:
            return _PRIMITIVES[t](value)
        if t == "InputFile":
            return isinstance(value, FileRef)
        return isinstance(value, dict)

    def _check_one(self, value: Any, t: str, path: str) -> list[Problem]:
        if t.startswith(_ARRAY):
            if not isinstance(value, list):
                return [Problem("type", path, f"must be of type {t}, got {_py_kind(value)}")]
            inner = t[len(_ARRAY):]
            problems: list[Problem] = []
            for i, item in enumerate(value):
                problems += self.check(item, [inner], f"{path}[{i}]")
            return problems
        if t in _PRIMITIVES:
            if _PRIMITIVES[t](value):
                return []
            return [Problem("type", path, f"must be of type {t}, got {_py_kind(value)}")]
        if t == "InputFile":
            if isinstance(value, FileRef) or (isinstance(value, str) and value.startswith("attach://")):
                return []
            return [Problem("type", path, f"must be an uploaded file, got {_py_kind(value)}")]
        spec = self.types.get(t)
        if spec is None:  # a name the spec mentions but never defines: nothing to hold it to
            return []
        if "subtypes" in spec:
            return self._check_abstract(value, t, path)
        return self._check_object(value, t, path)

    def _check_abstract(self, value: Any, t: str, path: str) -> list[Problem]:
        candidates = list(self.types[t]["subtypes"])
        disc = self._discriminate(t)
        if disc and isinstance(value, dict):
            field_name, table = disc
            if field_name in value:
                tag = value[field_name]
                if tag not in table:
                    allowed = ", ".join(sorted(table))
                    return [Problem("value", f"{path}.{field_name}",
                                    f"has unknown {t} {field_name} {tag!r} (one of: {allowed})")]
                candidates = table[tag]
            elif all(self.const_of(s) for s in candidates if s in self.types):
                return [Problem("missing", f"{path}.{field_name}")]
        return self.check(value, candidates, path)

    def _check_object(self, value: Any, t: str, path: str) -> list[Problem]:
        if not isinstance(value, dict):
            return [Problem("type", path, f"must be of type {t}, got {_py_kind(value)}")]
        fields = self.type_fields(t)
        if not fields:  # placeholders such as CallbackGame hold no information
            return []
        problems: list[Problem] = []
        for name in value:
            if name not in fields:
                problems.append(Problem("unknown", f"{path}.{name}", f"not a field of {t}"))
        const = self.const_of(t) if "subtype_of" in self.types[t] else None
        for name, spec in fields.items():
            sub = f"{path}.{name}"
            if name in value:
                problems += self.check(value[name], spec["types"], sub)
                if const and name == const[0] and value[name] != const[1]:
                    problems.append(Problem("value", sub, f"must be {const[1]!r} in {t}"))
            elif spec["required"]:
                problems.append(Problem("missing", sub))
        return problems


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_PRIMITIVES = {
    "Integer": _is_int,
    "Float": lambda v: _is_int(v) or isinstance(v, float),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
}


def _attach_refs(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.startswith("attach://"):
            yield value[len("attach://"):]
    elif isinstance(value, dict):
        for v in value.values():
            yield from _attach_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _attach_refs(v)


@functools.cache
def load_schema(path: str | None = None) -> Schema:
    """The parsed api.json, read once per process (900 kB: too slow to re-read per test)."""
    with open(path or API_JSON, encoding="utf-8") as fh:
        return Schema(json.load(fh))
