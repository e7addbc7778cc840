"""What every reader shares: reading bytes, decoding text, dates, the final Document."""
from __future__ import annotations

import codecs
import re
from datetime import date, datetime
from pathlib import Path

from ingest.document import Document, LoadError, Segment


def read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise LoadError(path.name, "Bestand niet gevonden", "File not found") from e
    except OSError as e:
        raise LoadError(path.name, f"Bestand kan niet worden gelezen ({e.strerror or e})",
                        f"File cannot be read ({e.strerror or e})") from e
    if not data.strip():
        raise LoadError(path.name, "Bestand is leeg (of bevat alleen witruimte)",
                        "File is empty (or contains only whitespace)")
    return data


def decode(data: bytes, source: str, declared: str | None = None) -> str:
    # Real text never contains NUL; it means a binary file with a text extension.
    if b"\x00" in data:
        raise LoadError(source, "Bestand bevat NUL-bytes; dit lijkt een binair bestand, geen tekst",
                        "File contains NUL bytes; it looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")  # decodes plain UTF-8 too, and drops a BOM
    except UnicodeDecodeError as e:
        error = e
    if declared:
        try:
            name = codecs.lookup(declared).name
            # Browsers read latin-1/ascii labels as windows-1252, which has € and curly quotes.
            return data.decode("cp1252" if name in ("iso8859-1", "ascii") else name)
        except (LookupError, UnicodeDecodeError):
            pass
    # No fallback guess: latin-1 always "succeeds" and would silently corrupt the text.
    raise LoadError(source, f"Bestand is geen UTF-8-tekst (ongeldige byte op positie {error.start}); "
                            "sla het op als UTF-8",
                    f"File is not UTF-8 text (invalid byte at position {error.start}); save it as UTF-8")


def make_document(path: Path, kind: str, segments: list[Segment], title: str | None = None,
                  date: str | None = None, reader: str | None = None, keep_headings: bool = False) -> Document:
    """The Document, or LoadError when it holds no text. ``keep_headings`` keeps a
    heading whose text starts on the next page (a segment with a section and no text)."""
    segments = [s for s in segments if s.text.strip() or (keep_headings and s.section)]
    if not any(s.text.strip() for s in segments):
        raise LoadError(path.name, "Bestand bevat geen tekst", "File contains no text")
    return Document(path.name, path, kind, segments, title or None, date, reader)


def squash(text: str) -> str:
    return " ".join(text.split())


_ISO = re.compile(r"((?:19|20)\d\d)(?:-?(0[1-9]|1[0-2])(?:-?(0[1-9]|[12]\d|3[01]))?)?")


def iso_date(value) -> str | None:
    """"YYYY-MM-DD" (or "YYYY" when only the year is known) from a datetime or the
    date strings metadata use: ISO 8601, PDF's "D:20240131...", "2024"."""
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d") if 1900 <= value.year <= 2100 else None
    if not value:
        return None
    m = _ISO.search(str(value).strip().removeprefix("D:"))
    if not m:
        return None
    year, month, day = m.groups()
    return f"{year}-{month}-{day}" if day else year
