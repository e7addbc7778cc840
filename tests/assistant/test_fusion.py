import pytest

from assistant.fusion import reciprocal_rank_fusion


@pytest.mark.parametrize("rankings", [[], [[]], [[], []]])
def test_empty_inputs(rankings):
    assert reciprocal_rank_fusion(rankings) == []


def test_items_found_by_both_lists_win():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "d"]], k=60)
    assert [i for i, _ in fused][0] == "c"
    assert dict(fused)["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert dict(fused)["a"] == pytest.approx(1 / 61)


def test_ties_keep_first_appearance_order():
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]])
    assert [i for i, _ in fused] == ["a", "b"]


def test_single_list_keeps_its_order():
    assert [i for i, _ in reciprocal_rank_fusion([["x", "y", "z"]])] == ["x", "y", "z"]
