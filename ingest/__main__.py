"""python -m ingest PATH [PATH ...] [--store DIR] [--reset]

Exit codes: 0 every file ingested or unchanged; 3 some files failed, the rest were
ingested; 2 usage errors (bad arguments, bad configuration, store busy).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _progress_bar():
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            # tqdm hides itself when stderr is not a terminal (disable=None)
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="st", file=sys.stderr, disable=None, leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Documenten indexeren (PDF, TXT, MD, HTML).")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="bestanden of mappen")
    parser.add_argument("--store", type=Path, default=None, help="indexmap (standaard: $ASSISTANT_STORE of data/store)")
    parser.add_argument("--reset", action="store_true", help="index volledig opnieuw opbouwen")
    args = parser.parse_args(argv)

    from common.config import settings_or_exit
    from ingest.pipeline import IngestBusy, ingest

    settings = settings_or_exit(store_dir=args.store)
    missing = [p for p in args.paths if not p.exists()]
    if missing and len(missing) == len(args.paths):
        print("Pad bestaat niet / path does not exist: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    from vectorstore.embedders import make_embedder

    try:
        report = ingest(args.paths, settings, make_embedder(settings), reset=args.reset, progress=_progress_bar())
    except IngestBusy as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(report.summary())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
