"""The app in a real browser, as strangers use it: started exactly as the README runs
it (``streamlit run app.py``), driven with Debian's Chromium through Playwright
(Playwright's own browser download cannot work offline). One server for the whole
module; each visitor is a browser context of its own (own cookies). Without
/usr/bin/chromium these tests fail; they never skip.

Every request any page makes is recorded; the last test checks that all of them went
to the app's own host.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from webapp.launch import AppDidNotStart, running_app

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 120  # s: the first start imports torch and Chroma
TIMEOUT = 60_000  # ms
ADMIN_PASSWORD = "een-lang-beheerderswachtwoord"
BOX = "Stel een vraag over de documenten…"
ZEPPELIN_Q = "Wanneer opent de nieuwe kade in de Zeppelinhaven?"
ZEPPELIN = ("Zeppelinhaven Hengelo\n\nDe Zeppelinhaven in Hengelo krijgt een nieuwe kade van 300 meter. "
            "De gemeente Hengelo opent de nieuwe kade in het voorjaar van {year}.\n")
REQUESTS: list[str] = []  # every URL any page of this module asked for
CSP_VIOLATIONS: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_store_settings):
    """The app as a subprocess on a private copy of the bundled-corpus index (visitors'
    uploads get published into it); stopped in teardown whatever happened."""
    work = tmp_path_factory.mktemp("browser")
    store = work / "data" / "store"
    shutil.copytree(real_store_settings.store_dir, store, ignore=shutil.ignore_patterns(".ingest.lock"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_STORE=str(store), ASSISTANT_ADMIN_PASSWORD=ADMIN_PASSWORD,
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    log_path = work / "streamlit.log"
    with log_path.open("w") as log:
        try:
            with running_app(env, log=log, timeout=START_TIMEOUT) as url:
                yield {"url": url, "data": work / "data", "log": log_path}
        except AppDidNotStart as exc:
            pytest.fail(f"{exc}:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} ontbreekt (Chromium is missing): install it with "
                    "`apt-get install chromium` or run ./scripts/install-system-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def visitor(browser, url: str):
    """A new visitor: a browser context with its own cookies, on the loaded page."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, timezone_id="Europe/Amsterdam",
                                  locale="nl-NL", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("request", lambda request: REQUESTS.append(request.url))
    page.on("console", lambda m: CSP_VIOLATIONS.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(url)
        page.get_by_text("Probeer bijvoorbeeld").wait_for()
        yield page
    finally:
        context.close()


def ask(page, *questions: str, gap_ms: list[int] | None = None) -> None:
    box = page.get_by_placeholder(BOX)
    for i, question in enumerate(questions):
        box.fill(question)
        box.press("Enter")
        if gap_ms:
            page.wait_for_timeout(gap_ms[i % len(gap_ms)])


def ask_in_turn(page, *questions: str) -> None:
    """Each question asked after the answer to the one before: a conversation."""
    for i, question in enumerate(questions):
        ask(page, question)
        wait_answers(page, i + 1)


def wait_answers(page, n: int) -> None:
    """Until the page shows n answered questions and none under way."""
    # a finished answer always ends with its "Kopiëren" button; one under way shows .tb-busy
    page.wait_for_function(
        """n => document.querySelectorAll('[data-testid="stChatMessage"]').length === 2 * n
               && document.querySelectorAll('button.tb-copy').length === n
               && !document.querySelector('.tb-busy')""", arg=n, timeout=TIMEOUT)
    page.wait_for_timeout(300)  # the redraw after the last answer


def answer_text(page, i: int) -> str:
    return page.get_by_test_id("stChatMessage").nth(2 * i + 1).inner_text()


def upload_own(page, path: Path) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type=file]").set_input_files([str(path)])
    sidebar.get_by_text(path.name).first.wait_for()
    sidebar.get_by_role("button", name="Toevoegen aan mijn documenten").click()
    sidebar.get_by_text(f"{path.name} — toegevoegd").wait_for()


def sign_in(page, password: str, name: str = "Test") -> None:
    sidebar = page.get_by_test_id("stSidebar")
    if not sidebar.get_by_label("Wachtwoord", exact=True).is_visible():
        sidebar.get_by_text("Beheer", exact=True).click()
    sidebar.get_by_label("Je naam (voor het logboek)").fill(name)
    sidebar.get_by_label("Wachtwoord", exact=True).fill(password)
    sidebar.get_by_role("button", name="Aanmelden").click()


# --------------------------------------------------------------------------- visitors


