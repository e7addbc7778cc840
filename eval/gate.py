"""Compare an eval summary with eval/thresholds.json: the list of figures that fell short."""
from __future__ import annotations

import json
from pathlib import Path

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


def load_thresholds(path: Path = THRESHOLDS) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def failures(overall: dict, thresholds: dict) -> list[str]:
    out = []
    for key, floor in thresholds.get("min", {}).items():
        value = overall.get(key)
        if value is None or value < floor:
            out.append(f"{key} = {value} < {floor}")
    for key, ceiling in thresholds.get("max", {}).items():
        value = overall.get(key)
        if value is None or value > ceiling:
            out.append(f"{key} = {value} > {ceiling}")
    return out
