"""Screenshot of the app answering a question, for the README (docs/screenshot.png).

    .venv/bin/python scripts/screenshot.py [--store DIR] [--question "…"] [--out docs/screenshot.png]

Starts the app exactly as `make run` does (on a free port, on the given index; default
$ASSISTANT_STORE or data/store, with a throw-away folder for conversations and
ratings), asks the question in Debian's Chromium and saves the page with the answer
and its sources. Needs /usr/bin/chromium (scripts/install-system-deps.sh).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from webapp.launch import PROJECT, AppDidNotStart, running_app

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path,
                        default=Path(os.environ.get("ASSISTANT_STORE", PROJECT / "data" / "store")))
    parser.add_argument("--question", default="Wat zijn de vier centrale actielijnen?")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1480)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} ontbreekt; installeer chromium (scripts/install-system-deps.sh)", file=sys.stderr)
        return 2
    if not (args.store / "manifest.json").exists():
        print(f"Geen index in {args.store}; maak er een met: python -m ingest data/corpus --store {args.store}",
              file=sys.stderr)
        return 2

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # the screenshot's conversation and ratings must not end up in the real app data
    scratch = Path(tempfile.mkdtemp(prefix="screenshot-"))
    env.update(ASSISTANT_STORE=str(args.store.resolve()), ASSISTANT_APP_DIR=str(scratch),
               ASSISTANT_FEEDBACK_FILE=str(scratch / "feedback.jsonl"))
    try:
        with running_app(env) as url:
            _shoot(url, args)
    except AppDidNotStart as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"opgeslagen: {args.out}")
    return 0


def _shoot(url: str, args) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.get_by_text("Probeer bijvoorbeeld").wait_for()
            box = page.get_by_placeholder("Stel een vraag over de documenten…")
            box.fill(args.question)
            box.press("Enter")
            page.wait_for_function("() => document.querySelector('button.tb-copy') && "
                                   "!document.querySelector('.tb-busy')")
            page.wait_for_timeout(500)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
