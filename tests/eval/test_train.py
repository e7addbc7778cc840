"""eval.train's choices on dev, with a fake dev evaluation (the seam is ``dev_figures``);
fitting itself is exercised for real by the quality gate through the shipped scorer."""
import numpy as np

import eval.train as train
from assistant.features import FEATURES
from assistant.scorer import QUESTION_FEATURES, Logistic, SentenceScorer


class _Strengths:
    """An answerer whose evidence per example is given."""

    def __init__(self, evidence):
        self.evidence = evidence

    def score(self, query, pool):
        return type("Scored", (), {"evidence": self.evidence[query]})()


class _Ex:
    def __init__(self, query, answerable):
        self.query, self.pool = query, []
        self.item = type("Item", (), {"answerable": answerable})()


def test_the_threshold_refuses_at_most_the_allowed_share_of_answerable_dev_questions():
    dev = [_Ex(i, True) for i in range(10)] + [_Ex(10, False)]
    answerer = _Strengths({i: 0.1 * (i + 1) for i in range(10)} | {10: 0.05})
    assert train.choose_threshold(answerer, dev, 0.0) == (0.0 + 0.1) / 2  # refuse none of them
    assert abs(train.choose_threshold(answerer, dev, 0.1) - (0.1 + 0.2) / 2) < 1e-9  # one of ten
    # scores the caller has already are used as they are
    scored = {id(ex): answerer.score(ex.query, ex.pool) for ex in dev}
    assert train.choose_threshold(_Strengths({}), dev, 0.1, scored) == train.choose_threshold(answerer, dev, 0.1)


def test_compose_only_keeps_the_weights_and_chooses_settings_on_dev(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    units = Logistic(coef_=rng.normal(size=len(FEATURES)), mean_=np.zeros(len(FEATURES)),
                     scale_=np.ones(len(FEATURES)))
    scorer = SentenceScorer(units, Logistic.zero(len(QUESTION_FEATURES)), 0.3, 0.8, 0, 0,
                            meta={"trained": "2026-01-01"})

    def figures(answerer, dev, scored=None):
        s = answerer.scorer
        # more context holds more facts, but 60 words puts the median over budget
        recall = 0.5 + s.context_ / 1000 - abs(s.second_pick_ - 0.45) / 10 - s.whole_passage_ / 10000
        words = 61 if s.context_ == 60 else 50
        return {"fact_recall": recall, "all_facts": recall, "false_refusal_rate": 0.0,
                "refusal_accuracy": 0.5, "median_words": words, "n": 3}

    monkeypatch.setattr(train, "dev_figures", figures)
    monkeypatch.setattr(train, "choose_threshold", lambda answerer, dev, max_false, scored=None: 0.25)
    path = tmp_path / "scorer.json"
    assert train._compose_only(scorer, [], 0.02, path) == 0
    chosen = SentenceScorer.load(path)
    assert (chosen.second_pick_, chosen.whole_passage_, chosen.context_, chosen.threshold_) == (0.45, 0, 50, 0.25)
    assert np.array_equal(chosen.units.coef_, units.coef_)  # the fitted weights did not move
    assert chosen.meta["trained"] == "2026-01-01" and chosen.meta["composition_chosen"]
    assert chosen.meta["dev_figures"]["median_words"] == 50
    assert chosen.meta["composition_dev"] == {"bundled": 0, "train": 0}  # how many dev questions chose it


def test_the_inputs_fingerprint_moves_with_a_gold_question_a_split_or_a_page(tmp_path):
    from eval.sets import GoldSet

    sets = {}
    for name in train.TRAINING_SETS:
        corpus = tmp_path / name / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "page.html").write_text("<p>Tekst.</p>", encoding="utf-8")
        gold = tmp_path / name / "gold.jsonl"
        gold.write_text('{"id": "q1"}\n', encoding="utf-8")
        sets[name] = GoldSet(name, gold, corpus, ("train", "dev"))
    splits = {"train": {"q1": "train"}}
    before = train.training_inputs(sets, splits)
    assert train.training_inputs(sets, splits) == before
    assert train.training_inputs(sets, {"train": {"q1": "dev"}}) != before
    (sets["train"].corpus / "extra.html").write_text("<p>Meer.</p>", encoding="utf-8")
    with_page = train.training_inputs(sets, splits)
    assert with_page != before
    sets["bundled"].gold.write_text('{"id": "q1"}\n{"id": "q2"}\n', encoding="utf-8")
    assert train.training_inputs(sets, splits) != with_page
