"""Scanned PDFs: pages that are only an image are read with Tesseract (Dutch model),
keep their page numbers and report progress; without Tesseract the user is told what
to install. The scans are rendered here from text with PIL, so the expected words are
known."""
from __future__ import annotations

import shutil

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from ingest.document import LoadError
from ingest.loaders import load_document
from tests.ingest.pdf_factory import find_unicode_font

SCANNED = [
    ["Verslag van de regiotafel", "De regio investeert twaalf miljoen euro", "in nieuwe fietspaden tussen de steden."],
    ["Werkgelegenheid", "In Twente werken ruim driehonderdduizend", "mensen, vooral in de maakindustrie."],
]


def scanned_pdf(path, pages=SCANNED):
    """A PDF whose pages are photographs of text: no text layer at all."""
    font = ImageFont.truetype(str(find_unicode_font()), 44)
    pdf = FPDF()
    for n, lines in enumerate(pages):
        image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((150, 200 + 80 * i), line, fill=0, font=font)
        image_path = path.parent / f"scan-{n}.png"
        image.save(image_path)
        pdf.add_page()
        pdf.image(str(image_path), x=0, y=0, w=210, h=297)
    pdf.output(str(path))
    return path


def test_scanned_pdf_is_read_with_ocr_and_keeps_its_pages(tmp_path):
    assert shutil.which("tesseract"), "Tesseract is installed by scripts/install-system-deps.sh"
    progress = []
    doc = load_document(scanned_pdf(tmp_path / "scan.pdf"), progress=lambda *a: progress.append(a))
    assert [s.page for s in doc.segments] == [1, 2]
    first, second = (" ".join(s.text.split()) for s in doc.segments)
    assert "twaalf miljoen euro" in first and "fietspaden" in first
    assert "driehonderdduizend" in second and "maakindustrie" in second
    assert doc.reader == "tesseract"
    assert progress[0] == ("OCR", 0, 2) and progress[-1] == ("OCR", 2, 2)


def test_scanned_pdf_without_tesseract_says_what_to_install(tmp_path, monkeypatch):
    path = scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if "tesseract" in name else real_which(name, *a, **k))
    with pytest.raises(LoadError) as caught:
        load_document(path)
    err = caught.value
    assert "Tesseract" in err.reason_nl and "tesseract-ocr-nld" in err.reason_nl
    assert "Tesseract" in err.reason_en and "scanned" in err.reason_en.lower()
