"""Readable titles and dates for documents: a ``_titles.json`` next to the files, else
what the file says about itself, else the file name made readable (never a hash).

A catalogue entry is either a title or an object with a title and a date:
``{"plan.pdf": "Strategisch plan", "deal.txt": {"title": "Regio Deal", "date": "2023-06"}}``.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

CATALOG_NAME = "_titles.json"
# a token that names a file for a machine: a hex digest, a UUID part, a bare number
_MACHINE_TOKEN = re.compile(r"^(?:\d+|(?=[0-9a-f]*\d)[0-9a-f]{4,})$", re.I)


@lru_cache(maxsize=64)
def _catalog(folder: Path, mtime: float) -> dict[str, dict]:
    try:
        data = json.loads((folder / CATALOG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    entries = {}
    for name, value in data.items():
        if isinstance(value, dict):
            entries[str(name)] = {k: str(v) for k, v in value.items() if k in ("title", "date") and v}
        elif value:
            entries[str(name)] = {"title": str(value)}
    return entries


def _entry(path: Path) -> dict:
    file = path.parent / CATALOG_NAME
    try:
        mtime = file.stat().st_mtime
    except OSError:
        return {}
    return _catalog(path.parent, mtime).get(path.name, {})


def catalog_title(path: Path) -> str | None:
    return _entry(path).get("title")


def catalog_date(path: Path) -> str | None:
    """The catalogue's date for the file, as written ("2023", "2023-06-01")."""
    return _entry(path).get("date")


def readable_name(path: Path) -> str | None:
    """The file name as words ("jaarverslag_2023.pdf" -> "Jaarverslag 2023"), or None
    when it is only machine tokens ("000_fe49dfaff4660971.txt")."""
    tokens = re.sub(r"[_-]+", " ", path.stem).split()
    if not tokens or all(_MACHINE_TOKEN.match(t) for t in tokens):
        return None
    stem = " ".join(tokens)
    return stem[:1].upper() + stem[1:]


def title_for(path: Path, own_title: str | None) -> str:
    return catalog_title(path) or (own_title or "").strip() or readable_name(path) or path.name
