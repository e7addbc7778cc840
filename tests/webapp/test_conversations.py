"""The conversation store: owners see only their own, questions queue in order,
answers and ratings survive a reopen of the store."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from assistant.types import Answer, Citation, Passage
from webapp.conversations import ConversationStore
from webapp.records import answer_from_dict, answer_to_dict


def _answer(text: str = "De deal is 25 miljoen [1].") -> Answer:
    passage = Passage("c1", "De deal is 25 miljoen.", "deal.txt", "Regio Deal", page=3, page_label="iii",
                      date="2023", private=True, page_breaks=[[10, 4, "iv"]])
    return Answer(text, refused=False, citations=[Citation(1, "deal.txt", "Regio Deal", 3, None,
                                                           "De deal is 25 miljoen.", chunk_id="c1",
                                                           page_label="iii", date="2023", private=True)],
                  passages=[passage], timings={"total": 12.345}, notice="let op")


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "gesprekken.sqlite")


def test_answers_round_trip_through_json():
    answer = _answer()
    again = answer_from_dict(answer_to_dict(answer))
    assert again.text == answer.text and again.notice == "let op" and not again.refused
    assert again.citations == answer.citations
    p = again.passages[0]
    assert (p.chunk_id, p.page, p.page_label, p.date, p.private, p.page_breaks) == ("c1", 3, "iii", "2023", True,
                                                                                    [[10, 4, "iv"]])


def test_a_visitor_sees_only_their_own_conversations(store):
    mine = store.create("anna")
    theirs = store.create("bert")
    assert store.get(mine.id, "anna") is not None
    assert store.get(mine.id, "bert") is None
    assert [c.id for c in store.list("anna")] == [mine.id]
    assert store.ask(mine.id, "bert", "Mag ik meelezen?", []) is None
    assert store.turns(mine.id, "bert") == []
    assert not store.rename(mine.id, "bert", "van mij") and store.delete(mine.id, "bert") is None
    assert store.get(mine.id, "anna") is not None and store.get(theirs.id, "bert") is not None
    assert len(mine.id) >= 20  # unguessable


def test_questions_queue_in_order_with_history(store, tmp_path):
    c = store.create("anna")
    first = store.ask(c.id, "anna", "Wat is de Regio Deal?", ["deal.txt"])
    second = store.ask(c.id, "anna", "En hoeveel?", [])
    assert store.get(c.id, "anna").title == "Wat is de Regio Deal?"  # named after its first question
    assert store.pending(c.id) == 2
    turn, history = store.next_pending(c.id)
    assert turn.id == first.id and turn.sources == ["deal.txt"] and history == []
    store.answer(first.id, _answer())
    turn, history = store.next_pending(c.id)
    assert turn.id == second.id
    assert history == [{"role": "user", "content": "Wat is de Regio Deal?"},
                       {"role": "assistant", "content": "De deal is 25 miljoen [1].", "passages": ["c1"]}]
    store.answer(second.id, error="de index is weg")
    assert store.next_pending(c.id) is None and store.pending(c.id) == 0
    reopened = ConversationStore(tmp_path / "gesprekken.sqlite")  # e.g. after a restart
    turns = reopened.turns(c.id, "anna")
    assert [t.question for t in turns] == ["Wat is de Regio Deal?", "En hoeveel?"]
    assert turns[0].answer.citations[0].quote == "De deal is 25 miljoen." and turns[1].error == "de index is weg"


def test_an_answer_is_stored_once(store):
    c = store.create("anna")
    t = store.ask(c.id, "anna", "Vraag?", [])
    store.answer(t.id, _answer("eerste"))
    store.answer(t.id, _answer("tweede"))  # a second worker must not overwrite it
    assert store.turns(c.id, "anna")[0].answer.text == "eerste"


def test_positions_stay_unique_when_two_tabs_ask_at_once(store):
    c = store.create("anna")
    threads = [threading.Thread(target=store.ask, args=(c.id, "anna", f"Vraag {i}?", [])) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.position for t in store.turns(c.id, "anna")) == list(range(1, 9))


def test_rating_rename_delete(store):
    c = store.create("anna")
    t = store.ask(c.id, "anna", "Vraag?", [])
    store.answer(t.id, _answer())
    assert store.rate(t.id, "bert", 1) is None  # not bert's
    rated = store.rate(t.id, "anna", 0, "Onvolledig", "Mist het adres")
    assert (rated.rating, rated.reason, rated.comment) == (0, "Onvolledig", "Mist het adres")
    assert store.rename(c.id, "anna", "  Mijn   vragen  ") and store.get(c.id, "anna").title == "Mijn vragen"
    assert not store.rename(c.id, "anna", "   ")
    store.set_private_dir(c.id, "anna", "abc-123")
    deleted = store.delete(c.id, "anna")
    assert deleted.private_dir == "abc-123"
    assert store.get(c.id, "anna") is None
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0  # the turns went with it


def test_private_documents_expire_after_the_last_upload(store):
    old, fresh = store.create("anna"), store.create("anna")
    store.set_private_dir(old.id, "anna", "oud")
    store.set_private_dir(fresh.id, "anna", "nieuw")
    db = sqlite3.connect(store.path)
    db.execute("UPDATE conversations SET private_updated = '2020-01-01T00:00:00.000+00:00' WHERE id = ?", (old.id,))
    db.commit()
    assert [c.id for c in store.expired_private(hours=24)] == [old.id]
    store.clear_private(old.id)
    assert store.private_dir(old.id) is None and store.private_dir(fresh.id) == "nieuw"
