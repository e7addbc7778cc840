"""The retriever seam: query -> ranked passages. Hybrid = dense + BM25, fused by RRF.

A visitor's private uploads live in a store of their own; when one is given it is
searched beside the shared store and fused in the same ranking, its passages marked
``private``. Each call takes one snapshot per store, so a question never mixes two
generations of an index.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from assistant.fusion import reciprocal_rank_fusion
from assistant.types import Passage
from common.substance import same_substance
from common.text import shingles

MODES = ("hybrid", "dense", "bm25")


class Retriever(ABC):
    @abstractmethod
    def retrieve(self, query: str, k: int, sources: list[str] | None = None, *,
                 vector: np.ndarray | None = None, private=None, store=None) -> list[Passage]:
        """Up to k passages, best first; ``sources`` limits the search to those documents;
        ``vector`` is the query's embedding when the caller has it already; ``private``
        is a visitor's own store, searched beside the shared one; ``store`` a snapshot of
        the shared store the caller took already."""


class HybridRetriever(Retriever):
    def __init__(self, store, embedder, candidates: int = 30, rrf_k: int = 60, mode: str = "hybrid",
                 max_overlap: float = 0.6):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.store, self.embedder = store, embedder
        self.candidates, self.rrf_k, self.mode, self.max_overlap = candidates, rrf_k, mode, max_overlap

    def retrieve(self, query: str, k: int, sources: list[str] | None = None, *,
                 vector: np.ndarray | None = None, private=None, store=None) -> list[Passage]:
        snaps = [s for s in (store or self.store.snapshot(), private.snapshot() if private is not None else None)
                 if s is not None and not s.empty]
        if not snaps or not query.strip():
            return []
        if vector is None and self.mode != "bm25":
            vector = self.embedder.embed_query(query)
        rankings, dense_scores, sparse_scores = [], {}, {}
        for i, snap in enumerate(snaps):
            # a document filter names shared documents; a visitor's own files are always searched
            wanted = sources if i == 0 else None
            dense = snap.dense(vector, self.candidates, wanted) if self.mode != "bm25" else []
            sparse = snap.sparse(query, self.candidates, wanted) if self.mode != "dense" else []
            rankings += [[(i, cid) for cid, _ in dense], [(i, cid) for cid, _ in sparse]]
            dense_scores.update(((i, cid), s) for cid, s in dense)
            sparse_scores.update(((i, cid), s) for cid, s in sparse)
        passages: list[Passage] = []
        for key, score in reciprocal_rank_fusion(rankings, self.rrf_k):
            i, cid = key
            chunk = snaps[i].chunks[cid]
            if self._near_duplicate(chunk.text, passages):
                continue
            passages.append(_passage(snaps[i], cid, score, dense_scores.get(key), sparse_scores.get(key), i > 0))
            if len(passages) >= k:
                break
        return passages

    def fetch(self, ids: list[str], vector: np.ndarray | None = None, store=None,
              sources: list[str] | None = None) -> list[Passage]:
        """Passages by chunk id (those the previous answer cited), with their cosine to
        the query; ids the index no longer has are skipped."""
        snap = store or self.store.snapshot()
        out = []
        for cid in ids:
            chunk = snap.chunks.get(cid)
            if chunk is None or sources and not set(sources) & set(chunk.sources):
                continue
            p = _passage(snap, cid, 0.0, None, None, False)
            if vector is not None and p.unit_vectors is not None and len(p.unit_vectors):
                p.dense = float(np.max(p.unit_vectors @ np.asarray(vector, dtype=np.float32)))
            out.append(p)
        return out

    def _near_duplicate(self, text: str, chosen: list[Passage]) -> bool:
        """Diversity: a passage mostly repeating one already chosen adds nothing — unless
        it states a fact the repeated one does not (another figure, date or name): two
        versions of a text that differ there are both shown, so an answer can name both."""
        sh = shingles(text)
        if not sh:
            return False
        repeated = [p.text for p in chosen if len(sh & shingles(p.text)) / len(sh) >= self.max_overlap]
        return bool(repeated) and same_substance(text, repeated)


def _passage(snap, cid: str, score: float, dense: float | None, bm25: float | None, private: bool) -> Passage:
    chunk = snap.chunks[cid]
    return Passage(chunk_id=cid, text=chunk.text, source=chunk.source, title=chunk.title, page=chunk.page,
                   section=chunk.section, sources=list(chunk.sources), score=score, dense=dense, bm25=bm25,
                   page_label=chunk.page_label, page_breaks=list(chunk.page_breaks), date=chunk.date,
                   private=private, unit_vectors=snap.units.get(cid))
