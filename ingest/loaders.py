"""Turn files into ``Document``s of raw text segments (pages for PDF, sections otherwise).

Hyphenation, reflow and other cleaning happen downstream, so text is left raw here.
``load_document`` is the entry point: whatever goes wrong, it raises ``LoadError``.
"""
from __future__ import annotations

import codecs
import io
import logging
import re
from contextlib import contextmanager
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from markdown_it import MarkdownIt
from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.document import Document, LoadError, Segment

log = logging.getLogger(__name__)

SUPPORTED = {".pdf": "pdf", ".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


def load_document(path: Path) -> Document:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(path.name, f"Onbekend bestandstype '{suffix}'; ondersteund: PDF, TXT, MD, HTML",
                        f"Unsupported file type '{suffix}'; supported: PDF, TXT, MD, HTML")
    try:
        return _LOADERS[SUPPORTED[suffix]](path)
    except LoadError:
        raise
    except Exception as e:  # one bad file must never abort a whole ingestion run
        log.exception("unexpected error loading %s", path)
        raise LoadError(path.name, f"Onverwachte fout bij het lezen ({type(e).__name__}: {e})",
                        f"Unexpected error while reading ({type(e).__name__}: {e})") from e


# --- shared helpers ------------------------------------------------------------------
def _read(path: Path) -> bytes:
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


def _decode(data: bytes, source: str, declared: str | None = None) -> str:
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


def _document(path: Path, kind: str, segments: list[Segment], title: str | None = None) -> Document:
    segments = [s for s in segments if s.text.strip()]
    if not segments:
        raise LoadError(path.name, "Bestand bevat geen tekst", "File contains no text")
    return Document(path.name, path, kind, segments, title or None)


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- PDF -----------------------------------------------------------------------------
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


def load_pdf(path: Path) -> Document:
    data = _read(path)
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
            segments = _pdf_pages(reader, path.name)
            title = _squash(str(reader.metadata.title or "")) if reader.metadata else None
        except LoadError:
            raise
        except DependencyError as e:  # e.g. AES encryption without the cryptography package
            raise LoadError(path.name, f"PDF gebruikt een niet-ondersteunde functie ({e})",
                            f"PDF uses an unsupported feature ({e})") from e
        except Exception as e:  # pypdf raises KeyError, ValueError, ... on malformed structure too
            raise LoadError(path.name, f"PDF is beschadigd of onvolledig ({type(e).__name__}: {e})",
                            f"PDF is damaged or incomplete ({type(e).__name__}: {e})") from e
    if not segments:
        raise LoadError(path.name, "Geen tekst gevonden: lijkt een gescande PDF zonder tekstlaag; "
                                   "OCR wordt niet ondersteund",
                        "No text found: looks like a scanned PDF without a text layer; OCR is not supported")
    return _document(path, "pdf", segments, title)


def _pdf_pages(reader: PdfReader, source: str) -> list[Segment]:
    segments, failed = [], 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one broken page should not cost the rest of the document
            log.warning("%s: page %d unreadable, skipped", source, number, exc_info=True)
            failed += 1
            continue
        if text.strip():
            segments.append(Segment(text, page=number))
    if failed and not segments:  # otherwise this would be misreported as a scan
        raise LoadError(source, "PDF is beschadigd: geen enkele pagina kon worden gelezen",
                        "PDF is damaged: no page could be read")
    return segments


# --- plain text ----------------------------------------------------------------------
def load_text(path: Path) -> Document:
    text = _decode(_read(path), path.name).replace("\r\n", "\n")
    return _document(path, "txt", [Segment(text)])


# --- Markdown ------------------------------------------------------------------------
def load_markdown(path: Path) -> Document:
    text = _decode(_read(path), path.name).replace("\r\n", "\n")
    segments, section, blocks, items = [], None, [], []
    title, heading, list_depth, new_item = None, None, 0, False
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type == "heading_open":
            heading = tok.tag
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1  # nested lists flatten into the outermost list's "- " lines
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and items:
                blocks, items = blocks + ["\n".join(items)], []
        elif tok.type == "list_item_open":
            new_item = True
        elif tok.type == "inline" and heading:
            segments.append(Segment("\n\n".join(blocks), section=section))
            section, blocks = _squash(_md_inline(tok.children)) or None, []
            title = title or (section if heading == "h1" else None)
            heading = None
        elif tok.type in ("inline", "fence", "code_block", "html_block"):
            block = _md_block(tok)
            if block.strip() and list_depth:
                items.append(("- " if new_item else "  ") + block)  # "  ": item's later paragraphs
                new_item = False
            elif block.strip():
                blocks.append(block)
    segments.append(Segment("\n\n".join(blocks), section=section))
    return _document(path, "md", segments, title)


def _md_block(tok) -> str:
    if tok.type == "inline":
        return _md_inline(tok.children).strip()
    if tok.type == "html_block":  # get_text() skips comments, so <!-- --> blocks vanish
        return BeautifulSoup(tok.content, "html.parser").get_text().strip()
    return tok.content.strip("\n")  # code stays as plain text


def _md_inline(children) -> str:
    # Only text survives: emphasis, link delimiters, images and inline HTML are markup.
    keep = ("text", "code_inline", "softbreak", "hardbreak")
    return "".join(c.content if c.type in keep[:2] else "\n" for c in children or [] if c.type in keep)


# --- HTML ----------------------------------------------------------------------------
# Not <head>: html.parser nests the whole <body> inside it when </head> is missing.
_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "form", "svg", "title"]
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Tags not listed are treated as blocks: at worst that splits a sentence, never glues words.
_INLINE = {"a", "abbr", "b", "cite", "code", "del", "em", "font", "i", "ins", "kbd", "label", "mark",
           "q", "s", "small", "span", "strong", "sub", "sup", "time", "u"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([-\w.:]+)", re.I)


def load_html(path: Path) -> Document:
    data = _read(path)
    declared = _META_CHARSET.search(data[:4096])
    soup = BeautifulSoup(_decode(data, path.name, declared and declared.group(1).decode()), "html.parser")
    title = _squash(soup.title.get_text()) if soup.title else None
    hidden = soup.find_all(_DROP) + soup.find_all(
        lambda t: t.has_attr("hidden") or t.get("aria-hidden", "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(t.get("style", ""))))
    for tag in hidden:
        tag.extract()  # not decompose(): the list also holds descendants of tags already removed
    h1 = soup.find("h1")
    walker = _HtmlWalker()
    walker.walk(soup)
    walker.heading(None)
    return _document(path, "html", walker.segments, title or (h1 and _squash(h1.get_text())))


class _HtmlWalker:
    """Collects visible text into blocks; each heading closes the current segment."""

    def __init__(self):
        self.segments: list[Segment] = []
        self.section: str | None = None
        self.blocks: list[tuple[str, bool]] = []  # (text, is a list item)
        self.buffer: list[str] = []
        self.in_item = False  # next block is an <li>'s own text, even if a nested list follows

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(re.sub(r"\s+", " ", child))  # source line breaks are invisible
            elif child.name == "br":
                self.buffer.append("\n")
            elif child.name in _INLINE:
                self.walk(child)
            elif child.name in ("td", "th"):
                self.walk(child)
                self.buffer.append(" ")
            elif child.name in _HEADINGS and not child.find(["p", "ul", "ol", "table", *_HEADINGS]):
                self.heading(child)  # (an unclosed heading swallows the page: then it is a block)
            elif child.name == "pre":  # whitespace is meaningful in preformatted text
                self.flush()
                self.blocks.append((child.get_text().strip("\n"), False))
            else:
                self.flush()
                self.in_item = self.in_item or child.name == "li"
                self.walk(child)
                self.flush()
                self.in_item = self.in_item and child.name != "li"

    def flush(self) -> None:
        lines = (_squash(line) for line in "".join(self.buffer).split("\n"))
        text, self.buffer = "\n".join(line for line in lines if line), []
        if text:
            self.blocks.append(("- " + text if self.in_item else text, self.in_item))
            self.in_item = False

    def heading(self, tag: Tag | None) -> None:
        self.flush()
        text = ""
        for i, (block, item) in enumerate(self.blocks):  # consecutive list items: one line each
            text += ("" if i == 0 else "\n" if item and self.blocks[i - 1][1] else "\n\n") + block
        self.segments.append(Segment(text, section=self.section))
        self.section, self.blocks = (_squash(tag.get_text()) or None) if tag else None, []


_LOADERS = {"pdf": load_pdf, "txt": load_text, "md": load_markdown, "html": load_html}
