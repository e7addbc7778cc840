"""The ingestion pipeline end to end: files in, a committed generation out.

Mechanics (incremental runs, kills, locks, bad files) use the deterministic
FakeEmbedder so they run in seconds; the chunk texts, the BM25 index and Chroma are
the real ones. Every corpus is a writable copy in tmp_path.
"""
from __future__ import annotations

import json
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from filelock import FileLock

from common.config import CORPUS_DIR, Settings
from common.units import split_units
from ingest.pipeline import IngestBusy, Report, ingest
from tests.conftest import FakeEmbedder, truncate
from tests.ingest.pdf_factory import make_pdf, write_pdf
from vectorstore.chroma import source_key
from vectorstore.manifest import Manifest
from vectorstore.store import Store, generation_dir, open_chroma

FLYER, WEB, PLAN, SPRONG, DEAL = ("000_fe49dfaff4660971.txt", "001_60c437f29afb3022.txt", "002_cd5bdc3b9f6d6f78.txt",
                                  "003_58a758f50fc0fe01.txt", "004_5cdf79aa927f76dd.txt")
CORPUS = [FLYER, WEB, PLAN, SPRONG, DEAL]
EMBEDDER = FakeEmbedder.name


# --- helpers -------------------------------------------------------------------------------

def run(paths, settings, embedder: FakeEmbedder | None = None, **kwargs) -> Report:
    return ingest([Path(p) for p in (paths if isinstance(paths, list) else [paths])], settings,
                  embedder or FakeEmbedder(), **kwargs)


def store(settings) -> Store:
    return Store(settings, EMBEDDER)


def qvec(text: str):
    return FakeEmbedder().embed_query(text)


def generation(settings) -> int:
    return Manifest.load(settings.store_dir).generation


def chroma_ids(settings) -> set[str]:
    return open_chroma(settings, EMBEDDER).ids()


