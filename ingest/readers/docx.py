"""Word (.docx) through python-docx: one segment per heading, list items (and table
rows, cells separated by " | ") as "- " lines.

A .docx has no pages until Word lays it out, so citations name the section. Headings
are paragraphs with a heading style (built-in "Heading N"/"Title", whatever the
display language) or an outline level; tables are read row by row.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.document import Document, LoadError, Segment
from ingest.readers.base import iso_date, make_document, read_bytes, squash

_HEADING_STYLE = re.compile(r"^(?:heading|kop)\s*\d|^title$|^titel$", re.I)
_LIST_STYLE = re.compile(r"^list|^lijst", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load_docx(path: Path) -> Document:
    read_bytes(path)  # missing, unreadable or empty files get their message
    if not zipfile.is_zipfile(path):
        raise LoadError(path.name, "Geen geldig Word-bestand (.docx is een zip-archief)",
                        "Not a valid Word file (.docx is a zip archive)")
    import docx  # python-docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as e:
        raise LoadError(path.name, f"Word-bestand is beschadigd of onvolledig ({type(e).__name__}: {e})",
                        f"Word file is damaged or incomplete ({type(e).__name__}: {e})") from e
    segments: list[Segment] = []
    section, lines, first_heading = None, [], None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            lines.append("")
            lines.extend(_table_rows(item))
            lines.append("")
            continue
        text = squash(item.text)
        if not text:
            lines.append("")
            continue
        if _is_heading(item):
            segments.append(Segment("\n".join(lines).strip("\n"), section=section))
            section, lines = text, []
            first_heading = first_heading or text
        elif _is_list_item(item):
            lines.append("- " + text)
        else:
            lines.extend(["", text])  # a Word paragraph is a paragraph: blank line before it
    segments.append(Segment("\n".join(lines).strip("\n"), section=section))
    props = document.core_properties
    title = squash(props.title or "") or first_heading
    date = iso_date(props.created) or iso_date(props.modified)
    return make_document(path, "docx", segments, title, date, reader="python-docx")


def _style_name(paragraph) -> str:
    try:
        return paragraph.style.name or ""
    except Exception:  # a style id without a definition
        return ""


def _is_heading(paragraph) -> bool:
    if _HEADING_STYLE.match(_style_name(paragraph)):
        return True
    ppr = paragraph._p.pPr
    level = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    return level is not None and level.get(f"{_W}val", "9") < "9"


def _is_list_item(paragraph) -> bool:
    ppr = paragraph._p.pPr
    numbered = ppr is not None and ppr.find(f"{_W}numPr") is not None
    return numbered or bool(_LIST_STYLE.match(_style_name(paragraph)))


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:  # merged cells repeat: keep each text once per row
            text = squash(cell.text)
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:  # a row is read as one list item: it never passes for a heading
            rows.append("- " + " | ".join(cells))
    return rows
