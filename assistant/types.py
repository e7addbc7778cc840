"""Values the assistant hands to the UI, the CLI and the eval."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Passage:
    chunk_id: str
    text: str
    source: str
    title: str
    page: int | None = None
    section: str | None = None
    sources: list[str] = field(default_factory=list)
    score: float = 0.0  # fused (reciprocal rank) score
    dense: float | None = None  # cosine similarity, when the dense side found it
    bm25: float | None = None  # BM25 score, when the sparse side found it
    page_label: str | None = None  # the printed page number, when the PDF has labels
    page_breaks: list[list] = field(default_factory=list)  # see common.records.Chunk
    date: str | None = None  # the document's date or year, when known
    private: bool = False  # from the visitor's own uploads, not the shared corpus
    unit_vectors: Any = field(default=None, repr=False, compare=False)  # sentence vectors (numpy), when stored

    def location(self) -> str:
        if self.page:
            return f"p. {self.page_label or self.page}"
        return self.section or ""

    def page_at(self, offset: int) -> tuple[int | None, str | None]:
        """(physical page, printed label) of the character at ``offset`` of ``text``."""
        page, label = self.page, self.page_label
        for start, p, lab in self.page_breaks:
            if offset >= start:
                page, label = p, lab
        return page, label


@dataclass
class Citation:
    n: int
    source: str
    title: str
    page: int | None
    section: str | None
    quote: str
    chunk_id: str = ""
    sources: list[str] = field(default_factory=list)
    page_label: str | None = None  # printed page number of ``page``, when the PDF has labels
    date: str | None = None
    private: bool = False

    def to_json(self) -> dict:
        return {"n": self.n, "source": self.source, "title": self.title, "page": self.page,
                "section": self.section, "quote": self.quote, "page_label": self.page_label,
                "date": self.date, "private": self.private}


@dataclass
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # ms: retrieve, answer, total
    mode: str = "extractive"  # "extractive" | "llm"
    notice: str | None = None  # e.g. the LLM could not be reached and the extractive answer is shown
    query: str = ""  # the standalone query that was searched
    retrieved: list[Passage] = field(default_factory=list)  # the retriever's own ranking, before re-ranking
    evidence: float = 0.0  # the best sentence's probability of answering (what refusal is decided on)
    # LLM answers: how many of the model's sentences that claim something the passages
    # support (None when the text is extractive: every sentence is a quote)
    supported_sentences: int | None = None
    checked_sentences: int | None = None

    def to_json(self) -> dict:
        return {"answer": self.text, "refused": self.refused,
                "citations": [c.to_json() for c in self.citations],
                "timings_ms": {k: round(self.timings.get(k, 0.0), 2) for k in ("retrieve", "answer", "total")},
                "mode": self.mode, "notice": self.notice,
                "supported_sentences": self.supported_sentences, "checked_sentences": self.checked_sentences}

    def history_turn(self) -> dict:
        """The assistant side of one turn as ``Assistant.ask``'s ``history`` takes it: the
        text and the ids of the cited passages, which stay candidates for a follow-up
        ("en de tweede?"). The chat app, the command-line chat and the eval's replayed
        conversations all build their history with it."""
        return {"role": "assistant", "content": self.text,
                "passages": [c.chunk_id for c in self.citations if c.chunk_id]}

    def to_dict(self) -> dict:
        d = asdict(self)
        for p in d["passages"] + d["retrieved"]:
            p.pop("unit_vectors", None)  # numpy, not JSON
        return d
