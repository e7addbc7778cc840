"""The read side: snapshots of committed generations, fresh without restart, never mixed,
and a damaged generation reported instead of answered from.

Real files, real Chroma, the real BM25 index; the FakeEmbedder makes vectors (the seam
under test is the store, not the model). The long-lived reader is a second process, as
the app is beside ``python -m ingest``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from common.config import CORPUS_DIR, PROJECT_DIR, Settings
from ingest.pipeline import ingest
from tests.conftest import FakeEmbedder, truncate
from vectorstore.errors import StoreDamaged
from vectorstore.manifest import Manifest, ManifestDamaged
from vectorstore.store import Snapshot, Store, generation_dir

NEW_DOC = ("Luchtvaart\n\nHet zeppelinmuseum in Twente toont een luchtschip, een ballonhangar en de geschiedenis "
           "van de ballonvaart boven Enschede sinds 1911.")
QUERY = "zeppelinmuseum luchtschip ballonhangar ballonvaart"

READER = r"""
import json, sys
sys.path.insert(0, {project!r})
from common.config import Settings
from tests.conftest import FakeEmbedder
from vectorstore.store import Store
from pathlib import Path

settings = Settings(store_dir=Path({store!r}))
store = Store(settings, FakeEmbedder.name)
print(json.dumps({{"ready": store.snapshot().generation}}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    snap = Store(settings, FakeEmbedder.name).snapshot() if cmd.get("new_store") else store.snapshot()
    vector = FakeEmbedder().embed_query(cmd["query"])
    print(json.dumps({{"generation": snap.generation, "chunks": len(snap.chunks),
                      "dense": [cid for cid, _ in snap.dense(vector, 3)],
                      "sparse": [cid for cid, _ in snap.sparse(cmd["query"], 3)],
                      "sources": {{cid: c.sources for cid, c in snap.chunks.items()}}}}), flush=True)
"""


class Reader:
    """A second Python process holding one Store for its whole life, like the app."""

    def __init__(self, store_dir: Path):
        code = READER.format(project=str(PROJECT_DIR), store=str(store_dir))
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"reader died: {self.proc.stderr.read()[-3000:]}")
        return json.loads(line)

    def ask(self, query: str, new_store: bool = False) -> dict:
        self.proc.stdin.write(json.dumps({"query": query, "new_store": new_store}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def corpus_store(corpus_copy, settings):
    report = ingest([corpus_copy], settings, FakeEmbedder())
    assert report.exit_code == 0
    return corpus_copy, settings


def ids_from(corpus_store_settings, source: str) -> set[str]:
    return {cid for cid, c in Store(corpus_store_settings, FakeEmbedder.name).chunks.items() if source in c.sources}


def test_a_long_lived_reader_sees_another_process_commit_without_restart(corpus_store):
    """The defect: after `python -m ingest` added a document, the running app listed it
    but dense search never returned its chunks (one Chroma client per path for life)."""
    corpus, settings = corpus_store
    reader = Reader(settings.store_dir)
    try:
        assert reader.ready == {"ready": 1}
        before = reader.ask(QUERY)
        assert before["generation"] == 1

        (corpus / "zeppelin.txt").write_text(NEW_DOC, encoding="utf-8")
        assert ingest([corpus], settings, FakeEmbedder()).added == ["zeppelin.txt"]
        new_ids = ids_from(settings, "zeppelin.txt")
        assert new_ids

        after = reader.ask(QUERY)  # the same Store object, the next question
        assert after["generation"] == 2 and after["chunks"] == before["chunks"] + len(new_ids)
        assert after["dense"][0] in new_ids, f"dense search of the running reader: {after['dense']}"
        assert after["sparse"][0] in new_ids
        fresh = reader.ask(QUERY, new_store=True)  # a Store opened anew in the same process (the app's reload)
        assert fresh["dense"][0] in new_ids, f"dense search of a re-opened Store: {fresh['dense']}"

        (corpus / "zeppelin.txt").unlink()
        assert ingest([corpus], settings, FakeEmbedder()).removed == ["zeppelin.txt"]
        gone = reader.ask(QUERY)
        assert gone["generation"] == 3 and not new_ids & set(gone["dense"] + gone["sparse"])
        assert not any("zeppelin.txt" in s for s in gone["sources"].values())
    finally:
        reader.close()


def test_snapshot_is_the_same_object_until_a_commit(corpus_store, monkeypatch):
    corpus, settings = corpus_store
    store = Store(settings, FakeEmbedder.name)
    first = store.snapshot()
    loads = []
    monkeypatch.setattr(Manifest, "load", classmethod(lambda cls, d: loads.append(d) or Manifest()))
    assert all(store.snapshot() is first for _ in range(100))
    assert loads == [], "an unchanged store is not read again"
    monkeypatch.undo()
    (corpus / "zeppelin.txt").write_text(NEW_DOC, encoding="utf-8")
    ingest([corpus], settings, FakeEmbedder())
    second = store.snapshot()
    assert second is not first and second.generation == 2 and store.snapshot() is second
    assert store.chunks is second.chunks and store.generation == 2  # Store's attributes follow


def test_a_snapshot_stays_whole_while_newer_generations_are_committed(corpus_store):
    corpus, settings = corpus_store
    store = Store(settings, FakeEmbedder.name)
    old = store.snapshot()
    old_dense = old.dense(FakeEmbedder().embed_query("Twentse economie"), 5)
    old_sparse = old.sparse("Twentse economie", 5)
    for i in range(3):  # three commits: the old generation's folder is deleted by now
        (corpus / f"extra-{i}.txt").write_text(NEW_DOC.replace("1911", str(1912 + i)), encoding="utf-8")
        ingest([corpus], settings, FakeEmbedder())
    assert not generation_dir(settings.store_dir, old.generation).exists()
    assert store.snapshot().generation == 4
    # the old snapshot still answers from its own generation, all parts of it
    assert old.dense(FakeEmbedder().embed_query("Twentse economie"), 5) == old_dense
    assert old.sparse("Twentse economie", 5) == old_sparse
    assert all(old.units.get(cid) is not None for cid in old.chunks)
    assert not any(c.source.startswith("extra-") for c in old.chunks.values())


def test_readers_in_threads_never_see_a_mixed_generation(corpus_store):
    corpus, settings = corpus_store
    store = Store(settings, FakeEmbedder.name)
    vector = FakeEmbedder().embed_query(QUERY)
    problems, seen, stop = [], set(), threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                snap = store.snapshot()
                hits = [cid for cid, _ in snap.dense(vector, 5)] + [cid for cid, _ in snap.sparse(QUERY, 5)]
                if not all(cid in snap.chunks and snap.units.get(cid) is not None for cid in hits):
                    problems.append((snap.generation, hits))
                has_new = any(c.source.startswith("nieuw-") for c in snap.chunks.values())
                seen.add((snap.generation, has_new))
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                problems.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            (corpus / f"nieuw-{i}.txt").write_text(NEW_DOC.replace("1911", str(1920 + i)), encoding="utf-8")
            ingest([corpus], settings, FakeEmbedder())
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert problems == []
    assert (1, False) in seen and (5, True) in seen and all(has_new == (gen > 1) for gen, has_new in seen)


def test_an_empty_or_missing_store_is_an_empty_snapshot(tmp_path):
    store = Store(Settings(store_dir=tmp_path / "nergens"), FakeEmbedder.name)
    snap = store.snapshot()
    assert isinstance(snap, Snapshot) and snap.empty and snap.generation == 0
    assert snap.dense(np.ones(FakeEmbedder.dim), 3) == [] and snap.sparse("Twente", 3) == []
    assert snap.documents() == [] and not (tmp_path / "nergens").exists(), "a reader creates nothing"


def test_document_filter_in_dense_and_sparse(corpus_store):
    _, settings = corpus_store
    snap = Store(settings, FakeEmbedder.name).snapshot()
    deal = "004_5cdf79aa927f76dd.txt"
    vector = FakeEmbedder().embed_query("Regio Deal Twente")
    for hits in (snap.dense(vector, 10, [deal]), snap.sparse("Regio Deal Twente", 10, [deal])):
        assert hits and all(deal in snap.chunks[cid].sources for cid, _ in hits)
    assert snap.dense(vector, 10, ["bestaat-niet.txt"]) == [] and snap.sparse("Regio Deal", 10, ["x.txt"]) == []
    # exact search: the filtered ranking is the unfiltered ranking restricted to the document
    everything = [cid for cid, _ in snap.dense(vector, len(snap.chunks))]
    assert [cid for cid, _ in snap.dense(vector, 5, [deal])] == [
        cid for cid in everything if deal in snap.chunks[cid].sources][:5]


# --- damage: a reader reports it, never answers from half an index ------------------------------------

GENERATION_FILES = ["chunks.json", "terms.json", "vectors.npy", "units.npy", "units.json", "bm25/ids.txt",
                    "bm25/vocab.index.json", "bm25/data.csc.index.npy", "bm25/params.index.json"]


@pytest.mark.parametrize("how", ["truncated", "missing"])
@pytest.mark.parametrize("name", GENERATION_FILES)
def test_a_damaged_generation_file_is_reported_by_name(corpus_store, name, how):
    _, settings = corpus_store
    path = generation_dir(settings.store_dir, 1) / name
    truncate(path) if how == "truncated" else path.unlink()
    with pytest.raises(StoreDamaged) as info:
        Store(settings, FakeEmbedder.name)
    message = str(info.value)
    assert name in message and "python -m ingest" in message and "store damaged" in message


def test_term_frequencies_are_counted_at_ingestion_and_read_with_the_generation(corpus_store):
    # the answerer's term weights: counted once by the writer, not by every reader at start-up
    from common.terms import document_frequencies

    _, settings = corpus_store
    snap = Store(settings, FakeEmbedder.name).snapshot()
    texts = [c.index_text for c in snap.chunks.values()]
    assert snap.terms["n"] == len(texts) > 0
    assert snap.terms["df"] == document_frequencies(texts)


def test_a_generation_without_term_frequencies_still_answers(corpus_store):
    # generations written before terms.json existed: the answerer counts the terms itself
    from assistant.core import Assistant
    from vectorstore.manifest import Manifest

    _, settings = corpus_store
    gen = generation_dir(settings.store_dir, 1)
    (gen / "terms.json").unlink()
    manifest = Manifest.load(settings.store_dir)
    del manifest.generation_files["terms.json"]
    manifest.save(settings.store_dir)
    store = Store(settings, FakeEmbedder.name)
    assert store.snapshot().terms is None
    assistant = Assistant(settings, embedder=FakeEmbedder(), store=store)
    assert assistant.term_stats(store.snapshot()).df
    assert assistant.ask("Hoeveel inwoners heeft Twente?").text


def test_a_truncated_manifest_is_reported(corpus_store):
    _, settings = corpus_store
    truncate(settings.store_dir / "manifest.json")
    with pytest.raises(ManifestDamaged) as info:
        Store(settings, FakeEmbedder.name)
    assert "manifest.json" in str(info.value) and "--reset" in str(info.value)


def test_a_running_reader_reports_damage_in_a_new_commit_and_keeps_its_snapshot(corpus_store):
    corpus, settings = corpus_store
    store = Store(settings, FakeEmbedder.name)
    old = store.snapshot()
    (corpus / "zeppelin.txt").write_text(NEW_DOC, encoding="utf-8")
    ingest([corpus], settings, FakeEmbedder())
    truncate(generation_dir(settings.store_dir, 2) / "chunks.json")
    for _ in range(2):  # the same damage is reported again, without re-reading
        with pytest.raises(StoreDamaged):
            store.snapshot()
    assert old.sparse("Twentse economie", 3), "a snapshot taken before keeps working"


@pytest.mark.parametrize("name", ["chroma/chroma.sqlite3", "embeddings.sqlite"])
def test_readers_do_not_need_chroma_or_the_cache(corpus_store, name):
    """Embedded stores are searched from the generation's own files: a damaged Chroma
    database or embedding cache is the writer's to repair, the answers stay right."""
    _, settings = corpus_store
    expected = Store(settings, FakeEmbedder.name).dense(FakeEmbedder().embed_query("inwoners Twente"), 5)
    truncate(settings.store_dir / name)
    store = Store(settings, FakeEmbedder.name)
    assert store.dense(FakeEmbedder().embed_query("inwoners Twente"), 5) == expected


def test_a_store_of_another_embedder_is_a_usage_error_not_damage(corpus_store):
    from vectorstore.errors import StoreError

    _, settings = corpus_store
    with pytest.raises(StoreError) as info:
        Store(settings, "ander-model")
    assert not isinstance(info.value, StoreDamaged) and "--reset" in str(info.value)


def test_a_store_from_before_vectors_npy_asks_for_an_upgrade(corpus_store):
    _, settings = corpus_store
    path = settings.store_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    per_file = json.loads((generation_dir(settings.store_dir, 1) / "files.json").read_text(encoding="utf-8"))
    data["format"] = 1  # as written before this change: chunks inline, no fingerprints, no vectors.npy
    data.pop("generation_files")
    for name, entry in data["files"].items():
        entry.pop("chunk_count")
        entry["chunks"] = per_file[name]
    path.write_text(json.dumps(data), encoding="utf-8")
    for name in ("vectors.npy", "files.json"):
        (generation_dir(settings.store_dir, 1) / name).unlink()
    with pytest.raises(StoreDamaged) as info:
        Store(settings, FakeEmbedder.name)
    assert "oudere versie" in str(info.value) and "python -m ingest" in str(info.value)
    report = ingest([CORPUS_DIR], settings, FakeEmbedder())  # the upgrade embeds nothing
    assert report.embedded == 0 and report.repaired
    assert not Store(settings, FakeEmbedder.name).empty


def test_reading_writes_nothing(corpus_store):
    _, settings = corpus_store
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.store_dir.rglob("*") if p.is_file()}
    store = Store(settings, FakeEmbedder.name)
    snap = store.snapshot()
    snap.dense(FakeEmbedder().embed_query("Twente"), 5)
    snap.sparse("Twente", 5)
    [snap.units.get(cid) for cid in snap.chunks]
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.store_dir.rglob("*") if p.is_file()}
    assert after == before
    copied = settings.store_dir.parent / "kopie"
    shutil.copytree(settings.store_dir, copied)
    assert Store(Settings(store_dir=copied), FakeEmbedder.name).chunks.keys() == snap.chunks.keys()