def chroma_metadata(settings, cid: str) -> dict:
    return open_chroma(settings, EMBEDDER)._collection.get(ids=[cid], include=["metadatas"])["metadatas"][0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """The bundled corpus ingested once (read-only tests share it)."""
    settings = Settings(store_dir=tmp_path_factory.mktemp("corpus-store") / "store", lock_timeout=1.0)
    report = run(CORPUS_DIR, settings)
    assert report.exit_code == 0, report.summary()
    return store(settings)


# --- first run, unchanged re-run -------------------------------------------------------------

def test_first_ingest_builds_a_complete_searchable_index(corpus_copy, settings):
    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert sorted(report.added) == CORPUS
    assert (report.updated, report.unchanged, report.removed, report.failed) == ([], [], [], [])
    assert report.exit_code == 0 and report.changed
    assert report.chunks > 0 and report.embedded == report.chunks
    assert report.sentences_embedded > report.chunks, "every sentence of every chunk is embedded too"
    assert embedder.embedded == report.embedded + report.sentences_embedded
    manifest = Manifest.load(settings.store_dir)
    assert (settings.store_dir / "manifest.json").is_file()
    assert manifest.generation == 1 and manifest.embedder == EMBEDDER and sorted(manifest.files) == CORPUS
    gen = generation_dir(settings.store_dir, manifest.generation)
    assert (gen / "chunks.json").is_file() and (gen / "bm25" / "ids.txt").is_file()
    assert (gen / "units.npy").is_file() and (gen / "units.json").is_file()
    assert "toegevoegd / added: 5" in report.summary() and "mislukt / failed: 0" in report.summary()

    st = store(settings)
    assert len(st.chunks) == report.chunks and not st.empty
    assert len(st.units) >= report.sentences_embedded  # a sentence that is a whole chunk was embedded once
    for cid, chunk in st.chunks.items():  # one vector per answer unit, in the order the answerer cuts them
        assert st.units.get(cid).shape == (len(split_units(chunk.text, chunk.section)), embedder.dim)
    assert chroma_ids(settings) == set(st.chunks)
    assert {c.source for c in st.chunks.values()} == set(CORPUS)
    dense = st.dense(qvec("Hoeveel inwoners heeft Twente?"), 5)
    assert len(dense) == 5 and all(cid in st.chunks for cid, _ in dense)
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    sparse = st.sparse("inwoners gemeenten", 5)
    assert sparse and all(cid in st.chunks for cid, _ in sparse)
    assert any("634.000 inwoners" in st.chunks[cid].text for cid, _ in sparse[:3])


def test_reingest_unchanged_embeds_nothing_and_keeps_the_generation(corpus_copy, settings):
    run(corpus_copy, settings)
    manifest_before = (settings.store_dir / "manifest.json").read_bytes()
    chunks_before = store(settings).chunks

    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert sorted(report.unchanged) == CORPUS
    assert (report.added, report.updated, report.removed, report.failed) == ([], [], [], [])
    assert not report.changed and report.exit_code == 0
    assert embedder.embedded == 0 and embedder.calls == 0 and report.embedded == 0
    assert report.chunks == len(chunks_before)
    assert generation(settings) == 1
    assert (settings.store_dir / "manifest.json").read_bytes() == manifest_before
    assert not generation_dir(settings.store_dir, 2).exists()
    assert store(settings).chunks == chunks_before


def test_files_read_by_an_older_reader_are_read_again_without_embedding(corpus_copy, settings, monkeypatch):
    # a reader fix must reach files that did not change; their text vectors stay cached
    import ingest.pipeline as pipeline

    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    monkeypatch.setattr(pipeline, "READER_VERSION", "a-newer-reader")
    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert sorted(report.updated) == CORPUS and report.unchanged == []
    assert embedder.embedded == 0
    assert {e.reader for e in Manifest.load(settings.store_dir).files.values()} == {"a-newer-reader"}
    assert store(settings).chunks.keys() == chunks_before.keys()
    assert sorted(run(corpus_copy, settings).unchanged) == CORPUS


# --- incremental changes ---------------------------------------------------------------------

def test_modified_file_is_updated_and_only_changed_chunks_are_embedded(corpus_copy, settings):
    run(corpus_copy, settings)
    before = store(settings).chunks
    old_deal_ids = {cid for cid, c in before.items() if c.source == DEAL}

    edit(corpus_copy / DEAL, "Dit is een Regio Deal uit de 4e tranche.", "Dit is een Regio Deal uit de vijfde tranche.")
    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert report.updated == [DEAL]
    assert sorted(report.unchanged) == sorted(set(CORPUS) - {DEAL})
    assert (report.added, report.removed, report.failed) == ([], [], [])
    after = store(settings).chunks
    new_texts = {c.index_text for c in after.values()} - {c.index_text for c in before.values()}
    assert new_texts, "the edit must change at least one chunk"
    assert report.embedded == len(new_texts)
    new_sentences = {u.text for c in after.values() for u in split_units(c.text, c.section)} - {
        u.text for c in before.values() for u in split_units(c.text, c.section)}
    assert report.sentences_embedded == len(new_sentences) == 1, "only the edited sentence"
    assert embedder.embedded == report.embedded + report.sentences_embedded
    assert len(new_texts) < len(old_deal_ids), "only the edited chunk, not the whole file, is re-embedded"
    assert any("vijfde tranche" in c.text for c in after.values())
    assert not any("4e tranche" in c.text for c in after.values())

    gone = old_deal_ids - set(after)
    assert gone, "the chunk holding the old sentence must be replaced"
    ids_in_chroma = chroma_ids(settings)
    assert not gone & ids_in_chroma
    assert ids_in_chroma == set(after), "no stale and no missing vectors"
    assert generation(settings) == 2
    # chunks of the other files are untouched
    assert {cid for cid, c in before.items() if c.source != DEAL} <= set(after)


def test_deleted_file_is_removed_with_its_chunks(corpus_copy, settings):
    run(corpus_copy, settings)
    before = store(settings).chunks
    only_deal = {cid for cid, c in before.items() if c.sources == [DEAL]}
    assert only_deal

    (corpus_copy / DEAL).unlink()
    report = run(corpus_copy, settings)

    assert report.removed == [DEAL] and report.exit_code == 0
    assert sorted(report.unchanged) == sorted(set(CORPUS) - {DEAL})
    st = store(settings)
    assert DEAL not in st.manifest.files
    assert not only_deal & set(st.chunks)
    assert not only_deal & chroma_ids(settings)
    assert not any(DEAL in c.sources for c in st.chunks.values())
    assert st.sparse("Regio Deal tranche", 5, sources=[DEAL]) == []
    assert st.dense(qvec("Regio Deal tranche"), 5, sources=[DEAL]) == []
    assert all(st.chunks[cid].source != DEAL for cid, _ in st.sparse("Regio Deal 4e tranche", 10))


def test_reset_rebuilds_from_scratch(corpus_copy, settings):
    run(corpus_copy, settings)
    ids_before = set(store(settings).chunks)
    # leftovers a rebuild must clear: a stray vector and an old generation folder
    chroma = open_chroma(settings, EMBEDDER)
    chroma.upsert(["stray-vector"], qvec("verdwaald")[None, :], ["verdwaald"], [{"source": "weg.txt"}])
    edit(corpus_copy / DEAL, "Dit is een Regio Deal uit de 4e tranche.", "Dit is een Regio Deal uit de vijfde tranche.")
    run(corpus_copy, settings)
    assert generation(settings) == 2
    ids_now = set(store(settings).chunks)
    assert ids_now != ids_before

    report = run(corpus_copy, settings, reset=True)

    assert sorted(report.added) == CORPUS and report.exit_code == 0
    assert (report.updated, report.unchanged, report.removed) == ([], [], [])
    st = store(settings)
    assert len(st.chunks) == report.chunks
    assert chroma_ids(settings) == set(st.chunks), "a reset leaves no stale vectors behind"
    assert set(st.chunks) == ids_now  # the same corpus gives the same chunks
    # the new generation, plus the one before it that a reader may still be loading
    assert sorted(p.name for p in settings.store_dir.glob("gen-*")) == [
        generation_dir(settings.store_dir, st.manifest.generation - 1).name,
        generation_dir(settings.store_dir, st.manifest.generation).name]
    assert st.sparse("vijfde tranche", 3) and st.dense(qvec("vijfde tranche"), 3)


# --- duplicates -------------------------------------------------------------------------------

def test_overlapping_documents_share_chunks_with_both_sources(corpus_store):
    st = corpus_store
    shared = [c for c in st.chunks.values() if set(c.sources) == {WEB, PLAN}]
    assert shared, "001 (web summary) repeats much of 002 (the plan): some chunks must name both"
    assert all(c.source == WEB for c in shared)  # the earlier document keeps the chunk
    texts = [c.text for c in st.chunks.values()]
    assert len(texts) == len(set(texts))
    # the source filters see both documents for a shared chunk
    chunk = shared[0]
    meta = chroma_metadata(st.settings, chunk.id)
    assert meta[source_key(WEB)] is True and meta[source_key(PLAN)] is True
    for source in (WEB, PLAN):
        assert chunk.id in [cid for cid, _ in st.dense(qvec(chunk.index_text), 10, sources=[source])]
        assert chunk.id in [cid for cid, _ in st.sparse(chunk.text, 10, sources=[source])]
    assert chunk.id not in [cid for cid, _ in st.dense(qvec(chunk.index_text), 10, sources=[DEAL])]


def test_source_filter_follows_a_chunk_that_loses_a_source(tmp_path, settings):
    """b.md first repeats a.txt's paragraph, then stops doing so: the shared chunk
    keeps only a.txt as source, and filtering on b.md must no longer find it."""
    shared = ("De Twente Board werkt samen met de veertien Twentse gemeenten, de provincie Overijssel, "
              "de Universiteit Twente, Saxion Hogeschool en het ROC van Twente aan een sterke regionale "
              "economie. Samen investeren zij in techniek, talent en een goed vestigingsklimaat, zodat "
              "bedrijven en inwoners in de regio blijven en nieuwe bedrijven zich hier graag vestigen.")
    own = ("Het vervoersplan beschrijft de snelfietsroute F35 tussen Enschede, Hengelo en Almelo en de "
           "verbetering van de spoorverbinding met Münster en Zwolle, met een planning tot 2030.")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(shared + "\n", encoding="utf-8")
    (docs / "b.md").write_text(f"# Vervoer\n\n## Samenwerking\n\n{shared}\n\n## Vervoersplan\n\n{own}\n", encoding="utf-8")
    run(docs, settings)
    st = store(settings)
    chunk = next(c for c in st.chunks.values() if c.source == "a.txt")
    assert chunk.sources == ["a.txt", "b.md"], "test setup: b.md must repeat a.txt's chunk"

    (docs / "b.md").write_text(f"# Vervoer\n\n## Vervoersplan\n\n{own}\n", encoding="utf-8")
    report = run(docs, settings)
    assert report.updated == ["b.md"]
    st = store(settings)
    assert st.chunks[chunk.id].sources == ["a.txt"]
    assert all("b.md" in st.chunks[cid].sources for cid, _ in st.sparse(shared, 10, sources=["b.md"]))
    hits = st.dense(qvec(chunk.index_text), 10, sources=["b.md"])
    wrong = [cid for cid, _ in hits if "b.md" not in st.chunks[cid].sources]
    assert not wrong, (f"dense search filtered on b.md returns chunk(s) {wrong} whose sources are "
                       f"{[st.chunks[c].sources for c in wrong]}; Chroma metadata: {chroma_metadata(settings, chunk.id)}")


# --- killed runs --------------------------------------------------------------------------------

def _change_plan(corpus: Path) -> None:
    """Rename the region throughout the plan: most of its chunks change."""
    edit(corpus / PLAN, "Twente", "Tukkerland")


def test_killed_run_keeps_the_previous_index_and_the_next_run_resumes(corpus_copy, settings):
    run(corpus_copy, settings)
    manifest_before = (settings.store_dir / "manifest.json").read_bytes()
    before = store(settings).chunks
    _change_plan(corpus_copy)

    killer = FakeEmbedder(fail_after_batches=1)
    with pytest.raises(KeyboardInterrupt):
        run(corpus_copy, settings, killer)
    assert killer.embedded == killer.batch_size  # one batch got through before the kill

    # the previous generation is still what readers get, and it answers
    assert (settings.store_dir / "manifest.json").read_bytes() == manifest_before
    assert generation(settings) == 1
    st = store(settings)
    assert st.chunks == before
    sparse = st.sparse("Twentse economie", 5)
    assert sparse and all(cid in before for cid, _ in sparse)
    assert st.sparse("Tukkerland", 5) == []
    dense = st.dense(qvec("Twentse economie"), 5)
    assert len(dense) == 5 and all(cid in before for cid, _ in dense)

    # the next run (the lock was released) completes and embeds only what the killed run did not cache
    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)
    assert report.updated == [PLAN] and report.exit_code == 0
    after = store(settings).chunks
    new_texts = {c.index_text for c in after.values()} - {c.index_text for c in before.values()}
    assert len(new_texts) > killer.batch_size, "test setup: the change must need more than one batch"
    assert report.embedded == len(new_texts) - killer.batch_size
    assert embedder.embedded == report.embedded + report.sentences_embedded
    assert generation(settings) == 2
    assert chroma_ids(settings) == set(after)
    assert store(settings).sparse("Tukkerland", 3)


