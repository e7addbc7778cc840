import numpy as np

from assistant.types import Passage
from bench.ceiling_bench import oracle_first, pool_recall


def _passage(text: str) -> Passage:
    return Passage(chunk_id=text[:8], text=text, source="a.md", title="A")


def test_pool_recall_counts_facts_in_the_first_passages_only():
    pool = [_passage("De regio investeert 25 mln."), _passage("Het Rijk investeert 30 mln.")]
    facts = [["25 mln"], ["30 mln"]]
    assert pool_recall(pool, facts, 1) == 0.5
    assert pool_recall(pool, facts, 3) == 1.0
    assert pool_recall([], facts, 3) == 0.0


def test_oracle_first_puts_the_unit_with_most_facts_first_and_keeps_the_rest():
    scores = np.array([0.9, 0.2, 0.5, 0.95])
    grades = np.array([0, 1, 2, 3])
    heading = np.array([False, False, False, True])  # a heading is never quoted alone
    raised = oracle_first(scores, grades, heading)
    assert int(np.argmax(np.where(heading, -1, raised))) == 2
    assert raised[[0, 1, 3]].tolist() == scores[[0, 1, 3]].tolist()


def test_oracle_first_changes_nothing_when_no_unit_holds_a_fact():
    scores = np.array([0.3, 0.7])
    assert oracle_first(scores, np.zeros(2), np.array([False, False])).tolist() == scores.tolist()
