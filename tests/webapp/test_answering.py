"""The answer queue as a seam: a deterministic stand-in for the Assistant records what
the queue hands it (question, history with cited passages, filter), so order, history
and failure handling are checked exactly. The page tests run it with the real one."""
from __future__ import annotations

import threading
import time

from assistant.types import Answer, Citation
from webapp.answering import AnswerQueue
from webapp.conversations import ConversationStore
from webapp.private import PrivateDocuments


class Recorder:
    """Answers "Antwoord op: <question>" citing a passage named after the question."""

    def __init__(self, fail_on: str = "", delay: float = 0.0):
        self.calls: list[tuple[str, list[dict], list[str] | None]] = []
        self.fail_on, self.delay = fail_on, delay
        self.embedder = type("E", (), {"name": "fake"})()

    def ask_stream(self, question, history=None, sources=None, use_llm=True, private=None):
        self.calls.append((question, list(history or []), sources))
        recorder = self

        class Stream:
            answer = None

            def __iter__(self):
                time.sleep(recorder.delay)
                if recorder.fail_on and recorder.fail_on in question:
                    raise RuntimeError("de index is weg")
                text = f"Antwoord op: {question}"
                yield text
                Stream.answer = Answer(text, refused=False, citations=[
                    Citation(1, "a.txt", "A", None, None, "citaat", chunk_id=f"chunk-{question}")])

        return Stream()


def _queue(tmp_path, settings, assistant):
    conversations = ConversationStore(tmp_path / "g.sqlite")
    private = PrivateDocuments(settings.with_overrides(app_dir=tmp_path / "app"), conversations)
    return conversations, AnswerQueue(conversations, private, lambda: assistant)


def _wait(queue: AnswerQueue, conversation: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while queue.busy(conversation) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not queue.busy(conversation)


def test_questions_are_answered_in_order_with_the_conversation_so_far(tmp_path, settings):
    assistant = Recorder(delay=0.05)
    conversations, queue = _queue(tmp_path, settings, assistant)
    c = conversations.create("anna")
    conversations.ask(c.id, "anna", "Eerste?", ["deal.txt"])
    queue.kick(c.id)
    for q in ("Tweede?", "Derde?"):  # asked while the first is being answered
        conversations.ask(c.id, "anna", q, [])
        queue.kick(c.id)
    _wait(queue, c.id)
    assert [q for q, _, _ in assistant.calls] == ["Eerste?", "Tweede?", "Derde?"]
    assert assistant.calls[0][2] == ["deal.txt"] and assistant.calls[1][2] is None
    history = assistant.calls[2][1]
    assert [t["role"] for t in history] == ["user", "assistant", "user", "assistant"]
    assert history[1] == {"role": "assistant", "content": "Antwoord op: Eerste?", "passages": ["chunk-Eerste?"]}
    assert [t.answer.text for t in conversations.turns(c.id, "anna")] == [
        "Antwoord op: Eerste?", "Antwoord op: Tweede?", "Antwoord op: Derde?"]


def test_a_failing_question_does_not_block_the_next(tmp_path, settings):
    assistant = Recorder(fail_on="kapot")
    conversations, queue = _queue(tmp_path, settings, assistant)
    c = conversations.create("anna")
    conversations.ask(c.id, "anna", "Dit gaat kapot?", [])
    conversations.ask(c.id, "anna", "En dit?", [])
    queue.kick(c.id)
    _wait(queue, c.id)
    first, second = conversations.turns(c.id, "anna")
    assert first.error == "de index is weg" and first.answer is None
    assert second.answer.text == "Antwoord op: En dit?"


def test_one_worker_per_conversation_however_often_it_is_kicked(tmp_path, settings):
    assistant = Recorder(delay=0.02)
    conversations, queue = _queue(tmp_path, settings, assistant)
    c = conversations.create("anna")
    for i in range(5):
        conversations.ask(c.id, "anna", f"Vraag {i}?", [])
    threads = [threading.Thread(target=queue.kick, args=(c.id,)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _wait(queue, c.id)
    assert [q for q, _, _ in assistant.calls] == [f"Vraag {i}?" for i in range(5)]  # each once, in order