def test_killed_reset_run_keeps_the_previous_index(corpus_copy, settings):
    """The docstring's promise (at every moment the previous or the new index is
    complete) must hold for --reset too."""
    run(corpus_copy, settings)
    before = store(settings)
    chunks_before = before.chunks
    dense_before = before.dense(qvec("Twentse economie"), 5)
    _change_plan(corpus_copy)

    with pytest.raises(KeyboardInterrupt):
        run(corpus_copy, settings, FakeEmbedder(fail_after_batches=1), reset=True)

    assert generation(settings) == 1
    st = store(settings)
    assert st.chunks == chunks_before
    assert st.sparse("Twentse economie", 5)
    assert st.dense(qvec("Twentse economie"), 5) == dense_before, (
        f"after a killed --reset run the committed generation has {len(st.chunks)} chunks but Chroma holds "
        f"{open_chroma(settings, EMBEDDER).count()} vectors")


def _kill_before_commit(corpus: Path, settings, monkeypatch, reset: bool = False) -> None:
    """Run an ingestion of a changed corpus that dies after the vectors are upserted,
    while the new generation folder is being written (before the manifest commit)."""
    import ingest.pipeline as pipeline

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("simulated kill while writing the new generation")

    _change_plan(corpus)
    with monkeypatch.context() as m:
        m.setattr(pipeline.Bm25Index, "build", killed)
        with pytest.raises(KeyboardInterrupt):
            run(corpus, settings, reset=reset)


def test_incremental_run_killed_before_its_commit_keeps_the_previous_index(corpus_copy, settings, monkeypatch):
    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    _kill_before_commit(corpus_copy, settings, monkeypatch)

    st = store(settings)
    assert generation(settings) == 1 and st.chunks == chunks_before
    assert st.sparse("Twentse economie", 5) and st.sparse("Tukkerland", 5) == []
    assert all(cid in chunks_before for cid, _ in st.dense(qvec("Twentse economie"), 5))
    report = run(corpus_copy, settings)
    assert report.updated == [PLAN] and report.embedded == 0  # all vectors were cached before the kill
    assert generation(settings) == 2
    assert chroma_ids(settings) == set(store(settings).chunks)


