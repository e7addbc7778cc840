from pathlib import Path

from common.config import CORPUS_DIR
from common.records import Chunk
from ingest.chunk import chunk_document
from ingest.document import Document, Segment
from ingest.loaders import load_document
from tests.ingest.pdf_factory import write_pdf


def _doc(text: str, source: str = "x.txt") -> Document:
    return Document(source, Path(source), "txt", [Segment(text)])


def test_plan_chunks_keep_headings_lists_and_sentences_together():
    doc = load_document(CORPUS_DIR / "002_cd5bdc3b9f6d6f78.txt")
    chunks = chunk_document(doc, title="Strategisch plan")
    goal = [c for c in chunks if "Het doel is het bevorderen van de ontwikkeling van de Twentse economie." in c.text]
    assert len(goal) == 1 and goal[0].section == "3.1 Centrale opgave Twente"
    lines = next(c for c in chunks if c.section == "3.2 Vier centrale actielijnen").text.split("\n")
    assert lines[0] == "3.2 Vier centrale actielijnen"
    assert lines[1].endswith("4 centrale actielijnen:")
    assert [ln.split(":")[0] for ln in lines[2:6]] == [
        "• Techniek als motor", "• Arbeidsmarkt & Talent", "• Bereikbaarheid & Vestigingsklimaat",
        "• Circulaire economie & Duurzaamheid"]
    portfolio = next(c for c in chunks if c.section == "6.1 Focus op impactportfolio’s" and "• Digitalisering" in c.text)
    assert "Deze impactportfolio’s zijn:" in portfolio.text and "• Sleuteltechnologieën" in portfolio.text
    # sized for a 512-token embedder (lists may run longer; the embedder truncates, BM25 does not)
    assert max(len(c.text.split()) for c in chunks if "•" not in c.text) <= 260
    assert all(c.title == "Strategisch plan" and c.source == doc.source for c in chunks)


def test_pdf_chunks_carry_their_page(tmp_path):
    pages = [
        "1 Inleiding\nDe Twente Board werkt aan de economie van de regio. " * 3,
        "2 Financiering\nHet Rijk investeert € 25 miljoen in de Regio Deal Twente. " * 3,
        None,
        "3 Talent\nWe trekken internationaal talent aan voor de maakindustrie. " * 3,
    ]
    doc = load_document(write_pdf(tmp_path / "plan.pdf", pages, title="Testplan"))
    chunks = chunk_document(doc)
    by_page = {c.page: c for c in chunks}
    assert set(by_page) == {1, 2, 4}
    assert "€ 25 miljoen" in by_page[2].text
    assert chunks[0].title == "Testplan"


def test_markdown_sections(tmp_path):
    md = tmp_path / "gids.md"
    md.write_text("# Gids\n\nIntro over de regio Twente en haar economie.\n\n## Subsidies\n\n"
                  "Ondernemers kunnen terecht bij het ondernemersloket voor subsidies en financiering.\n\n"
                  "## Talent\n\nWe werken aan:\n\n- scholing van vakmensen;\n- internationaal talent.\n", encoding="utf-8")
    chunks = chunk_document(load_document(md))
    sections = {c.section: c.text for c in chunks}
    assert "ondernemersloket" in sections["Subsidies"]
    assert "We werken aan:\n• scholing van vakmensen;\n• internationaal talent." in sections["Talent"]


def test_long_paragraph_is_split_at_sentence_boundaries():
    sentence = "Twente investeert in techniek en talent voor de toekomst van de regio. "
    chunks = chunk_document(_doc(sentence * 60), max_words=100)
    assert len(chunks) >= 4
    assert all(c.text.endswith(".") and len(c.text.split()) <= 100 for c in chunks)


def test_chunk_ids_are_content_hashes_and_round_trip():
    a = Chunk("tekst", "a.txt", "A")
    b = Chunk("tekst", "b.txt", "B")
    assert a.id == b.id and len(a.id) == 20
    assert Chunk.from_dict(a.to_dict()).to_dict() == a.to_dict()
    assert Chunk("x", "a.txt", "A", section="3.1 Doel").index_text == "3.1 Doel\nx"


def test_empty_document_has_no_chunks():
    assert chunk_document(_doc("   \n\n  ")) == []
