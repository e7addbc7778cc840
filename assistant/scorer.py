"""The fitted scorer: which units answer a question, and whether any does.

Two models, shaped like scikit-learn estimators (parameters in the constructor, ``fit``
on training data, learned state with a trailing underscore):
- ``units``: over ``assistant.features.FEATURES``, the probability that a unit (with
  its list, antecedent or paired line) holds the answer — a pairwise-trained logistic
  regression or gradient-boosted trees, whichever ``python -m eval.train`` finds better
  on the dev split;
- ``answerable``: a logistic regression over ``QUESTION_FEATURES`` — aggregates of the
  same unit scores and features (the best probability, the best passage's cosine, the
  share of unknown words, whether the asked-for kind of thing is anywhere) — the
  probability that the passages answer the question at all. Refusal is this probability
  under a threshold chosen on the dev split.

Fitting uses scikit-learn (``python -m eval.train``); predicting is numpy only (a dot
product, or the trees walked as flat arrays), so answering never imports scikit-learn.
The model — weights or trees, the threshold and the composition ratio chosen on dev,
and what it was trained on — is one small versioned JSON file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.features import FEATURES, INDEX

MODEL_FILE = Path(__file__).resolve().parent / "models" / "scorer.json"
FORMAT = 2
QUESTION_FEATURES = ("best", "top3", "lex_passage", "unknown", "dense_passage", "dense", "form_missing",
                     "form_missing_all", "names_missing", "focus_missing", "focus_missing_passage", "count_missing")


class ModelError(RuntimeError):
    pass


def _rows(X: np.ndarray, fitted: bool) -> np.ndarray:
    """The units' feature rows as a 2-D float array, for a model that has been fitted."""
    if not fitted:
        raise ModelError("het model is niet getraind (the model is not fitted)")
    return np.atleast_2d(np.asarray(X, dtype=np.float64))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def question_features(X: np.ndarray, probabilities: np.ndarray, heading: np.ndarray | None = None) -> np.ndarray:
    """One row of QUESTION_FEATURES from a question's unit features and probabilities."""
    out = np.zeros(len(QUESTION_FEATURES))
    if len(X) == 0:
        out[QUESTION_FEATURES.index("names_missing")] = out[QUESTION_FEATURES.index("focus_missing")] = 1.0
        out[QUESTION_FEATURES.index("focus_missing_passage")] = out[QUESTION_FEATURES.index("form_missing")] = 1.0
        out[QUESTION_FEATURES.index("count_missing")] = out[QUESTION_FEATURES.index("form_missing_all")] = 1.0
        return out
    p = np.where(heading, -1.0, probabilities) if heading is not None else probabilities
    b = int(np.argmax(p))
    top = np.sort(p)[::-1]
    values = {"best": top[0], "top3": float(np.mean(top[:3])), "lex_passage": X[:, INDEX["lex_passage"]].max(),
              "unknown": X[0, INDEX["unknown"]], "dense_passage": X[:, INDEX["dense_passage"]].max(),
              "dense": X[:, INDEX["dense"]].max(), "form_missing": X[b, INDEX["form_missing"]],
              # the asked-for kind (a figure, a date, an e-mail address …) is in no unit at all
              "form_missing_all": X[:, INDEX["form_missing"]].min(),
              # what the best unit's passage lacks: a name mentioned in passing elsewhere does not answer
              "names_missing": X[b, INDEX["names_missing"]], "focus_missing": X[b, INDEX["focus_missing"]],
              "focus_missing_passage": X[b, INDEX["focus_missing_passage"]],
              "count_missing": float(X[:, INDEX["count_fit"]].max() == 0 and X[0, INDEX["count_asked"]] > 0)}
    for i, name in enumerate(QUESTION_FEATURES):
        out[i] = values[name]
    return out


