"""Values that flow out of the loaders: a document as a list of text segments."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Segment:
    """A run of raw text from one place in a document.

    PDFs give one segment per page (``page`` is 1-based); Markdown and HTML give one
    segment per heading (``section``); plain text gives one segment and leaves heading
    detection to the cleaner.
    """

    text: str
    page: int | None = None
    section: str | None = None


@dataclass
class Document:
    source: str  # the file name; the key the index, the manifest and citations use
    path: Path
    kind: str  # "pdf" | "txt" | "md" | "html"
    segments: list[Segment] = field(default_factory=list)
    title: str | None = None  # from the file itself (PDF metadata, <title>, first # heading)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.segments)


class LoadError(Exception):
    """A file that cannot be ingested, with a reason a user can act on, in Dutch and English."""

    def __init__(self, source: str, reason_nl: str, reason_en: str):
        self.source = source
        self.reason_nl = reason_nl
        self.reason_en = reason_en
        super().__init__(f"{source}: {reason_nl} / {reason_en}")

    @property
    def reason(self) -> str:
        return f"{self.reason_nl} ({self.reason_en})"
