"""Questions are answered in order, outside the page's script run.

The queue is the conversation store itself: a question is saved as a turn without
an answer the moment it arrives, and one worker thread per conversation answers the
unanswered turns one by one, each with the conversation before it as history. So
nothing typed is lost: not when the visitor asks five questions in a row, not when
a click interrupts the page, not when the page is reloaded (a restart leaves the
questions in the store; the next visit picks them up).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from webapp.conversations import ConversationStore
from webapp.private import PrivateDocuments

log = logging.getLogger("twente_board.app.answering")


class AnswerQueue:
    def __init__(self, conversations: ConversationStore, private: PrivateDocuments, assistant: Callable[[], object]):
        """``assistant()`` returns the loaded Assistant, waiting while it loads, and
        raises when it could not be loaded."""
        self.conversations = conversations
        self.private = private
        self.assistant = assistant
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._partial: dict[str, tuple[str, str]] = {}  # conversation -> (turn id, text so far)

    def kick(self, conversation_id: str) -> None:
        """Make sure the conversation's unanswered questions get answered."""
        with self._lock:
            if conversation_id in self._running:
                self._again.add(conversation_id)  # the worker looks once more before it stops
                return
            self._running.add(conversation_id)
        threading.Thread(target=self._work, args=(conversation_id,), name=f"answer-{conversation_id[:6]}",
                         daemon=True).start()

    def busy(self, conversation_id: str) -> bool:
        with self._lock:
            return conversation_id in self._running

    def partial(self, conversation_id: str) -> tuple[str, str] | None:
        """(turn id, text so far) of the answer being written, e.g. an LLM's tokens."""
        return self._partial.get(conversation_id)

    def _work(self, conversation_id: str) -> None:
        while True:
            try:
                pending = self.conversations.next_pending(conversation_id)
                if pending is not None:
                    self._answer(conversation_id, *pending)
                    continue
            except Exception:  # the store itself failed: stop, the next kick tries again
                log.exception("answer queue of %s… stopped", conversation_id[:6])
            with self._lock:
                if conversation_id in self._again:
                    self._again.discard(conversation_id)
                    continue
                self._running.discard(conversation_id)
                self._partial.pop(conversation_id, None)
                return

    def _answer(self, conversation_id: str, turn, history: list[dict]) -> None:
        self._partial[conversation_id] = (turn.id, "")
        try:
            assistant = self.assistant()
            # the conversation's own documents may be changing (an upload): wait for it
            with self.private.lock(conversation_id):
                private = self.private.open(conversation_id, assistant.embedder.name)
                stream = assistant.ask_stream(turn.question, history, turn.sources or None, private=private)
                text = ""
                for piece in stream:
                    text += piece
                    self._partial[conversation_id] = (turn.id, text)
            self.conversations.answer(turn.id, stream.answer)
        except Exception as exc:  # one failed question must not block the ones after it
            log.exception("answering failed")
            self.conversations.answer(turn.id, error=str(exc) or type(exc).__name__)
        finally:
            self._partial.pop(conversation_id, None)