def test_reset_killed_before_its_commit_keeps_the_previous_index(corpus_copy, settings, monkeypatch):
    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    _kill_before_commit(corpus_copy, settings, monkeypatch, reset=True)

    assert generation(settings) == 1
    gen = generation_dir(settings.store_dir, 1)
    assert (gen / "chunks.json").is_file(), (
        f"the committed generation folder {gen.name} was deleted by the --reset run before its commit")
    assert store(settings).chunks == chunks_before


def test_dense_search_returns_k_hits_while_uncommitted_vectors_are_in_chroma(corpus_copy, settings, monkeypatch):
    """Between the upsert and the commit (a running or killed ingestion) Chroma holds
    vectors the committed generation does not know. Readers drop them, but must still
    get k hits from a generation holding more than k chunks."""
    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    _kill_before_commit(corpus_copy, settings, monkeypatch)

    st = store(settings)
    assert len(st.chunks) > 5
    uncommitted = chroma_ids(settings) - set(st.chunks)
    assert uncommitted, "test setup: the killed run upserted new vectors"
    dense = st.dense(qvec("Twentse economie"), 5)
    assert all(cid in chunks_before for cid, _ in dense)
    assert len(dense) == 5, (f"asked for 5 dense hits from {len(st.chunks)} committed chunks, got {len(dense)}: "
                             f"{len(uncommitted)} uncommitted vectors took the other places and were filtered out")


# --- bad inputs -------------------------------------------------------------------------------------

GOOD_PAGES = ["Jaarverslag 2023\nDe gemeente heeft € 25 miljoen geïnvesteerd in nieuwe fietspaden in Twente.",
              "Samenwerking\nDe Duitse partnerstad Münster levert kennis over fietsbeleid en verkeersveiligheid."]

