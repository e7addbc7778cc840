"""BM25 over the chunks with the Dutch Snowball stemmer and Dutch stop words.

Built with llama-index's ``BM25Retriever`` (bm25s underneath). Two things it does not
do for us: it reloads from disk with an English stemmer (we set the Dutch one again),
and it returns zero-score hits (we drop them, so a query with no matching word adds
nothing to the fusion).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

LANGUAGE = "nl"
STEMMER = "dutch"


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer(STEMMER)


class Bm25Index:
    def __init__(self, retriever, ids: list[str]):
        self._retriever = retriever
        self.ids = ids
        self._position = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "Bm25Index":
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [TextNode(id_=cid, text=text) for cid, text in zip(ids, texts)]
        if not nodes:
            return cls(None, [])
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = BM25Retriever.from_defaults(nodes=nodes, stemmer=_stemmer(), language=LANGUAGE,
                                                similarity_top_k=len(nodes))
        return cls(retriever, ids)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._retriever is not None:
            # the scores only: chunk texts are kept in the manifest, not twice on disk
            self._retriever.bm25.save(str(directory))
        (directory / "ids.txt").write_text("\n".join(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, required: bool = True) -> "Bm25Index":
        """Raises ValueError when the index files are missing, damaged or disagree with
        ``ids.txt``; ``required=False`` reads a missing folder as an empty index."""
        ids_file = directory / "ids.txt"
        if not ids_file.exists():
            if required:
                raise ValueError(f"{ids_file} ontbreekt (missing)")
            return cls(None, [])
        ids = [line for line in ids_file.read_text(encoding="utf-8").split("\n") if line]
        if not ids:
            return cls(None, [])
        import bm25s
        from llama_index.retrievers.bm25 import BM25Retriever

        # BM25Retriever.from_persist_dir would come back with the English stemmer and
        # load the whole corpus; the chunk texts live in the manifest already
        try:
            bm25 = bm25s.BM25.load(str(directory), load_corpus=False, show_progress=False)
        except Exception as exc:  # bm25s raises what numpy/json/zipfile raise on a damaged file
            raise ValueError(f"BM25-index in {directory}: {type(exc).__name__}: {exc}") from None
        num_docs = int(bm25.scores.get("num_docs", -1))
        indptr, data = bm25.scores.get("indptr"), bm25.scores.get("data")
        if num_docs != len(ids) or indptr is None or data is None or int(indptr[-1]) != len(data):
            raise ValueError(f"BM25-index in {directory}: {num_docs} documenten voor {len(ids)} ids "
                             f"(index does not match ids.txt)")
        retriever = BM25Retriever(existing_bm25=bm25, stemmer=_stemmer(), language=LANGUAGE,
                                  similarity_top_k=len(ids))
        return cls(retriever, ids)

    @property
    def stemmer_name(self) -> str | None:
        if self._retriever is None:
            return None
        return STEMMER if self._retriever.stemmer.stemWord("investeringen") == _stemmer().stemWord("investeringen") else "other"

    def search(self, query: str, k: int, allowed: set[str] | None = None,
               mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, score) pairs, best first, zero scores dropped. ``allowed`` (ids) or
        ``mask`` (1.0 per allowed row, in ``ids`` order) limits the search."""
        if self._retriever is None or not query.strip():
            return []
        import bm25s

        r = self._retriever
        tokens = bm25s.tokenize(query, stopwords=LANGUAGE, stemmer=r.stemmer, token_pattern=r.token_pattern,
                                show_progress=False)
        if not tokens.vocab:
            return []
        if allowed is not None and mask is None:
            mask = np.array([1 if cid in allowed else 0 for cid in self.ids], dtype=np.float32)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(self.ids))
        positions, scores = r.bm25.retrieve(tokens, corpus=np.arange(len(self.ids)), k=k, show_progress=False,
                                            weight_mask=mask, n_threads=1)
        return [(self.ids[int(p)], float(s)) for p, s in zip(positions[0], scores[0]) if s > 0]
