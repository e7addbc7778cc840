"""Turn files into ``Document``s of raw text segments (pages for PDF, sections otherwise).

Hyphenation, reflow and other cleaning happen downstream, so text is left raw here.
``load_document`` is the entry point: whatever goes wrong, it raises ``LoadError``.
The readers live in ``ingest.readers`` (one module per format).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from ingest.catalog import readable_name
from ingest.document import Document, LoadError
from ingest.readers.docx import load_docx
from ingest.readers.html import load_html
from ingest.readers.pdf import load_pdf
from ingest.readers.text import load_markdown, load_text

log = logging.getLogger(__name__)

SUPPORTED = {".pdf": "pdf", ".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
             ".docx": "docx"}
_NAMES = "PDF, DOCX, TXT, MD, HTML"

Progress = Callable[[str, int, int], None]  # (stage, done, total): OCR of scanned pages reports here


def load_document(path: Path, progress: Progress | None = None) -> Document:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(path.name, f"Onbekend bestandstype '{suffix}'; ondersteund: {_NAMES}",
                        f"Unsupported file type '{suffix}'; supported: {_NAMES}")
    kind = SUPPORTED[suffix]
    try:
        doc = _LOADERS[kind](path, progress) if kind == "pdf" else _LOADERS[kind](path)
    except LoadError:
        raise
    except Exception as e:  # one bad file must never abort a whole ingestion run
        log.exception("unexpected error loading %s", path)
        raise LoadError(path.name, f"Onverwachte fout bij het lezen ({type(e).__name__}: {e})",
                        f"Unexpected error while reading ({type(e).__name__}: {e})") from e
    if not doc.title and readable_name(path) is None:
        doc.title = first_heading(doc)  # a file named by a hash: the text names itself
    return doc


def first_heading(doc: Document) -> str | None:
    """The first section, or a short first line that reads like a title."""
    for seg in doc.segments:
        if seg.section:
            return seg.section
        for line in seg.text.split("\n"):
            line = " ".join(line.split())
            if line:
                short = len(line.split()) <= 12 and not line.endswith((".", ",", ";", ":"))
                return line if short else None
    return None


_LOADERS = {"pdf": load_pdf, "txt": load_text, "md": load_markdown, "html": load_html, "docx": load_docx}
