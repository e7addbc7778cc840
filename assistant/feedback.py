"""Thumbs up/down on answers, one JSON line per rating, for later review of the
answers users found wrong (and of the documents those answers came from)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from assistant.types import Answer


def feedback_record(question: str, answer: Answer, rating: int, history: list[dict] | None = None) -> dict:
    if rating not in (0, 1):
        raise ValueError(f"rating moet 0 (duim omlaag) of 1 (duim omhoog) zijn, niet {rating!r}")
    return {
        "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "question": question,
        # only role/content: the UI keeps more per turn (the Answer object) than is useful here
        "history": [{"role": t.get("role"), "content": t.get("content")} for t in (history or [])],
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.to_json() for c in answer.citations],
        "rating": rating,
    }


def record_feedback(path: Path | str, question: str, answer: Answer, rating: int,
                    history: list[dict] | None = None) -> dict:
    """Append one rating to ``path`` (JSON Lines) and return the record.

    The line goes out in a single ``write`` on an ``O_APPEND`` descriptor, so ratings
    from several browser sessions of one server never interleave within a line.
    """
    record = feedback_record(question, answer, rating, history)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return record
