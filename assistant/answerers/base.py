"""The answerer seam and the citation bookkeeping every answerer shares."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.types import Citation, Passage

if TYPE_CHECKING:
    from assistant.query import Query

REFUSAL = "Dit staat niet in de documenten die ik kan doorzoeken."
REFUSAL_FILTERED = "Dit staat niet in de geselecteerde documenten."
_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass
class Draft:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    strength: float = 0.0
    mode: str = ""  # who wrote the text: "extractive" | "llm" (empty: the answerer's own kind)
    supported: int | None = None  # LLM answers: sentences the passages support …
    claims: int | None = None  # … of the sentences that claim something

    @classmethod
    def refusal(cls, passages: list[Passage], strength: float = 0.0, filtered: bool = False) -> "Draft":
        text = REFUSAL_FILTERED if filtered else REFUSAL
        if passages:
            top = passages[0]
            where = f" ({top.location()})" if top.location() else ""
            text += f" Het meest verwante fragment staat in «{top.title}»{where}; zie de bronnen hieronder."
        return cls(text=text, refused=True, strength=strength)


class Answerer(ABC):
    name = "answerer"

    @abstractmethod
    def answer(self, query: "Query", passages: list[Passage]) -> Draft:
        """A grounded answer from the passages, or a refusal."""


def citation(n: int, passage: Passage, quote: str) -> Citation:
    return Citation(n=n, source=passage.source, title=passage.title, page=passage.page,
                    section=passage.section, quote=quote, chunk_id=passage.chunk_id,
                    sources=list(passage.sources), page_label=passage.page_label, date=passage.date,
                    private=passage.private)


def cited_numbers(text: str) -> list[int]:
    """Citation numbers in order of appearance: "[1]", "[2, 3]"."""
    out: list[int] = []
    for m in _CITE.finditer(text):
        for part in m.group(1).split(","):
            n = int(part)
            if n not in out:
                out.append(n)
    return out
