"""The gold sets, their corpora and their splits.

- ``bundled``: eval/gold.jsonl over the bundled corpus, split by document section into
  train / dev / test. Its test split is the figure the README and the CI gate report.
- ``train``: LibreOffice help pages (eval/sets/train), split by page into train / dev;
  only for fitting and choosing.
- ``second``: the Debian Edu manual and LibreOffice Writer pages (eval/sets/second),
  written by reading documents the code never saw; test only, never fitted or chosen on.

Splits are computed once by ``python -m eval.splits`` and kept in eval/splits.json, so
they can be reviewed and never move silently; a question's split follows its section,
so near-duplicate questions about one section never straddle train and test.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.config import CORPUS_DIR
from eval.runner import GoldItem, load_gold

EVAL_DIR = Path(__file__).resolve().parent
SPLITS_FILE = EVAL_DIR / "splits.json"


@dataclass(frozen=True)
class GoldSet:
    name: str
    gold: Path
    corpus: Path
    splits: tuple[str, ...]  # the splits this set is divided into

    def items(self) -> list[GoldItem]:
        return load_gold(self.gold)


SETS = {
    "bundled": GoldSet("bundled", EVAL_DIR / "gold.jsonl", CORPUS_DIR, ("train", "dev", "test")),
    "train": GoldSet("train", EVAL_DIR / "sets" / "train" / "gold.jsonl", EVAL_DIR / "sets" / "train" / "corpus",
                     ("train", "dev")),
    "second": GoldSet("second", EVAL_DIR / "sets" / "second" / "gold.jsonl", EVAL_DIR / "sets" / "second" / "corpus",
                      ("test",)),
}


def load_splits(path: Path = SPLITS_FILE) -> dict[str, dict[str, str]]:
    """{set name: {question id: split}}; a set with one split needs no entry."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def split_of(gold_set: GoldSet, item: GoldItem, splits: dict[str, dict[str, str]] | None = None) -> str:
    if len(gold_set.splits) == 1:
        return gold_set.splits[0]
    splits = load_splits() if splits is None else splits
    try:
        return splits[gold_set.name][item.id]
    except KeyError:
        raise KeyError(f"{gold_set.name}/{item.id} heeft geen split; draai `python -m eval.splits` "
                       "(no split assigned)") from None


def select(gold_set: GoldSet, split: str | None) -> list[GoldItem]:
    """The set's questions in one split (all when ``split`` is None or "all")."""
    items = gold_set.items()
    if split in (None, "all"):
        return items
    splits = load_splits()
    return [item for item in items if split_of(gold_set, item, splits) == split]
