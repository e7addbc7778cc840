"""The retriever seam with the deterministic fake embedder: fusion, sparse-side zero
scores, document filters and diversity."""
from pathlib import Path

import pytest

from assistant.retriever import HybridRetriever
from ingest.pipeline import ingest
from vectorstore.store import Store

DOCS = {
    "deal.txt": "Regio Deal\n\nHet Rijk investeert 25 miljoen euro in de Regio Deal Twente voor talent en zorg.",
    "plan.txt": "Strategie\n\nDe Twente Board werkt aan techniek als motor van de economie en aan circulaire economie.",
    "copy.txt": "Strategie kopie\n\nDe Twente Board werkt aan techniek als motor van de economie en aan circulaire economie "
                "in de hele regio.",
    "weer.txt": "Weer\n\nMorgen wordt het zonnig met een zwakke wind uit het oosten.",
}


@pytest.fixture
def store(tmp_path, settings, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = ingest([folder], settings, fake_embedder)
    assert not report.failed
    return Store(settings, fake_embedder.name)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_matching_document(store, fake_embedder, mode):
    passages = HybridRetriever(store, fake_embedder, mode=mode).retrieve("Hoeveel investeert het Rijk in de Regio Deal?", 3)
    assert passages[0].source == "deal.txt"
    if mode == "bm25":
        assert all(p.dense is None for p in passages)
    if mode == "dense":
        assert all(p.bm25 is None for p in passages)


def test_hybrid_scores_are_reciprocal_rank_fusion(store, fake_embedder):
    passages = HybridRetriever(store, fake_embedder, rrf_k=60).retrieve("Rijk investeert Regio Deal", 4)
    top = passages[0]
    assert top.dense is not None and top.bm25 is not None
    assert top.score == pytest.approx(2 / 61)  # first in both lists


def test_zero_score_bm25_hits_are_dropped(store, fake_embedder):
    sparse = store.sparse("investeert Rijk", 10)
    assert sparse and all(score > 0 for _, score in sparse)
    assert store.sparse("de het een", 10) == []  # stop words only
    only_bm25 = HybridRetriever(store, fake_embedder, mode="bm25").retrieve("zonnig", 4)
    assert [p.source for p in only_bm25] == ["weer.txt"]


def test_document_filter(store, fake_embedder):
    passages = HybridRetriever(store, fake_embedder).retrieve("Rijk investeert Regio Deal", 4, sources=["weer.txt"])
    assert passages and {p.source for p in passages} == {"weer.txt"}


def test_near_duplicate_passages_are_not_repeated(store, fake_embedder):
    # copies across documents are merged at ingestion, one stored passage with both sources
    passages = HybridRetriever(store, fake_embedder).retrieve("techniek als motor circulaire economie", 4)
    assert sum("techniek als motor" in p.text for p in passages) == 1
    assert sorted(next(p for p in passages if "techniek" in p.text).sources) == ["copy.txt", "plan.txt"]


def test_diversity_skips_passages_that_mostly_repeat_a_chosen_one(fake_embedder):
    from assistant.types import Passage

    base = "De Twente Board werkt aan techniek als motor van de economie en aan circulaire economie in de regio"
    chosen = [Passage("a", base, "a.txt", "A")]
    retriever = HybridRetriever(None, fake_embedder, max_overlap=0.6)
    assert retriever._near_duplicate(base + " en verder nog wat woorden", chosen)
    assert not retriever._near_duplicate("Het Rijk investeert 25 miljoen euro in de Regio Deal Twente", chosen)


def test_a_near_copy_with_another_figure_is_still_shown(fake_embedder):
    # two versions of one text that differ in a fact are two facts: the answer must be able to show both
    from assistant.types import Passage

    base = "Het loket van de Twente Board in Enschede is op vrijdag open tot 16.00 uur voor alle ondernemers uit de regio"
    retriever = HybridRetriever(None, fake_embedder, max_overlap=0.6)
    chosen = [Passage("a", base, "a.txt", "A")]
    assert not retriever._near_duplicate(base.replace("16.00", "20.00"), chosen)
    assert not retriever._near_duplicate(base.replace("Enschede", "Hengelo"), chosen)
    assert retriever._near_duplicate(base.replace("alle ondernemers", "alle ondernemers en"), chosen)


def test_empty_query_and_empty_store(store, fake_embedder, tmp_path):
    assert HybridRetriever(store, fake_embedder).retrieve("   ", 3) == []
    from common.config import Settings

    empty = Store(Settings(store_dir=tmp_path / "leeg"), fake_embedder.name)
    assert empty.empty and HybridRetriever(empty, fake_embedder).retrieve("Rijk", 3) == []


def test_unknown_mode_is_rejected(store, fake_embedder):
    with pytest.raises(ValueError):
        HybridRetriever(store, fake_embedder, mode="magic")


def test_private_store_is_searched_beside_the_shared_one_and_marked(tmp_path, fake_embedder):
    """A visitor's upload lives in its own store: found for that visitor, marked private,
    and the shared store knows nothing of it."""
    from common.config import Settings
    from ingest.pipeline import ingest
    from vectorstore.store import Store

    shared_dir, own_dir = tmp_path / "shared", tmp_path / "own"
    shared_dir.mkdir(), own_dir.mkdir()
    (shared_dir / "plan.txt").write_text("De Twente Board werkt aan techniek en talent in de regio.", encoding="utf-8")
    (own_dir / "notitie.txt").write_text("Mijn notitie: de vergadering over zonnepanelen is op dinsdag.", encoding="utf-8")
    shared_settings, own_settings = Settings(store_dir=tmp_path / "s1"), Settings(store_dir=tmp_path / "s2")
    ingest([shared_dir], shared_settings, fake_embedder)
    ingest([own_dir], own_settings, fake_embedder)
    shared, own = Store(shared_settings, fake_embedder.name), Store(own_settings, fake_embedder.name)
    retriever = HybridRetriever(shared, fake_embedder)

    with_own = retriever.retrieve("vergadering zonnepanelen", 5, private=own)
    assert with_own[0].source == "notitie.txt" and with_own[0].private
    assert all(not p.private for p in with_own if p.source == "plan.txt")
    assert all(p.source != "notitie.txt" for p in retriever.retrieve("vergadering zonnepanelen", 5))
    # a document filter on the shared corpus keeps the visitor's own files searchable
    filtered = retriever.retrieve("vergadering zonnepanelen", 5, sources=["plan.txt"], private=own)
    assert {p.source for p in filtered} == {"plan.txt", "notitie.txt"}
