"""Follow-up questions rewritten by the LLM into one standalone question.

"En hoeveel draagt het Rijk daaraan bij?" after a question about the Regio Deal becomes
"Hoeveel draagt het Rijk bij aan de Regio Deal Twente?". When the model is unreachable
or answers nonsense, ``condense`` returns None and the facade searches with the
keyword fallback of ``assistant.conversation`` instead.
"""
from __future__ import annotations

import re

from assistant.answerers.llm import history_lines

MAX_QUESTION_CHARS = 300

CONDENSE_PROMPT = (
    "Je herschrijft een vervolgvraag tot één zelfstandige vraag in het Nederlands.\n"
    "Gebruik het gesprek om verwijzingen zoals 'die', 'daaraan' of 'hun' in te vullen met waar ze naar verwijzen.\n"
    "Beantwoord de vraag niet. Geef alleen de herschreven vraag, op één regel, zonder uitleg."
)

_PREFIX = re.compile(r"^\s*(zelfstandige\s+vraag|herschreven\s+vraag|vraag)\s*:\s*", re.IGNORECASE)
_STOP = re.compile(r"<\|im_end\|>|<\|im_start\|>|<end_of_turn>|<start_of_turn>|<\|eot_id\|>|<\|endoftext\|>|</s>")


class LLMCondenser:
    def __init__(self, llm):
        self.llm = llm

    def messages(self, question: str, history: list[dict]):
        from llama_index.core.llms import ChatMessage, MessageRole

        conversation = "\n".join(history_lines(history, turns=6))
        user = (f"Gesprek:\n{conversation}\n\nVervolgvraag: {question.strip()}\n\n"
                "Zelfstandige vraag:")
        return [ChatMessage(role=MessageRole.SYSTEM, content=CONDENSE_PROMPT),
                ChatMessage(role=MessageRole.USER, content=user)]

    def condense(self, question: str, history: list[dict]) -> str | None:
        """One standalone Dutch question, or None on any error or an unusable reply."""
        if not (question or "").strip():
            return None
        try:
            response = self.llm.chat(self.messages(question, history or []))
            text = str(response.message.content or "")
        except Exception:  # unreachable, time-out, HTTP error, malformed response
            return None
        text = _STOP.split(text, maxsplit=1)[0]
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        line = _PREFIX.sub("", line).strip().strip("\"'“”‘’«»`*").strip()
        if not line or len(line) > MAX_QUESTION_CHARS:
            return None
        return line
