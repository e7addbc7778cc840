"""Reading real-world layouts as a person reads them: one generated file per failure
seen on typeset PDFs and generated web pages (issue 9). Only the public entry points
are used (load_document, chunk_document, Chunk.page_at), so each test also runs
against the reader as it was before."""
from __future__ import annotations

import re

from common.units import split_units
from ingest.chunk import chunk_document
from ingest.loaders import load_document
from tests.ingest.pdf_factory import make_book, make_positioned_pdf

LONG_RUN = re.compile(r"[^\W\d_]{25,}")  # longer than Dutch words get

BODY = [
    "De regio investeert de komende jaren fors in bereikbaarheid en in de woningmarkt van Twente.",
    "Gemeenten en bedrijven werken samen aan een sterke arbeidsmarkt met goede banen voor jongeren.",
    "Het fonds steunt vooral kleine ondernemers die willen vernieuwen met nieuwe technologie.",
    "Onderwijsinstellingen leiden technici op die direct aan de slag kunnen in de maakindustrie.",
]


def chunks_of(path):
    return chunk_document(load_document(path))


def quote_page(chunks, sentence: str):
    """(page, label) a citation of ``sentence`` names."""
    for chunk in chunks:
        at = chunk.text.find(sentence)
        if at >= 0:
            return chunk.page_at(at)
    raise AssertionError(f"{sentence!r} not in any chunk")


# --- words without space glyphs -------------------------------------------------------------
def test_words_placed_without_space_glyphs_are_read_apart(tmp_path):
    lines = ["Het installatieprogramma van Debian gebruikt een modulair ontwerp",
             "zodat scholen in de regio zelf kiezen welke diensten zij installeren."]
    path = tmp_path / "handleiding.pdf"
    more = ["Elke school krijgt een eigen server met een netwerk voor leerlingen",
            "en leraren die samen documenten bewerken en delen."]
    path.write_bytes(make_positioned_pdf([lines, more]))
    doc = load_document(path)
    text = doc.text
    assert "installatieprogramma van Debian gebruikt een modulair ontwerp" in text
    assert not LONG_RUN.findall(text), LONG_RUN.findall(text)
    chunks = chunk_document(doc)
    assert "zelf kiezen welke diensten" in chunks[0].text
    assert quote_page(chunks, "Elke school krijgt een eigen server met een netwerk voor leerlingen en leraren "
                              "die samen documenten bewerken en delen.")[0] == 2


def test_symbol_font_glyph_names_are_not_text(tmp_path):
    path = tmp_path / "partituur.pdf"
    path.write_bytes(make_positioned_pdf([["Een korte melodie in vier maten voor de blokfluit."]],
                                         gap=900, space_width=278, symbols="ABCABC"))
    text = load_document(path).text
    assert "Een korte melodie in vier maten" in text
    assert "noteheads" not in text and "/clefs" not in text


def test_tex_spacing_accents_are_joined_to_their_letter(tmp_path):
    # TeX fonts draw an accent as a glyph of its own before the letter
    path = tmp_path / "tex.pdf"
    path.write_bytes(make_book(["Er is ´e´en co¨operatie voor de ori¨entering van J¨urgen en Ren´e."]))
    text = load_document(path).text
    assert "één coöperatie voor de oriëntering van Jürgen en René" in text
    assert not re.search(r"[´¨]", text)


# --- page furniture -------------------------------------------------------------------------
def test_running_headers_footers_and_page_numbers_are_not_indexed(tmp_path):
    path = tmp_path / "jaarverslag.pdf"
    path.write_bytes(make_book(BODY, header="Jaarverslag Twente Board 2023 — hoofdstuk {n}",
                               footer="Pagina {n} van 4"))
    chunks = chunks_of(path)
    text = "\n".join(c.text for c in chunks)
    assert all(sentence in text for sentence in BODY)
    assert "Jaarverslag Twente Board" not in text and "Pagina" not in text
    assert not any(c.section and "Jaarverslag" in c.section for c in chunks)
    assert quote_page(chunks, BODY[2])[0] == 3


