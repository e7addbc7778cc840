"""python -m eval [--gold FILE] [--store DIR] [--out DIR]

Builds (or reuses, incrementally) a store from the bundled corpus, answers every gold
question through Assistant.ask in each configuration and writes report.md,
results.json and metrics.png to --out (default eval/reports/latest).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from eval.runner import GOLD_FILE, load_gold

DEFAULT_OUT = Path(__file__).resolve().parent / "reports" / "latest"


def evaluate(settings, gold: Path = GOLD_FILE, out: Path | None = DEFAULT_OUT, configs: list[str] | None = None,
             embedder=None, progress: bool = True) -> dict:
    """Run the eval; returns {"summaries", "rows", "main"}. Writes the report when ``out``."""
    from tqdm import tqdm

    from common.config import CORPUS_DIR
    from assistant.core import Assistant
    from assistant.retriever import HybridRetriever
    from eval import report
    from eval.runner import run_config, summarise
    from ingest.pipeline import ingest
    from vectorstore.embedders import make_embedder
    from vectorstore.store import Store

    items = load_gold(gold)
    embedder = embedder or make_embedder(settings)
    result = ingest([CORPUS_DIR], settings, embedder)
    if result.failed:
        raise RuntimeError(f"corpus kon niet volledig worden geïndexeerd: {result.failed}")
    store = Store(settings, embedder.name)
    wanted = configs or ["bm25+extractief", "dense+extractief", "hybride+extractief"]
    if settings.llm_enabled and configs is None:
        wanted.append("hybride+llm")
    summaries, rows = {}, {}
    bar = tqdm(total=len(items) * len(wanted), desc="eval", unit="vraag", disable=None if progress else True, file=sys.stderr)
    for name in wanted:
        mode = {"bm25": "bm25", "dense": "dense", "hybride": "hybrid"}[name.split("+")[0]]
        retriever = HybridRetriever(store, embedder, settings.candidates, settings.rrf_k, mode=mode)
        assistant = Assistant(settings, embedder=embedder, store=store, retriever=retriever)
        rows[name] = run_config(assistant, items, use_llm=name.endswith("llm"), tick=bar.update)
        summaries[name] = summarise(rows[name])
    bar.close()
    main = "hybride+extractief" if "hybride+extractief" in summaries else wanted[-1]
    meta = {"gold": str(gold.name), "questions": len(items), "answerable": sum(i.answerable for i in items),
            "unanswerable": sum(not i.answerable for i in items), "follow_ups": sum(bool(i.history) for i in items),
            "embedder": embedder.name, "date": date.today().isoformat(), "settings": settings.to_dict()}
    if out is not None:
        report.write(out, summaries, rows, main, meta)
    return {"summaries": summaries, "rows": rows, "main": main, "meta": meta}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evalueer de assistent op de gold-set.")
    parser.add_argument("--gold", type=Path, default=GOLD_FILE)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    from common.config import settings_or_exit
    from eval.report import table

    settings = settings_or_exit(store_dir=args.store)
    if not args.gold.exists():
        print(f"Gold-bestand niet gevonden / gold file not found: {args.gold}", file=sys.stderr)
        return 2
    result = evaluate(settings, args.gold, args.out)
    print(table(result["summaries"]))
    print(f"\nRapport: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
