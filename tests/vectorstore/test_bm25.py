"""BM25 with the Dutch stemmer and stop words, before and after a save/load round trip."""
from __future__ import annotations

import shutil

import numpy as np

import pytest

from vectorstore.bm25 import Bm25Index

DOCS = {
    "haven": "De investering in de haven van Hengelo bedraagt twee miljoen euro.",
    "weer": "Het weer in Enschede is morgen zonnig en warm.",
    "talent": "Onderwijs en talent voor de regio Twente staan centraal.",
    "fiets": "Nieuwe fietspaden verbinden Almelo met de regio Twente.",
}


@pytest.fixture(scope="module")
def built() -> Bm25Index:
    return Bm25Index.build(list(DOCS), list(DOCS.values()))


@pytest.fixture(scope="module")
def loaded(built, tmp_path_factory) -> Bm25Index:
    directory = tmp_path_factory.mktemp("bm25") / "bm25"
    built.save(directory)
    return Bm25Index.load(directory)


@pytest.fixture(params=["built", "loaded"])
def index(request) -> Bm25Index:
    return request.getfixturevalue(request.param)


def test_save_writes_ids_and_scores(built, tmp_path):
    built.save(tmp_path / "bm25")
    assert (tmp_path / "bm25" / "ids.txt").read_text(encoding="utf-8").split("\n") == list(DOCS)
    assert (tmp_path / "bm25" / "params.index.json").is_file()
    assert Bm25Index.load(tmp_path / "bm25").ids == list(DOCS)


def test_dutch_stemmer_survives_reload(index):
    assert index.stemmer_name == "dutch"
    # singular in the document, plural in the query
    assert [cid for cid, _ in index.search("investeringen", 10)] == ["haven"]
    assert [cid for cid, _ in index.search("fietspad", 10)] == ["fiets"]


def test_loaded_index_scores_like_the_built_one(built, loaded):
    for query in ("investeringen in de haven", "regio Twente", "zonnig weer"):
        before, after = built.search(query, 10), loaded.search(query, 10)
        assert before and [c for c, _ in after] == [c for c, _ in before]
        assert [s for _, s in after] == pytest.approx([s for _, s in before])


def test_stop_word_only_query_returns_nothing(index):
    assert index.search("de het een en van in", 10) == []
    assert index.search("   ", 10) == []


def test_zero_score_hits_are_dropped(index):
    hits = index.search("zonnig", 10)  # k larger than the corpus: the others score 0
    assert [cid for cid, _ in hits] == ["weer"]
    assert all(score > 0 for _, score in hits)
    assert index.search("onbekendwoord", 10) == []
    assert [cid for cid, _ in index.search("onbekendwoord zonnig", 10)] == ["weer"]


def test_results_are_best_first_and_limited_to_k(index):
    hits = index.search("regio Twente talent", 10)
    assert hits[0][0] == "talent" and {cid for cid, _ in hits} == {"talent", "fiets"}
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(index.search("regio Twente talent", 1)) == 1


def test_allowed_filter_restricts_results(index):
    assert {cid for cid, _ in index.search("regio Twente", 10)} == {"talent", "fiets"}
    assert [cid for cid, _ in index.search("regio Twente", 10, allowed={"fiets", "weer"})] == ["fiets"]
    assert index.search("regio Twente", 10, allowed={"weer"}) == []
    assert index.search("regio Twente", 10, allowed=set()) == []
    assert index.search("regio Twente", 10, allowed={"bestaat-niet"}) == []


def test_empty_index(tmp_path):
    empty = Bm25Index.build([], [])
    assert empty.search("Twente", 5) == [] and empty.stemmer_name is None
    empty.save(tmp_path / "leeg")
    reloaded = Bm25Index.load(tmp_path / "leeg")
    assert reloaded.ids == [] and reloaded.search("Twente", 5) == []
    assert Bm25Index.load(tmp_path / "bestaat-niet", required=False).search("Twente", 5) == []


def test_a_missing_or_damaged_index_is_an_error_not_an_empty_one(index, tmp_path):
    """A store that lost its BM25 files must say so, not answer without keyword search."""
    with pytest.raises(ValueError, match="ontbreekt"):
        Bm25Index.load(tmp_path / "bestaat-niet")
    index.save(tmp_path / "bm25")
    assert Bm25Index.load(tmp_path / "bm25").ids == index.ids
    for name in sorted(p.name for p in (tmp_path / "bm25").iterdir() if p.name != "ids.txt"):
        broken = tmp_path / f"kapot-{name}"
        shutil.copytree(tmp_path / "bm25", broken)
        data = (broken / name).read_bytes()
        (broken / name).write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError):
            Bm25Index.load(broken)
    fewer = tmp_path / "minder-ids"
    shutil.copytree(tmp_path / "bm25", fewer)
    (fewer / "ids.txt").write_text("\n".join(index.ids[:-1]), encoding="utf-8")
    with pytest.raises(ValueError, match="ids"):
        Bm25Index.load(fewer)


def test_a_precomputed_mask_equals_the_allowed_filter(index):
    mask = np.array([1.0 if cid in {"fiets", "weer"} else 0.0 for cid in index.ids], dtype=np.float32)
    assert index.search("regio Twente", 10, mask=mask) == index.search("regio Twente", 10, allowed={"fiets", "weer"})