def test_bare_page_numbers_are_not_indexed(tmp_path):
    path = tmp_path / "notitie.pdf"
    path.write_bytes(make_book(BODY, footer="{n}"))
    for chunk in chunks_of(path):
        assert not any(re.fullmatch(r"\d+", line.strip()) for line in chunk.text.split("\n")), chunk.text


def test_contents_page_with_dot_leaders_is_not_indexed(tmp_path):
    contents = "Inhoud\n" + "\n".join(f"{i}. {t} " + ". " * 30 + f"{i + 1}"
                                      for i, t in enumerate(["Bereikbaarheid", "Arbeidsmarkt", "Innovatie"], 1))
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_book([contents, "§ 1. Bereikbaarheid\n" + BODY[0], "§ 2. Arbeidsmarkt\n" + BODY[1],
                                "§ 3. Innovatie\n" + BODY[2]]))
    chunks = chunks_of(path)
    assert all(". . . ." not in c.text for c in chunks)
    assert all(c.page != 1 for c in chunks), [c.text for c in chunks if c.page == 1]
    assert {c.section for c in chunks} == {"1. Bereikbaarheid", "2. Arbeidsmarkt", "3. Innovatie"}


# --- structure and pages ----------------------------------------------------------------------
def test_numbered_headings_on_following_pages_stay_apart(tmp_path):
    path = tmp_path / "begroting.pdf"
    path.write_bytes(make_book([
        "Inleiding\nDit document beschrijft de begroting en de planning van het programma.",
        "1. Financiën\nDe begroting voor 2024 bedraagt 12 miljoen euro, waarvan de helft uit de regio komt.",
        "2. Planning\nDe eerste projecten starten in maart 2024 en lopen tot eind 2026.",
    ]))
    chunks = chunks_of(path)
    money = next(c for c in chunks if "12 miljoen" in c.text)
    plan = next(c for c in chunks if "maart 2024" in c.text)
    assert money is not plan
    assert (money.section, money.page) == ("1. Financiën", 2)
    assert (plan.section, plan.page) == ("2. Planning", 3)
    assert quote_page(chunks, "De eerste projecten starten in maart 2024 en lopen tot eind 2026.")[0] == 3
    assert "•" not in money.text + plan.text  # headings are not list items


def test_heading_at_the_foot_of_a_page_does_not_give_its_page_to_the_text(tmp_path):
    path = tmp_path / "rapport.pdf"
    path.write_bytes(make_book([BODY[0] + "\n3. Mobiliteit", "De nieuwe buslijn verbindt Enschede en Hengelo elk kwartier."]))
    chunks = chunks_of(path)
    assert quote_page(chunks, "De nieuwe buslijn verbindt Enschede en Hengelo elk kwartier.")[0] == 2
    bus = next(c for c in chunks if "buslijn" in c.text)
    assert bus.section == "3. Mobiliteit"


def test_sentence_running_over_a_page_break_is_one_sentence_cited_where_it_starts(tmp_path):
    path = tmp_path / "verslag.pdf"
    path.write_bytes(make_book([
        BODY[0] + "\nDe provincie en de gemeenten spreken af dat zij samen",
        "de kosten van het nieuwe station dragen. Daarna volgt de aanbesteding van de bouw.",
    ]))
    chunks = chunks_of(path)
    chunk = next(c for c in chunks if "aanbesteding" in c.text)
    units = {u.text: u for u in split_units(chunk.text, chunk.section)}
    joined = "De provincie en de gemeenten spreken af dat zij samen de kosten van het nieuwe station dragen."
    assert joined in units
    assert chunk.page_at(chunk.text.find(joined))[0] == 1
    assert chunk.page_at(chunk.text.find("Daarna volgt de aanbesteding"))[0] == 2
    assert chunk.page_breaks and chunk.page_breaks[0][1] == 2


