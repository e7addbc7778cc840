"""python -m eval.train — fit the sentence scorer; choose its settings on dev.

Fit on the train splits (bundled gold set + the LibreOffice training set), choose the
unit model (logistic regressions over C_GRID, boosted trees over TREE_GRID), the
refusal threshold and the composition settings on their dev splits,
write assistant/models/scorer.json. The bundled test split and the second gold set are
never read here.

A unit's label is whether it holds one of the question's key facts. The refusal
threshold is the highest that keeps false refusals on dev at or under ``--max-false-refusals``;
the composition settings (the ratio for adding further sentences, the short-section and
context word budgets) are the ones giving the best dev fact recall with a median answer
within the word budget.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from eval.metrics import contains_fact, fact_recall
from eval.runner import GoldItem
from eval.sets import SETS, GoldSet, split_of, load_splits

C_GRID = (0.01, 0.1, 1.0)
# gradient-boosted trees for the unit model: (learning rate, trees, leaves per tree)
TREE_GRID = ((0.05, 300, 7),)
SECOND_PICK_GRID = (0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9)
WHOLE_PASSAGE_GRID = (0, 40, 60, 80)
# words an answer may grow to with the sentences around its best one (0: none)
CONTEXT_GRID = (0, 40, 50, 60)


@dataclass
class Example:
    set: str
    split: str
    item: GoldItem
    query: object  # assistant.query.Query
    pool: list
    candidates: list
    X: np.ndarray
    y: np.ndarray


TRAINING_SETS = ("bundled", "train")


def training_inputs(sets: dict[str, GoldSet] = SETS, splits: dict | None = None) -> str:
    """A fingerprint of everything fitting reads besides the code: each training set's
    gold file, its split assignment and every file of its corpus. Saved in the model's
    meta (``inputs``), so anyone can check whether a scorer was fitted on the data in the
    repository: a gold question or a page added without refitting changes it. (The
    shipped scorer predates it; a test can compare once the shipped weights are refitted.)"""
    splits = load_splits() if splits is None else splits
    digest = hashlib.sha256()
    for name in TRAINING_SETS:
        gold_set = sets[name]
        digest.update(f"set {name}\n".encode())
        digest.update(gold_set.gold.read_bytes())
        digest.update(json.dumps(splits.get(name, {}), sort_keys=True).encode())
        for path in sorted(gold_set.corpus.rglob("*")):
            if path.is_file():
                digest.update(f"\n{path.relative_to(gold_set.corpus).as_posix()}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def per_set(examples: list[Example]) -> dict[str, int]:
    """How many of the examples come from each training set (recorded in the model's meta)."""
    return {s: sum(e.set == s for e in examples) for s in TRAINING_SETS}


def store_settings(settings, gold_set: GoldSet):
    """Each gold set's corpus has its own store under data/eval/<set>/ (incremental)."""
    from common.config import DATA_DIR

    return settings.with_overrides(store_dir=DATA_DIR / "eval" / gold_set.name / "store")


def assistant_for(settings, gold_set: GoldSet, embedder, scorer=None):
    """An Assistant over the gold set's corpus, ingested (incrementally) first."""
    from assistant.core import Assistant
    from assistant.scorer import SentenceScorer
    from ingest.pipeline import ingest

    set_settings = store_settings(settings, gold_set)
    report = ingest([gold_set.corpus], set_settings, embedder)
    if report.failed:
        print(f"waarschuwing: {gold_set.name}: niet geïndexeerd: {report.failed}", file=sys.stderr)
    return Assistant(set_settings, embedder=embedder, scorer=scorer or SentenceScorer.load(settings.scorer_file))


def examples(assistant, gold_set: GoldSet, items: list[GoldItem], splits: dict) -> list[Example]:
    from assistant.features import candidates_of, featurize

    out = []
    for item in items:
        snapshot = assistant.store.snapshot()
        query = assistant.analyse(item.question, item.history, snapshot)
        pool = assistant.retrieve(query, snapshot=snapshot)
        candidates = candidates_of(pool)
        X = featurize(query, pool, candidates)
        # graded: how many of the key facts an answer built on this unit would quote
        y = np.array([sum(contains_fact(block_text(c, candidates, query), v) for v in item.facts)
                      for c in candidates], dtype=float)
        out.append(Example(gold_set.name, split_of(gold_set, item, splits), item, query, pool, candidates, X, y))
    return out


def block_text(candidate, candidates, query) -> str:
    """What an answer built on this unit quotes (the unit with its list, antecedent or
    paired line): a unit is a good pick when that holds a key fact."""
    from assistant.compose import block_for

    return block_for(candidate, candidates, query).text


def dev_figures(answerer, dev: list[Example], scored: dict | None = None) -> dict:
    """``scored``: each example's unit scores (by ``id``) when the models are the same for
    many calls and only the composition settings change: scoring is most of the work."""
    recall, all_facts, words, false_refusals, refused_unanswerable = [], [], [], 0, 0
    answerable = [e for e in dev if e.item.answerable]
    for ex in dev:
        draft = answerer.answer(ex.query, ex.pool, (scored or {}).get(id(ex)))
        if not ex.item.answerable:
            refused_unanswerable += draft.refused
            continue
        false_refusals += draft.refused
        text = "" if draft.refused else draft.text
        r = fact_recall(text, ex.item.facts) or 0.0
        recall.append(r)
        all_facts.append(r == 1.0)
        if not draft.refused:
            words.append(len(text.split()))
    unanswerable = len(dev) - len(answerable)
    return {"fact_recall": float(np.mean(recall)) if recall else 0.0,
            "all_facts": float(np.mean(all_facts)) if all_facts else 0.0,
            "false_refusal_rate": false_refusals / max(len(answerable), 1),
            "refusal_accuracy": refused_unanswerable / unanswerable if unanswerable else None,
            "median_words": statistics.median(words) if words else 0, "n": len(dev)}


def _question_rows(examples: list[Example], probabilities: list[np.ndarray]) -> np.ndarray:
    from assistant.scorer import question_features

    return np.vstack([question_features(e.X, p, np.array([c.unit.heading for c in e.candidates]))
                      for e, p in zip(examples, probabilities)])


def _groups(examples: list[Example]) -> np.ndarray:
    return np.concatenate([np.full(len(e.y), k) for k, e in enumerate(examples)])


def unit_models():
    """The unit models tried, each as (answerability C, how to fit it on X, grades, groups):
    pairwise logistic regressions over C_GRID, then boosted trees over TREE_GRID."""
    from assistant.scorer import Logistic, Trees

    for C in C_GRID:
        yield C, lambda X, y, g, C=C: Logistic(C=C).fit_pairwise(X, y, g)
    for lr, trees, leaves in TREE_GRID:
        yield 0.1, lambda X, y, g, lr=lr, trees=trees, leaves=leaves: \
            Trees(learning_rate=lr, max_iter=trees, max_leaf_nodes=leaves).fit(X, y)


def out_of_fold(train: list[Example], fit_units, folds: int = 5) -> list[np.ndarray]:
    """Unit probabilities for each training question from a model that did not see it,
    so the answerability model learns from scores like those it will get."""
    out: list[np.ndarray | None] = [None] * len(train)
    for k in range(folds):
        held = [i for i in range(len(train)) if i % folds == k]
        rest = [i for i in range(len(train)) if i % folds != k]
        model = fit_units(np.vstack([train[i].X for i in rest]), np.concatenate([train[i].y for i in rest]),
                          _groups([train[i] for i in rest]))
        for i in held:
            out[i] = model.predict_proba(train[i].X)
    return out


def choose_threshold(answerer, dev: list[Example], max_false: float, scored: dict | None = None) -> float:
    """The highest threshold refusing at most ``max_false`` of the answerable dev questions
    (``scored``: their scores by ``id`` when the caller has them already)."""
    strengths = sorted((scored[id(ex)] if scored else answerer.score(ex.query, ex.pool)).evidence
                       for ex in dev if ex.item.answerable)
    if not strengths:
        return 0.5
    allowed = int(np.floor(max_false * len(strengths)))
    # halfway between the last refused and the first answered answerable question
    below = strengths[allowed - 1] if allowed > 0 else 0.0
    return float((below + strengths[allowed]) / 2)


def fit(train: list[Example], dev: list[Example], max_false: float, log=print, off_topic: list[Example] = ()):
    """Fit both models on train; choose the unit model, the threshold and the composition
    settings on dev by fact recall plus half the refusal accuracy, with the median answer
    in budget. ``off_topic``: training questions asked of another corpus, extra negatives
    for the answerability model only (they teach "about something else", not which unit
    answers)."""
    from assistant.scorer import Logistic

    train = [e for e in train if len(e.y)]
    X = np.vstack([e.X for e in train])
    y = np.concatenate([e.y for e in train])  # grades
    answerable = np.array([e.item.answerable for e in train])
    extra = [e for e in off_topic if len(e.y)]
    best = None
    for C, fit_units in unit_models():
        units = fit_units(X, y, _groups(train))
        rows = _question_rows(train, out_of_fold(train, fit_units))
        if extra:
            rows = np.vstack([rows, _question_rows(extra, [units.predict_proba(e.X) for e in extra])])
        questions = Logistic(C=C).fit(rows, np.r_[answerable, np.zeros(len(extra), dtype=bool)])
        best = _choose_composition(units, questions, dev, max_false, best, log)
    return best[1], best[2]


def _choose_composition(units, questions, dev: list[Example], max_false: float, best, log):
    """The refusal threshold for these two models, then the composition settings with
    the best dev figures; returns the better of that and ``best`` (key, scorer, figures)."""
    from assistant.answerers.extractive import ExtractiveAnswerer
    from assistant.scorer import SentenceScorer

    scorer = SentenceScorer(units, questions)
    # each dev question scored once, for the threshold and for every composition setting
    # (the answerer scores a two-part question part by part itself)
    scored = {id(ex): ExtractiveAnswerer(scorer).score(ex.query, ex.pool) for ex in dev}
    scorer.threshold_ = choose_threshold(ExtractiveAnswerer(scorer), dev, max_false, scored)
    for pick, whole, context in itertools.product(SECOND_PICK_GRID, WHOLE_PASSAGE_GRID, CONTEXT_GRID):
        scorer.second_pick_, scorer.whole_passage_, scorer.context_ = pick, whole, context
        figures = dev_figures(ExtractiveAnswerer(scorer), dev, scored)
        # in budget first, then facts and refusals, then the shorter answer
        key = (figures["median_words"] <= 60,
               round(figures["fact_recall"] + 0.5 * (figures["refusal_accuracy"] or 0.0), 4),
               figures["all_facts"], -figures["median_words"])
        log(f"units={units.label} second_pick={pick:<4} whole_passage={whole:<3} context={context:<3} "
            f"threshold={scorer.threshold_:.3f} " +
            " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
        if best is None or key > best[0]:
            best = (key, SentenceScorer(units, questions, scorer.threshold_, pick, whole, context), figures)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description="Train het scoringsmodel voor zinnen.")
    parser.add_argument("--out", type=Path, default=None, help="modelbestand (standaard: assistant/models/scorer.json)")
    parser.add_argument("--max-false-refusals", type=float, default=0.02,
                        help="aandeel beantwoordbare dev-vragen dat geweigerd mag worden (standaard 0.02)")
    parser.add_argument("--compose-only", action="store_true",
                        help="de gefitte modellen houden; alleen drempel en samenstelling opnieuw kiezen op dev "
                             "(keep the fitted models; choose only the threshold and composition on dev)")
    args = parser.parse_args(argv)

    from assistant.scorer import MODEL_FILE, SentenceScorer
    from common.config import settings_or_exit
    from vectorstore.embedders import make_embedder

    settings = settings_or_exit()
    embedder = make_embedder(settings)
    splits = load_splits()
    train, dev, off_topic = [], [], []
    assistants = {name: assistant_for(settings, SETS[name], embedder, SentenceScorer.untrained())
                  for name in TRAINING_SETS}
    for name, other in (TRAINING_SETS, TRAINING_SETS[::-1]):
        gold_set = SETS[name]
        items = [i for i in gold_set.items() if split_of(gold_set, i, splits) in ("train", "dev")]
        if args.compose_only:
            items = [i for i in items if split_of(gold_set, i, splits) == "dev"]
        for ex in examples(assistants[name], gold_set, items, splits):
            (train if ex.split == "train" else dev).append(ex)
        if args.compose_only:
            continue
        # the same training questions asked of the other corpus: unanswerable by construction
        asked_elsewhere = [replace(i, answerable=False, facts=[], sources=[]) for i in items
                           if i.answerable and split_of(gold_set, i, splits) == "train"]
        off_topic += examples(assistants[other], gold_set, asked_elsewhere, splits)
    path = args.out or MODEL_FILE
    if args.compose_only:
        return _compose_only(SentenceScorer.load(path), dev, args.max_false_refusals, path)
    print(f"elders gesteld / asked of the other corpus: {len(off_topic)}")
    print(f"train: {len(train)} vragen, {sum(len(e.y) for e in train)} zinnen ({int(sum((e.y > 0).sum() for e in train))} "
          f"met een kernfeit); dev: {len(dev)} vragen")
    scorer, figures = fit(train, dev, args.max_false_refusals, off_topic=off_topic)
    scorer.meta["unit_model"] = scorer.units.label
    scorer.meta = {**scorer.meta, "trained": date.today().isoformat(), "embedder": embedder.name,
                   "train": per_set(train), "dev": per_set(dev),
                   "dev_figures": figures, "max_false_refusals": args.max_false_refusals,
                   "inputs": training_inputs(splits=splits)}
    scorer.save(path)
    _report(scorer, figures)
    print("gewichten / weights:", scorer.weights())
    return 0


def _compose_only(scorer, dev: list[Example], max_false: float, path: Path) -> int:
    """Choose the threshold and the composition settings on dev again for the fitted
    models as they are: a change in how answers are composed is chosen on dev without
    moving the weights (and without the test figures a refit would move with them)."""
    _, chosen, figures = _choose_composition(scorer.units, scorer.answerable, dev, max_false, None, lambda _: None)
    chosen.meta = {**scorer.meta, "composition_chosen": date.today().isoformat(), "dev_figures": figures,
                   "composition_dev": per_set(dev),
                   "max_false_refusals": max_false}
    chosen.save(path)
    _report(chosen, figures)
    return 0


def _report(scorer, figures: dict) -> None:
    print("gekozen / chosen:", {"unit_model": scorer.units.label, "threshold": round(scorer.threshold_, 4),
                                "second_pick": scorer.second_pick_, "whole_passage": scorer.whole_passage_,
                                "context": scorer.context_}, figures)


if __name__ == "__main__":
    sys.exit(main())
