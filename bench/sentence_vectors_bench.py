"""python -m bench.sentence_vectors_bench [--set bundled] [--split dev]

What sentence vectors cost at ingestion, and whether a chunk vector could be derived
from its sentences' vectors (their normalised mean) instead of being embedded itself:
dense retrieval quality both ways on a gold set's questions (passage hit@5: one of the
top five chunks holds a key fact; MRR of the first such chunk), dense alone and fused
with BM25. Embeds with the configured embedder, uncached, so the times are real.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sentence_vectors_bench")
    parser.add_argument("--set", dest="set_name", default="bundled", choices=["bundled", "train", "second"])
    parser.add_argument("--split", default="dev", help="questions to measure retrieval on (never test)")
    args = parser.parse_args(argv)
    if args.split == "test":
        parser.error("kies train of dev: de test-split blijft buiten keuzes (choose on train/dev, not test)")

    from assistant.fusion import reciprocal_rank_fusion
    from common.config import settings_or_exit
    from common.units import split_units
    from eval.metrics import contains_fact
    from eval.sets import SETS, select
    from eval.train import store_settings
    from ingest.pipeline import ingest
    from vectorstore.embedders import make_embedder
    from vectorstore.store import Store

    settings = settings_or_exit()
    embedder = make_embedder(settings)
    gold_set = SETS[args.set_name]
    s = store_settings(settings, gold_set)
    ingest([gold_set.corpus], s, embedder)
    store = Store(s, embedder.name)
    chunks = list(store.chunks.values())
    ids = [c.id for c in chunks]

    t0 = time.perf_counter()
    chunk_vectors = embedder.embed_passages([c.index_text for c in chunks])
    t_chunks = time.perf_counter() - t0
    unit_texts = [[u.text for u in split_units(c.text, c.section)] for c in chunks]
    flat = [t for texts in unit_texts for t in texts]
    t0 = time.perf_counter()
    unit_vectors = embedder.embed_passages(flat)
    t_units = time.perf_counter() - t0
    bounds = np.cumsum([0] + [len(t) for t in unit_texts])
    derived = np.vstack([unit_vectors[a:b].mean(axis=0) for a, b in zip(bounds, bounds[1:])])
    derived /= np.linalg.norm(derived, axis=1, keepdims=True)

    words_chunks = sum(len(c.index_text.split()) for c in chunks)
    print(f"\n{gold_set.name}: {len(chunks)} chunks ({words_chunks} woorden), {len(flat)} zinnen; embedder "
          f"{embedder.name}\n")
    print("| wat | aantal | seconden | per stuk (ms) |\n|---|---|---|---|")
    print(f"| chunks embedden | {len(chunks)} | {t_chunks:.1f} | {1000 * t_chunks / len(chunks):.0f} |")
    print(f"| zinnen embedden | {len(flat)} | {t_units:.1f} | {1000 * t_units / max(len(flat), 1):.0f} |")
    print(f"| extra tijd door zinsvectoren | | +{100 * t_units / t_chunks:.0f} % | |")

    questions = [i for i in select(gold_set, args.split) if i.answerable and i.facts]
    relevant = [{cid for cid, c in zip(ids, chunks) if any(contains_fact(c.text, v) for v in i.facts)}
                for i in questions]
    results = {}
    for name, matrix in (("chunkvector", chunk_vectors), ("gemiddelde zinsvectoren", derived)):
        for mode in ("dense", "hybride"):
            hits, rr = [], []
            for item, rel in zip(questions, relevant):
                q = embedder.embed_query(item.question)
                dense = [ids[i] for i in np.argsort(-(matrix @ q))[:30]]
                ranking = dense
                if mode == "hybride":
                    sparse = [cid for cid, _ in store.sparse(item.question, 30)]
                    ranking = [cid for cid, _ in reciprocal_rank_fusion([dense, sparse])]
                top = ranking[:5]
                hits.append(any(cid in rel for cid in top))
                first = next((r for r, cid in enumerate(ranking, start=1) if cid in rel), None)
                rr.append(1.0 / first if first else 0.0)
            results[(name, mode)] = (np.mean(hits), np.mean(rr))
    print(f"\nRetrieval op {gold_set.name}/{args.split} ({len(questions)} beantwoordbare vragen):\n")
    print("| chunkvector | zoeken | passage-hit@5 | MRR |\n|---|---|---|---|")
    for (name, mode), (hit, mrr) in results.items():
        print(f"| {name} | {mode} | {hit:.2f} | {mrr:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