def test_printed_page_labels_are_kept(tmp_path):
    path = tmp_path / "boek.pdf"
    path.write_bytes(make_book(["Voorwoord\n" + BODY[0], "§ 1. Regio\n" + BODY[1], "§ 2. Werk\n" + BODY[2]],
                               labels=[(0, 0, "/r", 1), (1, 2, "/D", 1)]))
    chunks = chunks_of(path)
    assert quote_page(chunks, BODY[0]) == (1, "i")
    assert quote_page(chunks, BODY[2]) == (3, "2")


def test_outline_headings_become_sections_even_when_they_do_not_look_like_headings(tmp_path):
    path = tmp_path / "zorg.pdf"
    path.write_bytes(make_book([
        "§ e-Health in de regio\n" + BODY[0] + " " + BODY[1],
        "§ zorg dichtbij huis, ook in de dorpen\n" + BODY[2] + " " + BODY[3],
    ]))
    chunks = chunks_of(path)
    assert next(c for c in chunks if BODY[1] in c.text).section == "e-Health in de regio"
    assert next(c for c in chunks if BODY[3] in c.text).section == "zorg dichtbij huis, ook in de dorpen"


def test_pdf_date_comes_from_its_metadata(tmp_path):
    path = tmp_path / "nota.pdf"
    path.write_bytes(make_book([BODY[0]], title="Nota"))
    doc = load_document(path)
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", doc.date or "")
    assert all(c.date == doc.date for c in chunk_document(doc))


# --- HTML navigation -------------------------------------------------------------------------
DOCBOOK = """<html><head><title>Handleiding</title><meta name="date" content="2024-01-31"></head><body>
<div class="navheader"><table summary="Navigation header"><tr><th colspan="3">Handleiding Twente</th></tr>
<tr><td><a href="ch01.html">Vorige</a></td><td></td><td><a href="ch03.html">Volgende</a></td></tr></table></div>
<div class="chapter"><div class="titlepage"><h2 class="title">2. Bereikbaarheid</h2></div>
<div class="toc"><p><b>Inhoudsopgave</b></p><dl>
<dt><span class="section">2.1. <a href="#wegen">Wegen en spoor</a></span></dt>
<dt><span class="section">2.2. <a href="#fiets">Fietsroutes</a></span></dt></dl></div>
<div class="section"><h3 class="title" id="wegen">2.1. Wegen en spoor</h3>
<p>De verbinding tussen Enschede en Zwolle krijgt vanaf 2026 een extra sneltrein per uur.</p></div>
<div class="section"><h3 class="title" id="fiets">2.2. Fietsroutes</h3>
<p>De snelfietsroute F35 is in 2025 over de hele lengte klaar.</p></div></div>
<div class="sidebar-links"><ul><li><a href="/a">Home</a></li><li><a href="/b">Zoeken</a></li>
<li><a href="/c">Contact</a></li><li><a href="/d">Over ons</a></li></ul></div>
<div><a href="/x">Privacy</a> | <a href="/y">Cookies</a> | <a href="/z">Toegankelijkheid</a></div>
<div class="navfooter"><table summary="Navigation footer"><tr><td><a href="ch01.html">Vorige</a></td>
<td><a href="index.html">Begin</a></td><td><a href="ch03.html">Volgende</a></td></tr>
<tr><td>Hoofdstuk 1. Inleiding</td><td></td><td>Hoofdstuk 3. Werk</td></tr></table></div>
</body></html>"""


def test_html_navigation_blocks_and_contents_lists_are_not_indexed(tmp_path):
    path = tmp_path / "ch02.html"
    path.write_text(DOCBOOK, encoding="utf-8")
    chunks = chunks_of(path)
    text = "\n".join(c.text + "\n" + (c.section or "") for c in chunks)
    for chrome in ("Vorige", "Volgende", "Inhoudsopgave", "Home", "Privacy", "Hoofdstuk 3. Werk", "Begin"):
        assert chrome not in text, chrome
    by_fact = {c.section for c in chunks if "sneltrein" in c.text} | {c.section for c in chunks if "F35" in c.text}
    assert by_fact == {"2.1. Wegen en spoor", "2.2. Fietsroutes"}
    assert all(c.date == "2024-01-31" for c in chunks)


