"""Values that flow out of the loaders: a document as a list of text segments."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Segment:
    """A run of raw text from one place in a document.

    PDFs give one segment per page (``page`` is 1-based), split again where a heading
    from the PDF's outline starts; Markdown, HTML and Word give one segment per heading
    (``section``); plain text gives one segment and leaves heading detection to the
    cleaner. ``page_label`` is the page number printed on ``page`` ("iv", "12") when the
    PDF defines page labels.
    """

    text: str
    page: int | None = None
    section: str | None = None
    page_label: str | None = None


@dataclass
class Document:
    source: str  # the file name; the key the index, the manifest and citations use
    path: Path
    kind: str  # "pdf" | "txt" | "md" | "html" | "docx"
    segments: list[Segment] = field(default_factory=list)
    title: str | None = None  # from the file itself (PDF metadata, <title>, first heading)
    date: str | None = None  # ISO "YYYY-MM-DD" or "YYYY" from the file's metadata, when it has one
    reader: str | None = None  # which extractor produced the text ("pypdf", "pypdfium2", "tesseract", ...)

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
