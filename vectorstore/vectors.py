"""Chunk vectors of one generation, searched exactly: ``vectors.npy``, one float32 row
per chunk in the order of ``chunks.json``.

Why not ask Chroma (embedded)? A PersistentClient caches one system per path for the
life of the process, so it never sees vectors another process commits (chroma-core/chroma
#3792), and it writes to its files when it opens them (#1438), which fails on a read-only
store. A memory-mapped matrix per generation is immutable, opened read-only, swapped
with its generation, and an exact cosine search over 100,000 chunks takes ~20 ms on two
cores (bench/scale_bench.py). Chroma stays the writer's vector database and the reader
of the server mode (``ASSISTANT_CHROMA_HOST``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

VECTORS = "vectors.npy"


class DenseVectors:
    def __init__(self, matrix: np.ndarray | None, ids: list[str]):
        self._matrix = matrix
        self.ids = ids

    @classmethod
    def empty(cls) -> "DenseVectors":
        return cls(None, [])

    def __len__(self) -> int:
        return 0 if self._matrix is None else int(self._matrix.shape[0])

    @property
    def dim(self) -> int:
        return 0 if self._matrix is None else int(self._matrix.shape[1])

    def row(self, i: int) -> np.ndarray:
        return np.asarray(self._matrix[i], dtype=np.float32)

    @staticmethod
    def save(directory: Path, vectors: np.ndarray) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / (VECTORS + ".tmp")
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
        tmp.replace(directory / VECTORS)

    @classmethod
    def load(cls, directory: Path, ids: list[str]) -> "DenseVectors":
        """Memory-mapped read-only; raises ValueError when the rows do not match ``ids``."""
        matrix = np.load(directory / VECTORS, mmap_mode="r")
        if matrix.ndim != 2 or matrix.shape[0] != len(ids) or matrix.dtype != np.float32:
            raise ValueError(f"{VECTORS}: {matrix.shape} {matrix.dtype} voor {len(ids)} chunks (rows do not match)")
        return cls(matrix if len(ids) else None, ids)

    def search(self, vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest rows, best first; ``rows`` limits the
        search to those row numbers (a document filter). Vectors are L2-normalised, so
        the dot product is the cosine."""
        if self._matrix is None or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        # einsum, not BLAS: a matrix-vector product is memory-bound, and OpenBLAS's two
        # threads cost an ~8 ms wake-up on a busy 2-core machine (2,000 rows: 8 ms vs
        # 0.1 ms; 100,000 rows: 16 ms vs 8 ms — bench/scale_bench.py)
        if rows is None:
            scores = np.einsum("ij,j->i", self._matrix, query)
            candidates = None
        else:
            if not len(rows):
                return []
            scores = np.einsum("ij,j->i", self._matrix[rows], query)
            candidates = rows
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        picked = top if candidates is None else candidates[top]
        return [(self.ids[int(r)], float(scores[t])) for r, t in zip(picked, top)]
