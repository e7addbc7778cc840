"""The index on disk: manifest + generation folders (chunks, BM25) + Chroma vectors.

Layout of a store folder::

    manifest.json        commit point: files, their chunks, current generation
    gen-000007/          chunks.json (deduplicated, what is searched), bm25/ and the
                         sentence vectors units.npy + units.json
    chroma/              embedded Chroma (absent when a Chroma server is used)
    embeddings.sqlite    embedding cache keyed by model and text hash
    .ingest.lock         held by a running ingestion
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.records import Chunk
from vectorstore.bm25 import Bm25Index
from vectorstore.chroma import ChromaIndex
from vectorstore.manifest import Manifest
from vectorstore.units import UnitVectors


class StoreError(RuntimeError):
    pass


def generation_dir(store_dir: Path, generation: int) -> Path:
    return store_dir / f"gen-{generation:06d}"


def open_chroma(settings, embedder_name: str) -> ChromaIndex:
    return ChromaIndex.open(embedder_name, path=settings.store_dir / "chroma",
                            host=settings.chroma_host, port=settings.chroma_port)


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    kind: str
    chunks: int
    ingested_at: str


class Store:
    """Read side of one generation: what the retriever searches."""

    def __init__(self, settings, embedder_name: str):
        self.settings = settings
        self.dir = settings.store_dir
        self.manifest = Manifest.load(self.dir)
        if self.manifest.generation and self.manifest.embedder and self.manifest.embedder != embedder_name:
            raise StoreError(
                f"De index in {self.dir} is gemaakt met embedder '{self.manifest.embedder}', niet '{embedder_name}'; "
                f"herbouw met: python -m ingest <map> --reset (index built with another embedder)")
        gen = generation_dir(self.dir, self.manifest.generation)
        if self.manifest.generation and (gen / "chunks.json").exists():
            data = json.loads((gen / "chunks.json").read_text(encoding="utf-8"))
            self.chunks = {d["id"]: Chunk.from_dict(d) for d in data}
            self.bm25 = Bm25Index.load(gen / "bm25")
            self.units = UnitVectors.load(gen)
        else:
            self.chunks, self.bm25, self.units = {}, Bm25Index(None, []), UnitVectors.empty()
        self.chroma = open_chroma(settings, embedder_name) if self.chunks else None

    def snapshot(self) -> "Store":
        """One committed generation to answer a question from: dense, sparse and sentence
        vectors of the same generation."""
        return self

    @property
    def empty(self) -> bool:
        return not self.chunks

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(name, e.title, e.kind, len(e.chunks), e.ingested_at)
                for name, e in sorted(self.manifest.files.items())]

    def dense(self, vector, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        if self.chroma is None:
            return []
        # vectors of an uncommitted or older generation may linger in Chroma until the
        # next ingestion cleans up; ask for enough to still fill k with committed ones
        extra = max(0, self.chroma.count() - len(self.chunks))
        return [(cid, s) for cid, s in self.chroma.query(vector, k + extra, sources) if cid in self.chunks][:k]

    def sparse(self, query: str, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        allowed = None
        if sources:
            wanted = set(sources)
            allowed = {cid for cid, c in self.chunks.items() if wanted & set(c.sources)}
        return self.bm25.search(query, k, allowed)