BAD_FILES = {
    # file name: (content builder, Dutch fragment of the reason)
    "leeg.txt": (lambda: b"", "leeg"),
    "ruis.pdf": (lambda: random.Random(42).randbytes(4096), "geen geldig pdf"),
    "half.pdf": (lambda: (d := make_pdf(GOOD_PAGES))[: len(d) // 2], "beschadigd"),
    "geheim.pdf": (lambda: make_pdf(["Geheime tekst"], owner_password="eigenaar", user_password="gebruiker"),
                   "wachtwoord"),
    "scan.pdf": (lambda: make_pdf([None, None]), "gescande pdf zonder tekstlaag"),
    "brief.odt": (lambda: b"PK\x03\x04 zip", "onbekend bestandstype '.odt'"),
    "menu.txt": (lambda: "Koffie in het café kost € 3".encode("latin-1", errors="replace"), "geen utf-8-tekst"),
    "binair.txt": (lambda: b"tekst\x00\x00\x01\x02meer", "nul-bytes"),
}


def test_bad_files_fail_with_a_dutch_reason_and_good_files_are_ingested(corpus_copy, settings):
    for name, (build, _) in BAD_FILES.items():
        (corpus_copy / name).write_bytes(build())
    write_pdf(corpus_copy / "goed.pdf", GOOD_PAGES)

    report = run(corpus_copy, settings)

    assert sorted(report.added) == sorted(CORPUS + ["goed.pdf"])
    failed = dict(report.failed)
    assert sorted(failed) == sorted(BAD_FILES), report.summary()
    for name, (_, fragment) in BAD_FILES.items():
        reason = failed[name]
        assert fragment in reason.lower(), f"{name}: {reason}"
        assert "(" in reason and reason.endswith(")"), f"{name}: Dutch reason first, English in brackets: {reason}"
        assert f"  - {name}: {reason}" in report.summary()
    assert report.exit_code == 3
    assert "mislukt / failed: 8" in report.summary()
    st = store(settings)
    assert sorted(st.manifest.files) == sorted(CORPUS + ["goed.pdf"])
    assert {s for c in st.chunks.values() for s in c.sources} == set(CORPUS + ["goed.pdf"])
    assert any("25 miljoen" in c.text for c in st.chunks.values())


def test_file_that_fails_on_reingest_keeps_its_previous_chunks(corpus_copy, settings):
    run(corpus_copy, settings)
    before = store(settings)
    deal_chunks = {cid: c for cid, c in before.chunks.items() if c.source == DEAL}

    (corpus_copy / DEAL).write_bytes(b"Twente\x00\x00 kapot")
    report = run(corpus_copy, settings)

    assert [name for name, _ in report.failed] == [DEAL] and "NUL" in report.failed[0][1]
    assert report.exit_code == 3
    assert DEAL not in report.removed + report.updated + report.unchanged
    st = store(settings)
    assert DEAL in st.manifest.files
    assert {cid: c for cid, c in st.chunks.items() if c.source == DEAL} == deal_chunks
    assert set(deal_chunks) <= chroma_ids(settings)
    hits = st.sparse("634.000 inwoners", 3)
    assert hits and st.chunks[hits[0][0]].source == DEAL

    # other changes in the same run still go through, and the broken file keeps its chunks
    edit(corpus_copy / SPRONG, "Twente", "Tukkerland")
    report = run(corpus_copy, settings)
    assert report.updated == [SPRONG] and [n for n, _ in report.failed] == [DEAL]
    st = store(settings)
    assert {cid: c for cid, c in st.chunks.items() if c.source == DEAL} == deal_chunks


def test_duplicate_file_names_in_subfolders(corpus_copy, settings):
    (corpus_copy / "sub").mkdir()
    shutil.copy(corpus_copy / DEAL, corpus_copy / "sub" / DEAL)
    report = run(corpus_copy, settings)
    assert sorted(report.added) == CORPUS
    assert len(report.failed) == 1 and "dezelfde bestandsnaam" in report.failed[0][1]
    assert report.exit_code == 3


def test_missing_path_is_reported_next_to_good_files(corpus_copy, settings, tmp_path):
    report = run([corpus_copy, tmp_path / "bestaat-niet.pdf"], settings)
    assert sorted(report.added) == CORPUS
    assert report.failed == [(str(tmp_path / "bestaat-niet.pdf"), "bestaat niet (does not exist)")]
    assert report.exit_code == 3


# --- concurrency --------------------------------------------------------------------------------------

def test_second_ingest_while_the_lock_is_held_raises_ingest_busy(corpus_copy, settings):
    run(corpus_copy, settings)
    manifest_before = (settings.store_dir / "manifest.json").read_bytes()
    chunks_before = store(settings).chunks
    files_before = sorted(p.name for p in settings.store_dir.iterdir())
    edit(corpus_copy / DEAL, "Dit is een Regio Deal uit de 4e tranche.", "Dit is een Regio Deal uit de vijfde tranche.")

    impatient = replace(settings, lock_timeout=0.5)
    embedder = FakeEmbedder()
    with FileLock(str(settings.store_dir / ".ingest.lock")):
        with pytest.raises(IngestBusy) as info:
            run(corpus_copy, impatient, embedder)

    message = str(info.value)
    assert str(settings.store_dir) in message
    assert "andere ingestie" in message and "another ingestion" in message
    assert embedder.calls == 0
    assert (settings.store_dir / "manifest.json").read_bytes() == manifest_before
    assert store(settings).chunks == chunks_before
    assert sorted(p.name for p in settings.store_dir.iterdir()) == files_before
    # once the lock is free the same run goes through
    assert run(corpus_copy, impatient).updated == [DEAL]


def test_busy_message_states_how_long_it_waited(settings):
    settings.store_dir.mkdir(parents=True)
    with FileLock(str(settings.store_dir / ".ingest.lock")):
        with pytest.raises(IngestBusy) as info:
            run([], replace(settings, lock_timeout=0.5))
    assert "0.5 s" in str(info.value) or "0,5 s" in str(info.value), (
        f"lock_timeout=0.5 but the message says: {info.value}")


# --- structure: pages, sections, the real plan ----------------------------------------------------------

LONG_PAGES = [
    "De gemeente Enschede investeert dit jaar in nieuwe fietspaden langs de Hengelosestraat en de "
    "Haaksbergerstraat. Het project kost ongeveer twee miljoen euro en loopt tot het einde van het jaar. "
    "Bewoners worden via informatieavonden in de wijkcentra betrokken bij het ontwerp van de kruispunten. "
    "Daarnaast komen er extra verlichting en brede oversteekplaatsen bij scholen, zodat kinderen veilig "
    "naar school kunnen fietsen. De gemeenteraad stemde vorige maand unaniem in met het plan. Volgens de "
    "wethouder is dit de grootste investering in fietsinfrastructuur sinds de aanleg van de F35.",
    "In Hengelo opent volgend voorjaar een nieuw innovatiecentrum voor de maakindustrie op het terrein "
    "van het voormalige Stork-complex. Bedrijven kunnen daar samen met studenten van de Saxion "
    "Hogeschool en de Universiteit Twente prototypes bouwen en testen. Het centrum wordt gefinancierd "
    "door de provincie Overijssel, de gemeente en een groep regionale ondernemers. Er is ruimte voor "
    "twintig startende bedrijven en een gedeelde werkplaats met moderne machines. De initiatiefnemers "
    "verwachten dat er binnen vijf jaar honderd nieuwe banen ontstaan in de technische sector.",
    "Almelo werkt aan een warmtenet voor de binnenstad dat gebruikmaakt van restwarmte uit de industrie. "
    "Straks verwarmt dit net ruim duizend woningen en enkele grote gebouwen, waaronder het stadhuis en "
    "het theater. De eerste aansluitingen staan gepland voor het najaar, de rest volgt in twee jaar. "
    "Huurders van de woningcorporatie betalen niet meer dan bij een gasaansluiting. Het project past in "
    "de regionale energiestrategie, die de uitstoot van broeikasgassen in de komende tien jaar sterk wil "
    "verminderen. Inwoners kunnen zich via de website van de gemeente aanmelden voor meer informatie.",
]
PAGE_MARKERS = ["Hengelosestraat", "Stork-complex", "warmtenet"]

SHORT_PAGES = [
    "De gemeente Enschede investeert dit jaar in nieuwe fietspaden langs de Hengelosestraat. Het project "
    "kost ongeveer twee miljoen euro.",
    "In Hengelo opent een nieuw innovatiecentrum voor de maakindustrie op het Stork-complex. Bedrijven "
    "bouwen daar prototypes met studenten.",
    "Almelo werkt aan een warmtenet voor de binnenstad. Restwarmte van de industrie verwarmt straks ruim "
    "duizend woningen.",
]


def _page_of(st: Store, marker: str) -> list[int | None]:
    return [c.page for c in st.chunks.values() if marker in c.text]


HEADED_PAGES = [f"{number} {heading}\n{text}" for number, heading, text in
                zip((1, 2, 3), ("Fietspaden", "Innovatie", "Warmte"), LONG_PAGES)]


def test_pdf_chunks_carry_page_numbers(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "nieuws.pdf", HEADED_PAGES, title="Regionieuws")
    report = run(docs, settings)
    assert report.added == ["nieuws.pdf"] and report.exit_code == 0
    st = store(settings)
    assert sorted(c.page for c in st.chunks.values()) == [1, 2, 3]
    for page, marker in enumerate(PAGE_MARKERS, start=1):
        assert _page_of(st, marker) == [page], marker
    assert all(c.title == "Regionieuws" and c.source == "nieuws.pdf" for c in st.chunks.values())
    # the page travels into Chroma's metadata as well
    for cid, c in st.chunks.items():
        assert chroma_metadata(settings, cid)["page"] == c.page


@pytest.mark.parametrize("pages", [LONG_PAGES, SHORT_PAGES], ids=["prose-pages-85-words", "slides-2-sentences"])
def test_pdf_pages_without_headings_are_cited_with_their_own_page(tmp_path, settings, pages):
    """A report page of ~85 words, or a slide: text from page 2 or 3 must not be
    cited as page 1 (a chunk has one page number)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "dia.pdf", pages)
    run(docs, settings)
    st = store(settings)
    found = {marker: _page_of(st, marker) for marker in PAGE_MARKERS}
    assert found == {marker: [page] for page, marker in enumerate(PAGE_MARKERS, start=1)}, (
        f"chunk pages per page marker: {found}; chunks: {[(c.page, c.text[:70] + '...') for c in st.chunks.values()]}")


def test_markdown_chunks_carry_their_heading_as_section(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fiets.md").write_text(
        "# Fietsbeleid Twente\n\nInleiding over het fietsbeleid van de regio Twente en de plannen voor de komende "
        "jaren.\n\n## Snelfietspaden\n\nDe F35 verbindt Enschede, Hengelo en Almelo met een snelle fietsroute "
        "voor forenzen en scholieren.\n\n## Stallingen\n\nBij alle stations komen extra bewaakte "
        "fietsenstallingen met laadpunten voor e-bikes.\n", encoding="utf-8")
    run(docs, settings)
    st = store(settings)
    by_marker = {m: [c.section for c in st.chunks.values() if m in c.text] for m in ("Inleiding", "F35", "laadpunten")}
    assert by_marker == {"Inleiding": ["Fietsbeleid Twente"], "F35": ["Snelfietspaden"], "laadpunten": ["Stallingen"]}
    assert {c.title for c in st.chunks.values()} == {"Fietsbeleid Twente"}
    hits = st.sparse("snelfietspaden", 3)
    assert hits and st.chunks[hits[0][0]].section == "Snelfietspaden"  # the heading is searchable


GOAL = "Het doel is het bevorderen van de ontwikkeling van de Twentse economie."


def test_plan_goal_sentence_is_intact_in_one_chunk_of_section_3_1(corpus_store):
    holders = [c for c in corpus_store.chunks.values() if GOAL in c.text]
    assert len(holders) == 1, [c.text for c in holders]
    assert holders[0].section.startswith("3.1"), holders[0].section
    assert PLAN in holders[0].sources


def test_plan_actielijnen_stay_with_their_lead_in(corpus_store):
    bullets = ["Techniek als motor:", "Arbeidsmarkt & Talent:", "Bereikbaarheid & Vestigingsklimaat:",
               "Circulaire economie & Duurzaamheid:"]
    holders = [c for c in corpus_store.chunks.values() if "• Techniek als motor:" in c.text]
    assert len(holders) == 1
    lines = holders[0].text.split("\n")
    lead = next(i for i, line in enumerate(lines) if line.endswith("actielijnen:"))
    assert "centrale actielijnen:" in lines[lead]
    assert [line.split(":")[0] + ":" for line in lines[lead + 1 : lead + 5]] == [f"• {b}" for b in bullets]
    assert holders[0].section.startswith("3.2")


# --- moved corpus -----------------------------------------------------------------------------------------

def test_moved_corpus_is_not_removed_by_a_later_single_file_run(corpus_copy, settings, tmp_path):
    """Move the corpus folder, re-ingest it (all unchanged), then add one more file on
    its own: the moved documents are still on disk and must stay in the index."""
    run(corpus_copy, settings)
    moved = tmp_path / "verplaatst"
    corpus_copy.rename(moved)
    report = run(moved, settings)
    assert sorted(report.unchanged) == CORPUS

    extra = tmp_path / "los"
    extra.mkdir()
    (extra / "nieuw.txt").write_text("De haven van Almelo breidt uit met een nieuwe kade voor containers en "
                                     "bulkgoed, zodat meer vervoer over water kan.", encoding="utf-8")
    report = run(extra / "nieuw.txt", settings)
    assert report.added == ["nieuw.txt"]
    assert report.removed == [], (f"documents still present in {moved} were removed: {report.removed}; "
                                  f"manifest paths: {[e.path for e in Manifest.load(settings.store_dir).files.values()]}")
    assert sorted(store(settings).manifest.files) == sorted(CORPUS + ["nieuw.txt"])


# --- progress ---------------------------------------------------------------------------------------------

def test_progress_reports_each_stage_to_completion(corpus_copy, settings):
    events: list[tuple[str, int, int]] = []
    report = run(corpus_copy, settings, progress=lambda *e: events.append(e))
    last = {}
    for stage, done, total in events:
        assert 0 <= done <= total
        last[stage] = (done, total)
    assert last["lezen"] == (5, 5)
    sentences = sum(len(split_units(c.text, c.section)) for c in store(settings).chunks.values())
    assert last["embedden"] == (report.chunks + sentences, report.chunks + sentences)
    assert last["opslaan"] == (1, 1)
    assert json.loads((generation_dir(settings.store_dir, 1) / "chunks.json").read_text(encoding="utf-8"))


# --- inputs around the corpus: the title catalogue, the store folder ----------------------------------------

def test_title_catalogue_change_reaches_the_index(corpus_copy, settings):
    """_titles.json names the documents; fixing a title there and re-ingesting must
    show the new title (the document files themselves did not change)."""
    run(corpus_copy, settings)
    catalog = corpus_copy / "_titles.json"
    titles = json.loads(catalog.read_text(encoding="utf-8"))
    titles[DEAL] = "Regio Deal Twente — vierde tranche (gecorrigeerd)"
    catalog.write_text(json.dumps(titles, ensure_ascii=False), encoding="utf-8")

    report = run(corpus_copy, settings)
    st = store(settings)
    shown = {c.title for c in st.chunks.values() if c.source == DEAL}
    assert shown == {titles[DEAL]}, f"report: {report.summary()}"
    assert st.manifest.files[DEAL].title == titles[DEAL]


def test_store_inside_the_ingested_folder_is_not_ingested(tmp_path):
    """`python -m ingest data` with the default store data/store: the index's own files
    (manifest, chunks.json, bm25/ids.txt, Chroma and the cache) are not documents."""
    data = tmp_path / "data"
    shutil.copytree(CORPUS_DIR, data / "corpus")
    settings = Settings(store_dir=data / "store", lock_timeout=1.0)

    first = run(data, settings)
    second = run(data, settings)

    for report in (first, second):
        assert report.failed == [], report.summary()
        assert report.exit_code == 0
    assert sorted(store(settings).manifest.files) == CORPUS
    assert sorted(second.unchanged) == CORPUS and not second.changed


# --- merging never loses a fact -------------------------------------------------------------------------

SHARED_NOTICE = ("De bibliotheek aan de Oude Markt in Enschede is op werkdagen geopend voor leden en bezoekers. "
                 "Op vrijdag sluit de bibliotheek om 16.00 uur, zodat het personeel de collectie kan bijwerken. "
                 "Boeken inleveren kan ook via de inleverbus naast de hoofdingang, die dag en nacht bereikbaar is.")


@pytest.mark.parametrize("edited", ["a-gemeente.txt", "b-nieuwsbrief.txt"])
def test_an_edited_figure_in_a_shared_paragraph_reaches_the_index(tmp_path, settings, edited):
    """Two documents share a paragraph; one is edited (16.00 -> 20.00) and re-ingested.
    The index must hold the new figure with the edited file as its source, and the old
    figure no longer attributed to the edited file — whichever document sorts first."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-gemeente.txt").write_text("Openingstijden\n\n" + SHARED_NOTICE + "\n", encoding="utf-8")
    (docs / "b-nieuwsbrief.txt").write_text("Nieuwsbrief\n\n" + SHARED_NOTICE + "\n", encoding="utf-8")
    other = ({"a-gemeente.txt", "b-nieuwsbrief.txt"} - {edited}).pop()
    run(docs, settings)
    st = store(settings)
    holders = [c for c in st.chunks.values() if "16.00" in c.text]
    assert len(holders) == 1 and sorted(holders[0].sources) == ["a-gemeente.txt", "b-nieuwsbrief.txt"], (
        "test setup: the shared paragraph is stored once with both sources")

    edit(docs / edited, "om 16.00 uur", "om 20.00 uur")
    report = run(docs, settings)
    assert report.updated == [edited]
    st = store(settings)
    new = [c for c in st.chunks.values() if "20.00" in c.text]
    old = [c for c in st.chunks.values() if "16.00" in c.text]
    assert len(new) == 1 and new[0].sources == [edited], [(c.sources, c.text) for c in st.chunks.values()]
    assert len(old) == 1 and old[0].sources == [other]
    # both are searchable, each filtered to its own document
    for chunk, source in ((new[0], edited), (old[0], other)):
        assert chunk.id in [cid for cid, _ in st.sparse("vrijdag sluit bibliotheek", 5, sources=[source])]
        assert chunk.id in [cid for cid, _ in st.dense(qvec(chunk.text), 5, sources=[source])]
    assert not [cid for cid, _ in st.sparse("vrijdag sluit bibliotheek", 5, sources=[edited]) if cid == old[0].id]
    meta = chroma_metadata(settings, old[0].id)
    assert source_key(edited) not in meta and meta[source_key(other)] is True


# --- damage: repaired by the next run, never reported as success ----------------------------------------

def _healthy(settings) -> None:
    from vectorstore.check import check_store

    result = check_store(settings, EMBEDDER)
    assert result.ok, result.summary()


@pytest.mark.parametrize("name", ["chunks.json", "vectors.npy", "units.npy", "units.json", "bm25/ids.txt",
                                  "bm25/data.csc.index.npy", "bm25/vocab.index.json"])
@pytest.mark.parametrize("how", ["missing", "truncated"])
def test_a_damaged_generation_is_rebuilt_from_the_manifest(corpus_copy, settings, name, how):
    """The defect: with chunks.json or a BM25 file gone, `ingest` reported success
    ("chunks in index: 240") and repaired nothing."""
    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    path = generation_dir(settings.store_dir, 1) / name
    path.unlink() if how == "missing" else truncate(path)

    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert report.exit_code == 0 and not report.changed
    assert len(report.repaired) == 1 and name in report.repaired[0], report.summary()
    assert "hersteld / repaired: 1" in report.summary()
    assert embedder.calls == 0, "rebuilt from the manifest and the cache: nothing embedded"
    assert generation(settings) == 2 and store(settings).chunks == chunks_before
    _healthy(settings)


def test_a_damaged_chroma_is_set_aside_and_refilled_without_embedding(corpus_copy, settings):
    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    truncate(settings.store_dir / "chroma" / "chroma.sqlite3")

    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)

    assert report.exit_code == 0 and len(report.repaired) == 1 and "Chroma" in report.repaired[0]
    assert embedder.calls == 0
    aside = [p.name for p in settings.store_dir.iterdir() if p.name.startswith("chroma.beschadigd-")]
    assert len(aside) == 1 and aside[0] in report.repaired[0]
    assert chroma_ids(settings) == set(chunks_before) == set(store(settings).chunks)
    _healthy(settings)


