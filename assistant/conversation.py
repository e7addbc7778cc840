"""Follow-up questions: make them searchable on their own.

Without an LLM we cannot rewrite "En hoeveel draagt het Rijk daaraan bij?", but we can
search with it together with the previous question, which names what "daaraan" is.
"""
from __future__ import annotations

import re

from assistant.lexicon import content_terms

_ANAPHORA = re.compile(
    r"^(en|maar|ook|of|dus)\b|\b(die|deze|dit|dat|daar\w*|hier\w*|er\w{0,3}|hun|hij|zij|ze|hem|het\s+ook|"
    r"hetzelfde|diezelfde|ervan|erin|eraan|welke daarvan)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """A question that leans on what came before: it opens with "En …", points back
    ("daaraan", "die", "deze") or names too little to search on by itself."""
    q = question.strip()
    return bool(_ANAPHORA.search(q)) or len(content_terms(q)) <= 1


def previous_question(history: list[dict]) -> str | None:
    for turn in reversed(history or []):
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return None


def standalone_query(question: str, history: list[dict] | None) -> str:
    """The text to search with: the question, plus the previous user question when this
    one is a follow-up. The previous question comes first so its terms anchor retrieval
    but the current question's words still decide the answer type."""
    prev = previous_question(history or [])
    if not prev or not is_follow_up(question):
        return question
    return f"{prev} {question}"
