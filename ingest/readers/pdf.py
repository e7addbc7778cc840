"""PDF: text per page, read by pypdf where it reads well and by PDFium where it does not.

pypdf is the default reader. Some typeset PDFs place words without space glyphs and
pypdf then returns runs like "installatieprogrammavanDebian", or names of symbol-font
glyphs ("/noteheads.s2"). Each page is therefore also read by PDFium (pypdfium2, a
fast C++ reader that infers spaces from glyph positions) and pypdf's text is kept
unless it has more glued runs than PDFium's (letter runs of 20+ characters). Both readers give TeX's separate accents ("´e´en"), so accents are
composed here. Pages without any text that carry an image are scans: they go through
OCR (``ingest.readers.ocr``).

Afterwards page furniture is removed across the document (``ingest.furniture``) and
each page is cut where a heading of the PDF's outline (bookmarks) starts.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.document import Document, LoadError, Segment
from ingest.furniture import strip_furniture
from ingest.readers import ocr
from ingest.readers.base import iso_date, make_document, read_bytes, squash

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total), as the pipeline's

LONG_RUN = 20  # letters: longer runs are glued words (Dutch compounds of 20+ letters are rare)
_LONG_RUN = re.compile(rf"[^\W\d_]{{{LONG_RUN},}}")
# "/noteheads.s2", "/clefs.G": a glyph name standing where a font has no Unicode mapping
_GLYPH_NAME = re.compile(r"(?<![\w/.])(?:/[A-Za-z]+(?:\.\w+)+)+")
# PDFium's marks: \x02 / \ufffe for a hyphen at a line end (the line break dropped)
_PDFIUM_HYPHEN = re.compile("[\x02\ufffe]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\uffff]")
# spacing accents as TeX fonts place them, before their letter: "´e" -> "é", "¨ı" -> "ï"
_ACCENTS = {"´": "\u0301", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303", "ˇ": "\u030c",
            "¸": "\u0327", "˚": "\u030a", "˝": "\u030b", "˘": "\u0306", "˙": "\u0307", "¯": "\u0304"}
_SPACING_ACCENT = re.compile(f"([{''.join(_ACCENTS)}])([^\\W\\d_])|(?<=[^\\W\\d_])`([aeiou])")


@contextmanager
def _quiet_pypdf():
    # pypdf logs a warning for every minor spec violation; real-world PDFs flood the log.
    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(old)


def compose_accents(text: str) -> str:
    """Join a spacing accent with the letter after it ("ori¨entering" -> "oriëntering")."""
    def join(m: re.Match) -> str:
        if m.group(3):  # a grave accent after a letter: "Lie`ge"
            return unicodedata.normalize("NFC", m.group(3) + "\u0300")
        letter = {"ı": "i", "ȷ": "j"}.get(m.group(2), m.group(2))  # TeX puts accents on a dotless i
        return unicodedata.normalize("NFC", letter + _ACCENTS[m.group(1)])

    return _SPACING_ACCENT.sub(join, text)


def glued(text: str) -> int:
    """Letter runs too long to be words: words placed without a space between them."""
    return len(_LONG_RUN.findall(text))


def _tidy(text: str) -> str:
    """Line ends as "\n", PDFium's hyphen marks as "-\n"; glyph names (pypdf writes
    them for symbol-font glyphs it cannot map: music notes, dingbats) and control
    characters (PDFium's stand-ins for the same) dropped; accents composed."""
    text = _PDFIUM_HYPHEN.sub("-\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return compose_accents(_CONTROL.sub("", _GLYPH_NAME.sub("", text)))


@dataclass
class _Page:
    text: str
    reader: str


def load_pdf(path: Path, progress: Progress | None = None) -> Document:
    data = read_bytes(path)
    if b"%PDF-" not in data[:1024]:
        raise LoadError(path.name, "Geen geldig PDF-bestand (PDF-kop ontbreekt)",
                        "Not a valid PDF file (PDF header missing)")
    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            # PDFs with only an owner password (copy/print restrictions) open with an empty one.
            if reader.is_encrypted and not reader.decrypt(""):
                raise LoadError(path.name, "PDF is beveiligd met een wachtwoord en kan niet worden geopend",
                                "PDF is password-protected and cannot be opened")
            texts = _pypdf_texts(reader, path.name)
            labels = _labels(reader, len(texts))
            outline = _outline(reader)
            title, date = _metadata(reader)
        except LoadError:
            raise
        except DependencyError as e:  # e.g. AES encryption without the cryptography package
            raise LoadError(path.name, f"PDF gebruikt een niet-ondersteunde functie ({e})",
                            f"PDF uses an unsupported feature ({e})") from e
        except Exception as e:  # pypdf raises KeyError, ValueError, ... on malformed structure too
            raise LoadError(path.name, f"PDF is beschadigd of onvolledig ({type(e).__name__}: {e})",
                            f"PDF is damaged or incomplete ({type(e).__name__}: {e})") from e
    pdfium = _open_pdfium(data, len(texts))
    pages = _choose(texts, pdfium, path.name)
    if all(p is None for p in pages):  # otherwise this would be misreported as a scan
        raise LoadError(path.name, "PDF is beschadigd: geen enkele pagina kon worden gelezen",
                        "PDF is damaged: no page could be read")
    pages = [p or _Page("", "pypdf") for p in pages]
    if not any(p.text.strip() for p in pages):
        pages = _ocr_scans(pages, pdfium, path.name, progress)
    cleaned = strip_furniture([p.text for p in pages])
    segments = _segments(cleaned, labels, outline)
    used = sorted({p.reader for p, text in zip(pages, cleaned) if text.strip()})
    return make_document(path, "pdf", segments, title, date, reader="+".join(used) or None, keep_headings=True)


def _pypdf_texts(reader: PdfReader, source: str) -> list[str | None]:
    texts: list[str | None] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # one broken page should not cost the rest of the document
            log.warning("%s: pypdf could not read page %d", source, number, exc_info=True)
            texts.append(None)
    return texts


def _open_pdfium(data: bytes, count: int):
    """PDFium's view of the same file, or None when it cannot open what pypdf repaired."""
    try:
        import pypdfium2

        doc = pypdfium2.PdfDocument(data)
        return doc if len(doc) == count else None
    except Exception:
        log.debug("pypdfium2 cannot open this PDF", exc_info=True)
        return None


def _pdfium_text(pdfium, index: int) -> str | None:
    try:
        return pdfium[index].get_textpage().get_text_bounded()
    except Exception:
        return None


def _choose(texts: list[str | None], pdfium, source: str) -> list[_Page | None]:
    """Per page pypdf's text, unless PDFium reads the page with fewer glued words or
    glyph names (or pypdf could not read it at all)."""
    pages: list[_Page | None] = []
    switched = 0
    for i, text in enumerate(texts):
        other = _pdfium_text(pdfium, i) if pdfium is not None else None
        if other is not None and (text is None or (other.strip() and glued(text) > glued(other))
                                  or (not text.strip() and other.strip())):
            pages.append(_Page(_tidy(other), "pypdfium2"))
            switched += 1
        elif text is not None:
            pages.append(_Page(_tidy(text), "pypdf"))
        else:
            pages.append(None)
    if switched:
        log.info("%s: %d of %d pages read with pypdfium2 (pypdf's text was glued)", source, switched, len(texts))
    return pages


def _ocr_scans(pages: list[_Page], pdfium, source: str, progress: Progress | None) -> list[_Page]:
    scans = [i for i in range(len(pages)) if pdfium is not None and _has_image(pdfium, i)]
    if not scans:
        raise LoadError(source, "Geen tekst gevonden: een gescande PDF zonder tekstlaag wordt met OCR gelezen, "
                                "maar deze pagina's bevatten geen tekst en geen afbeeldingen",
                        "No text found: a scanned PDF without a text layer is read with OCR, "
                        "but these pages hold neither text nor images")
    try:
        binary = ocr.check_available()
    except ocr.OcrUnavailable as e:
        raise LoadError(source, f"Gescande PDF zonder tekstlaag; {e.reason_nl}",
                        f"Scanned PDF without a text layer; {e.reason_en}") from e
    tick = progress or _progress_bar(source)
    out = list(pages)
    for done, i in enumerate(scans):
        tick("OCR", done, len(scans))
        log.info("%s: OCR page %d (%d of %d)", source, i + 1, done + 1, len(scans))
        try:
            out[i] = _Page(ocr.ocr_image(ocr.render_page(pdfium[i]), binary), "tesseract")
        except Exception as e:  # one unreadable page must not cost the others
            log.warning("%s: OCR failed on page %d: %s", source, i + 1, e)
    tick("OCR", len(scans), len(scans))
    if not any(p.text.strip() for p in out):
        raise LoadError(source, "Gescande PDF: OCR vond geen leesbare tekst", "Scanned PDF: OCR found no readable text")
    return out


def _has_image(pdfium, index: int) -> bool:
    try:
        import pypdfium2.raw as raw

        return any(True for _ in pdfium[index].get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    except Exception:
        return False


def _progress_bar(source: str) -> Progress:
    """Progress on stderr when nobody asked for it (tqdm hides itself off a terminal)."""
    from tqdm import tqdm

    bar = tqdm(desc=f"OCR {source}", unit="p.", disable=None, leave=False)

    def tick(stage: str, done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()
        if done >= total:
            bar.close()

    return tick


# --- what the PDF says about itself -------------------------------------------------------
def _labels(reader: PdfReader, count: int) -> list[str | None]:
    """Printed page labels ("iv", "12") when the PDF defines them; pypdf numbers pages
    1, 2, ... itself when it does not, and those add nothing to a physical page."""
    try:
        if "/PageLabels" not in reader.trailer["/Root"]:
            return [None] * count
        labels = list(reader.page_labels)
    except Exception:
        return [None] * count
    return (labels + [None] * count)[:count]


def _outline(reader: PdfReader) -> dict[int, list[str]]:
    """Outline (bookmark) titles by 0-based page, in outline order."""
    found: dict[int, list[str]] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = squash(str(getattr(item, "title", "") or ""))
            if title and page is not None and page >= 0:
                found.setdefault(page, []).append(title)

    try:
        walk(reader.outline)
    except Exception:
        log.debug("unreadable outline", exc_info=True)
    return found


_FILE_TITLE = re.compile(r"\.(?:docx?|odt|rtf|pdf|txt|indd|qxp|pptx?|xlsx?|tex|dvi|ps)\s*$|^untitled$|^document\d*$", re.I)


def _metadata(reader: PdfReader) -> tuple[str | None, str | None]:
    meta = reader.metadata
    if not meta:
        return None, None
    title = squash(compose_accents(str(meta.title or "")))
    if _FILE_TITLE.search(title):
        title = ""  # "Microsoft Word - verslag.docx": a file name, not a title
    date = None
    for key in ("/CreationDate", "/ModDate"):
        date = date or iso_date(meta.get(key))
    return title or None, date


# --- pages into segments ------------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKD", text).lower())


_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.?|[IVX]+\.)\s+")


def _heading_at(lines: list[str], start: int, title: str) -> tuple[int, int] | None:
    """(first, end) line indexes of ``title`` on the page, from ``start``: the heading
    may be numbered where the outline is not ("3.1 Het netwerk") and may wrap."""
    want = _norm(title)
    bare = _norm(_SECTION_NUMBER.sub("", title))
    if not want:
        return None
    for i in range(start, len(lines)):
        one = _norm(lines[i])
        if not one:
            continue
        for span in (1, 2, 3):
            got = _norm(" ".join(lines[i:i + span]))
            unnumbered = _norm(_SECTION_NUMBER.sub("", " ".join(lines[i:i + span]).strip()))
            if got in (want, bare) or unnumbered in (want, bare):
                return i, i + span
            if len(got) > len(want) + 8:
                break
    return None


def _segments(pages: list[str], labels: list[str | None], outline: dict[int, list[str]]) -> list[Segment]:
    """One segment per page, cut again where an outline heading stands on it."""
    segments: list[Segment] = []
    for index, text in enumerate(pages):
        page, label = index + 1, labels[index]
        lines = text.split("\n")
        section, start, cursor = None, 0, 0
        for title in outline.get(index, []):
            found = _heading_at(lines, cursor, title)
            if found is None:
                continue
            first, end = found
            segments.append(Segment("\n".join(lines[start:first]), page, section, label))
            section = squash(" ".join(lines[first:end]))
            start = cursor = end
        segments.append(Segment("\n".join(lines[start:]), page, section, label))
    return [s for s in segments if s.text.strip() or s.section]