def test_a_damaged_embedding_cache_is_set_aside_and_seeded_from_the_index(corpus_copy, settings):
    run(corpus_copy, settings)
    truncate(settings.store_dir / "embeddings.sqlite")

    report = run(corpus_copy, settings)  # an unchanged corpus: the cache is checked all the same
    assert report.exit_code == 0 and len(report.repaired) == 1 and "embeddingcache" in report.repaired[0]
    assert any(p.name.startswith("embeddings.sqlite.beschadigd-") for p in settings.store_dir.iterdir())
    _healthy(settings)

    before = store(settings).chunks
    edit(corpus_copy / DEAL, "Dit is een Regio Deal uit de 4e tranche.", "Dit is een Regio Deal uit de vijfde tranche.")
    embedder = FakeEmbedder()
    report = run(corpus_copy, settings, embedder)
    new_texts = {c.index_text for c in store(settings).chunks.values()} - {c.index_text for c in before.values()}
    assert report.embedded == len(new_texts) and report.sentences_embedded == 1, (
        "the rebuilt cache holds the index's vectors: only the edit is embedded")


def test_a_truncated_manifest_stops_ingest_and_reset_rebuilds(corpus_copy, settings):
    """The defect: `ingest` and `ingest --reset` both died with a traceback."""
    from vectorstore.manifest import ManifestDamaged

    run(corpus_copy, settings)
    run(corpus_copy / DEAL, settings, reset=True)  # generation 2, only one document
    truncate(settings.store_dir / "manifest.json")
    with pytest.raises(ManifestDamaged) as info:
        run(corpus_copy, settings)
    assert "--reset" in str(info.value)

    report = run(corpus_copy, settings, reset=True)
    assert report.exit_code == 0 and sorted(report.added) == CORPUS
    assert any("manifest.json" in r for r in report.repaired)
    assert generation(settings) == 3, "numbering continues after the generation folders on disk"
    assert {c.source for c in store(settings).chunks.values()} == set(CORPUS)
    _healthy(settings)


