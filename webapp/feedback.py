"""Ratings of answers, one JSON line per rating, for reviewing the answers visitors
found wrong (and the documents those answers came from).

A visitor may change a rating, add a reason or a comment, or take the rating back;
each change is a new line with the same ``answer_id``, and the last line per answer
counts (``latest``). A record holds the rated question, the answer, its citations
and the cited passages (not the whole conversation). Passages from a visitor's own
documents keep their citation (title, quote) but not their full text: those
documents are private and removed after a while; a rating must not keep them.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from assistant.types import Answer
from webapp.records import cited_passages

REASONS_DOWN = ["Klopt niet", "Onvolledig", "Verkeerde bron", "Geen antwoord op mijn vraag", "Anders"]
REASONS_UP = ["Precies wat ik zocht", "Duidelijke bronnen", "Anders"]


def feedback_record(answer_id: str, question: str, answer: Answer, rating: int | None, reason: str | None = None,
                    comment: str | None = None, sources: list[str] | None = None) -> dict:
    if rating not in (0, 1, None):
        raise ValueError(f"rating moet 0 (niet nuttig), 1 (nuttig) of leeg zijn, niet {rating!r}")
    return {
        "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "answer_id": answer_id,
        "rating": rating,
        "reason": reason or None,
        "comment": (comment or "").strip() or None,
        "question": question,
        "filter": list(sources or []),
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.to_json() for c in answer.citations],
        "passages": [{"chunk_id": p.chunk_id, "source": p.source, "title": p.title, "page": p.page,
                      "section": p.section, "private": p.private, "text": None if p.private else p.text}
                     for p in cited_passages(answer)],
    }


def record_feedback(path: Path | str, record: dict) -> dict:
    """Append one rating to ``path`` (JSON Lines) and return it.

    The line goes out in a single ``write`` on an ``O_APPEND`` descriptor, so ratings
    from several browser sessions of one server never interleave within a line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return record


def latest(path: Path | str) -> dict[str, dict]:
    """The rating that counts per answer: the last line for each ``answer_id``."""
    out: dict[str, dict] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("answer_id"):
            out[record["answer_id"]] = record
    return out
