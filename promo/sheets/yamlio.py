"""Round-trip YAML: read a list file keeping its comments and layout, change, add and remove
records, write it back byte for byte where nothing changed; keep the previous version for undo.

The lists are read by the bot with PyYAML (YAML 1.1), written here with ruamel.yaml (1.2): a
string PyYAML would read as something else (`"13800001234"`, `"yes"`, `"2026-03-05"` in a text
field) is written in double quotes, as lists/README.md asks.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

BACKUP_DIR = ".imports"


def _yaml(sequence: int, offset: int) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=sequence, offset=offset)
    return y


class ListFile:
    """One YAML list file as ruamel data, and the layout that writes it back unchanged."""

    def __init__(self, path: Path, text: str | None = None):
        self.path = path
        self.text = text if text is not None else (path.read_text(encoding="utf-8") if path.exists() else "")
        self.data: Any = _yaml(2, 0).load(self.text) if self.text.strip() else None
        if self.data is None:
            self.data = CommentedSeq()
        self.layout: str | None = None      # found before the first edit (dumping costs time)
        self.dirty = False

    def _edit(self) -> None:
        if self.layout is None:
            self.layout = self._layout()
        self.dirty = True

    def _layout(self) -> str:
        """'nested': top-level items at the margin, nested lists indented by 4 with the dash at 2
        (how the sample files are written); 'flat': nested dashes at the key's column."""
        for layout in ("nested", "flat"):
            if self.text and self.dump(layout) == self.text:
                return layout
        return "nested"

    def dump(self, layout: str | None = None) -> str:
        layout = layout or self.layout or self._layout()
        if not len(self.data) and not self.text.strip():
            return ""
        out = io.StringIO()
        if layout == "flat":
            _yaml(2, 0).dump(self.data, out)
            return out.getvalue()
        _yaml(4, 2).dump(self.data, out)
        return "".join(line[2:] if line.startswith("  ") else line
                       for line in out.getvalue().splitlines(keepends=True))

    def records(self) -> list[Any]:
        return [item for item in self.data if isinstance(item, dict)]

    # ------------------------------------------------------------------ edits
    def flow_lists(self) -> bool:
        """Whether this file writes short lists as [a, b] (the people files) or one per line."""
        for item in self.records():
            for value in item.values():
                if isinstance(value, CommentedSeq) and value and not isinstance(value[0], dict):
                    return bool(value.fa.flow_style())
        return False

    def set_fields(self, item: CommentedMap, values: dict, order: list[str]) -> None:
        """Set (or, for None / empty, remove) fields of `item`, new keys in model order."""
        self._edit()
        flow = self.flow_lists()
        for key, value in values.items():
            if _empty(value):
                if key in item:
                    _pop_keeping_comment(item, key)
                continue
            old = item.get(key)
            new = to_yaml(value, flow if not isinstance(old, CommentedSeq) else bool(old.fa.flow_style()))
            if key in item:
                item[key] = new
                continue
            later = order[order.index(key) + 1:] if key in order else []
            pos = next((i for i, k in enumerate(item) if k in later), len(item))
            item.insert(pos, key, new)

    def append(self, values: dict, order: list[str]) -> CommentedMap:
        self._edit()
        item = CommentedMap()
        self.set_fields(item, {k: values[k] for k in order if k in values}, order)
        if len(self.data):
            # a blank line between records, as the files are written
            last = self.data[-1]
            if isinstance(last, CommentedMap) and last:
                key = list(last)[-1]
                if not last.ca.items.get(key):
                    value = last[key]
                    target = value if isinstance(value, (CommentedSeq, CommentedMap)) else None
                    if target is None:
                        last.ca.items[key] = [None, None, _newline_token(), None]
                    else:
                        _blank_after(target)
        self.data.append(item)
        return item

    def remove(self, item: CommentedMap) -> None:
        self._edit()
        index = next(i for i, x in enumerate(self.data) if x is item)
        trailing = _trailing_comment(item)
        del self.data[index]
        if trailing is not None and index > 0 and isinstance(self.data[index - 1], CommentedMap):
            prev = self.data[index - 1]
            key = list(prev)[-1]
            entry = prev.ca.items.setdefault(key, [None, None, None, None])
            entry[2] = trailing


