"""The app in a real browser: started exactly as the README runs it, driven with
Debian's Chromium through Playwright (Playwright's own browser download cannot work
offline). Without /usr/bin/chromium these tests fail; they never skip."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 120  # s: the first start imports torch and Chroma
ANSWER_TIMEOUT = 60_000  # ms


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python() -> str:
    venv = PROJECT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, real_store_settings):
    """The app as a subprocess, on a private copy of the bundled-corpus index (the
    upload test adds to it); stopped in teardown whatever happened."""
    work = tmp_path_factory.mktemp("browser")
    store = work / "data" / "store"
    shutil.copytree(real_store_settings.store_dir, store, ignore=shutil.ignore_patterns(".ingest.lock"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_STORE=str(store), ASSISTANT_FEEDBACK_FILE=str(work / "feedback.jsonl"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    port = _free_port()
    log_path = work / "streamlit.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [_python(), "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, server, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for_health(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit stopped with exit code {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not answer on {url} within {START_TIMEOUT} s:\n{log_path.read_text()}")


@contextmanager
def open_page(url: str):
    """Chromium on the app, loaded. Used inside the tests (not as a fixture) so a
    missing browser makes the test FAIL, not error or skip."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} ontbreekt (Chromium is missing): install it with "
                    "`apt-get install chromium` or run ./scripts/install-system-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.set_default_timeout(ANSWER_TIMEOUT)
            page.goto(url)
            page.get_by_text("Probeer bijvoorbeeld").wait_for()  # the assistant is loaded
            yield page
        finally:
            browser.close()


def _ask(page, question: str, turns: int) -> None:
    """Type a question and wait until the answer with its feedback thumbs is there."""
    box = page.get_by_placeholder("Stel een vraag over de documenten…")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    messages.nth(turns * 2 - 1).get_by_test_id("stFeedback").wait_for()
    assert messages.count() == turns * 2


def test_question_follow_up_and_sources_in_a_real_browser(app_url):
    with open_page(app_url) as page:
        _question_follow_up_and_sources(page)


def _question_follow_up_and_sources(page) -> None:
    messages = page.get_by_test_id("stChatMessage")
    _ask(page, "Wat is de Regio Deal Twente?", turns=1)
    first = messages.nth(1)
    assert first.get_by_text("Bronnen", exact=True).is_visible()
    assert "[1]" in first.inner_text()

    _ask(page, "En hoeveel draagt het Rijk daaraan bij?", turns=2)
    follow_up = messages.nth(3)
    assert "25" in follow_up.get_by_test_id("stMarkdown").first.inner_text()
    source = follow_up.get_by_test_id("stExpander").first
    assert "[1] Regio Deal Twente" in source.locator("summary").inner_text()
    assert not source.locator("mark").first.is_visible()  # collapsed until clicked
    source.locator("summary").click()
    quote = source.locator("mark").first
    quote.wait_for(state="visible")
    assert "25" in quote.inner_text()
    assert source.get_by_text("Bestand: 004_5cdf79aa927f76dd.txt").is_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)  # let the expander finish opening
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)


def test_upload_and_no_html_injection_in_a_real_browser(app_url, tmp_path):
    with open_page(app_url) as page:
        _upload_and_no_html_injection(page, tmp_path)


def _upload_and_no_html_injection(page, tmp_path: Path) -> None:
    hostile = tmp_path / "zeppelinhaven.html"
    hostile.write_text(
        "<html><head><title>Zeppelinhaven</title></head><body><h1>Zeppelinhaven</h1>"
        "<p>De nieuwe kade in de Zeppelinhaven wordt 300 meter lang &lt;img src=x "
        "onerror=\"document.title='GEHACKT'\"&gt; en heeft **vette** tekst, [een link](http://evil.example) "
        "en :red[rood] &lt;script&gt;document.title='GEHACKT'&lt;/script&gt;.</p></body></html>",
        encoding="utf-8")
    broken = tmp_path / "kapot.pdf"
    broken.write_bytes(os.urandom(3000))
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type=file]").set_input_files([str(hostile), str(broken)])
    sidebar.get_by_text("kapot.pdf").first.wait_for()  # both files are in the uploader
    sidebar.get_by_role("button", name="Toevoegen aan de index").click()
    report = sidebar.get_by_test_id("stAlert")
    report.wait_for()
    assert "zeppelinhaven.html — toegevoegd" in report.inner_text()
    assert "kapot.pdf — mislukt" in report.inner_text()

    _ask(page, "Hoe lang wordt de nieuwe kade in de Zeppelinhaven?", turns=1)
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_test_id("stExpander").first.locator("summary").click()
    answer.locator("mark").first.wait_for(state="visible")
    text = answer.inner_text()
    assert "300 meter" in text and "<img src=x" in text and "**vette**" in text and ":red[rood]" in text
    main = page.get_by_test_id("stMain")
    assert main.locator("img[src=x], script:has-text('GEHACKT'), a[href*='evil.example']").count() == 0
    assert page.title() != "GEHACKT"
