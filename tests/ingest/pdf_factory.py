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
