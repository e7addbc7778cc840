"""python -m eval [--set NAME] [--split SPLIT] [--out DIR] [--no-baseline] [--history gold|own]

Answers every question of the chosen gold set and split through ``Assistant.ask`` —
the product (hybrid retrieval + fitted extractive answerer), two retrieval ablations,
the LLM answerer when an endpoint is configured — and through the tutorial pipeline
(top-1 and top-3 chunks of BM25, e5 and their fusion), then writes report.md,
results.json and metrics.png per set to --out. By default: the bundled set's test
split and the whole second set, the two figures the README reports.

``--history own`` replays each follow-up's conversation with the product's own earlier
answers instead of the gold set's written ones (``eval.runner.replay``): follow-ups as a
user meets them, errors of the first turn included. Its reports go to reports/conversation.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "reports" / "latest"
CONVERSATION_OUT = DEFAULT_OUT.parent / "conversation"
PRODUCT = "hybride+extractief"
# retrieval ablations (the answerer is fitted on hybrid retrieval's features, so these
# show what retrieval alone is worth, not a tuned alternative)
ABLATIONS = ["bm25+extractief", "dense+extractief"]
BASELINES = [f"tutorial-{mode}@{k}" for mode in ("bm25", "e5", "fusion") for k in (1, 3)]
HEADLINE_SETS = [("bundled", "test"), ("second", "test")]


def evaluate_set(settings, set_name: str, split: str, configs: list[str] | None = None, embedder=None,
                 progress: bool = True, store_settings=None, own_history: bool = False) -> dict:
    """{"summaries", "rows", "meta"} for one gold set and split. ``store_settings``
    overrides where the set's corpus is indexed (default data/eval/<set>/store);
    ``own_history``: the product's follow-ups get its own earlier answers (``replay``)."""
    from tqdm import tqdm

    from assistant.core import Assistant
    from assistant.retriever import HybridRetriever
    from eval.baseline import TutorialPipeline, baseline_answer
    from eval.runner import run_config, score, summarise
    from eval.sets import SETS, select
    from eval.train import assistant_for
    from vectorstore.embedders import make_embedder

    gold_set = SETS[set_name]
    items = select(gold_set, split)
    embedder = embedder or make_embedder(settings)
    if store_settings is None:
        product = assistant_for(settings, gold_set, embedder)
    else:
        product = _assistant_on(store_settings, gold_set, embedder)
    wanted = configs or ([PRODUCT] + BASELINES + (["hybride+llm"] if settings.llm_enabled else []))
    summaries, rows = {}, {}
    bar = tqdm(total=len(items) * len(wanted), desc=f"eval {set_name}/{split}", unit="vraag",
               disable=None if progress else True, file=sys.stderr)
    pipeline = None
    for name in wanted:
        if name.startswith("tutorial-"):
            if pipeline is None:
                cache = product.settings.store_dir.parent / "tutorial-embeddings.sqlite"
                pipeline = TutorialPipeline(gold_set.corpus, embedder, cache)
            mode, k = name[len("tutorial-"):].split("@")
            rows[name] = []
            for item in items:
                rows[name].append(score(item, baseline_answer(pipeline, item.question, item.history, mode, int(k))))
                bar.update()
        else:
            mode = {"bm25": "bm25", "dense": "dense", "hybride": "hybrid"}[name.split("+")[0]]
            retriever = HybridRetriever(product.store, embedder, settings.candidates, settings.rrf_k, mode=mode)
            assistant = Assistant(product.settings, embedder=embedder, store=product.store, retriever=retriever,
                                  scorer=product.scorer)
            rows[name] = run_config(assistant, items, use_llm=name.endswith("llm"), tick=bar.update,
                                    own_history=own_history)
        summaries[name] = summarise(rows[name])
    bar.close()
    meta = {"set": set_name, "split": split, "gold": str(gold_set.gold.name), "questions": len(items),
            "answerable": sum(i.answerable for i in items), "unanswerable": sum(not i.answerable for i in items),
            "follow_ups": sum(bool(i.history) for i in items), "history": "own" if own_history else "gold",
            "embedder": embedder.name,
            "scorer": product.scorer.meta.get("trained", ""), "date": date.today().isoformat(),
            "settings": settings.to_dict()}
    return {"summaries": summaries, "rows": rows, "meta": meta}


def _assistant_on(store_settings, gold_set, embedder):
    from assistant.core import Assistant
    from ingest.pipeline import ingest

    ingest([gold_set.corpus], store_settings, embedder)
    return Assistant(store_settings, embedder=embedder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evalueer de assistent op de gold-sets.")
    parser.add_argument("--set", dest="set_name", choices=["bundled", "second", "train"], default=None,
                        help="gold-set (standaard: bundled/test en second)")
    parser.add_argument("--split", default=None, help="train, dev, test of all (standaard: test)")
    parser.add_argument("--out", type=Path, default=None,
                        help="map voor de rapporten (standaard eval/reports/latest, met --history own .../conversation)")
    parser.add_argument("--no-baseline", action="store_true", help="zonder de tutorial-pijplijn")
    parser.add_argument("--history", choices=["gold", "own"], default="gold",
                        help="vervolgvragen met de geschreven antwoorden uit de gold-set (standaard) of met de eigen "
                             "eerdere antwoorden van het product, zoals in een echt gesprek")
    args = parser.parse_args(argv)
    own = args.history == "own"
    out_dir = args.out or (CONVERSATION_OUT if own else DEFAULT_OUT)
    from common.config import settings_or_exit
    from eval import report

    settings = settings_or_exit()
    runs = [(args.set_name, args.split or ("test" if args.set_name != "train" else "dev"))] if args.set_name \
        else HEADLINE_SETS
    configs = [PRODUCT] + ([] if args.no_baseline else BASELINES) + \
        (["hybride+llm"] if settings.llm_enabled else [])
    index = ["# Evaluatie: overzicht", "",
             "Per set en split de vergelijking met de tutorial-pijplijn; het volledige rapport staat in de map "
             "van de set. Het scoringsmodel is gefit op de train-splits en gekozen op dev (`python -m eval.train`)."]
    for set_name, split in runs:
        result = evaluate_set(settings, set_name, split, configs, own_history=own)
        out = out_dir / f"{set_name}-{split}"
        report.write(out, result["summaries"], result["rows"], PRODUCT, result["meta"])
        title = f"## {set_name} / {split} ({result['meta']['questions']} vragen)"
        print(f"\n{title}\n")
        print(report.comparison(result["summaries"]))
        follow = report.follow_ups(result["rows"][PRODUCT])
        if follow:
            print(f"\n{follow}")
        print(f"\nRapport: {out / 'report.md'}")
        index += ["", title, "", f"Datum {result['meta']['date']}, embedder `{result['meta']['embedder']}`, "
                  f"scorer {result['meta']['scorer'] or '–'}; [volledig rapport]({out.name}/report.md)", "",
                  report.comparison(result["summaries"])]
    if len(runs) > 1:
        (out_dir / "report.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
