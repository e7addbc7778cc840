"""Latency of the extractive path over the gold questions, with warm models.

    python -m bench.answer_bench [--store DIR] [--rounds N]

Prints a Markdown table of p50 / p95 / max in ms for retrieval, answering and the
total per question. Target (issue 3): p95 total under 250 ms on a 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_bench")
    parser.add_argument("--store", type=Path, default=None, help="default: a fresh temporary store")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from common.config import CORPUS_DIR, Settings
    from assistant.core import Assistant
    from eval.runner import load_gold
    from ingest.pipeline import ingest
    from vectorstore.embedders import make_embedder

    store = args.store or Path(tempfile.mkdtemp(prefix="bench-store-")) / "store"
    settings = Settings.from_env(store_dir=store)
    embedder = make_embedder(settings)
    ingest([CORPUS_DIR], settings, embedder)
    assistant = Assistant(settings, embedder=embedder)
    items = load_gold()
    for item in items[:5]:  # warm-up: caches, lazy imports
        assistant.ask(item.question, item.history)
    timings: dict[str, list[float]] = {"retrieve": [], "answer": [], "total": []}
    for _ in range(args.rounds):
        for item in items:
            answer = assistant.ask(item.question, item.history)
            for key in timings:
                timings[key].append(answer.timings[key])
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"embedder {embedder.name}; {len(items)} gold questions x {args.rounds} rounds = {len(timings['total'])} asks\n")
    print("| stage | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---|---|---|---|")
    for key, values in timings.items():
        print(f"| {key} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} | "
              f"{statistics.fmean(values):.1f} |")
    p95 = percentile(timings["total"], 95)
    print(f"\np95 total {p95:.1f} ms — target < 250 ms: {'OK' if p95 < 250 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