@dataclass
class Logistic:
    """Standardised logistic regression; ``fit`` with scikit-learn, predict with numpy."""

    C: float = 1.0
    class_weight: str | None = "balanced"  # few units answer a question, few questions are unanswerable
    coef_: np.ndarray | None = None
    intercept_: float = 0.0
    mean_: np.ndarray | None = None
    scale_: np.ndarray | None = None

    def fit(self, X: np.ndarray, y: np.ndarray) -> "Logistic":
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 1e-9, std, 1.0)
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)
        model.fit((X - self.mean_) / self.scale_, np.asarray(y, dtype=int))
        self.coef_ = model.coef_[0].astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        return self

    def fit_pairwise(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, pairs: int = 30,
                     seed: int = 0) -> "Logistic":
        """Learn to rank within a group (a question): logistic regression on the feature
        differences of unit pairs of the same question where one holds more of the answer
        (``y``: a grade, e.g. how many key facts; 0 for none), then
        Platt-scaled on all units so the score reads as a probability again. Ranking is
        what selection needs; a pointwise fit also learns which questions are easy."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        grade = np.asarray(y, dtype=np.float64)  # graded relevance: how many key facts a unit's block holds
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 1e-9, std, 1.0)
        Z = (X - self.mean_) / self.scale_
        rng = np.random.default_rng(seed)
        diffs = []
        for g in np.unique(groups):
            rows = np.where(groups == g)[0]
            for i in rows[grade[rows] > 0]:
                lower = rows[grade[rows] < grade[i]]  # a unit with more of the answer beats one with less
                for j in rng.choice(lower, size=min(pairs, len(lower)), replace=False) if len(lower) else []:
                    diffs.append(Z[i] - Z[j])
        y = grade > 0
        D = np.array(diffs)
        ranker = LogisticRegression(C=self.C, fit_intercept=False, max_iter=3000)
        ranker.fit(np.vstack([D, -D]), np.r_[np.ones(len(D)), np.zeros(len(D))])
        w = ranker.coef_[0]
        platt = LogisticRegression(C=1e6, class_weight=self.class_weight, max_iter=3000).fit((Z @ w)[:, None], y)
        self.coef_ = w * float(platt.coef_[0][0])
        self.intercept_ = float(platt.intercept_[0])
        return self

    @property
    def label(self) -> str:
        return f"logistic(C={self.C})"

    def feature_weights(self) -> np.ndarray:
        """Each feature's weight on its standardised scale."""
        return self.coef_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        X = _rows(X, fitted=self.coef_ is not None)
        return _sigmoid(((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_) if len(X) else np.zeros(0)

    def to_dict(self) -> dict:
        return {"C": self.C, "class_weight": self.class_weight, "coef": self.coef_.tolist(),
                "intercept": self.intercept_, "mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "Logistic":
        return cls(C=d["C"], class_weight=d["class_weight"], coef_=np.array(d["coef"]), intercept_=d["intercept"],
                   mean_=np.array(d["mean"]), scale_=np.array(d["scale"]))

    @classmethod
    def zero(cls, n: int) -> "Logistic":
        return cls(coef_=np.zeros(n), mean_=np.zeros(n), scale_=np.ones(n))


@dataclass
class Trees:
    """Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) for the
    unit model: interactions a linear model cannot weigh ("covers the words" matters
    less when the passage is the wrong one) without hand-made product features.
    ``fit`` with scikit-learn; the trees are exported as flat arrays and walked in
    numpy, all trees at once, so answering never imports scikit-learn."""

    learning_rate: float = 0.05
    max_iter: int = 300
    max_leaf_nodes: int = 7
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    class_weight: str | None = "balanced"
    baseline_: float = 0.0
    roots_: np.ndarray | None = None  # index of each tree's root in the flat arrays
    feature_: np.ndarray | None = None
    threshold_: np.ndarray | None = None
    left_: np.ndarray | None = None
    right_: np.ndarray | None = None
    value_: np.ndarray | None = None
    leaf_: np.ndarray | None = None

    @property
    def label(self) -> str:
        return f"trees(lr={self.learning_rate}, iter={self.max_iter}, leaves={self.max_leaf_nodes})"

    def fit(self, X: np.ndarray, y: np.ndarray) -> "Trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            class_weight=self.class_weight, early_stopping=False, random_state=0)
        model.fit(np.asarray(X, dtype=np.float64), np.asarray(y) > 0)
        nodes = [tree[0].nodes for tree in model._predictors]
        offsets = np.cumsum([0] + [len(n) for n in nodes[:-1]])
        flat = np.concatenate(nodes)
        shift = np.concatenate([np.full(len(n), o) for n, o in zip(nodes, offsets)])
        self.baseline_ = float(np.ravel(model._baseline_prediction)[0])
        self.roots_ = offsets.astype(np.int64)
        self.feature_ = flat["feature_idx"].astype(np.int64)
        self.threshold_ = flat["num_threshold"].astype(np.float64)
        self.left_ = (flat["left"] + shift).astype(np.int64)
        self.right_ = (flat["right"] + shift).astype(np.int64)
        self.value_ = flat["value"].astype(np.float64)
        self.leaf_ = flat["is_leaf"].astype(bool)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        X = _rows(X, fitted=self.roots_ is not None)
        if not len(X):
            return np.zeros(0)
        rows = np.arange(X.shape[0])
        node = np.repeat(self.roots_[:, None], X.shape[0], axis=1)  # (trees, units)
        while True:
            inner = ~self.leaf_[node]
            if not inner.any():
                break
            go_left = X[rows[None, :], self.feature_[node]] <= self.threshold_[node]
            node = np.where(inner, np.where(go_left, self.left_[node], self.right_[node]), node)
        return _sigmoid(self.baseline_ + self.value_[node].sum(axis=0))

    def feature_weights(self) -> np.ndarray:
        """How often each feature splits a tree: what the trees lean on (no signed weights)."""
        inner = ~self.leaf_
        return np.bincount(self.feature_[inner], minlength=len(FEATURES)).astype(np.float64)

    def to_dict(self) -> dict:
        return {"kind": "trees", "learning_rate": self.learning_rate, "max_iter": self.max_iter,
                "max_leaf_nodes": self.max_leaf_nodes, "min_samples_leaf": self.min_samples_leaf,
                "l2_regularization": self.l2_regularization, "class_weight": self.class_weight,
                "baseline": self.baseline_, "roots": self.roots_.tolist(), "feature": self.feature_.tolist(),
                "threshold": [float(t) if np.isfinite(t) else 0.0 for t in self.threshold_],  # leaves: unused
                "left": self.left_.tolist(), "right": self.right_.tolist(),
                "value": self.value_.tolist(), "leaf": self.leaf_.astype(int).tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "Trees":
        return cls(d["learning_rate"], d["max_iter"], d["max_leaf_nodes"], d["min_samples_leaf"],
                   d["l2_regularization"], d["class_weight"], d["baseline"], np.array(d["roots"], dtype=np.int64),
                   np.array(d["feature"], dtype=np.int64), np.array(d["threshold"]),
                   np.array(d["left"], dtype=np.int64), np.array(d["right"], dtype=np.int64),
                   np.array(d["value"]), np.array(d["leaf"], dtype=bool))


def unit_model_from_dict(d: dict) -> "Logistic | Trees":
    return Trees.from_dict(d) if d.get("kind") == "trees" else Logistic.from_dict(d)


@dataclass
class SentenceScorer:
    units: Logistic | Trees = field(default_factory=Logistic)
    answerable: Logistic = field(default_factory=Logistic)
    # chosen on the dev split, not fitted
    threshold_: float = 0.5  # below this answerability the answer is a refusal
    second_pick_: float = 0.8  # a further unit must reach this share of the best one's probability
    whole_passage_: int = 0  # a best unit in a passage this short (words) quotes the whole passage
    context_: int = 0  # the answer grows to this many words with the sentences around its best one
    meta: dict = field(default_factory=dict)  # what it was trained on, with which figures

    @classmethod
    def untrained(cls) -> "SentenceScorer":
        """All weights zero (every probability 0.5): for computing features before a fit."""
        return cls(Logistic.zero(len(FEATURES)), Logistic.zero(len(QUESTION_FEATURES)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability that each unit answers the question."""
        return self.units.predict_proba(X)

    def answerability(self, X: np.ndarray, probabilities: np.ndarray, heading: np.ndarray | None = None) -> float:
        """Probability that the passages answer the question at all."""
        return float(self.answerable.predict_proba(question_features(X, probabilities, heading))[0])

    def weights(self) -> dict[str, dict[str, float]]:
        """Each feature's weight on its standardised scale: what the models learned."""
        return {"units": {n: round(float(w), 4) for n, w in zip(FEATURES, self.units.feature_weights())},
                "answerable": {n: round(float(w), 4) for n, w in zip(QUESTION_FEATURES, self.answerable.coef_)}}

    def to_dict(self) -> dict:
        return {"format": FORMAT, "features": list(FEATURES), "question_features": list(QUESTION_FEATURES),
                "units": self.units.to_dict(), "answerable": self.answerable.to_dict(),
                "threshold": self.threshold_, "second_pick": self.second_pick_,
                "whole_passage": self.whole_passage_, "context": self.context_, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> "SentenceScorer":
        if d.get("format") != FORMAT or d.get("features") != list(FEATURES) \
                or d.get("question_features") != list(QUESTION_FEATURES):
            raise ModelError("Het scoringsmodel past niet bij deze versie van de code; train het opnieuw met "
                             "`python -m eval.train` (the scorer file does not match the code's features)")
        return cls(unit_model_from_dict(d["units"]), Logistic.from_dict(d["answerable"]), d["threshold"],
                   d["second_pick"], d["whole_passage"], d.get("context", 0), d.get("meta", {}))

    def save(self, path: Path = MODEL_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "SentenceScorer":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"Scoringsmodel ontbreekt: {path}; maak het met `python -m eval.train` "
                             "(the scorer file is missing)") from None
        except ValueError as exc:
            raise ModelError(f"Scoringsmodel {path} is beschadigd ({exc}); maak het opnieuw met "
                             "`python -m eval.train` (the scorer file is damaged)") from None
        return cls.from_dict(data)
