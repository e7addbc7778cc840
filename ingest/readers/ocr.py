"""Scanned pages through OCR: Tesseract with the Dutch model.

Tesseract is a system program (Debian: ``tesseract-ocr`` and ``tesseract-ocr-nld``,
installed by ``scripts/install-system-deps.sh``); it is called directly, one page
image on stdin, text on stdout. Without it a scan gets a clear message instead of
an empty document.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache

LANGUAGE = "nld"
DPI = 300  # Tesseract reads body text best at 300 dpi
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-nld"


class OcrUnavailable(Exception):
    """Tesseract or its Dutch model is missing; ``reason_nl``/``reason_en`` say what to install."""

    def __init__(self, reason_nl: str, reason_en: str):
        self.reason_nl, self.reason_en = reason_nl, reason_en
        super().__init__(f"{reason_nl} / {reason_en}")


def tesseract_binary() -> str | None:
    return shutil.which("tesseract")


@lru_cache(maxsize=4)
def _languages(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip() and " " not in line.strip())


def check_available() -> str:
    """The Tesseract binary to use, or OcrUnavailable with what to install."""
    binary = tesseract_binary()
    if binary is None:
        raise OcrUnavailable(f"OCR is niet beschikbaar: Tesseract is niet geïnstalleerd ({INSTALL_HINT})",
                             f"OCR is unavailable: Tesseract is not installed ({INSTALL_HINT})")
    if LANGUAGE not in _languages(binary):
        raise OcrUnavailable(f"OCR is niet beschikbaar: het Nederlandse Tesseract-model ontbreekt ({INSTALL_HINT})",
                             f"OCR is unavailable: the Dutch Tesseract model is missing ({INSTALL_HINT})")
    return binary


def ocr_image(image, binary: str | None = None) -> str:
    """Text of one page image (a PIL image)."""
    binary = binary or check_available()
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(DPI, DPI))
    # --psm 3: automatic page segmentation (needs no orientation model)
    done = subprocess.run([binary, "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "--dpi", str(DPI)],
                          input=buf.getvalue(), capture_output=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip() or f"tesseract exit {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def render_page(pdfium_page):
    """A PDF page as an image at the resolution Tesseract expects."""
    return pdfium_page.render(scale=DPI / 72).to_pil()