def test_html_prose_with_links_is_kept(tmp_path):
    path = tmp_path / "nieuws.html"
    path.write_text("<html><body><p>Lees het <a href='/a'>plan</a> en de <a href='/b'>begroting</a>: de regio "
                    "investeert 25 miljoen euro in <a href='/c'>innovatie</a> en in nieuwe banen.</p></body></html>",
                    encoding="utf-8")
    assert "investeert 25 miljoen euro" in load_document(path).text


def test_html_inline_words_with_menu_like_classes_are_prose(tmp_path):
    # a menu path in a sentence, marked up as LibreOffice's help does, is what the reader must
    # see ("kiest u Extra - Blad beveiligen."), while a block classed as a menu is still dropped
    path = tmp_path / "hulp.html"
    path.write_text("<html><body><div class='menu-main'><a href='/a'>Start</a> <a href='/b'>Zoeken</a> "
                    "<a href='/c'>Index</a></div><p>Om het blad te beveiligen kiest u <a target='_top' "
                    "href='x.html'><span class='menuitem'>Extra - Blad beveiligen</span></a>. Kies daarna "
                    "<span class='navigation-hint'>OK</span>.</p></body></html>", encoding="utf-8")
    text = load_document(path).text
    assert "kiest u Extra - Blad beveiligen." in text and "Kies daarna OK." in text
    assert "Zoeken" not in text


def test_html_table_rows_and_definition_lists_keep_a_label_with_what_it_labels(tmp_path):
    # LibreOffice's help lists its start parameters as a two-column table, each cell a
    # paragraph; read cell by cell, "--view" and "Opent … (alleen lezen)." were two lines
    # and neither answered "Welke parameter opent bestanden alleen-lezen?"
    path = tmp_path / "parameters.html"
    path.write_text(
        "<html><body><h1>Parameters</h1><table>"
        "<tr><td><p>--view</p></td><td><p>Opent de volgende bestanden alleen-lezen.</p><p>Tweede alinea.</p></td></tr>"
        "<tr><td><p>Beveiliging inschakelen</p></td><td><p>Kies Bestand - Opslaan als.</p></td></tr>"
        "</table><table><tr><th><p>Kleur</p></th><th><p>Hex</p></th><th><p>RGB</p></th></tr>"
        "<tr><td><p>Water</p></td><td><p>00FFFF</p></td><td><p>rgb(0, 255, 255)</p></td></tr></table>"
        "<table><tr><td><p>Dit is een hele zin.</p></td><td><p>Nog een zin.</p></td></tr></table>"
        "<dl><dt>--headless</dt><dd>Start zonder gebruikersinterface.</dd><dt>--norestore</dt><dd><p>Geen herstel.</p></dd></dl>"
        "</body></html>", encoding="utf-8")
    lines = load_document(path).text.splitlines()
    for line in ("--view: Opent de volgende bestanden alleen-lezen.", "Tweede alinea.",
                 "Beveiliging inschakelen: Kies Bestand - Opslaan als.", "Kleur | Hex | RGB",
                 "Water | 00FFFF | rgb(0, 255, 255)", "--headless: Start zonder gebruikersinterface.",
                 "--norestore: Geen herstel."):
        assert line in lines
    # a cell that is a sentence of its own is no label: the row's cells side by side
    assert "Dit is een hele zin. | Nog een zin." in lines


def test_html_a_term_with_an_empty_description_is_still_read(tmp_path):
    path = tmp_path / "termen.html"
    path.write_text("<html><body><h1>Termen</h1><dl><dt>--nologo</dt><dd></dd>"
                    "<dt>--help</dt><dd>Toont de hulp.</dd><dd>Ook kort: -h.</dd></dl></body></html>",
                    encoding="utf-8")
    lines = load_document(path).text.splitlines()
    assert "--nologo" in lines
    assert "--help: Toont de hulp." in lines and "Ook kort: -h." in lines


