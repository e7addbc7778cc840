"""Latency of the extractive path over a gold set's questions, with warm models.

    python -m bench.answer_bench [--set bundled|second] [--rounds N]

Prints a Markdown table of p50 / p95 / max in ms for retrieval (analysis, embedding,
search), answering (scoring every sentence, composing) and the total per question,
with the machine's load before and after: on 2 cores another busy process doubles the
figures. Target: p95 total ≤ 100 ms, warm, on a quiet 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_bench")
    parser.add_argument("--set", dest="set_name", default="bundled", choices=["bundled", "second"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from common.config import settings_or_exit
    from eval.sets import SETS
    from eval.train import assistant_for
    from vectorstore.embedders import make_embedder

    settings = settings_or_exit()
    embedder = make_embedder(settings)
    gold_set = SETS[args.set_name]
    assistant = assistant_for(settings, gold_set, embedder)  # its store under data/eval/<set>/, incremental
    items = gold_set.items()
    for item in items[:5]:  # warm-up: caches, lazy imports
        assistant.ask(item.question, item.history)
    load_before = os.getloadavg()
    timings: dict[str, list[float]] = {"retrieve": [], "answer": [], "total": []}
    for _ in range(args.rounds):
        for item in items:
            answer = assistant.ask(item.question, item.history)
            for key in timings:
                timings[key].append(answer.timings[key])
    load_after = os.getloadavg()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; embedder {embedder.name}; "
          f"{gold_set.name}: {len(assistant.store.chunks)} chunks; {len(items)} questions x {args.rounds} rounds = "
          f"{len(timings['total'])} asks\n")
    print("| stage | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---|---|---|---|")
    for key, values in timings.items():
        print(f"| {key} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} | "
              f"{statistics.fmean(values):.1f} |")
    p95 = percentile(timings["total"], 95)
    print(f"\np95 total {p95:.1f} ms — target ≤ 100 ms: {'OK' if p95 <= 100 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
