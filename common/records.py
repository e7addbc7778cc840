"""The chunk record: what ingestion writes, the store keeps and the assistant cites."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Chunk:
    text: str
    source: str
    title: str
    page: int | None = None  # physical page (1-based) where the chunk's text starts
    section: str | None = None
    position: int = 0  # order within its document
    sources: list[str] = field(default_factory=list)  # every document holding this text
    page_label: str | None = None  # the page number printed on ``page`` ("7", "iv"), when the PDF has one
    # Where later pages begin inside ``text``: [[char offset, page, label], ...]. Empty when
    # the whole chunk stands on ``page``; lets a citation name the page of its quote.
    page_breaks: list[list] = field(default_factory=list)
    date: str | None = None  # the document's date or year (catalogue, metadata), for conflicting values

    def __post_init__(self) -> None:
        if not self.sources:
            self.sources = [self.source]

    @property
    def id(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:20]

    @property
    def index_text(self) -> str:
        """What the embedder and BM25 see: the section heading gives a passage the
        context its own sentences often leave implicit."""
        if self.section and not self.text.startswith(self.section):
            return f"{self.section}\n{self.text}"
        return self.text

    def page_at(self, offset: int) -> tuple[int | None, str | None]:
        """(physical page, printed label) of the character at ``offset``."""
        page, label = self.page, self.page_label
        for start, p, lab in self.page_breaks:
            if offset >= start:
                page, label = p, lab
        return page, label

    def to_dict(self) -> dict:
        d = {"id": self.id, "text": self.text, "source": self.source, "title": self.title,
             "page": self.page, "section": self.section, "position": self.position,
             "sources": list(self.sources)}
        # optional fields only when set, so stores written before them read the same
        if self.page_label is not None:
            d["page_label"] = self.page_label
        if self.page_breaks:
            d["page_breaks"] = [list(b) for b in self.page_breaks]
        if self.date is not None:
            d["date"] = self.date
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(text=d["text"], source=d["source"], title=d["title"], page=d.get("page"),
                   section=d.get("section"), position=d.get("position", 0),
                   sources=list(d.get("sources") or [d["source"]]), page_label=d.get("page_label"),
                   page_breaks=[list(b) for b in d.get("page_breaks") or []], date=d.get("date"))