def _newline_token():
    from ruamel.yaml.tokens import CommentToken
    from ruamel.yaml.error import CommentMark

    return CommentToken("\n\n", CommentMark(0), None)


def _blank_after(node) -> None:
    if isinstance(node, CommentedSeq) and len(node):
        if isinstance(node[-1], (CommentedSeq, CommentedMap)):
            _blank_after(node[-1])
        elif not node.ca.items.get(len(node) - 1):
            node.ca.items[len(node) - 1] = [_newline_token(), None]
    elif isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        if isinstance(node[key], (CommentedSeq, CommentedMap)):
            _blank_after(node[key])
        elif not node.ca.items.get(key):
            node.ca.items[key] = [None, None, _newline_token(), None]


def _trailing_comment(item: CommentedMap):
    """The comment after a record's last field (a blank line, the next section's header)."""
    if not item:
        return None
    key = list(item)[-1]
    value = item[key]
    if isinstance(value, CommentedSeq) and len(value):
        entry = value.ca.items.get(len(value) - 1)
        return entry[0] if entry else None
    if isinstance(value, CommentedMap):
        return _trailing_comment(value)
    entry = item.ca.items.get(key)
    return entry[2] if entry and len(entry) > 2 else None


def _pop_keeping_comment(item: CommentedMap, key) -> None:
    keys = list(item)
    trailing = _trailing_comment(item) if keys and keys[-1] == key else None
    item.pop(key)
    if trailing is not None and item:
        last = list(item)[-1]
        if not isinstance(item[last], (CommentedSeq, CommentedMap)):
            item.ca.items.setdefault(last, [None, None, None, None])[2] = trailing


def _empty(value) -> bool:
    return value is None or value == [] or value == ""


def _needs_quotes(text: str) -> bool:
    if text == "" or text != text.strip():
        return True
    try:
        return not isinstance(pyyaml.safe_load(text), str) or pyyaml.safe_load(text) != text
    except pyyaml.YAMLError:
        return True


def to_yaml(value, flow: bool = False):
    """A plain value (from the model) as ruamel data."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        return DoubleQuotedScalarString(value) if _needs_quotes(value) else value
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            if not _empty(v):
                m[k] = to_yaml(v)
        return m
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(to_yaml(v) for v in value)
        if flow and not any(isinstance(v, dict) for v in value):
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    return value


def plain(node):
    """ruamel data → plain Python (dict, list, str, int, date) for the models."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime):
        return node.date() if (node.hour, node.minute, node.second) == (0, 0, 0) else node
    return node


def read_records(path: Path) -> list[dict]:
    """The records (mappings) of a list file as plain values, in file order, with PyYAML's C
    loader as the bot reads them (ruamel is loaded only for the files an import changes)."""
    if not path.exists():
        return []
    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
    data = pyyaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return [item for item in (data or []) if isinstance(item, dict)]


# --------------------------------------------------------------------------- writing and undo

def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_with_backup(root: Path, texts: dict[str, str], source: str, now: dt.datetime) -> Path:
    """Keep the current version of every file about to change in .imports/<stamp>/, then write
    the new texts. Returns the backup folder."""
    base = root / BACKUP_DIR
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = base / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    manifest: dict[str, Any] = {"created": now.isoformat(), "source": source, "files": {}}
    for rel in texts:
        current = root / rel
        if current.exists():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(current, folder / rel)
            manifest["files"][rel] = "replaced"
        else:
            manifest["files"][rel] = "created"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for rel, text in texts.items():
        write_atomic(root / rel, text)
    return folder


def backups(root: Path) -> list[Path]:
    base = root / BACKUP_DIR
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if (p / "manifest.json").is_file()), key=lambda p: p.name)


def undo_last(root: Path) -> dict | None:
    """Restore the files of the latest import; None when there is nothing to undo. The backup
    moves to .imports/undone/ (an undo is not undone again)."""
    found = backups(root)
    if not found:
        return None
    folder = found[-1]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for rel, how in manifest["files"].items():
        if how == "replaced":
            write_atomic(root / rel, (folder / rel).read_text(encoding="utf-8"))
        else:
            (root / rel).unlink(missing_ok=True)
    done = root / BACKUP_DIR / "undone"
    done.mkdir(exist_ok=True)
    shutil.move(str(folder), str(done / folder.name))
    return manifest
