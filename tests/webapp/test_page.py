"""The page driven by streamlit.testing (AppTest) over the real bundled-corpus index:
answers with linked citations, conversations kept and reopened, the filter named in
refusals and reset by "Nieuw gesprek", ratings that can change, edge input, errors.

AppTest runs the page script without a browser: no cookie (each AppTest is a new
visitor unless a test gives it the same fallback id) and no JavaScript (questions are
put in the question box's state directly, as the box would send them).
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from webapp.browser import ASK_KEY

pytestmark = pytest.mark.slow

PAGE = str(Path(__file__).resolve().parents[2] / "webapp" / "page.py")
REGIO_DEAL = "004_5cdf79aa927f76dd.txt"
OFF_TOPIC = "Wie won de wedstrijd van FC Twente gisteren?"


def _clean_env(monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    # one data folder for the module: the app keeps one set of services (and one loaded
    # assistant) per configuration, so tests that share it share the loaded model
    return tmp_path_factory.mktemp("appdata")


@pytest.fixture
def app_env(monkeypatch, real_store_settings, app_dir):
    _clean_env(monkeypatch)
    monkeypatch.setenv("ASSISTANT_STORE", str(real_store_settings.store_dir))
    monkeypatch.setenv("ASSISTANT_APP_DIR", str(app_dir))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_FILE", str(app_dir / "feedback.jsonl"))
    return app_dir


def run_page(visitor: str | None = None, conversation: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if visitor:
        at.session_state["tb_visitor"] = visitor  # the same visitor as before (no cookie in AppTest)
    if conversation:
        at.query_params["gesprek"] = conversation
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, *questions: str) -> AppTest:
    """What the question box sends: every unacknowledged question, numbered."""
    seq = at.session_state["tb_seq"] if "tb_seq" in at.session_state else 0
    items = [{"seq": seq + i, "text": q} for i, q in enumerate(questions, 1)]
    at.session_state[ASK_KEY] = {"vragen": {"items": items}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def turns(at: AppTest):
    from webapp.services import services
    from common.config import Settings

    app = services(Settings.from_env())
    owner = _owner(at)
    return app.conversations.turns(at.session_state["tb_conv"], owner)


def _owner(at: AppTest) -> str:
    from webapp.visitor import owner_key

    return owner_key(at.session_state["tb_visitor"])


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.main.markdown)


# --------------------------------------------------------------------------- the page


def test_empty_screen_shows_intro_examples_and_corpus(app_env):
    at = run_page()
    assert at.title[0].value == "Twente Board-assistent"
    assert "alleen uit de documenten" in at.caption[0].value
    labels = [b.label for b in at.main.button]
    for question in ("Waar kan ik als ondernemer terecht voor financiering?", "Wat doet Twente Board Development?",
                     "Hoeveel investeert het Rijk in de Regio Deal Twente?"):
        assert question in labels
    sidebar = " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "Regio Deal Twente (4e tranche)" in sidebar and "5 documenten" in sidebar
    assert "Antwoordmodus: extractief \\(offline\\)" in sidebar
    assert "Mijn gesprekken" in [s.value for s in at.sidebar.subheader]
    assert "Beheer" not in [e.label for e in at.sidebar.expander]  # no admin password configured
    assert not at.chat_message


def test_example_asks_and_shows_linked_citations_with_sources(app_env):
    at = run_page()
    next(b for b in at.main.button if b.label.startswith("Hoeveel investeert")).click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    text = markdown(at)
    answer = turns(at)[0].answer
    assert not answer.refused and "25" in answer.text
    first = turns(at)[0]
    # "[1]" links to its source card, which carries the same anchor
    assert f'<a href="#bron-{first.id}-1" class="tb-cite">1</a>' in text
    assert f'id="bron-{first.id}-1"' in text
    # readable title, not the file name alone; the quote highlighted; open and download links
    assert "<b>Regio Deal Twente (4e tranche)</b>" in text
    assert "<mark>" in text and "25 miljoen" in text
    assert 'href="bestand/' in text and "Downloaden" in text and "Document openen" in text
    assert at.query_params["gesprek"] == [at.session_state["tb_conv"]] or \
        at.query_params["gesprek"] == at.session_state["tb_conv"]  # the URL names the conversation


def test_follow_up_uses_the_conversation_and_its_cited_passages(app_env):
    at = run_page()
    ask(at, "Wat is de Regio Deal Twente?")
    ask(at, "En hoeveel draagt het Rijk daaraan bij?")
    assert len(at.chat_message) == 4
    follow_up = turns(at)[-1].answer
    assert not follow_up.refused and "25" in follow_up.text
    assert all(c.source == REGIO_DEAL for c in follow_up.citations)


def test_questions_sent_together_are_all_answered_in_order(app_env):
    at = run_page()
    questions = ["Wat doet Twente Board Development?", "Hoeveel investeert het Rijk in de Regio Deal Twente?",
                 "Wat is de Innovatiesprong Twente?"]
    ask(at, *questions)
    done = turns(at)
    assert [t.question for t in done] == questions
    assert all(t.answer is not None for t in done)
    assert len(at.chat_message) == 6


def test_empty_and_too_long_questions(app_env):
    at = run_page()
    ask(at, "   ", "\n\t")
    assert not at.chat_message and "tb_conv" in at.session_state and at.session_state["tb_conv"] is None
    ask(at, "Waarom? " * 200)  # 1,600 characters, the limit is 1,000
    assert not at.chat_message
    assert any("Je vraag is te lang" in w.value and "1.599 tekens; maximaal 1.000" in w.value for w in at.warning)


def test_conversation_survives_a_reload_and_is_listed(app_env):
    at = run_page()
    ask(at, "Wat doet Twente Board Development?")
    conversation, visitor = at.session_state["tb_conv"], at.session_state["tb_visitor"]
    again = run_page(visitor=visitor, conversation=conversation)  # a reload: a new session, same browser
    assert again.session_state["tb_conv"] == conversation
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert "Wat doet Twente Board Development?" in [b.label for b in again.sidebar.button]

    stranger = run_page(conversation=conversation)  # another browser with the same link
    assert stranger.session_state["tb_conv"] is None and not stranger.chat_message
    assert any("niet gevonden" in w.value for w in stranger.warning)
    assert "Wat doet Twente Board Development?" not in [b.label for b in stranger.sidebar.button]


def test_rename_and_delete_a_conversation(app_env):
    at = run_page()
    ask(at, "Wat doet Twente Board Development?")
    conversation = at.session_state["tb_conv"]
    at.sidebar.text_input(key=f"title-{conversation}").set_value("TBD uitgezocht").run()
    at.sidebar.button(key=f"rename-{conversation}").click().run()
    assert "TBD uitgezocht" in [b.label for b in at.sidebar.button]
    at.sidebar.checkbox(key=f"sure-{conversation}").check().run()
    at.sidebar.button(key=f"delete-{conversation}").click().run()
    assert at.session_state["tb_conv"] is None and not at.chat_message
    assert "TBD uitgezocht" not in [b.label for b in at.sidebar.button]


def test_filter_is_shown_named_in_a_refusal_and_reset_by_new_conversation(app_env):
    at = run_page()
    at.sidebar.checkbox(key=f"filter-{REGIO_DEAL}").check().run()
    assert any("Filter aan" in i.value and "Regio Deal Twente" in i.value for i in at.info)
    ask(at, "Wat is de Innovatiesprong Twente?")  # the answer is in another document
    turn = turns(at)[-1]
    assert turn.sources == [REGIO_DEAL]
    assert turn.answer.passages and {p.source for p in turn.answer.passages} == {REGIO_DEAL}
    assert any("Gezocht in: Regio Deal Twente" in c.value for c in at.main.caption)  # under the question

    ask(at, OFF_TOPIC)
    refused = turns(at)[-1]
    assert refused.answer.refused and refused.sources == [REGIO_DEAL]
    refusal = at.warning[-1].value
    assert "Niet gevonden in de documenten" in refusal and "geselecteerde documenten" in refusal
    assert "Regio Deal Twente \\(4e tranche\\)" in refusal
    # one click asks it again without the filter
    at.button(key=f"retry-{refused.id}").click().run()
    retried = turns(at)[-1]
    assert retried.question == OFF_TOPIC and retried.sources == [] and retried.answer is not None
    assert not any("Filter aan" in i.value for i in at.info)

    at.sidebar.checkbox(key=f"filter-{REGIO_DEAL}").check().run()
    at.sidebar.button[0].click().run()  # Nieuw gesprek
    assert at.sidebar.button[0].label == "Nieuw gesprek"
    assert not at.sidebar.checkbox(key=f"filter-{REGIO_DEAL}").value
    assert not at.chat_message and not any("Filter aan" in i.value for i in at.info)


def test_rating_can_change_with_a_reason_and_is_logged(app_env):
    at = run_page()
    ask(at, "Wat doet Twente Board Development?")
    turn = turns(at)[0]
    at.button(key=f"rate-1-{turn.id}").click().run()
    assert turns(at)[0].rating == 1
    at.button(key=f"rate-0-{turn.id}").click().run()  # changed her mind
    at.button_group(key=f"reason-{turn.id}").set_value("Onvolledig").run()
    at.text_area(key=f"comment-{turn.id}").input("Het adres ontbreekt.").run()
    at.button(key=f"save-{turn.id}").click().run()
    stored = turns(at)[0]
    assert (stored.rating, stored.reason, stored.comment) == (0, "Onvolledig", "Het adres ontbreekt.")
    lines = [json.loads(line) for line in (app_env / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [r for r in lines if r["answer_id"] == turn.id]
    assert [r["rating"] for r in mine] == [1, 0, 0] and mine[-1]["reason"] == "Onvolledig"
    assert mine[-1]["question"] == "Wat doet Twente Board Development?"
    assert mine[-1]["citations"] and mine[-1]["passages"] and "history" not in mine[-1]
    at.button(key=f"rate-0-{turn.id}").click().run()  # clicking the chosen one again takes it back
    assert turns(at)[0].rating is None


def test_llm_mode_shows_the_fallback_notice(app_env, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on: the LLM is unreachable
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_LLM_PROVIDER", "openai")
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "test-model")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "5")
    at = run_page()
    assert "Antwoordmodus: LLM \\(openai: test-model\\)" in " ".join(c.value for c in at.sidebar.caption)
    ask(at, "Hoeveel investeert het Rijk in de Regio Deal Twente?")
    answer = turns(at)[-1].answer
    assert answer.notice and "25" in answer.text
    assert len(at.info) == 1 and "taalmodel" in at.info[0].value


def test_configuration_error_is_a_dutch_message(app_env, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "bestaat-niet")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert len(at.error) == 1 and "De configuratie klopt niet" in at.error[0].value


def test_empty_index_explains_how_to_ingest(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "leeg" / "store"))
    monkeypatch.setenv("ASSISTANT_APP_DIR", str(tmp_path / "leeg" / "app"))
    at = run_page()
    message = at.info[0].value
    assert "nog geen documenten" in message and "make run" in message and "python -m ingest data/corpus" in message
    assert not [b for b in at.main.button]  # no example questions without an index
