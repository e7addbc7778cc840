"""Ratings as JSON lines (the last per answer counts) and conversations exported as
Markdown and JSON with their citations."""
from __future__ import annotations

import json

import pytest

from assistant.types import Answer, Citation, Passage
from webapp.conversations import ConversationStore
from webapp.dutch import zone
from webapp.export import to_json, to_markdown
from webapp.feedback import feedback_record, latest, record_feedback


def _answer() -> Answer:
    shared = Passage("c1", "Regio: 25 mln. De deal is 50 miljoen.", "deal.txt", "Regio Deal", section="Geld",
                     date="2023-05-01")
    own = Passage("c2", "Mijn geheime notitie over de kade.", "notitie.txt", "Notitie", private=True)
    return Answer("De deal is 50 miljoen [1]. De kade komt er [2].", refused=False, citations=[
        Citation(1, "deal.txt", "Regio Deal", None, "Geld", "De deal is 50 miljoen.", chunk_id="c1", date="2023-05-01"),
        Citation(2, "notitie.txt", "Notitie", 4, None, "Mijn geheime notitie", chunk_id="c2", page_label="iv",
                 private=True)], passages=[shared, own])


def test_ratings_change_and_the_last_counts(tmp_path):
    path = tmp_path / "sub" / "feedback.jsonl"
    record_feedback(path, feedback_record("t1", "Vraag?", _answer(), 1))
    record_feedback(path, feedback_record("t1", "Vraag?", _answer(), 0, "Onvolledig", "  mist iets  ", ["deal.txt"]))
    record_feedback(path, feedback_record("t2", "Andere?", _answer(), None))
    counted = latest(path)
    assert counted["t1"]["rating"] == 0 and counted["t1"]["reason"] == "Onvolledig"
    assert counted["t1"]["comment"] == "mist iets" and counted["t1"]["filter"] == ["deal.txt"]
    assert counted["t2"]["rating"] is None  # taken back
    record = counted["t1"]
    assert record["question"] == "Vraag?" and record["answer"].startswith("De deal") and "history" not in record
    assert [c["n"] for c in record["citations"]] == [1, 2]
    shared, own = record["passages"]
    assert shared["text"].startswith("Regio: 25 mln") and own["private"] is True
    assert own["text"] is None  # a visitor's own document is not kept in the feedback log
    with pytest.raises(ValueError):
        feedback_record("t1", "Vraag?", _answer(), 5)


def test_export_holds_answers_and_citations(tmp_path):
    store = ConversationStore(tmp_path / "g.sqlite")
    c = store.create("anna")
    t1 = store.ask(c.id, "anna", "Hoe groot is de deal?", ["deal.txt"])
    store.answer(t1.id, _answer())
    t2 = store.ask(c.id, "anna", "En nu?", [])
    store.answer(t2.id, error="de index is weg")
    store.ask(c.id, "anna", "Nog open?", [])
    conversation, turns = store.get(c.id, "anna"), store.turns(c.id, "anna")

    md = to_markdown(conversation, turns, zone("Europe/Amsterdam"), {"deal.txt": "Regio Deal"})
    assert md.startswith("# Hoe groot is de deal?")
    assert "## Vraag 1\n\nHoe groot is de deal?" in md and "*Gezocht in: Regio Deal*" in md
    assert "De deal is 50 miljoen [1]. De kade komt er [2]." in md
    assert "1. Regio Deal — Geld — 1 mei 2023" in md and "   > De deal is 50 miljoen." in md
    assert "2. Notitie — p. iv — eigen document" in md
    assert "er ging iets mis (de index is weg)" in md and "*(nog geen antwoord)*" in md

    data = json.loads(to_json(conversation, turns))
    assert data["conversation"]["id"] == c.id
    first = data["turns"][0]
    assert first["filter"] == ["deal.txt"] and first["answer"]["answer"].startswith("De deal")
    assert first["answer"]["citations"][1]["private"] is True and first["answer"]["citations"][0]["quote"]
    assert data["turns"][1]["error"] == "de index is weg" and data["turns"][2]["answer"] is None
