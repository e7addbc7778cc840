"""Conversations that last: one SQLite file beside the store.

A conversation belongs to one visitor (``owner``, derived from their browser's
cookie) and is addressed by an unguessable id; every method a page calls takes the
owner and finds nothing that belongs to someone else. A conversation is a list of
turns (question + answer); a turn without an answer yet is the queue the answering
worker works through, so a question survives a reload and even a restart.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assistant.types import Answer
from webapp.records import answer_from_dict, answer_to_dict

TITLE_CHARS = 60

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    private_dir TEXT,          -- folder of the conversation's own documents, when it has any
    private_updated TEXT       -- last upload: the documents go a retention period later
);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations(owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',   -- the document filter the question was asked with
    asked TEXT NOT NULL,
    answer TEXT,                          -- JSON (webapp.records), or {"error": ...}
    answered TEXT,
    rating INTEGER,
    reason TEXT,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation, position);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Conversation:
    id: str
    owner: str
    title: str
    created: str
    updated: str
    private_dir: str | None = None
    private_updated: str | None = None


@dataclass
class Turn:
    id: str
    conversation: str
    position: int
    question: str
    asked: str
    sources: list[str] = field(default_factory=list)
    answer: Answer | None = None
    error: str | None = None  # answering failed; the queue moved on
    answered: str | None = None
    rating: int | None = None
    reason: str | None = None
    comment: str | None = None

    @property
    def pending(self) -> bool:
        return self.answer is None and self.error is None


def _turn(row: sqlite3.Row) -> Turn:
    data = json.loads(row["answer"]) if row["answer"] else None
    error = data.get("error") if data else None
    return Turn(id=row["id"], conversation=row["conversation"], position=row["position"], question=row["question"],
                asked=row["asked"], sources=json.loads(row["sources"] or "[]"),
                answer=answer_from_dict(data) if data and error is None else None, error=error,
                answered=row["answered"], rating=row["rating"], reason=row["reason"], comment=row["comment"])


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(**{k: row[k] for k in row.keys()})


class ConversationStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # one connection per call: Streamlit runs every session in its own thread
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db

    # ------------------------------------------------------------------ conversations

    def create(self, owner: str, title: str = "") -> Conversation:
        stamp = now()
        conversation = Conversation(secrets.token_urlsafe(16), owner, title[:TITLE_CHARS], stamp, stamp)
        with closing(self._connect()) as db:
            db.execute("INSERT INTO conversations (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                       (conversation.id, owner, conversation.title, stamp, stamp))
        return conversation

    def get(self, conversation_id: str, owner: str) -> Conversation | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM conversations WHERE id = ? AND owner = ?",
                             (conversation_id, owner)).fetchone()
        return _conversation(row) if row else None

    def list(self, owner: str, limit: int = 50) -> list[Conversation]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM conversations WHERE owner = ? ORDER BY updated DESC LIMIT ?",
                              (owner, limit)).fetchall()
        return [_conversation(r) for r in rows]

    def rename(self, conversation_id: str, owner: str, title: str) -> bool:
        title = " ".join(title.split())[:TITLE_CHARS]
        if not title:
            return False
        with closing(self._connect()) as db:
            done = db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                              (title, conversation_id, owner)).rowcount
        return bool(done)

    def delete(self, conversation_id: str, owner: str) -> Conversation | None:
        """Remove the conversation and its turns; returns it (its ``private_dir`` is
        for the caller to remove), or None when the owner has no such conversation."""
        conversation = self.get(conversation_id, owner)
        if conversation is not None:
            with closing(self._connect()) as db:
                db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner))
        return conversation

    # ------------------------------------------------------------------ turns

    def ask(self, conversation_id: str, owner: str, question: str, sources: list[str]) -> Turn | None:
        """Queue a question: a turn without an answer, after the last one."""
        stamp = now()
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")  # positions stay unique when two tabs ask at once
            owned = db.execute("SELECT title FROM conversations WHERE id = ? AND owner = ?",
                               (conversation_id, owner)).fetchone()
            if owned is None:
                db.execute("ROLLBACK")
                return None
            position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM turns WHERE conversation = ?",
                                  (conversation_id,)).fetchone()[0]
            turn = Turn(secrets.token_hex(8), conversation_id, position, question, stamp, list(sources))
            db.execute("INSERT INTO turns (id, conversation, position, question, sources, asked) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (turn.id, conversation_id, position, question, json.dumps(turn.sources), stamp))
            title = owned["title"] or " ".join(question.split())[:TITLE_CHARS]  # named after its first question
            db.execute("UPDATE conversations SET updated = ?, title = ? WHERE id = ?", (stamp, title, conversation_id))
            db.execute("COMMIT")
        return turn

    def turns(self, conversation_id: str, owner: str) -> list[Turn]:
        if self.get(conversation_id, owner) is None:
            return []
        return self._turns(conversation_id)

    def _turns(self, conversation_id: str) -> list[Turn]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM turns WHERE conversation = ? ORDER BY position",
                              (conversation_id,)).fetchall()
        return [_turn(r) for r in rows]

    # what the answering worker uses (it acts for the conversation's owner)

    def next_pending(self, conversation_id: str) -> tuple[Turn, list[dict]] | None:
        """The first unanswered turn and the history before it, as the facade takes it."""
        history: list[dict] = []
        for turn in self._turns(conversation_id):
            if turn.pending:
                return turn, history
            history.append({"role": "user", "content": turn.question})
            if turn.answer is not None:
                history.append(turn.answer.history_turn())
        return None

    def pending(self, conversation_id: str) -> int:
        """How many of the conversation's questions wait for an answer."""
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM turns WHERE conversation = ? AND answer IS NULL",
                              (conversation_id,)).fetchone()[0]

    def answer(self, turn_id: str, answer: Answer | None = None, error: str | None = None) -> None:
        data = answer_to_dict(answer) if answer is not None else {"error": error or "onbekende fout"}
        with closing(self._connect()) as db:
            db.execute("UPDATE turns SET answer = ?, answered = ? WHERE id = ? AND answer IS NULL",
                       (json.dumps(data, ensure_ascii=False), now(), turn_id))

    def rate(self, turn_id: str, owner: str, rating: int | None, reason: str | None = None,
             comment: str | None = None) -> Turn | None:
        with closing(self._connect()) as db:
            done = db.execute(
                "UPDATE turns SET rating = ?, reason = ?, comment = ? WHERE id = ? AND conversation IN "
                "(SELECT id FROM conversations WHERE owner = ?)", (rating, reason, comment, turn_id, owner)).rowcount
            row = db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone() if done else None
        return _turn(row) if row else None

    # ------------------------------------------------------------------ own documents

    def set_private_dir(self, conversation_id: str, owner: str, folder: str | None) -> None:
        stamp = now() if folder else None
        with closing(self._connect()) as db:
            db.execute("UPDATE conversations SET private_dir = ?, private_updated = ? WHERE id = ? AND owner = ?",
                       (folder, stamp, conversation_id, owner))

    def touch_private(self, conversation_id: str) -> None:
        with closing(self._connect()) as db:
            db.execute("UPDATE conversations SET private_updated = ? WHERE id = ?", (now(), conversation_id))

    def private_dir(self, conversation_id: str) -> str | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT private_dir FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        return row["private_dir"] if row else None

    def with_private(self) -> list[Conversation]:
        """Every conversation with own documents (for the administrator and the cleanup)."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM conversations WHERE private_dir IS NOT NULL "
                              "ORDER BY private_updated DESC").fetchall()
        return [_conversation(r) for r in rows]

    def expired_private(self, hours: float) -> list[Conversation]:
        limit = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="milliseconds")
        return [c for c in self.with_private() if (c.private_updated or "") < limit]

    def clear_private(self, conversation_id: str) -> None:
        with closing(self._connect()) as db:
            db.execute("UPDATE conversations SET private_dir = NULL, private_updated = NULL WHERE id = ?",
                       (conversation_id,))