def test_reset_rebuilds_whatever_is_damaged(corpus_copy, settings):
    run(corpus_copy, settings)
    truncate(settings.store_dir / "manifest.json")
    truncate(settings.store_dir / "chroma" / "chroma.sqlite3")
    truncate(settings.store_dir / "embeddings.sqlite")
    shutil.rmtree(generation_dir(settings.store_dir, 1) / "bm25")

    report = run(corpus_copy, settings, reset=True)

    assert report.exit_code == 0 and sorted(report.added) == CORPUS and len(report.repaired) == 3
    st = store(settings)
    assert st.sparse("inwoners gemeenten", 3) and st.dense(qvec("inwoners gemeenten"), 3)
    _healthy(settings)


def test_a_commit_that_does_not_read_back_is_not_reported_as_success(corpus_copy, settings, monkeypatch):
    import ingest.pipeline as pipeline
    from vectorstore.errors import StoreDamaged

    original = pipeline.UnitVectors.save

    def lossy(directory, ids, per_chunk):  # a disk that silently loses the last sentence vectors
        original(directory, ids[:-1], per_chunk[:-1])

    monkeypatch.setattr(pipeline.UnitVectors, "save", lossy)
    with pytest.raises(StoreDamaged):
        run(corpus_copy, settings)


# --- permissions: files follow the store folder ---------------------------------------------------------

