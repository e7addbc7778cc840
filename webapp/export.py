"""A conversation as a file to keep: Markdown for reading, JSON for tools. Both hold
every question, its answer and the answer's citations (document, page or section,
date, the quoted passage)."""
from __future__ import annotations

import json
import re
from datetime import tzinfo

from webapp.conversations import Conversation, Turn
from webapp.dutch import document_date, when
from webapp.escape import location


def file_stem(conversation: Conversation) -> str:
    title = re.sub(r"[^\w\- ]+", "", conversation.title or "gesprek").strip().replace(" ", "-")[:40]
    return f"twente-board-{title or 'gesprek'}-{conversation.created[:10]}"


def _source_line(c) -> str:
    loc = location(c.page, None if c.section == c.title else c.section, c.page_label)
    parts = [c.title, loc, document_date(c.date) if c.date else "", "eigen document" if c.private else ""]
    return " — ".join(p for p in parts if p)


def to_markdown(conversation: Conversation, turns: list[Turn], tz: tzinfo, titles: dict[str, str]) -> str:
    lines = [f"# {conversation.title or 'Gesprek'}", "",
             f"Gesprek met de Twente Board-assistent, begonnen {when(conversation.created, tz)}.", ""]
    for i, turn in enumerate(turns, 1):
        lines += [f"## Vraag {i}", "", turn.question, ""]
        if turn.sources:
            lines += [f"*Gezocht in: {'; '.join(titles.get(s, s) for s in turn.sources)}*", ""]
        if turn.error:
            lines += [f"**Geen antwoord:** er ging iets mis ({turn.error}).", ""]
            continue
        if turn.answer is None:
            lines += ["*(nog geen antwoord)*", ""]
            continue
        answer = turn.answer
        lines += ["**Antwoord**" + (" (niet gevonden in de documenten)" if answer.refused else ""), "", answer.text, ""]
        if answer.notice:
            lines += [f"> {answer.notice}", ""]
        if answer.citations:
            lines += ["**Bronnen**", ""]
            for c in answer.citations:
                lines.append(f"{c.n}. {_source_line(c)}")
                if c.quote:
                    lines.append(f"   > {' '.join(c.quote.split())}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation, turns: list[Turn]) -> str:
    data = {
        "conversation": {"id": conversation.id, "title": conversation.title, "created": conversation.created,
                         "updated": conversation.updated},
        "turns": [{
            "question": t.question, "asked": t.asked, "filter": t.sources, "answered": t.answered,
            "error": t.error,
            "answer": None if t.answer is None else {
                **t.answer.to_json(), "notice": t.answer.notice,
                "citations": [{**c.to_json(), "chunk_id": c.chunk_id} for c in t.answer.citations]},
        } for t in turns],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)