def test_html_variants_a_script_would_show_are_read_once(tmp_path):
    # LibreOffice's help hides both the Mac and the default variant of a key or menu path
    # and lets a script show one; dropping both read "drukken op +D."
    path = tmp_path / "hulp.html"
    path.write_text(
        "<html><body><p>Druk op <span class='switchinline'><span hidden='true' class='MAC'>Commando</span>"
        "<span hidden='true' id='default_1'>Ctrl</span></span>+D.</p>"
        "<p>Kies <span><span style='display:none'>Menu A</span><span style='display: none'>Menu B</span></span> - Opties."
        "</p><p>Weg: <span hidden='true'>geheim</span> ja.</p></body></html>", encoding="utf-8")
    text = load_document(path).text
    assert "Druk op Ctrl+D." in text and "Commando" not in text
    assert "Kies Menu A - Opties." in text and "Menu B" not in text  # no default: the first
    assert "geheim" not in text  # a single hidden element stays hidden


# --- Word -------------------------------------------------------------------------------------
def test_docx_headings_become_sections_and_lists_stay_lists(tmp_path):
    from datetime import datetime

    import docx  # python-docx, a dependency of the project

    document = docx.Document()
    document.core_properties.title = "Werkplan 2024"
    document.core_properties.created = datetime(2024, 3, 1)
    document.add_heading("Werkplan 2024", level=0)
    document.add_paragraph("Dit werkplan beschrijft wat de regio in 2024 gaat doen.")
    document.add_heading("Arbeidsmarkt", level=1)
    document.add_paragraph("We richten ons op drie doelgroepen:")
    for item in ("jongeren zonder startkwalificatie", "zij-instromers in de techniek", "statushouders"):
        document.add_paragraph(item, style="List Bullet")
    document.add_heading("Innovatie", level=1)
    document.add_paragraph("Het innovatiefonds groeit naar 8 miljoen euro per jaar.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Fonds", "Bedrag"
    table.cell(1, 0).text, table.cell(1, 1).text = "Innovatie", "8 miljoen"
    path = tmp_path / "werkplan.docx"
    document.save(path)

    doc = load_document(path)
    assert doc.kind == "docx" and doc.title == "Werkplan 2024" and doc.date == "2024-03-01"
    chunks = chunk_document(doc)
    work = next(c for c in chunks if "statushouders" in c.text)
    assert work.section == "Arbeidsmarkt"
    assert "• jongeren zonder startkwalificatie\n• zij-instromers in de techniek\n• statushouders" in work.text
    fund = next(c for c in chunks if "8 miljoen euro per jaar" in c.text)
    assert fund.section == "Innovatie" and "• Innovatie | 8 miljoen" in fund.text


def test_html_chapter_contents_list_and_side_panels_are_not_indexed(tmp_path):
    path = tmp_path / "howto.html"
    path.write_text("""<html><body>
<aside class="leftside"><div>Index</div><input placeholder="Zoeken"><p>Inhoud van de hulp</p></aside>
<h2 id="howto">5. Handleidingen</h2>
<ul><li><p>Handleidingen voor <a href="#beheer">systeembeheer</a></p></li>
<li><p>Handleidingen over <a href="#werk">de werkplek</a></p></li></ul>
<h2><a id="beheer"></a>5.1. Systeembeheer</h2><p>Een beheerder maakt elke nacht een reservekopie van de server.</p>
<ul><li>Zie ook de <a href="https://example.org/a">handleiding</a> van de leverancier.</li>
<li>Bewaar de kopie op een andere plek.</li></ul>
<h2 id="werk">5.2. De werkplek</h2><p>Elke leerling krijgt een eigen map op de server.</p>
</body></html>""", encoding="utf-8")
    chunks = chunks_of(path)
    text = "\n".join(c.text for c in chunks)
    assert "Handleidingen voor systeembeheer" not in text and "Handleidingen over de werkplek" not in text
    assert "Inhoud van de hulp" not in text and "Index" not in text
    assert "• Zie ook de handleiding van de leverancier." in text  # a list with an outside link is content
    assert {c.section for c in chunks if "reservekopie" in c.text} == {"5.1. Systeembeheer"}
