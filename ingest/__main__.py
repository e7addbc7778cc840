"""python -m ingest PATH [PATH ...] [--store DIR] [--reset] [--wait SECONDS]
python -m ingest --check [--store DIR]

Exit codes: 0 every file ingested or unchanged (damage found on the way was repaired
and is listed), or --check found the store whole; 3 some files failed, the rest were
ingested; 2 usage errors (bad arguments, bad configuration, an index of another
embedder); 4 store busy: another ingestion held it longer than --wait; 5 store damaged:
--check found damage, or the manifest is unreadable (--reset rebuilds it).
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


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Documenten indexeren (PDF, TXT, MD, HTML).")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="bestanden of mappen")
    parser.add_argument("--store", type=Path, default=None, help="indexmap (standaard: $ASSISTANT_STORE of data/store)")
    parser.add_argument("--reset", action="store_true",
                        help="index volledig opnieuw opbouwen uit de bestanden, in welke staat hij ook is")
    parser.add_argument("--check", action="store_true", help="de index controleren (niets wijzigen); exit 5 bij schade")
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="zo lang wachten als een andere ingestie de index gebruikt (standaard "
                             "$ASSISTANT_LOCK_TIMEOUT = 30); daarna exitcode 4")
    args = parser.parse_args(argv)
    if args.check and (args.paths or args.reset):
        parser.error("--check neemt geen PATH en geen --reset (--check takes no paths)")
    if not args.check and not args.paths:
        parser.error("geef minstens één PATH, of --check (give at least one PATH)")
    if args.wait is not None and args.wait < 0:
        parser.error("--wait moet 0 of meer seconden zijn")

    from common.config import settings_or_exit
    from vectorstore.embedders import EmbedderError, make_embedder
    from vectorstore.errors import StoreError, exit_code

    settings = settings_or_exit(store_dir=args.store)
    if args.check:
        from vectorstore.check import check_store

        try:
            report = check_store(settings, make_embedder(settings).name)
        except EmbedderError as exc:
            _say(f"Fout / error: {exc}")
            return 2
        print(report.summary())
        return 0 if report.ok else 5

    missing = [p for p in args.paths if not p.exists()]
    if missing and len(missing) == len(args.paths):
        _say("Pad bestaat niet / path does not exist: " + ", ".join(map(str, missing)))
        return 2
    from ingest.pipeline import ingest

    try:
        report = ingest(args.paths, settings, make_embedder(settings), reset=args.reset, progress=_progress_bar(),
                        wait=args.wait, on_wait=_say)
    except StoreError as exc:
        _say(f"Fout / error: {exc}")
        return exit_code(exc)
    except EmbedderError as exc:
        _say(f"Fout / error: {exc}")
        return 2
    print(report.summary())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
