"""The answerer seam and the citation bookkeeping every answerer shares."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from assistant.types import Citation, Passage

REFUSAL = "Dit staat niet in de documenten die ik kan doorzoeken."
_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass
class Evidence:
    qtype: str
    q_terms: list[str]
    units: list[Any]
    strength: float  # 0..1: how well the best passage sentence covers the question
    weights: dict[str, float] = field(default_factory=dict)  # question term -> weight
    sections: list[set[str]] = field(default_factory=list)  # per passage: its heading's terms


@dataclass
class Draft:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    strength: float = 0.0

    @classmethod
    def refusal(cls, passages: list[Passage], strength: float = 0.0) -> "Draft":
        text = REFUSAL
        if passages:
            top = passages[0]
            where = f" ({top.location()})" if top.location() else ""
            text += f" Het meest verwante fragment staat in «{top.title}»{where}; zie de bronnen hieronder."
        return cls(text=text, refused=True, strength=strength)


class Answerer(ABC):
    name = "answerer"

    @abstractmethod
    def answer(self, question: str, passages: list[Passage], context: str = "") -> Draft:
        """A grounded answer from the passages, or a refusal. ``context`` is the earlier
        question a follow-up leans on."""


def _with_marker(sentence: str, marker: str) -> str:
    """Put the citation before the sentence's closing punctuation: "… 25 mln [1]."."""
    m = re.search(r"([.!?:;…]+[\"'”’)]*)$", sentence)
    if m:
        return f"{sentence[: m.start()].rstrip()} {marker}{sentence[m.start():]}"
    return f"{sentence} {marker}"


def compose(units: list[Any], passages: list[Passage], strength: float = 0.0) -> Draft:
    """Answer text from chosen units (``.text``, ``.passage``, ``.bullet``), numbering the
    cited passages [1], [2], … in order of first use."""
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    lines: list[str] = []
    for u in units:
        n = numbers.setdefault(u.passage, len(numbers) + 1)
        quotes.setdefault(u.passage, []).append(u.text)
        text = _with_marker(u.text, f"[{n}]")
        if u.bullet:
            lines.append(f"- {text}")
        elif lines and not lines[-1].startswith("- ") and re.search(r"[.!?]\S*$", lines[-1]):
            lines[-1] = f"{lines[-1]} {text}"
        else:
            lines.append(text)
    citations = [citation(n, passages[p], " … ".join(quotes[p])) for p, n in numbers.items()]
    return Draft(text="\n".join(lines), refused=False, citations=citations, strength=strength)


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
