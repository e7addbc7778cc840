"""What bounds the extractive answers: fact recall of what the answerer has to choose from.

    python -m bench.ceiling_bench [--set bundled|train|second] [--split dev|test|…]

Per answerable gold question, beside the product's answer:
- pool@1 / pool@3 / pool@10: the key facts in the whole text of the first 1, 3 or all
  passages the answerer scores (retrieval order) — no answer can quote what is not there;
- best passage: the whole passage the scorer ranks first (≈ 120 words, twice the budget);
- oracle first unit: the answer composed as the product does, but with the unit whose
  block holds the most key facts put first (the gold labels choose it: an upper bound for
  a better sentence ranker, not a result). A two-part question is composed as one here,
  where the product answers it part by part.
Prints a Markdown table with the median answer words. Reads gold labels only to score;
nothing is fitted or chosen here.
"""
from __future__ import annotations

import argparse
import statistics

import numpy as np

POOL_DEPTHS = (1, 3, 10)


def pool_recall(passages, facts: list[list[str]], depth: int) -> float:
    """Key facts found anywhere in the first ``depth`` passages' text."""
    from eval.metrics import fact_recall

    if not passages:
        return 0.0
    return fact_recall(" ".join(p.text for p in passages[:depth]), facts) or 0.0


def oracle_first(scores: np.ndarray, grades: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """The scores with the unit holding the most key facts (ties: the better scored one)
    raised just above all others — not far above: further units join an answer by their
    share of the first one's score, as they would for a real best unit. Headings, never
    quoted alone, are left as they are."""
    out = np.asarray(scores, dtype=float).copy()
    if not len(out) or not np.any(np.asarray(grades)[~heading] > 0):
        return out
    key = np.where(heading, -np.inf, np.asarray(grades, dtype=float) + 1e-6 * out)
    out[int(np.argmax(key))] = out.max() + 1e-6
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling_bench")
    parser.add_argument("--set", dest="set_name", default="second", choices=["bundled", "train", "second"])
    parser.add_argument("--split", default=None, help="standaard: test (bundled), dev (train), alles (second)")
    args = parser.parse_args(argv)

    from common.config import settings_or_exit
    from eval.metrics import fact_recall
    from eval.sets import SETS, load_splits, split_of
    from eval.train import assistant_for, examples
    from vectorstore.embedders import make_embedder

    settings = settings_or_exit()
    gold_set = SETS[args.set_name]
    split = args.split or {"bundled": "test", "train": "dev"}.get(gold_set.name, gold_set.splits[0])
    splits = load_splits()
    assistant = assistant_for(settings, gold_set, make_embedder(settings))
    answerer = assistant.extractive
    items = [i for i in gold_set.items() if i.answerable and i.facts and split_of(gold_set, i, splits) == split]
    rows: dict[str, list[float]] = {f"pool@{k}": [] for k in POOL_DEPTHS}
    rows |= {"best passage": [], "oracle first unit": [], "product": []}
    words: dict[str, list[int]] = {"best passage": [], "oracle first unit": [], "product": []}
    for ex in examples(assistant, gold_set, items, splits):
        facts = ex.item.facts
        for k in POOL_DEPTHS:
            rows[f"pool@{k}"].append(pool_recall(ex.pool, facts, k))
        # scored once: for the product's answer, then (scores raised) for the oracle's
        scored = answerer.score(ex.query, ex.pool)
        draft = answerer.answer(ex.query, ex.pool, scored)
        rows["product"].append(0.0 if draft.refused else fact_recall(draft.text, facts) or 0.0)
        words["product"] += [] if draft.refused else [len(draft.text.split())]
        if not scored.candidates:
            rows["best passage"].append(0.0)
            rows["oracle first unit"].append(0.0)
            continue
        best = ex.pool[answerer.rank(ex.pool, scored)[0]]
        rows["best passage"].append(fact_recall(best.text, facts) or 0.0)
        words["best passage"].append(len(best.text.split()))
        heading = np.array([c.unit.heading for c in scored.candidates])
        raised = oracle_first(np.array([c.score for c in scored.candidates]), ex.y, heading)
        for c, s in zip(scored.candidates, raised):
            c.score = float(s)
        oracle = answerer.compose(ex.query, ex.pool, scored.candidates)
        rows["oracle first unit"].append(fact_recall(oracle.text, facts) or 0.0)
        words["oracle first unit"].append(len(oracle.text.split()))
    print(f"{gold_set.name} / {split}: {len(items)} beantwoordbare vragen; scorer {assistant.scorer.meta.get('trained')}\n")
    print("| wat het antwoord kan citeren | feitrecall | mediaan woorden |")
    print("|---|---|---|")
    for name, values in rows.items():
        median = statistics.median(words[name]) if words.get(name) else "–"
        print(f"| {name} | {np.mean(values):.3f} | {median} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
