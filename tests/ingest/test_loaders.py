"""Loader tests: every input is generated in tmp_path, nothing touches the network."""
from __future__ import annotations

import functools
import logging
import random
import re
from pathlib import Path

import pytest

from ingest import loaders
from ingest.document import Document, LoadError
from ingest.loaders import SUPPORTED, load_document
from tests.ingest.pdf_factory import make_pdf, write_pdf

DUTCH_PAGES = [
    "Jaarverslag 2023\nDe gemeente heeft € 25 miljoen geïnvesteerd in nieuwe fietspaden.",
    "Samenwerking met Münster\nDe Duitse partnerstad levert kennis over fietsbeleid.",
    "Energie\nDe coöperatie wekt stroom op met zonnepanelen op daken van scholen.",
]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def assert_load_error(path: Path, nl: str, en: str) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_document(path)
    err = info.value
    assert err.source == path.name
    assert err.reason_nl.strip() and err.reason_en.strip()
    assert nl.lower() in err.reason_nl.lower(), err.reason_nl
    assert en.lower() in err.reason_en.lower(), err.reason_en
    return err


def assert_has_text(doc: Document) -> None:
    assert doc.segments and all(s.text.strip() for s in doc.segments)


# --- dispatch ----------------------------------------------------------------------------

def test_supported_table():
    assert SUPPORTED == {".pdf": "pdf", ".txt": "txt", ".md": "md", ".markdown": "md",
                         ".html": "html", ".htm": "html", ".docx": "docx"}


@pytest.mark.parametrize("name, kind", [("NOTITIES.TXT", "txt"), ("Lees.Md", "md"), ("x.markdown", "md"),
                                        ("pagina.HTM", "html"), ("pagina.html", "html")])
def test_extension_is_case_insensitive(tmp_path, name, kind):
    doc = load_document(write(tmp_path, name, "<p>Hallo wereld</p>" if kind == "html" else "Hallo wereld"))
    assert (doc.kind, doc.source, doc.path) == (kind, name, tmp_path / name)
    assert "Hallo wereld" in doc.text


def test_pdf_extension_is_case_insensitive(tmp_path):
    doc = load_document(write_pdf(tmp_path / "RAPPORT.PDF", ["Hallo"]))
    assert doc.kind == "pdf" and doc.source == "RAPPORT.PDF"


def test_accepts_str_path(tmp_path):
    assert load_document(str(write(tmp_path, "a.txt", "tekst"))).text == "tekst"


# --- PDF -------------------------------------------------------------------------------

def test_pdf_one_segment_per_page_with_unicode_and_title(tmp_path):
    doc = load_document(write_pdf(tmp_path / "jaarverslag.pdf", DUTCH_PAGES, title="Jaarverslag Gemeente 2023"))
    assert doc.kind == "pdf" and doc.source == "jaarverslag.pdf"
    assert doc.title == "Jaarverslag Gemeente 2023"
    assert [s.page for s in doc.segments] == [1, 2, 3]
    assert all(s.section is None for s in doc.segments)
    assert "€ 25 miljoen" in doc.segments[0].text
    assert "geïnvesteerd" in doc.segments[0].text
    assert "Münster" in doc.segments[1].text
    assert "coöperatie" in doc.segments[2].text
    assert "Jaarverslag 2023\n" in doc.segments[0].text  # line breaks are kept, not reflowed


def test_pdf_without_title_metadata(tmp_path):
    assert load_document(write_pdf(tmp_path / "a.pdf", ["Tekst"])).title is None


def test_pdf_keeps_hyphen_at_line_end_for_the_cleaner(tmp_path):
    doc = load_document(write_pdf(tmp_path / "a.pdf", ["Het nieuwe be-\nleid gaat in op 1 januari."]))
    assert "be-\nleid" in doc.segments[0].text


def test_pdf_skips_empty_pages_but_keeps_numbering(tmp_path):
    doc = load_document(write_pdf(tmp_path / "a.pdf", ["Pagina een", None, "Pagina drie"]))
    assert [s.page for s in doc.segments] == [1, 3]
    assert "Pagina drie" in doc.segments[1].text


