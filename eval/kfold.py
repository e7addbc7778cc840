"""python -m eval.kfold [--folds 5] — k-fold estimate on the bundled gold set.

The bundled set's questions are dealt into k folds by section (as the splits are); for
each fold the scorer is fitted on the other folds plus the LibreOffice training split,
its threshold and composition ratio chosen on the LibreOffice dev split only, and the
fold is answered. Prints each fold and the mean: how much the single test-split figure
might move with another draw of the sections.
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
from collections import defaultdict

from eval.sets import SETS, load_splits
from eval.train import assistant_for, dev_figures, examples, fit


def fold_of(items, chunks_by_source, k: int) -> dict[str, int]:
    from eval.splits import section_key

    groups = defaultdict(list)
    for item in items:
        groups[section_key(SETS["bundled"], item, chunks_by_source)].append(item.id)
    keys = sorted(groups, key=lambda g: hashlib.sha1(g.encode()).hexdigest())
    sizes = [0] * k
    out = {}
    for key in keys:  # the smallest fold takes the next section
        f = sizes.index(min(sizes))
        for i in groups[key]:
            out[i] = f
        sizes[f] += len(groups[key])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.kfold", description="k-fold-schatting op de gold-set.")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    from assistant.answerers.extractive import ExtractiveAnswerer
    from assistant.scorer import SentenceScorer
    from common.config import settings_or_exit
    from eval.splits import _chunks
    from vectorstore.embedders import make_embedder

    settings = settings_or_exit()
    embedder = make_embedder(settings)
    splits = load_splits()
    bundled, lo = SETS["bundled"], SETS["train"]
    items = bundled.items()
    folds = fold_of(items, _chunks(bundled), args.folds)
    b_examples = examples(assistant_for(settings, bundled, embedder, SentenceScorer.untrained()), bundled, items, splits)
    lo_items = [i for i in lo.items() if splits["train"][i.id] in ("train", "dev")]
    lo_examples = examples(assistant_for(settings, lo, embedder, SentenceScorer.untrained()), lo, lo_items, splits)
    lo_train = [e for e in lo_examples if e.split == "train"]
    lo_dev = [e for e in lo_examples if e.split == "dev"]
    rows = []
    for k in range(args.folds):
        train = [e for e in b_examples if folds[e.item.id] != k] + lo_train
        held = [e for e in b_examples if folds[e.item.id] == k]
        scorer, _ = fit(train, lo_dev, 0.02, log=lambda *a: None)
        figures = dev_figures(ExtractiveAnswerer(scorer), held)
        rows.append(figures)
        print(f"fold {k + 1}: {len(held)} vragen  " + "  ".join(
            f"{key}={value:.2f}" for key, value in figures.items() if key != "n" and value is not None), flush=True)
    keys = ["fact_recall", "all_facts", "false_refusal_rate", "refusal_accuracy", "median_words"]
    print("\n| | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
    def spread(key: str) -> str:
        values = [r[key] for r in rows if r[key] is not None]
        return f"{statistics.mean(values):.2f} ({statistics.pstdev(values):.2f})" if values else "–"

    print("| gemiddelde (sd) | " + " | ".join(spread(key) for key in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
