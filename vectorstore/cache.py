"""Embeddings cached by (model, text hash) in SQLite.

The cache is what makes a killed ingestion cheap to resume and a re-ingest of an
unchanged corpus embed nothing. Each batch is committed as it is computed. A damaged
cache file raises ``CacheDamaged``; the ingestion sets it aside and starts a new one
(seeded from the committed generation's vectors, so little is embedded again).
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Callable

import numpy as np

from vectorstore.errors import StoreDamaged

# SQLite result codes that mean the file itself is damaged (not "locked" or "read-only")
_DAMAGE = {11: "SQLITE_CORRUPT", 26: "SQLITE_NOTADB"}


class CacheDamaged(StoreDamaged):
    pass


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_damage(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGE
    # older SQLite bindings without the code: the two messages of those codes
    return isinstance(exc, sqlite3.DatabaseError) and any(
        m in str(exc) for m in ("malformed", "not a database"))


class EmbeddingCache:
    def __init__(self, path: Path, check: bool = True):
        """``check``: run SQLite's quick_check first (a second per GB), so a damaged file
        is found before an ingestion relies on it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=30)
        try:
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, dim INTEGER, vec BLOB, "
                             "PRIMARY KEY (model, hash))")
            self._db.commit()
            if check:
                result = [row[0] for row in self._db.execute("PRAGMA quick_check")]
                if result != ["ok"]:
                    raise CacheDamaged(self._message("; ".join(result[:3])))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if is_damage(exc):
                raise CacheDamaged(self._message(str(exc))) from None
            raise
        except CacheDamaged:
            self._db.close()
            raise

    def _message(self, detail: str) -> str:
        return f"Embeddingcache {self.path} is beschadigd ({detail}) (embedding cache damaged)"

    def _guard(self, exc: sqlite3.DatabaseError) -> None:
        if is_damage(exc):
            raise CacheDamaged(self._message(str(exc))) from None
        raise exc

    def get_many(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        try:
            for i in range(0, len(hashes), 500):
                part = hashes[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT hash, vec FROM vectors WHERE model=? AND hash IN ({marks})",
                                        [model, *part])
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.DatabaseError as exc:
            self._guard(exc)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                [(model, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._guard(exc)

    def seed(self, model: str, items: dict[str, np.ndarray]) -> int:
        """Add vectors known from elsewhere (a committed generation) without replacing
        any; returns how many were new."""
        have = self.get_many(model, list(items))
        new = [(h, v) for h, v in items.items() if h not in have]
        for i in range(0, len(new), 5000):
            self.put_many(model, dict(new[i : i + 5000]))
        return len(new)

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