def test_pdf_with_only_owner_password_loads(tmp_path):
    path = write_pdf(tmp_path / "beperkt.pdf", ["Openbare tekst over coöperatie"], owner_password="eigenaar")
    doc = load_document(path)
    assert "coöperatie" in doc.segments[0].text and doc.segments[0].page == 1


def test_pdf_repairable_damage_loads_quietly(tmp_path, caplog):
    data = re.sub(rb"startxref\s+\d+", b"startxref\n123", make_pdf(DUTCH_PAGES))
    pypdf_logger = logging.getLogger("pypdf")
    level_before = pypdf_logger.level
    with caplog.at_level(logging.DEBUG):
        doc = load_document(write(tmp_path, "herstelbaar.pdf", data))
    assert [s.page for s in doc.segments] == [1, 2, 3]
    assert not [r for r in caplog.records if r.name.startswith("pypdf") and r.levelno < logging.ERROR]
    assert pypdf_logger.level == level_before


# --- plain text --------------------------------------------------------------------------

def test_text_single_segment_normalises_crlf_only(tmp_path):
    raw = "Eerste regel\r\nTweede\tregel  \r\n\r\n\r\nDerde alinea – één € 5\n"
    doc = load_document(write(tmp_path, "notities.txt", raw))
    assert doc.kind == "txt" and doc.title is None
    assert len(doc.segments) == 1
    seg = doc.segments[0]
    assert (seg.page, seg.section) == (None, None)
    assert seg.text == "Eerste regel\nTweede\tregel  \n\n\nDerde alinea – één € 5\n"


def test_text_utf8_bom_is_dropped(tmp_path):
    doc = load_document(write(tmp_path, "bom.txt", "\ufeffcafé".encode("utf-8")))
    assert doc.text == "café"


# --- Markdown ----------------------------------------------------------------------------

MARKDOWN = """\
Inleiding *voor* de eerste kop, zie [de website](https://example.nl "titel").

<!-- interne notitie: niet publiceren -->

# Fietsbeleid **2024**

De gemeente investeert € 25 miljoen.
![kaart van de route](kaart.png)

Tweede alinea met `code` en __vet__.

## Maatregelen

- Nieuwe *fietspaden*
- Meer [stallingen](https://example.nl/stalling)
  - bij het station
1. genummerd punt

Financiering
------------

```python
budget = 25_000_000
```

Setext hoofdkop
===============

Laatste tekst &amp; meer.
"""


@pytest.fixture
def markdown_doc(tmp_path) -> Document:
    return load_document(write(tmp_path, "beleid.md", MARKDOWN))


def test_markdown_sections_follow_headings(markdown_doc):
    assert markdown_doc.kind == "md"
    assert [s.section for s in markdown_doc.segments] == [
        None, "Fietsbeleid 2024", "Maatregelen", "Financiering", "Setext hoofdkop"]
    assert all(s.page is None for s in markdown_doc.segments)


def test_markdown_title_is_first_h1(markdown_doc):
    assert markdown_doc.title == "Fietsbeleid 2024"


def test_markdown_text_before_first_heading_has_no_section(markdown_doc):
    intro = markdown_doc.segments[0]
    assert intro.section is None
    assert intro.text == "Inleiding voor de eerste kop, zie de website."


def test_markdown_strips_markup_and_keeps_paragraphs(markdown_doc):
    body = markdown_doc.segments[1].text
    assert body == "De gemeente investeert € 25 miljoen.\n\nTweede alinea met code en vet."
    assert "kaart" not in markdown_doc.text and "png" not in markdown_doc.text
    assert "interne notitie" not in markdown_doc.text
    assert not re.search(r"[*_#\[\]`]|https?://", markdown_doc.text.replace("budget = 25_000_000", ""))


def test_markdown_list_items_become_dash_lines(markdown_doc):
    assert markdown_doc.segments[2].text == (
        "- Nieuwe fietspaden\n- Meer stallingen\n- bij het station\n\n- genummerd punt")


