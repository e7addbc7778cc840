"""Reading-quality benchmark: real Dutch documents from Debian packages, read the way
ingestion reads them (load -> clean -> chunk; no embedding), measured against an
independent reader (poppler's ``pdftotext`` for PDFs, the raw page text for HTML).

    .venv/bin/python -m bench.reading_bench                 # all documents, whole
    .venv/bin/python -m bench.reading_bench --pages 60      # first 60 pages of each PDF
    .venv/bin/python -m bench.reading_bench --cache DIR     # where the packages are kept

Documents: the Debian Edu manual (``debian-edu-doc-nl``: PDF and HTML) and two typeset
LilyPond manuals (``lilypond-doc-pdf-nl``). Missing packages are fetched into the cache
folder with ``apt-get download`` and unpacked with ``dpkg-deb -x``. Needs ``pdftotext``
(poppler-utils) and the Dutch word list ``/usr/share/dict/dutch`` (wdutch); both are
installed by ``scripts/install-system-deps.sh --test``.

Columns (each defined by measurement, not by the reader's own rules):
- glued: share of word tokens in the chunks that are not in the Dutch word list and
  are two or more consecutive words of the reference text written together.
- accents: spacing accents left before a letter ("´e"), per 1,000 words.
- furniture: share of chunks holding page furniture: a running header/footer line of
  the reference (the first or last line of 3+ pages and not a line inside pages,
  numbers blanked; a one-word header only as a whole line), a bare page
  number line, a dot leader, a glyph name ("/clefs.G"), or a contents entry (after the chunk's
  own heading lines, a line repeating a heading of the document with its section or
  page number, or two such lines in a row).
- found: share of quotes (sentences and list items of ``common.units.split_units``)
  found in the reference text; page right: share of found quotes whose page
  (``Chunk.page_at`` of the quote's offset) holds the quote (a quote that runs over a
  page break: its start).
- pages/s: pages read per second by ``load_document`` (whole documents).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from common.units import HEADING, split_units
from ingest.chunk import chunk_document
from ingest.loaders import load_document

WORDLIST = Path("/usr/share/dict/dutch")
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "twente-board" / "reading-bench"


@dataclass(frozen=True)
class Source:
    name: str
    package: str
    path: str  # inside the unpacked package


SOURCES = [
    Source("Debian Edu (PDF)", "debian-edu-doc-nl",
           "usr/share/doc/debian-edu-doc-nl/debian-edu-bookworm-manual.pdf"),
    Source("Debian Edu (HTML)", "debian-edu-doc-nl",
           "usr/share/doc/debian-edu-doc-nl/debian-edu-bookworm-manual.html"),
    Source("LilyPond learning", "lilypond-doc-pdf-nl", "usr/share/doc/lilypond/html/Documentation/learning.nl.pdf"),
    Source("LilyPond web", "lilypond-doc-pdf-nl", "usr/share/doc/lilypond/html/Documentation/web.nl.pdf"),
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- fetching -------------------------------------------------------------------------------
def fetch(source: Source, cache: Path) -> Path:
    """The document, from the cache or from its Debian package."""
    root = cache / source.package
    target = root / source.path
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    log(f"apt-get download {source.package} -> {cache}")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        done = subprocess.run(["apt-get", "download", source.package], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob(f"{source.package}_*.deb"))
        if done.returncode != 0 or not debs:
            sys.exit(f"Kan {source.package} niet downloaden (cannot download it); run 'apt-get update' first?\n"
                     f"{done.stderr.strip()}")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True)
    if not target.exists():
        sys.exit(f"{source.path} staat niet in {source.package} (not in the package)")
    return target


# --- reference text -------------------------------------------------------------------------
def fold(text: str) -> str:
    """Letters and digits only, lower-case, accents folded: how quotes are compared."""
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


_WORD = re.compile(r"[^\W\d_]{2,}")


def pdf_reference(path: Path, last: int | None) -> list[str]:
    if not shutil.which("pdftotext"):
        sys.exit("pdftotext ontbreekt (missing): apt-get install poppler-utils")
    args = ["pdftotext", "-enc", "UTF-8"] + (["-l", str(last)] if last else []) + [str(path), "-"]
    out = subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def html_reference(path: Path) -> tuple[str, set[str]]:
    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    headings = {" ".join(h.get_text(" ").split()) for h in soup.find_all(re.compile(r"^h[1-6]$"))}
    for tag in soup.find_all(["script", "style"]):
        tag.extract()
    return soup.get_text(" "), headings


def running_lines(pages: list[str]) -> list[re.Pattern]:
    """First or last lines of 3+ reference pages that do not recur inside pages,
    numbers blanked out."""
    edge: dict[str, int] = {}
    inside: dict[str, int] = {}
    for text in pages:
        lines = [re.sub(r"\d+", "#", " ".join(line.lower().split())) for line in text.split("\n") if line.strip()]
        for key in set(lines[:1] + lines[-1:]):
            edge[key] = edge.get(key, 0) + 1
        for key in lines[1:-1]:
            inside[key] = inside.get(key, 0) + 1
    keep = [k for k, n in edge.items()
            if n >= 3 and inside.get(k, 0) < n and len(re.sub(r"[^a-z]", "", k)) >= 4]
    patterns = []
    for key in keep:
        body = re.escape(key).replace("\\#", "#").replace("#", r"\d+")
        # a one-word header ("Download 40") only counts as a whole line: the word itself is common
        one_word = len(re.sub(r"[^a-z ]", "", key).split()) == 1
        patterns.append(re.compile(rf"^(?:\d+\s)?{body}(?:\s\d+)?$" if one_word else rf"(?<!\S){body}(?!\S)"))
    return patterns


def glued_words(words: set[str], reference_words: list[str]) -> set[str]:
    """Runs of 2-6 consecutive reference words written together, not themselves words."""
    runs = set()
    low = [w.lower() for w in reference_words]
    for i in range(len(low)):
        joined = low[i]
        for j in range(i + 1, min(i + 6, len(low))):
            joined += low[j]
            if joined not in words:
                runs.add(joined)
    return runs


# --- measuring --------------------------------------------------------------------------------
_BARE_NUMBER = re.compile(r"^\s*(?:\d{1,4}|[ivxlc]{1,6})\s*$", re.I)
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}|(?:\s\.){3,}")
_GLYPH = re.compile(r"(?<![\w/.])/[A-Za-z]+(?:\.\w+)+")
_PAGE_REF = re.compile(r"\s+\d{1,4}$")
_NUMBERED = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+")
_ACCENT = re.compile(r"[´¨ˆ˜ˇ¸˚˝˘˙¯][^\W\d_]")


def furniture(chunk, running: list[re.Pattern], headings: set[str]) -> str | None:
    """What furniture the chunk holds, or None."""
    lines = [line.removeprefix("• ") for line in chunk.text.split("\n")]
    for line in lines + [chunk.section or ""]:
        low = " ".join(line.lower().split())
        if any(p.search(low) for p in running):
            return "running header/footer"
        if _BARE_NUMBER.match(line) and line.strip():
            return "page number"
        if _DOT_LEADER.search(line):
            return "dot leader"
        if _GLYPH.search(line):
            return "glyph name"
    # a contents entry: a line repeating a heading of the document, after the chunk's own
    # heading lines (headings open chunks and are never list items), that carries its
    # section or page number or stands in a run of such lines (a contents list)
    raw = chunk.text.split("\n")
    echoes = [fold(_PAGE_REF.sub("", _NUMBERED.sub("", line))) in headings for line in lines]
    own = 0
    while own < len(raw) and (echoes[own] or raw[own] == chunk.section) and not raw[own].startswith("• "):
        own += 1
    for i in range(own, len(lines)):
        if not echoes[i]:
            continue
        in_run = (i > own and echoes[i - 1]) or (i + 1 < len(lines) and echoes[i + 1])
        if in_run or _NUMBERED.match(lines[i]) or _PAGE_REF.search(lines[i]):
            return "contents entry"
    return None


@dataclass
class Row:
    name: str
    pages: int | None
    reader: str
    chunks: int
    words: int
    glued: int
    glued_chunks: int
    accents: int
    furniture: int
    quotes: int
    found: int
    page_right: int
    load_s: float
    total_s: float
    examples: dict


def measure(source: Source, path: Path, words: set[str], last_page: int | None) -> Row:
    is_pdf = path.suffix.lower() == ".pdf"
    if is_pdf and last_page:
        path = _first_pages(path, last_page)
    started = time.perf_counter()
    doc = load_document(path)
    load_s = time.perf_counter() - started
    chunks = chunk_document(doc)
    total_s = time.perf_counter() - started
    if is_pdf:
        ref_pages = pdf_reference(path, None)
        ref_text = "\n".join(ref_pages)
        running = running_lines(ref_pages)
        try:
            from pypdf import PdfReader

            outline_titles = _outline_titles(PdfReader(path))
        except Exception:
            outline_titles = set()
        headings = {fold(_NUMBERED.sub("", t)) for t in outline_titles} - {""}
        folded_pages = [fold(p) for p in ref_pages]
        pages = len(ref_pages)
    else:
        ref_text, html_headings = html_reference(path)
        running, headings = [], {fold(_NUMBERED.sub("", h)) for h in html_headings} - {""}
        folded_pages, pages = [], None
    # the reference's line-end hyphenation undone, so "toetsen-/bordindeling" is one word there too
    ref_tokens = _WORD.findall(re.sub(r"(\w)-\n(\w)", r"\1\2", ref_text))
    runs = glued_words(words, ref_tokens)
    ref_words = {t.lower() for t in ref_tokens}  # written as one word somewhere in the reference: a word
    folded_doc = fold(ref_text)
    n_words = glued = glued_chunks = accents = furn = quotes = found = right = 0
    examples: dict[str, list[str]] = {"glued": [], "furniture": [], "page": []}
    kinds: dict[str, int] = {}
    for chunk in chunks:
        tokens = _WORD.findall(chunk.text)
        n_words += len(tokens)
        glued_before = glued
        for t in tokens:
            if t.lower() not in words and t.lower() in runs and t.lower() not in ref_words:
                glued += 1
                if len(examples["glued"]) < 5:
                    examples["glued"].append(t)
        glued_chunks += glued > glued_before
        accents += len(_ACCENT.findall(chunk.text))
        kind = furniture(chunk, running, headings)
        if kind:
            furn += 1
            kinds[kind] = kinds.get(kind, 0) + 1
            if sum(1 for e in examples["furniture"] if e.startswith(kind)) < 3:
                examples["furniture"].append(f"{kind}: {chunk.text[:80]!r}")
        for unit in split_units(chunk.text, chunk.section):
            if unit.kind == HEADING:
                continue
            quotes += 1
            key = fold(unit.text)
            if not key or key not in folded_doc:
                continue
            found += 1
            if not is_pdf:
                continue
            offset = chunk.text.find(unit.text, unit.start)
            page, _ = chunk.page_at(max(offset, 0))
            if page and _on_page(key, page, folded_pages):
                right += 1
            elif len(examples["page"]) < 5:
                examples["page"].append(f"p.{page}: {unit.text[:70]!r}")
    examples["furniture kinds"] = [f"{k}: {n}" for k, n in sorted(kinds.items())]
    return Row(source.name, pages, getattr(doc, "reader", None) or "?", len(chunks), n_words, glued,
               glued_chunks, accents, furn, quotes, found, right, load_s, total_s, examples)


def _on_page(key: str, page: int, folded_pages: list[str]) -> bool:
    if not 1 <= page <= len(folded_pages):
        return False
    here = folded_pages[page - 1]
    if key in here:
        return True
    # a quote that runs on over the page break: it starts at the end of this page
    following = folded_pages[page] if page < len(folded_pages) else ""
    return key in here + following and any(here.endswith(key[:n]) for n in range(min(len(key), 200), 9, -1))


def _outline_titles(reader) -> set[str]:
    titles: set[str] = set()

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif getattr(item, "title", None):
                titles.add(str(item.title))

    walk(reader.outline)
    return titles


def _first_pages(path: Path, last: int) -> Path:
    """A copy of the PDF's first ``last`` pages (outline and labels kept by pypdf)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(path)
    if last >= len(reader.pages):
        return path
    writer = PdfWriter(clone_from=reader)
    for i in range(len(writer.pages) - 1, last - 1, -1):
        writer.remove_page(i)
    out = Path(tempfile.mkdtemp()) / path.name
    with out.open("wb") as f:
        writer.write(f)
    return out


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.2f} %" if b else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"package cache (default {DEFAULT_CACHE})")
    parser.add_argument("--pages", type=int, default=None, help="read only the first N pages of each PDF")
    parser.add_argument("--examples", action="store_true", help="print examples of what was counted")
    args = parser.parse_args(argv)
    if not WORDLIST.exists():
        sys.exit(f"{WORDLIST} ontbreekt (missing): apt-get install wdutch")
    words = {w.strip().lower() for w in WORDLIST.read_text(encoding="utf-8", errors="replace").splitlines()}
    rows = []
    for source in SOURCES:
        path = fetch(source, args.cache)
        log(f"reading {source.name} ({path.name})")
        rows.append(measure(source, path, words, args.pages))
    print("| document | pages | reader | chunks | glued words | chunks with glued words | accents /1000 w "
          "| furniture chunks | quotes found | page right | pages/s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        speed = f"{r.pages / r.load_s:.1f}" if r.pages else "–"
        print(f"| {r.name} | {r.pages or '–'} | {r.reader} | {r.chunks} | {pct(r.glued, r.words)} "
              f"| {pct(r.glued_chunks, r.chunks)} | {1000 * r.accents / max(r.words, 1):.2f} | {pct(r.furniture, r.chunks)} "
              f"| {pct(r.found, r.quotes)} | {pct(r.page_right, r.found) if r.pages else '–'} | {speed} |")
    print("\nTargets: glued < 0.5 % of words, furniture in < 1 % of chunks, page right >= 98 % of quotes.")
    if args.examples:
        for r in rows:
            print(f"\n## {r.name}")
            for kind, items in r.examples.items():
                for item in items:
                    print(f"- {kind}: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
