"""The one codec of callback_data: a prefix per feature plus typed fields, packed as
`prefix:field:field`, and checked against Telegram's 64-byte limit in one place.

Buttons pointing at state the bot no longer has (an old message, a restart, a data reload)
decode fine but refer to nothing: the handlers answer those with "please ask again".
"""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar, get_type_hints

MAX_BYTES = 64
SEP = ":"
MAX_INT = 2**63 - 1              # what the database holds; a forged 20-digit id is stale, not a crash
_INT = re.compile(r"-?[0-9]{1,19}")   # ASCII digits only: str.isdigit() passes '²', int() does not
_REGISTRY: dict[str, type[CallbackData]] = {}


class CallbackDataError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class CallbackData:
    PREFIX: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.PREFIX:
            if cls.PREFIX in _REGISTRY:
                raise TypeError(f"callback prefix {cls.PREFIX!r} used twice")
            _REGISTRY[cls.PREFIX] = cls

    def pack(self) -> str:
        parts = [self.PREFIX]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            text = "" if value is None else str(int(value) if isinstance(value, bool) else value)
            if SEP in text:
                raise CallbackDataError(f"{type(self).__name__}.{f.name} may not contain {SEP!r}")
            parts.append(text)
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise CallbackDataError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def pattern(cls):
        """For CallbackQueryHandler(pattern=...): matches this class's packed data."""
        return lambda data: isinstance(data, str) and data.split(SEP, 1)[0] == cls.PREFIX


def unpack(data: str) -> CallbackData:
    prefix, *values = data.split(SEP)
    cls = _REGISTRY.get(prefix)
    if cls is None:
        raise CallbackDataError(f"unknown callback prefix {prefix!r}")
    fields = dataclasses.fields(cls)
    if len(values) != len(fields):
        raise CallbackDataError(f"{cls.__name__} takes {len(fields)} fields, got {len(values)}")
    hints = get_type_hints(cls)
    kwargs = {}
    for f, raw in zip(fields, values):
        kind = hints[f.name]
        if raw == "" and "None" in str(kind):
            kwargs[f.name] = None
        elif kind in (int, "int") or str(kind).startswith("int"):
            if not _INT.fullmatch(raw) or abs(int(raw)) > MAX_INT:
                raise CallbackDataError(f"{cls.__name__}.{f.name}: {raw[:24]!r} is not a number the bot makes")
            kwargs[f.name] = int(raw)
        elif kind is bool:
            kwargs[f.name] = raw == "1"
        else:
            kwargs[f.name] = raw
    return cls(**kwargs)


def is_index(raw: str) -> bool:
    """A list position carried in a button as text ("0", "12"): ASCII digits, short."""
    return bool(re.fullmatch(r"[0-9]{1,3}", raw or ""))


def decode(update, cls: type[CallbackData]) -> CallbackData | None:
    """The pressed button's data as `cls`, or None when it is not (a stale or forged button)."""
    try:
        data = unpack(update.callback_query.data or "")
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, cls) else None
