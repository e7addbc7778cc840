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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
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

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # the screenshot's conversation and ratings must not end up in the real app data
    scratch = Path(tempfile.mkdtemp(prefix="screenshot-"))
    env.update(ASSISTANT_STORE=str(args.store.resolve()), ASSISTANT_APP_DIR=str(scratch),
               ASSISTANT_FEEDBACK_FILE=str(scratch / "feedback.jsonl"))
    python = PROJECT / ".venv" / "bin" / "python"
    server = subprocess.Popen(
        [str(python if python.exists() else sys.executable), "-m", "streamlit", "run", "app.py",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, server)
        _shoot(url, args)
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"opgeslagen: {args.out}")
    return 0


def _wait(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"streamlit stopte met exitcode {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"streamlit antwoordde niet binnen {timeout:.0f} s")


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