def test_markdown_code_kept_as_plain_text_and_entities_decoded(markdown_doc):
    assert markdown_doc.segments[3].text == "budget = 25_000_000"
    assert markdown_doc.segments[4].text == "Laatste tekst & meer."


def test_markdown_without_h1_has_no_title(tmp_path):
    doc = load_document(write(tmp_path, "a.markdown", "## Alleen h2\n\nTekst."))
    assert doc.title is None and doc.segments[0].section == "Alleen h2"


# --- HTML ------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="nl"><head>
  <meta charset="utf-8"><title>Fietsbeleid  |  Gemeente</title>
  <style>body { color: red }</style><script>var geheim = "script-tekst";</script>
</head><body>
<header><a href="/">Logo-tekst</a></header>
<nav><ul><li>Menu-item</li></ul></nav>
<p>Welkom   op de
   pagina over &quot;fietsen&quot;.</p>
<!-- commentaar-tekst -->
<h1>Fietsbeleid</h1>
<p>Budget: &euro;&nbsp;25 miljoen, ge&iuml;nvesteerd in <b>veilige</b> routes.</p>
<div hidden>verborgen-attribuut</div>
<p style="color: grey; display : none">verborgen-stijl</p>
<span aria-hidden="true">verborgen-aria</span>
<noscript>noscript-tekst</noscript><template><p>template-tekst</p></template>
<svg><text>svg-tekst</text></svg>
<h2>Maatregelen <small>(2024)</small></h2>
<ul>
  <li>Nieuwe   fietspaden</li>
  <li>Meer <a href="#">stallingen</a></li>
