"""Dense vectors in Chroma: embedded (PersistentClient) or a server (HttpClient).

Ingestion writes every chunk vector here. Readers use it only in server mode; an
embedded store is read from the generation's ``vectors.npy`` (see vectorstore/vectors.py
for why). We always pass vectors ourselves (``embedding_function=None``): Chroma's
default embedding function would try to download a model.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

BATCH = 1000


def source_key(source: str) -> str:
    return f"src:{source}"


def collection_name(embedder_name: str) -> str:
    """A valid Chroma collection name (3–63 of [a-zA-Z0-9._-], alphanumeric at both
    ends, no "..") per embedder: readable when it fits, cut with a hash when too long,
    so two long model names never share a collection."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", f"chunks-{embedder_name}")
    clean = re.sub(r"\.{2,}", "-", clean)
    clean = re.sub(r"-{2,}", "-", clean).strip("-._")
    if len(clean) <= 63:
        return clean
    digest = hashlib.sha1(embedder_name.encode("utf-8")).hexdigest()[:10]
    return f"{clean[:50].rstrip('-._')}-{digest}"


class ChromaIndex:
    def __init__(self, collection, client):
        self._collection = collection
        self._client = client

    @classmethod
    def open(cls, embedder_name: str, path: Path | None = None, host: str = "", port: int = 8000) -> "ChromaIndex":
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        if host:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
        else:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
        collection = client.get_or_create_collection(
            collection_name(embedder_name), embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        return cls(collection, client)

    def close(self) -> None:
        """Release the client: an embedded client is cached per path by Chroma, and a
        cached one never sees what another process wrote since (chroma-core/chroma#3792);
        the writer opens a fresh one per ingestion and closes it."""
        close = getattr(self._client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass

    def reset(self) -> None:
        name = self._collection.name
        self._client.delete_collection(name)
        self._collection = self._client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def count(self) -> int:
        return self._collection.count()

    def upsert(self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict]) -> None:
        """Write these records whole. Chroma merges metadata keys on upsert, so a chunk
        that lost a source would keep its old ``src:`` flag; a key set to None is
        removed, in the same atomic write."""
        metadatas = [dict(m) for m in metadatas]
        for i in range(0, len(ids), BATCH):
            part = ids[i : i + BATCH]
            current = self._collection.get(ids=part, include=["metadatas"])
            old = {cid: meta or {} for cid, meta in zip(current["ids"], current["metadatas"])}
            for j, cid in enumerate(part, start=i):
                for key in old.get(cid, {}):
                    if key not in metadatas[j]:
                        metadatas[j][key] = None
            self._collection.upsert(ids=part, embeddings=vectors[i : i + BATCH],
                                    documents=texts[i : i + BATCH], metadatas=metadatas[i : i + BATCH])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), BATCH):
            self._collection.delete(ids=ids[i : i + BATCH])

    def query(self, vector: np.ndarray, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) pairs, best first."""
        where = None
        if sources:
            clauses = [{source_key(s): True} for s in sources]
            where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        n = min(k, max(self.count(), 1))
        result = self._collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                                        where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]


def chunk_metadata(chunk) -> dict:
    # Chroma metadata values must be scalars and not None
    meta = {"source": chunk.source, "title": chunk.title, "page": chunk.page or 0,
            "section": chunk.section or "", "position": chunk.position}
    meta.update({source_key(s): True for s in chunk.sources})
    return meta
