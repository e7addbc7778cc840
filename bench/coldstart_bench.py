"""Cold start of the app: from starting the server process to a usable page and to
the first answer shown, as the first visitor after a restart sees it.

    .venv/bin/python -m bench.coldstart_bench [--store data/store] [--runs 3]

Each run starts ``streamlit run app.py`` exactly as ``make run`` does (its own port,
a fresh app-data folder, the given index read as is), with Debian's Chromium already
open; the visitor loads the page as soon as the server answers, types the question
as soon as the question box is there, and waits for the answer with its sources.
The OS file cache is warm after the first run (the models' files are read from it);
the table shows every run. Prints a Markdown table; needs /usr/bin/chromium.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from webapp.launch import PROJECT, running_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def one_run(browser, store: Path, question: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(ASSISTANT_STORE=str(store), ASSISTANT_APP_DIR=data,
                   ASSISTANT_FEEDBACK_FILE=str(Path(data) / "feedback.jsonl"), HF_HUB_OFFLINE="1",
                   ANONYMIZED_TELEMETRY="False")
        start = time.perf_counter()
        # polled every 50 ms: the time until the server answers is one of the figures
        with running_app(env, timeout=600, poll=0.05) as url:
            health = time.perf_counter() - start
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(url)
            box = page.get_by_placeholder("Stel een vraag over de documenten…")
            box.wait_for()
            page.get_by_text("Probeer bijvoorbeeld").wait_for()
            usable = time.perf_counter() - start
            box.fill(question)
            box.press("Enter")
            page.wait_for_function("""() => document.querySelector('button.tb-copy')
                                          && !document.querySelector('.tb-busy')""", timeout=120_000)
            answered = time.perf_counter() - start
            context.close()
    return {"server answers": health, "page usable": usable, "first answer shown": answered}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path,
                        default=Path(os.environ.get("ASSISTANT_STORE", PROJECT / "data" / "store")))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default="Hoeveel investeert het Rijk in de Regio Deal Twente?")
    args = parser.parse_args()
    if not (args.store / "manifest.json").exists():
        print(f"Geen index in {args.store}; maak er een met: python -m ingest data/corpus", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} ontbreekt; installeer chromium (scripts/install-system-deps.sh)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            runs = [one_run(browser, args.store.resolve(), args.question) for _ in range(args.runs)]
        finally:
            browser.close()
    load = os.getloadavg()
    print(f"Koude start: {args.runs} runs, {os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| vanaf de start van het proces | " + " | ".join(f"run {i} (s)" for i in range(1, len(runs) + 1))
          + " | mediaan (s) |")
    print("|---|" + "---|" * (len(runs) + 1))
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + f" | {statistics.median(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