def test_two_visitors_private_uploads_and_an_admin_publishing(server, browser, tmp_path):
    mine, theirs = tmp_path / "a", tmp_path / "b"
    mine.mkdir(), theirs.mkdir()
    (mine / "zeppelinhaven.txt").write_text(ZEPPELIN.format(year=2031), encoding="utf-8")
    (theirs / "zeppelinhaven.txt").write_text(ZEPPELIN.format(year=2040), encoding="utf-8")
    url = server["url"]
    with visitor(browser, url) as a, visitor(browser, url) as b:
        upload_own(a, mine / "zeppelinhaven.txt")
        ask(a, ZEPPELIN_Q)
        ask(b, ZEPPELIN_Q)  # at the same time, in the other browser
        wait_answers(a, 1)
        wait_answers(b, 1)
        assert "2031" in answer_text(a, 0) and "eigen document" in answer_text(a, 0)
        # A's upload is nowhere for B: not in the answer, its sources, or the document lists
        assert "2031" not in answer_text(b, 0) and "Zeppelinhaven" not in answer_text(b, 0)
        assert b.get_by_test_id("stSidebar").get_by_role("link", name="Zeppelinhaven").count() == 0
        assert "zeppelinhaven.txt" not in b.get_by_test_id("stSidebar").inner_text()
        a_conversation = a.url.split("gesprek=")[1]

        # B uploads a file of the same name: it goes to B's own conversation, A's stays
        upload_own(b, theirs / "zeppelinhaven.txt")
        ask(b, ZEPPELIN_Q)
        ask(a, "En hoe lang wordt die kade?")
        wait_answers(b, 2)
        wait_answers(a, 2)
        assert "2040" in answer_text(b, 1)
        assert "300 meter" in answer_text(a, 1)
        a.reload()
        wait_answers(a, 2)
        assert "2031" in answer_text(a, 0) and "2040" not in a.get_by_test_id("stMain").inner_text()
        # B has no way into A's conversation, even with its address
        b.goto(f"{url}/?gesprek={a_conversation}")
        b.get_by_text("Dit gesprek is niet gevonden").wait_for()
        assert "2031" not in b.get_by_test_id("stMain").inner_text()

        # B is also an administrator: a wrong password is refused, the right one opens the panel
        sign_in(b, "dit-is-het-niet")
        b.get_by_text("Onjuist wachtwoord.").wait_for()
        assert not b.get_by_text("Beheer van de gedeelde documenten").is_visible()
        sign_in(b, ADMIN_PASSWORD, name="Bea")
        b.get_by_text("Beheer van de gedeelde documenten").wait_for()
        b.get_by_role("tab", name="Uploads van bezoekers").click()
        row = b.get_by_test_id("stHorizontalBlock").filter(has_text=f"gesprek {a_conversation[:6]}")
        row.get_by_role("button", name="Publiceren").click()
        b.get_by_text("zeppelinhaven.txt — gepubliceerd").wait_for()
        b.get_by_test_id("stSidebar").get_by_role("button", name="Terug naar het gesprek").click()
        b.get_by_test_id("stSidebar").get_by_role("button", name="Nieuw gesprek").click()
        b.get_by_text("Probeer bijvoorbeeld").wait_for()
        ask(b, ZEPPELIN_Q)
        wait_answers(b, 1)
        published = answer_text(b, 0)
        assert "2031" in published and "eigen document" not in published  # now from the shared corpus
        assert b.get_by_test_id("stSidebar").get_by_role("link", name="Zeppelinhaven").count() == 1  # shared list
    log = [json.loads(line) for line in
           (server["data"] / "app" / "corpus-wijzigingen.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["actie"], e["document"]) for e in log] == [("gepubliceerd", "zeppelinhaven.txt")]
    assert log[0]["wie"].startswith("Bea (beheerder")


def test_conversation_survives_a_reload_and_exports_markdown(server, browser):
    with visitor(browser, server["url"]) as page:
        ask_in_turn(page, "Wat is de Regio Deal Twente?", "En hoeveel draagt het Rijk daaraan bij?")
        first, second = answer_text(page, 0), answer_text(page, 1)
        assert "25" in second
        page.reload()
        page.get_by_text("En hoeveel draagt het Rijk daaraan bij?").first.wait_for()
        wait_answers(page, 2)
        assert answer_text(page, 1) == second
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.get_by_role("button", name="Wat is de Regio Deal Twente?").is_visible()

        # [1] in the answer links to its source card
        link = page.get_by_test_id("stChatMessage").nth(3).locator("a.tb-cite").first
        target = link.get_attribute("href")
        link.click()
        page.wait_for_function("h => location.hash === h", arg=target)
        assert page.locator(target).is_visible()

        sidebar.get_by_role("button", name="Dit gesprek").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Exporteren als Markdown").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert "## Vraag 1" in text and "Wat is de Regio Deal Twente?" in text
        assert "En hoeveel draagt het Rijk daaraan bij?" in text
        assert "**Bronnen**" in text and "1. Regio Deal Twente (4e tranche)" in text
        assert "25" in text.split("## Vraag 2")[1]
        quote = next(line for line in text.splitlines() if line.strip().startswith(">"))
        assert len(quote) > 20


def test_an_answer_that_repeats_the_previous_one_says_so(server, browser):
    with visitor(browser, server["url"]) as page:
        ask_in_turn(page, "Hoeveel inwoners heeft de regio Twente?", "Hoeveel inwoners heeft de regio Twente?")
        assert "Dit herhaalt het vorige antwoord" not in answer_text(page, 0)
        assert "Dit herhaalt het vorige antwoord" in answer_text(page, 1) and "634.000" in answer_text(page, 1)
        ARTIFACTS.mkdir(exist_ok=True)
        page.get_by_test_id("stChatMessage").nth(3).screenshot(path=str(ARTIFACTS / "repeated-answer.png"))


def test_questions_typed_while_answering_are_all_answered(server, browser):
    questions = ["Wat doet Twente Board Development?", "Hoeveel investeert het Rijk in de Regio Deal Twente?",
                 "Wat is de Innovatiesprong Twente?", "Wat is brede welvaart?",
                 "Waar kan ik als ondernemer terecht voor financiering?"]
    with visitor(browser, server["url"]) as page:
        ask(page, *questions, gap_ms=[100, 400, 1000, 150, 600])
        wait_answers(page, 5)
        messages = page.get_by_test_id("stChatMessage").all_inner_texts()
        assert len(messages) == 10
        asked = messages[0::2]
        assert all(q in m for q, m in zip(questions, asked)), asked  # each answered, in the order typed
        for i in range(5):
            assert len(answer_text(page, i)) > 40


def test_edge_input_copy_and_no_html_injection(server, browser, tmp_path):
    hostile = tmp_path / "zeppelinhaven.html"
    hostile.write_text(
        "<html><head><title>Zeppelinhaven</title></head><body><h1>Zeppelinhaven</h1>"
        "<p>De nieuwe kade in de Zeppelinhaven wordt 300 meter lang &lt;img src=x "
        "onerror=\"document.title='GEHACKT'\"&gt; en heeft **vette** tekst, [een link](http://evil.example) "
        "en :red[rood] &lt;script&gt;document.title='GEHACKT'&lt;/script&gt;.</p>"
        "<img src=\"http://evil.example/pixel.png\"></body></html>", encoding="utf-8")
    with visitor(browser, server["url"]) as page:
        box = page.get_by_placeholder(BOX)
        box.fill("   ")
        box.press("Enter")
        too_long = "Waarom " * 300
        box.fill(too_long)
        box.press("Enter")
        page.get_by_text("Je vraag is te lang: 2.099 tekens, maximaal 1.000.").wait_for()
        assert box.input_value() == too_long  # nothing typed is lost
        page.wait_for_timeout(1000)
        assert page.get_by_test_id("stChatMessage").count() == 0  # neither was asked

        upload_own(page, hostile)
        ask(page, "Hoe lang wordt de nieuwe kade in de Zeppelinhaven?")
        wait_answers(page, 1)
        answer = page.get_by_test_id("stChatMessage").nth(1)
        text = answer.inner_text()
        assert "300 meter" in text and "<img src=x" in text and "**vette**" in text and ":red[rood]" in text
        main = page.get_by_test_id("stMain")
        injected = main.locator("img[src=x], script:has-text('GEHACKT'), a[href*='//evil.example']")
        assert injected.count() == 0, injected.evaluate_all("els => els.map(e => e.outerHTML)")
        assert page.title() != "GEHACKT"

        answer.get_by_role("button", name="Kopiëren").click()
        answer.get_by_role("button", name="Gekopieerd").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "300 meter" in copied and "Bronnen:" in copied and "[1] Zeppelinhaven" in copied

        # the original opens from its own address, shown but never run
        href = answer.get_by_role("link", name="Document openen").first.get_attribute("href")
        response = page.request.get(f"{server['url']}/{href.split('#')[0]}")
        assert response.status == 200 and "sandbox" in response.headers["content-security-policy"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app.png"))


def test_page_is_dutch_and_asks_nothing_of_other_hosts(server, browser):
    """Last on purpose: it also checks the requests of every test before it."""
    with visitor(browser, server["url"]) as page:
        ask(page, "Hoeveel investeert het Rijk in de Regio Deal Twente?")
        wait_answers(page, 1)
        page.wait_for_timeout(1500)  # the page-wide script has translated what Streamlit drew
        assert page.evaluate("document.documentElement.lang") == "nl"
        assert page.title() == "Twente Board-assistent"
        icon = page.evaluate("document.querySelector('link[rel~=icon]').href")
        assert urlsplit(icon).netloc == urlsplit(server["url"]).netloc
        assert page.request.get(icon).status == 200
        visible = page.evaluate("document.body.innerText")
        labels = page.evaluate("""[...document.querySelectorAll('[aria-label],[title],[placeholder]')]
            .flatMap(e => ['aria-label','title','placeholder'].map(a => e.getAttribute(a)).filter(Boolean))""")
        for english in ("Upload", "per file", "Stop", "Running", "Select all", "Thumbs up", "Thumbs down",
                        "Skip to main content", "Chat message from", "Collapse sidebar", "Show password",
                        "file upload", "Add files", "Link to heading", "Press Enter"):
            assert english not in visible, english
            assert not any(english in label for label in labels), (english, labels)
        assert "vandaag" in visible  # local times, in Dutch
    host = urlsplit(server["url"]).netloc
    assert REQUESTS, "no requests recorded"
    others = sorted({urlsplit(u).netloc for u in REQUESTS if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
                    - {host})
    assert others == [], others
    assert not [u for u in REQUESTS if urlsplit(u).scheme not in ("http", "https", "ws", "wss", "data", "blob")]
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS
