"""Readable titles for documents: a ``_titles.json`` next to the files, else the
title in the file itself, else the file name made readable."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

CATALOG_NAME = "_titles.json"


@lru_cache(maxsize=64)
def _catalog(folder: Path, mtime: float) -> dict[str, str]:
    try:
        data = json.loads((folder / CATALOG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def catalog_title(path: Path) -> str | None:
    file = path.parent / CATALOG_NAME
    if not file.exists():
        return None
    return _catalog(path.parent, file.stat().st_mtime).get(path.name)


def readable_name(path: Path) -> str:
    stem = re.sub(r"[_-]+", " ", path.stem).strip()
    return stem[:1].upper() + stem[1:] if stem else path.name


def title_for(path: Path, own_title: str | None) -> str:
    return catalog_title(path) or (own_title or "").strip() or readable_name(path)
