"""The scorer's models (logistic, boosted trees): fitting, ranking within a question, the file."""
import json

import numpy as np
import pytest

from assistant.features import FEATURES
from assistant.scorer import (FORMAT, MODEL_FILE, QUESTION_FEATURES, Logistic, ModelError, SentenceScorer, Trees,
                              question_features)


def synthetic(n_questions=40, units=12, seed=1):
    """Per question one answering unit, marked by a high feature 0 relative to its
    question; feature 1 shifts whole questions up or down (what pairwise fitting ignores)."""
    rng = np.random.default_rng(seed)
    X, y, groups = [], [], []
    for q in range(n_questions):
        shift = rng.normal(0, 3)
        block = rng.normal(0, 1, (units, 3))
        block[:, 1] += shift
        block[:, 0] += shift  # the informative feature is only informative within a question
        answer = rng.integers(units)
        block[answer, 0] += 4.0
        X.append(block)
        y.append(np.arange(units) == answer)
        groups.append(np.full(units, q))
    return np.vstack(X), np.concatenate(y), np.concatenate(groups)


def precision_at_1(model, X, y, groups):
    p = model.predict_proba(X)
    return np.mean([y[groups == g][np.argmax(p[groups == g])] for g in np.unique(groups)])


def test_pairwise_fit_ranks_within_questions():
    X, y, g = synthetic()
    model = Logistic(C=1.0).fit_pairwise(X, y, g)
    X2, y2, g2 = synthetic(seed=2)
    assert precision_at_1(model, X2, y2, g2) >= 0.9
    p = model.predict_proba(X2)
    assert ((0 < p) & (p < 1)).all()  # Platt-scaled back to probabilities


def test_pointwise_fit_and_prediction_agree_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    X, y, _ = synthetic()
    ours = Logistic(C=0.5).fit(X, y)
    mean, std = X.mean(0), X.std(0)
    ref = LogisticRegression(C=0.5, class_weight="balanced", max_iter=3000).fit((X - mean) / std, y)
    assert np.allclose(ours.predict_proba(X), ref.predict_proba((X - mean) / std)[:, 1], atol=1e-6)


def test_trees_learn_an_interaction_and_predict_exactly_as_scikit_learn_without_it():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(3)
    X = rng.random((3000, 4))
    y = (X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)  # an interaction no linear model can weigh
    trees = Trees(max_iter=60).fit(X, y)
    reference = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=60, max_leaf_nodes=7, min_samples_leaf=20,
                                               l2_regularization=1.0, class_weight="balanced", early_stopping=False,
                                               random_state=0).fit(X, y)
    Z = rng.random((500, 4))
    assert np.allclose(trees.predict_proba(Z), reference.predict_proba(Z)[:, 1], atol=1e-9)
    assert np.mean((trees.predict_proba(Z) > 0.5) == ((Z[:, 0] > 0.5) ^ (Z[:, 1] > 0.5))) > 0.9
    linear = Logistic().fit(X, y)
    assert np.mean((linear.predict_proba(Z) > 0.5) == ((Z[:, 0] > 0.5) ^ (Z[:, 1] > 0.5))) < 0.7
    assert trees.predict_proba(np.zeros((0, 4))).shape == (0,)
    with pytest.raises(ModelError):
        Trees().predict_proba(Z)


def test_a_scorer_with_trees_round_trips_through_its_file(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.random((800, len(FEATURES)))
    y = X[:, 0] + X[:, 1] * X[:, 2] > 0.8
    scorer = SentenceScorer(Trees(max_iter=40).fit(X, y), Logistic.zero(len(QUESTION_FEATURES)), threshold_=0.2)
    scorer.save(tmp_path / "m.json")
    again = SentenceScorer.load(tmp_path / "m.json")
    assert isinstance(again.units, Trees)
    assert np.allclose(again.predict_proba(X), scorer.predict_proba(X), atol=1e-5)
    assert set(again.weights()["units"]) == set(FEATURES)  # split counts per feature


def test_untrained_scores_one_half_and_an_unfitted_model_says_so():
    scorer = SentenceScorer.untrained()
    assert np.allclose(scorer.predict_proba(np.ones((3, len(FEATURES)))), 0.5)
    with pytest.raises(ModelError):
        Logistic().predict_proba(np.ones((1, 3)))


def test_question_features_read_the_best_unit_and_the_aggregates():
    X = np.zeros((3, len(FEATURES)))
    X[:, FEATURES.index("names_missing")] = [1.0, 0.0, 0.0]
    X[:, FEATURES.index("dense_passage")] = [0.8, 0.9, 0.7]
    row = dict(zip(QUESTION_FEATURES, question_features(X, np.array([0.9, 0.3, 0.2]))))
    assert row["best"] == 0.9 and row["top3"] == pytest.approx(1.4 / 3)
    assert row["names_missing"] == 1.0  # the best unit's passage lacks the name, whatever the others say
    assert row["dense_passage"] == 0.9
    heading = np.array([True, False, False])  # a heading never counts as the best unit
    assert dict(zip(QUESTION_FEATURES, question_features(X, np.array([0.9, 0.3, 0.2]), heading)))["best"] == 0.3
    empty = dict(zip(QUESTION_FEATURES, question_features(np.zeros((0, len(FEATURES))), np.zeros(0))))
    assert empty["best"] == 0.0 and empty["names_missing"] == 1.0 and empty["form_missing_all"] == 1.0
    X[:, FEATURES.index("form_missing")] = [1.0, 0.0, 1.0]  # one unit holds the asked-for kind
    assert dict(zip(QUESTION_FEATURES, question_features(X, np.array([0.9, 0.3, 0.2]))))["form_missing_all"] == 0.0
    X[:, FEATURES.index("form_missing")] = 1.0  # none does: no answer of that kind anywhere
    assert dict(zip(QUESTION_FEATURES, question_features(X, np.array([0.9, 0.3, 0.2]))))["form_missing_all"] == 1.0


def test_model_file_round_trip(tmp_path):
    X, y, g = synthetic()
    scorer = SentenceScorer(Logistic().fit_pairwise(X[:, :3].repeat(12, 1)[:, :len(FEATURES)], y, g),
                            Logistic.zero(len(QUESTION_FEATURES)), threshold_=0.3, second_pick_=0.7,
                            whole_passage_=40, meta={"trained": "vandaag"})
    scorer.save(tmp_path / "m.json")
    again = SentenceScorer.load(tmp_path / "m.json")
    assert (again.threshold_, again.second_pick_, again.whole_passage_, again.meta) == (0.3, 0.7, 40, {"trained": "vandaag"})
    assert np.allclose(again.units.coef_, scorer.units.coef_)


def test_a_missing_damaged_or_foreign_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="ontbreekt"):
        SentenceScorer.load(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="beschadigd"):
        SentenceScorer.load(tmp_path / "bad.json")
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    (tmp_path / "old.json").write_text(json.dumps({**data, "features": data["features"][:-1]}), encoding="utf-8")
    with pytest.raises(ModelError, match="train het opnieuw"):
        SentenceScorer.load(tmp_path / "old.json")


def test_the_shipped_model_matches_the_code_and_says_what_it_was_trained_on():
    scorer = SentenceScorer.load()
    assert scorer.to_dict()["format"] == FORMAT
    assert 0 < scorer.threshold_ < 1 and 0 < scorer.second_pick_ <= 1
    meta = scorer.meta
    assert meta["train"]["bundled"] > 0 and meta["train"]["train"] > 0 and "dev_figures" in meta
    # the test split and the second set are never part of training
    assert set(meta["train"]) == set(meta["dev"]) == {"bundled", "train"}
