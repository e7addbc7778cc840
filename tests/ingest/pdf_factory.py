"""Build small PDFs for tests with fpdf2 and a Unicode TTF font found on this machine."""
from __future__ import annotations

import site
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from fpdf import FPDF

_FONT_NAMES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "FreeSans.ttf")


@lru_cache(maxsize=1)
def find_unicode_font() -> Path:
    """A TTF with €, ï, ü, ö: system fonts first, then the copies fpdf2/matplotlib ship."""
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
    roots += [Path(p) for p in (*site.getsitepackages(), site.getusersitepackages(), *sys.path)]
    for name in _FONT_NAMES:
        for root in roots:
            if root.is_dir():
                found = next(root.rglob(name), None)
                if found:
                    return found
    pytest.fail(f"No Unicode TTF font found (looked for {', '.join(_FONT_NAMES)} under "
                f"{', '.join(map(str, roots))}); install fonts-dejavu-core or matplotlib")


def make_pdf(pages: list[str | None], *, title: str | None = None, owner_password: str | None = None,
             user_password: str | None = None) -> bytes:
    """One page per entry: a string is written as text (\\n = line break), None draws only a rectangle."""
    pdf = FPDF()
    pdf.add_font("Uni", "", str(find_unicode_font()))
    pdf.set_font("Uni", size=12)
    if title:
        pdf.set_title(title)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.rect(20, 20, 80, 40)
        else:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def write_pdf(path: Path, pages: list[str | None], **kwargs) -> Path:
    path.write_bytes(make_pdf(pages, **kwargs))
    return path


def make_book(pages: list[str], *, header: str | None = None, footer: str | None = None,
              title: str | None = None, labels: list[tuple[int, int, str, int]] | None = None) -> bytes:
    """Pages of a printed document. In a page's text a line "§ Title" is a heading that
    also goes into the PDF outline (bookmarks). ``header``/``footer`` are printed on
    every page, "{n}" replaced by the page number. ``labels``: (first page index, last
    page index, style "/r" or "/D", start) ranges of printed page labels."""
    pdf = FPDF()
    pdf.add_font("Uni", "", str(find_unicode_font()))
    pdf.set_font("Uni", size=11)
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for n, text in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.set_xy(10, 8)
            pdf.cell(0, 6, header.format(n=n))
        pdf.set_xy(10, 25)
        for line in text.split("\n"):
            if line.startswith("§ "):
                pdf.start_section(line[2:])
                line = line[2:]
            pdf.set_x(10)
            pdf.multi_cell(0, 7, line)
        if footer:
            pdf.set_xy(10, 282)
            pdf.cell(0, 6, footer.format(n=n), align="C")
    data = bytes(pdf.output())
    if not labels:
        return data
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    styles = {"/r": PageLabelStyle.LOWERCASE_ROMAN, "/D": PageLabelStyle.DECIMAL}
    for first, last, style, start in labels:
        writer.set_page_label(first, last, style=styles[style], start=start)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_positioned_pdf(pages: list[list[str]], *, gap: int = 333, space_width: int = 1000,
                        symbols: str | None = None) -> bytes:
    """A PDF written the way some typesetters write it: every word a separate string,
    moved apart by a TJ offset of ``gap``/1000 em, with no space glyph between them, in
    a font whose declared space is ``space_width`` wide. ``symbols`` adds a line in a
    symbol font whose glyphs only have names (/noteheads.s2), like a music font."""
    import io

    widths = b"[" + b" ".join(b"%d" % (space_width if c == 32 else 556) for c in range(32, 256)) + b"]"
    objs: list[bytes] = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        b"/FirstChar 32 /LastChar 255 /Widths " + widths + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Emmentaler-20 /Encoding << /Type /Encoding "
        b"/Differences [65 /noteheads.s2 /clefs.G /accidentals.flat] >> >>",
    ]
    pages_id = len(objs) + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        ops = b"BT /F1 11 Tf 50 780 Td 14 TL "
        for line in lines:
            words = [w.encode("cp1252") for w in line.split()]
            ops += b"T* [" + (b" -%d " % gap).join(b"(" + w + b")" for w in words) + b"] TJ "
        if symbols:
            ops += b"T* /F2 11 Tf (" + symbols.encode() + b") Tj /F1 11 Tf "
        ops += b"ET"
        objs.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R "
                    b"/F2 2 0 R >> >> /Contents %d 0 R >>" % (pages_id, len(objs)))
        kids.append(len(objs))
    objs.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids))
    objs.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, len(objs), xref))
    return out.getvalue()