@pytest.mark.parametrize("folder_mode, file_mode", [(0o750, 0o640), (0o775, 0o664), (0o755, 0o644)])
def test_files_get_the_store_folders_permissions(corpus_copy, settings, folder_mode, file_mode):
    """The defect: index files were created 0600 whatever the store folder allowed."""
    import os
    import stat

    settings.store_dir.mkdir(parents=True)
    os.chmod(settings.store_dir, folder_mode)
    old_umask = os.umask(0o077)  # the strictest umask: permissions must come from the folder
    try:
        run(corpus_copy, settings)
        (corpus_copy / "nieuw.txt").write_text("De haven van Almelo breidt uit met een nieuwe kade.", encoding="utf-8")
        run(corpus_copy, settings)
    finally:
        os.umask(old_umask)
    wrong = {}
    for path in [settings.store_dir, *settings.store_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        want = folder_mode if path.is_dir() else file_mode
        if mode != want:
            wrong[str(path.relative_to(settings.store_dir))] = oct(mode)
    assert wrong == {}, f"want files {oct(file_mode)}, folders {oct(folder_mode)}"


# --- busy ----------------------------------------------------------------------------------------------------

def test_a_busy_store_says_so_and_waits(corpus_copy, settings):
    import threading
    import time

    settings.store_dir.mkdir(parents=True)
    heard = []
    lock = FileLock(str(settings.store_dir / ".ingest.lock"), thread_local=False)  # released by a timer thread
    lock.acquire()
    threading.Timer(1.0, lock.release).start()
    started = time.monotonic()
    report = run(corpus_copy, settings, wait=20, on_wait=heard.append)
    waited = time.monotonic() - started
    assert report.exit_code == 0 and sorted(report.added) == CORPUS
    assert len(heard) == 1 and "andere ingestie" in heard[0] and "waiting up to 20 s" in heard[0]
    assert 0.9 <= waited

    with FileLock(str(settings.store_dir / ".ingest.lock")):
        started = time.monotonic()
        with pytest.raises(IngestBusy) as info:
            run(corpus_copy, settings, wait=0.5)
        assert time.monotonic() - started >= 0.5
    from vectorstore.errors import BUSY_EXIT, exit_code

    assert exit_code(info.value) == BUSY_EXIT == 4


def test_damaged_per_file_chunks_stop_ingest_but_not_readers(corpus_copy, settings):
    """files.json is the ingestion's memory of each file's chunks: without it an
    unchanged file cannot be skipped, so ingest asks for --reset; readers do not need it."""
    from vectorstore.manifest import ManifestDamaged

    run(corpus_copy, settings)
    chunks_before = store(settings).chunks
    truncate(generation_dir(settings.store_dir, 1) / "files.json")
    assert store(settings).chunks == chunks_before
    with pytest.raises(ManifestDamaged) as info:
        run(corpus_copy, settings)
    assert "files.json" in str(info.value) and "--reset" in str(info.value)
    report = run(corpus_copy, settings, reset=True)
    assert report.exit_code == 0 and store(settings).chunks == chunks_before
    _healthy(settings)
