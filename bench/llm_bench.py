"""LLM mode against the extractive answerer on the same gold questions.

    python -m bench.llm_bench --serve-qwen                  # the test model, served here
    ASSISTANT_LLM_PROVIDER=openai ASSISTANT_LLM_BASE_URL=… ASSISTANT_LLM_MODEL=… python -m bench.llm_bench
    options: --sets bundled:test second:test:16 (set:split[:how many, spread evenly])  --limit N (per set)
             --out FILE.json

Both configurations answer through one ``Assistant`` (hybrid retrieval, the same
passages), once with and once without the LLM. Per configuration it prints fact
recall, all facts, the supported-sentence rate, citation hit, refusals (right on
unanswerable questions, wrong on answerable ones), how often the LLM's own answer was
kept (not fallen back to extractive) and latency. The supported-sentence rate is
measured the same way for both: the final answer's sentences attributed again to the
answer's passages (``assistant.attribution``); for the LLM the share of the model's own
sentences that survived the check is printed too. Slow (an LLM answer takes 10–60 s on
2 cores): not part of the tests. Say the machine load next to the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

CONFIGS = ("extractief", "llm")


def spread(items: list, limit: int | None) -> list:
    """``limit`` items spread evenly over the list (all when None), order kept."""
    if not limit or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def recheck(answer, embedder) -> tuple[int, int]:
    """(supported, claims) of the answer's final text against its passages."""
    from assistant.attribution import CLAIM, Attributor, split_answer

    if answer.refused or not answer.passages:
        return 0, 0
    attributor = Attributor(answer.passages, embedder)
    sentences = attributor.check_all(split_answer(answer.text, len(answer.passages)))
    claims = [s for s in sentences if s.kind == CLAIM]
    return sum(s.supported for s in claims), len(claims)


def run(assistant, items, use_llm: bool, embedder, log) -> list[dict]:
    from eval.runner import score

    out = []
    for k, item in enumerate(items, 1):
        answer = assistant.ask(item.question, item.history, use_llm=use_llm)
        row = score(item, answer)
        supported, claims = recheck(answer, embedder)
        out.append({"row": row, "supported": supported, "claims": claims, "answer": answer})
        log(f"{'llm' if use_llm else 'ext'} {k}/{len(items)} {row.id} {answer.timings['total'] / 1000:.1f}s "
            f"mode={answer.mode} refused={answer.refused} checked={answer.supported_sentences}/"
            f"{answer.checked_sentences}")
    return out


def summary(results: list[dict]) -> dict:
    from eval import metrics as m

    rows = [r["row"] for r in results]
    pairs = [(r.answerable, r.refused) for r in rows]
    answered = [r for r in results if not r["row"].refused]
    claims = sum(r["claims"] for r in answered)
    model = [r for r in results if r["row"].checked_sentences]
    times = sorted(r.total_ms / 1000 for r in rows)
    return {
        "fact_recall": m.mean(r.scores.get("fact_recall") for r in rows),
        "all_facts": m.mean(r.scores.get("all_facts") for r in rows),
        "supported": sum(r["supported"] for r in answered) / claims if claims else None,
        "model_supported": (sum(r["row"].supported_sentences for r in model) /
                            sum(r["row"].checked_sentences for r in model)) if model else None,
        "cite_hit": m.mean(r.scores.get("cite_hit") for r in rows),
        "refusal_accuracy": m.refusal_accuracy(pairs),
        "false_refusal_rate": m.false_refusal_rate(pairs),
        "llm_kept": sum(r.mode == "llm" for r in rows) / len(rows) if rows else None,
        "p50_s": statistics.median(times) if times else None,
        "p95_s": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
        "n": len(rows),
    }


COLUMNS = [("fact_recall", "feitrecall"), ("all_facts", "alle feiten"), ("supported", "zinnen gesteund"),
           ("model_supported", "modelzinnen gesteund"), ("cite_hit", "citaat-hit"),
           ("refusal_accuracy", "weigert terecht"), ("false_refusal_rate", "weigert onterecht"),
           ("llm_kept", "LLM-antwoord behouden"), ("p50_s", "p50 s"), ("p95_s", "p95 s")]


def table(summaries: dict[str, dict]) -> str:
    lines = ["| configuratie | " + " | ".join(title for _, title in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name, s in summaries.items():
        cells = ["–" if s.get(k) is None else f"{s[k]:.2f}" if not k.endswith("_s") else f"{s[k]:.1f}"
                 for k, _ in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=["bundled:test", "second:test"])
    parser.add_argument("--limit", type=int, default=None, help="vragen per set, gelijkmatig gespreid")
    parser.add_argument("--serve-qwen", action="store_true",
                        help="start de testserver (llama.cpp, Qwen2.5-Coder-1.5B-Instruct) en gebruik die")
    parser.add_argument("--out", type=Path, default=None, help="alle antwoorden als JSON")
    args = parser.parse_args(argv)

    from common.config import settings_or_exit
    from eval.sets import SETS, select
    from eval.train import assistant_for
    from vectorstore.embedders import make_embedder

    settings = settings_or_exit()
    server = None
    if args.serve_qwen:
        from tests.assistant.llm_servers import LlamaServer, assemble_qwen

        server = LlamaServer(assemble_qwen(), n_ctx=4096, threads=2)
        settings = settings.with_overrides(llm_provider="openai", llm_base_url=server.base_url,
                                           llm_model="qwen2.5-coder-1.5b-instruct", llm_timeout=600.0)
    if not settings.llm_enabled:
        print("Geen LLM ingesteld: zet ASSISTANT_LLM_PROVIDER/_BASE_URL/_MODEL of gebruik --serve-qwen "
              "(no LLM endpoint configured)", file=sys.stderr)
        return 2
    embedder = make_embedder(settings)
    load = os.getloadavg()
    print(f"# LLM-benchmark — model {settings.llm_model} via {settings.llm_provider}; "
          f"load average bij start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} ({os.cpu_count()} cores)\n")
    everything = {}
    try:
        for spec in args.sets:
            set_name, split, limit = (spec.split(":") + ["", ""])[:3]
            gold_set = SETS[set_name]
            items = spread(select(gold_set, split or "test"), int(limit) if limit else args.limit)
            assistant = assistant_for(settings, gold_set, embedder)
            start = time.time()
            results = {}
            for name in CONFIGS:
                results[name] = run(assistant, items, name == "llm", embedder,
                                    lambda msg: print(msg, file=sys.stderr, flush=True))
            summaries = {f"hybride+{name}": summary(results[name]) for name in CONFIGS}
            load = os.getloadavg()
            print(f"## {set_name} / {split or 'test'} — {len(items)} vragen "
                  f"({sum(i.answerable for i in items)} beantwoordbaar), {(time.time() - start) / 60:.0f} min, "
                  f"load average aan het eind {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
            print(table(summaries) + "\n", flush=True)
            everything[spec] = {"summaries": summaries, "answers": {
                name: [{"id": r["row"].id, "question": r["row"].question, "answerable": r["row"].answerable,
                        "answer": r["answer"].text, "refused": r["answer"].refused, "mode": r["answer"].mode,
                        "notice": r["answer"].notice, "missing_facts": r["row"].missing_facts,
                        "supported": r["supported"], "claims": r["claims"],
                        "model_checked": [r["row"].supported_sentences, r["row"].checked_sentences],
                        "citations": [c.to_json() for c in r["answer"].citations],
                        "total_s": r["row"].total_ms / 1000} for r in results[name]]
                for name in CONFIGS}}
    finally:
        if server is not None:
            server.stop()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(everything, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
