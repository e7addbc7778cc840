"""Titles and dates: the catalogue (_titles.json, a title or {"title", "date"} per
file), else what the file says about itself, else its name made readable — never a
hash. Dates reach every chunk of the document."""
from __future__ import annotations

import json
from pathlib import Path

from ingest.catalog import catalog_date, catalog_title, readable_name, title_for
from ingest.loaders import load_document
from ingest.pipeline import ingest
from tests.conftest import FakeEmbedder
from tests.ingest.pdf_factory import make_book
from vectorstore.store import Store


def test_readable_name_drops_machine_tokens():
    assert readable_name(Path("jaarverslag_2023.pdf")) == "Jaarverslag 2023"
    assert readable_name(Path("regio-deal-twente.docx")) == "Regio deal twente"
    assert readable_name(Path("000_fe49dfaff4660971.txt")) is None
    assert readable_name(Path("3f2a9c1e-77b0-4d1e-9a43-0c2f5e6b7a81.pdf")) is None
    assert title_for(Path("000_fe49dfaff4660971.txt"), None) == "000_fe49dfaff4660971.txt"  # nothing better known


def test_file_named_by_a_hash_is_titled_by_its_first_heading(tmp_path):
    path = tmp_path / "5cdf79aa927f76dd.txt"
    path.write_text("Regio Deal Twente\n\nDe regio krijgt dertig miljoen euro van het Rijk.\n", encoding="utf-8")
    assert load_document(path).title == "Regio Deal Twente"
    named = tmp_path / "regiodeal.txt"
    named.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_document(named).title is None  # a readable file name is title enough
    assert title_for(named, None) == "Regiodeal"


def test_pdf_metadata_title_that_is_a_file_name_is_ignored(tmp_path):
    path = tmp_path / "verslag.pdf"
    path.write_bytes(make_book(["Tekst van het verslag over de regio."], title="Microsoft Word - verslag_v3.docx"))
    assert load_document(path).title is None


def test_catalogue_entries_may_carry_a_date(tmp_path):
    (tmp_path / "_titles.json").write_text(json.dumps({
        "a.txt": "Alleen een titel",
        "b.txt": {"title": "Titel met datum", "date": "2023-06-01"},
        "c.txt": {"date": "2021"},
    }), encoding="utf-8")
    assert (catalog_title(tmp_path / "a.txt"), catalog_date(tmp_path / "a.txt")) == ("Alleen een titel", None)
    assert (catalog_title(tmp_path / "b.txt"), catalog_date(tmp_path / "b.txt")) == ("Titel met datum", "2023-06-01")
    assert (catalog_title(tmp_path / "c.txt"), catalog_date(tmp_path / "c.txt")) == (None, "2021")


def test_dates_reach_the_index_from_the_catalogue_and_from_metadata(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "deal.txt").write_text("De regio krijgt dertig miljoen euro van het Rijk voor de Regio Deal.\n",
                                   encoding="utf-8")
    (docs / "plan.html").write_text('<html><head><meta name="DC.date" content="2022-11-15"></head><body>'
                                    "<p>Het plan loopt tot 2030 en richt zich op innovatie.</p></body></html>",
                                    encoding="utf-8")
    catalogue = docs / "_titles.json"
    catalogue.write_text(json.dumps({"deal.txt": {"title": "Regio Deal", "date": "2023"}}), encoding="utf-8")
    ingest([docs], settings, FakeEmbedder())
    chunks = list(Store(settings, FakeEmbedder.name).chunks.values())
    assert {(c.source, c.title, c.date) for c in chunks} == {("deal.txt", "Regio Deal", "2023"),
                                                             ("plan.html", "Plan", "2022-11-15")}
    # a corrected date in the catalogue relabels the chunks without reading the file again
    catalogue.write_text(json.dumps({"deal.txt": {"title": "Regio Deal", "date": "2023-05-12"}}), encoding="utf-8")
    report = ingest([docs], settings, FakeEmbedder())
    assert report.updated == ["deal.txt"] and report.embedded == 0
    assert {c.date for c in Store(settings, FakeEmbedder.name).chunks.values() if c.source == "deal.txt"} == {"2023-05-12"}
