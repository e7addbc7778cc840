"""The retriever seam: query -> ranked passages. Hybrid = dense + BM25, fused by RRF."""
from __future__ import annotations

from abc import ABC, abstractmethod

from assistant.fusion import reciprocal_rank_fusion
from assistant.types import Passage
from common.text import shingles

MODES = ("hybrid", "dense", "bm25")


class Retriever(ABC):
    @abstractmethod
    def retrieve(self, query: str, k: int, sources: list[str] | None = None) -> list[Passage]:
        """Up to k passages, best first; ``sources`` limits the search to those documents."""


class HybridRetriever(Retriever):
    def __init__(self, store, embedder, candidates: int = 30, rrf_k: int = 60, mode: str = "hybrid",
                 max_overlap: float = 0.6):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.store, self.embedder = store, embedder
        self.candidates, self.rrf_k, self.mode, self.max_overlap = candidates, rrf_k, mode, max_overlap

    def retrieve(self, query: str, k: int, sources: list[str] | None = None) -> list[Passage]:
        if self.store.empty or not query.strip():
            return []
        dense = self.store.dense(self.embedder.embed_query(query), self.candidates, sources) if self.mode != "bm25" else []
        sparse = self.store.sparse(query, self.candidates, sources) if self.mode != "dense" else []
        dense_scores, sparse_scores = dict(dense), dict(sparse)
        fused = reciprocal_rank_fusion([[cid for cid, _ in dense], [cid for cid, _ in sparse]], self.rrf_k)
        passages: list[Passage] = []
        for cid, score in fused:
            chunk = self.store.chunks[cid]
            if self._near_duplicate(chunk.text, passages):
                continue
            passages.append(Passage(chunk_id=cid, text=chunk.text, source=chunk.source, title=chunk.title,
                                    page=chunk.page, section=chunk.section, sources=list(chunk.sources),
                                    score=score, dense=dense_scores.get(cid), bm25=sparse_scores.get(cid)))
            if len(passages) >= k:
                break
        return passages

    def _near_duplicate(self, text: str, chosen: list[Passage]) -> bool:
        """Diversity: a passage mostly repeating one already chosen adds nothing."""
        sh = shingles(text)
        if not sh:
            return False
        return any(len(sh & shingles(p.text)) / len(sh) >= self.max_overlap for p in chosen)
