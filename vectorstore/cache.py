"""Embeddings cached by (model, text hash) in SQLite.

The cache is what makes a killed ingestion cheap to resume and a re-ingest of an
unchanged corpus embed nothing. Each batch is committed as it is computed.
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Callable

import numpy as np


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, dim INTEGER, vec BLOB, PRIMARY KEY (model, hash))")
        self._db.commit()

    def get_many(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT hash, vec FROM vectors WHERE model=? AND hash IN ({marks})", [model, *part])
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
            [(model, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
        )
        self._db.commit()

    def embed(self, model: str, texts: list[str], compute: Callable[[list[str]], np.ndarray],
              batch_size: int = 16, on_batch: Callable[[int], None] | None = None) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` in order, computing only the missing ones.
        Returns the vectors and how many were computed."""
        hashes = [text_hash(t) for t in texts]
        have = self.get_many(model, list(set(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in have))
        by_hash = {h: t for h, t in zip(hashes, texts)}
        for i in range(0, len(missing), batch_size):
            part = missing[i : i + batch_size]
            vectors = compute([by_hash[h] for h in part])
            new = dict(zip(part, vectors))
            self.put_many(model, new)
            have.update(new)
            if on_batch:
                on_batch(len(part))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.vstack([have[h] for h in hashes]), len(missing)

    def close(self) -> None:
        self._db.close()
