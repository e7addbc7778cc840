"""Sentence vectors: one row per answer unit (``common.units``) of every chunk in a
generation, so the answerer can measure how close each sentence is to the question.

Written once per generation as ``units.npy`` (float16: half the memory, and cosine
scores move by < 1e-3) and ``units.json`` (chunk id -> first row, row count), and read
memory-mapped: a reader touches only the rows of the passages it scores.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vectorstore.files import atomic_write

VECTORS, INDEX = "units.npy", "units.json"


class UnitVectors:
    def __init__(self, matrix: np.ndarray | None, rows: dict[str, tuple[int, int]]):
        self._matrix = matrix
        self._rows = rows

    @classmethod
    def empty(cls) -> "UnitVectors":
        return cls(None, {})

    def __len__(self) -> int:
        return 0 if self._matrix is None else int(self._matrix.shape[0])

    def get(self, chunk_id: str) -> np.ndarray | None:
        """The chunk's unit vectors (float32, one row per unit), or None when unknown."""
        where = self._rows.get(chunk_id)
        if where is None or self._matrix is None:
            return None
        first, count = where
        return np.asarray(self._matrix[first : first + count], dtype=np.float32)

    @staticmethod
    def save(directory: Path, ids: list[str], per_chunk: list[np.ndarray]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        rows, first = {}, 0
        for cid, vectors in zip(ids, per_chunk):
            rows[cid] = (first, int(len(vectors)))
            first += len(vectors)
        parts = [np.asarray(v, dtype=np.float16) for v in per_chunk if len(v)]
        matrix = np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float16)
        tmp = directory / (VECTORS + ".tmp")
        with tmp.open("wb") as f:
            np.save(f, matrix)
        tmp.replace(directory / VECTORS)
        atomic_write(directory / INDEX, json.dumps(rows))

    @classmethod
    def load(cls, directory: Path, required: bool = True) -> "UnitVectors":
        """Memory-mapped read-only. Raises ValueError when the files are missing or do not
        agree; ``required=False`` reads a store from before sentence vectors as empty."""
        try:
            rows = {cid: (int(a), int(b)) for cid, (a, b) in json.loads((directory / INDEX).read_text("utf-8")).items()}
            matrix = np.load(directory / VECTORS, mmap_mode="r")
        except (OSError, ValueError, TypeError) as exc:
            if required:
                raise ValueError(f"{VECTORS}/{INDEX}: {type(exc).__name__}: {exc}") from None
            return cls.empty()  # a store from before sentence vectors: scoring goes without them
        total = sum(count for _, count in rows.values())
        if matrix.ndim != 2 or (matrix.shape[0] if matrix.size else 0) != total:
            raise ValueError(f"{VECTORS}: {matrix.shape[0]} rijen, {INDEX} noemt er {total} (rows do not match)")
        return cls(matrix if matrix.size else None, rows)

    def ids(self) -> set[str]:
        return set(self._rows)