</ul>
<p>Regel een<br>regel twee</p>
<h2>Contact</h2>
<form><label>Naam</label><input name="n"><button>Verstuur-knop</button></form>
<p>Bel 14 020.</p>
<footer>Voettekst</footer>
<script>document.write("late-script")</script>
</body></html>
"""


@pytest.fixture
def html_doc(tmp_path) -> Document:
    return load_document(write(tmp_path, "fietsbeleid.html", HTML))


def test_html_drops_invisible_and_boilerplate(html_doc):
    for gone in ("script-tekst", "late-script", "color: red", "Logo-tekst", "Menu-item", "commentaar-tekst",
                 "verborgen-attribuut", "verborgen-stijl", "verborgen-aria", "noscript-tekst", "template-tekst",
                 "svg-tekst", "Verstuur-knop", "Voettekst"):
        assert gone not in html_doc.text, gone


def test_html_sections_from_headings(html_doc):
    assert html_doc.kind == "html"
    assert [s.section for s in html_doc.segments] == [None, "Fietsbeleid", "Maatregelen (2024)", "Contact"]
    assert html_doc.segments[0].text == 'Welkom op de pagina over "fietsen".'
    assert html_doc.segments[3].text == "Bel 14 020."


def test_html_entities_and_whitespace(html_doc):
    assert html_doc.segments[1].text == "Budget: € 25 miljoen, geïnvesteerd in veilige routes."


def test_html_list_items_and_line_breaks(html_doc):
    assert html_doc.segments[2].text == "- Nieuwe fietspaden\n- Meer stallingen\n\nRegel een\nregel twee"


def test_html_title_from_title_tag(html_doc):
    assert html_doc.title == "Fietsbeleid | Gemeente"


def test_html_title_falls_back_to_first_h1(tmp_path):
    doc = load_document(write(tmp_path, "a.htm", "<h1>Over ons</h1><p>Tekst</p><h1>Tweede</h1>"))
    assert doc.title == "Over ons"


def test_html_nested_lists(tmp_path):
    doc = load_document(write(tmp_path, "a.html", "<ul><li><p>Buiten</p><ul><li>Binnen</li></ul></li>"
                                                   "<li>Laatste</li></ul>"))
    assert doc.text == "- Buiten\n- Binnen\n- Laatste"


def test_html_malformed_markup_keeps_body_text(tmp_path):
    # html.parser does not close tags implicitly: body nests inside <head>, <li>s inside each other
    html = "<html><head><title>Oud</title><body><p>Zichtbare tekst<ul><li>een<li>twee</ul>"
    doc = load_document(write(tmp_path, "oud.html", html))
    assert doc.title == "Oud" and doc.text == "Zichtbare tekst\n\n- een\n- twee"


def test_html_unclosed_heading_does_not_swallow_the_page(tmp_path):
    doc = load_document(write(tmp_path, "a.html", "<h2>Kop<p>Alinea die anders als kop zou verdwijnen."))
    assert "Alinea die anders als kop zou verdwijnen." in doc.text


def test_html_latin1_with_meta_charset(tmp_path):
    html = '<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><p>Café coöperatie</p></body>'
    doc = load_document(write(tmp_path, "oud.html", html.encode("latin-1")))
    assert doc.title == "Café" and doc.text == "Café coöperatie"


def test_html_latin1_label_reads_euro_like_browsers(tmp_path):
    html = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>Prijs: € 5</p>'
    doc = load_document(write(tmp_path, "oud.html", html.encode("cp1252")))
    assert doc.text == "Prijs: € 5"


# --- bad inputs -------------------------------------------------------------------------

def _random_bytes(n: int = 4096) -> bytes:
    return random.Random(42).randbytes(n)


@functools.cache
def _valid_pdf() -> bytes:
    return make_pdf(DUTCH_PAGES, title="Geldig")


BAD_FILES = {
    # id: (file name, content builder, Dutch fragment, English fragment)
    "empty-txt": ("leeg.txt", lambda: b"", "leeg", "empty"),
    "empty-pdf": ("leeg.pdf", lambda: b"", "leeg", "empty"),
    "whitespace-md": ("wit.md", lambda: b" \n\t\r\n   \n", "witruimte", "whitespace"),
    "random-bytes-pdf": ("ruis.pdf", _random_bytes, "geen geldig PDF", "not a valid PDF"),
    "truncated-pdf": ("half.pdf", lambda: (d := _valid_pdf())[: len(d) // 2], "beschadigd", "damaged"),
    "pdf-header-only": ("kop.pdf", lambda: b"%PDF-1.7\n" + b"rommel " * 100, "beschadigd", "damaged"),
    "encrypted-pdf": ("geheim.pdf", lambda: make_pdf(["Geheime tekst"], owner_password="eigenaar",
                                                     user_password="gebruiker"), "wachtwoord", "password"),
    "pdf-without-text": ("leeg.pdf", lambda: make_pdf([None, None]),
                         "bevatten geen tekst en geen afbeeldingen", "hold neither text nor images"),
    "docx-not-zip": ("brief.docx", lambda: b"PK\x03\x04 zip", "Geen geldig Word-bestand", "Not a valid Word file"),
    "odt": ("brief.odt", lambda: b"PK\x03\x04 zip", "Onbekend bestandstype '.odt'; ondersteund: PDF, DOCX, TXT, MD, HTML",
            "Unsupported file type '.odt'"),
    "latin1-txt": ("menu.txt", lambda: "Koffie in het café".encode("latin-1"), "geen UTF-8-tekst", "not UTF-8"),
    "latin1-html-undeclared": ("oud.html", lambda: "<p>café</p>".encode("latin-1"), "geen UTF-8-tekst", "not UTF-8"),
    "latin1-html-declared-utf8": ("oud.htm", lambda: '<meta charset="utf-8"><p>café</p>'.encode("latin-1"),
                                  "geen UTF-8-tekst", "not UTF-8"),
    "nul-bytes-txt": ("binair.txt", lambda: b"tekst\x00\x00\x01\x02meer", "NUL", "NUL"),
    "random-bytes-md": ("ruis.md", _random_bytes, "NUL", "NUL"),
    "html-only-script": ("leeg.html", lambda: b"<html><script>alert(1)</script><nav>menu</nav></html>",
                         "geen tekst", "no text"),
    "md-only-image-and-comment": ("leeg.md", lambda: b"![foto](a.png)\n\n<!-- notitie -->\n", "geen tekst", "no text"),
    "md-only-heading": ("kop.md", lambda: b"# Alleen een kop\n", "geen tekst", "no text"),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input_raises_load_error_with_reason(tmp_path, case):
    name, build, nl, en = case
    assert_load_error(write(tmp_path, name, build()), nl, en)


def test_missing_file(tmp_path):
    assert_load_error(tmp_path / "weg.txt", "niet gevonden", "not found")


def test_unreadable_file(tmp_path):
    (tmp_path / "map.md").mkdir()  # a directory with a document name cannot be read as a file
    assert_load_error(tmp_path / "map.md", "kan niet worden gelezen", "cannot be read")


def test_file_without_extension(tmp_path):
    assert_load_error(write(tmp_path, "LEESMIJ", "tekst"), "Onbekend bestandstype", "Unsupported file type")


def test_unexpected_errors_are_wrapped(tmp_path, monkeypatch):
    def broken_loader(path):
        raise RuntimeError("kapot")

    monkeypatch.setitem(loaders._LOADERS, "txt", broken_loader)
    err = assert_load_error(write(tmp_path, "a.txt", "tekst"), "kapot", "kapot")
    assert isinstance(err.__cause__, RuntimeError)


def _damaged(pdf: bytes) -> bytes:
    rng, data = random.Random(7), bytearray(pdf)
    for i in rng.sample(range(len(data)), 200):
        data[i] = rng.randrange(256)
    return bytes(data)


# id: (file name, content builder); built lazily so a missing font fails the test, not collection
GARBAGE = {f"pdf-cut-{pct}": ("cut.pdf", lambda pct=pct: _valid_pdf()[: len(_valid_pdf()) * pct // 100])
           for pct in (1, 10, 50, 90, 99)}
GARBAGE.update({
    "pdf-random-damage": ("schade.pdf", lambda: _damaged(_valid_pdf())),
    "pdf-no-eof": ("noeof.pdf", lambda: _valid_pdf().replace(b"%%EOF", b"")),
    "pdf-bad-xref": ("xref.pdf", lambda: re.sub(rb"startxref\s+\d+", b"startxref\n999999999", _valid_pdf())),
    "pdf-is-html": ("nep.pdf", lambda: b"<html><body>Geen PDF</body></html>"),
    "pdf-is-text": ("nep.pdf", lambda: "Gewoon tekst met een € teken".encode()),
    "txt-random": ("ruis.txt", _random_bytes),
    "html-random": ("ruis.html", _random_bytes),
    "html-random-no-nul": ("ruis.htm", lambda: _random_bytes().replace(b"\x00", b"")),
    "md-random-no-nul": ("ruis.md", lambda: _random_bytes().replace(b"\x00", b"")),
    "html-unclosed-tags": ("kapot.html", lambda: b"<div><p><ul><li><h2>kop<table><tr><td>cel" * 50),
    "html-deep-nesting": ("diep.html", lambda: b"<div>" * 5000 + b"diep" + b"</div>" * 5000),
    "html-unknown-charset": ("vreemd.html", lambda: b'<meta charset="x-bestaat-niet"><p>caf\xe9</p>'),
    "md-only-markup": ("markup.md", lambda: b"***\n\n---\n\n> \n\n- \n"),
    "utf16-txt": ("utf16.txt", lambda: "tekst".encode("utf-16")),
    "bom-only-txt": ("bom.txt", lambda: b"\xef\xbb\xbf"),
})


@pytest.mark.parametrize("case", GARBAGE.values(), ids=GARBAGE.keys())
def test_bad_files_never_raise_anything_but_load_error(tmp_path, case):
    name, build = case
    try:
        doc = load_document(write(tmp_path, name, build()))
    except LoadError as err:
        assert err.reason_nl.strip() and err.reason_en.strip()
    else:  # some damage is repairable; then the result must still be a usable document
        assert_has_text(doc)
