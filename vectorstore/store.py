"""The index on disk, read side: the ``Store`` hands out ``Snapshot``s, one committed
generation each.

Layout of a store folder::

    manifest.json        commit point: files, their chunk counts, current generation and
                         the size and sha256 of every file in its folder
    gen-000007/          chunks.json (deduplicated, what is searched), vectors.npy (one
                         vector per chunk), bm25/, the sentence vectors units.npy +
                         units.json, and files.json (each file's own chunks, for the
                         next ingestion)
    chroma/              embedded Chroma, written by ingestion (absent with a Chroma server)
    embeddings.sqlite    embedding cache keyed by model and text hash
    .ingest.lock         held by a running ingestion

Readers never write: they open the manifest and the generation files read-only and take
no lock. A generation folder is never changed after its commit, so a snapshot stays
complete while ingestions go on (the previous folder is kept one commit longer for a
reader still loading it; on POSIX an mmap'd file outlives its deletion).
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.records import Chunk
from vectorstore.bm25 import Bm25Index
from vectorstore.chroma import ChromaIndex
from vectorstore.errors import StoreDamaged, StoreError
from vectorstore.manifest import FILES, NAME as MANIFEST, Manifest, generation_dir
from vectorstore.units import UnitVectors
from vectorstore.vectors import DenseVectors

__all__ = ["DocumentInfo", "Snapshot", "Store", "StoreDamaged", "StoreError", "generation_dir", "open_chroma"]

REPAIR = "herstel met: python -m ingest <mappen> (repair: re-run the ingestion; --reset rebuilds everything)"
LOAD_ATTEMPTS = 3  # a reader racing two commits retries with the newer manifest
ROW_CACHE = 64  # document filters whose row lists a snapshot keeps
TERMS = "terms.json"  # term document frequencies of a generation (see common.terms)


def open_chroma(settings, embedder_name: str) -> ChromaIndex:
    return ChromaIndex.open(embedder_name, path=settings.store_dir / "chroma",
                            host=settings.chroma_host, port=settings.chroma_port)


def manifest_stamp(store_dir: Path) -> tuple[int, int, int] | None:
    """What identifies one commit: the manifest is replaced (new inode) on every commit."""
    try:
        st = os.stat(store_dir / MANIFEST)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    kind: str
    chunks: int
    ingested_at: str


class Snapshot:
    """One committed generation: chunks, BM25, chunk vectors and sentence vectors that
    belong together. Never changes; take a new one per question."""

    def __init__(self, manifest: Manifest, chunks: dict[str, Chunk], bm25: Bm25Index, vectors: DenseVectors,
                 units: UnitVectors, chroma: ChromaIndex | None = None, terms: dict | None = None):
        self.manifest, self.chunks, self.bm25, self.vectors, self.units = manifest, chunks, bm25, vectors, units
        # {"n": chunks, "df": content term -> chunks holding it}, counted at ingestion;
        # None for generations written before it was (the answerer then counts itself)
        self.terms = terms
        self._chroma = chroma  # server mode: dense search through the Chroma server
        self._rows: dict[frozenset, np.ndarray] = {}
        self._source_rows: dict[str, np.ndarray] | None = None
        self._rows_lock = threading.Lock()

    @classmethod
    def blank(cls, manifest: Manifest | None = None) -> "Snapshot":
        return cls(manifest or Manifest(), {}, Bm25Index(None, []), DenseVectors.empty(), UnitVectors.empty())

    @property
    def generation(self) -> int:
        return self.manifest.generation

    @property
    def empty(self) -> bool:
        return not self.chunks

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(name, e.title, e.kind, e.chunk_count, e.ingested_at)
                for name, e in sorted(self.manifest.files.items())]

    def rows(self, sources: list[str]) -> np.ndarray:
        """Row numbers (chunks.json order) of the chunks held by any of ``sources``."""
        key = frozenset(sources)
        found = self._rows.get(key)
        if found is None:
            by_source = self._by_source()
            parts = [by_source[s] for s in key if s in by_source]
            found = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
            with self._rows_lock:
                if len(self._rows) >= ROW_CACHE:
                    self._rows.clear()
                self._rows[key] = found
        return found

    def _by_source(self) -> dict[str, np.ndarray]:
        """Source -> its rows, built once per snapshot on the first filtered search."""
        if self._source_rows is None:
            grouped: dict[str, list[int]] = {}
            for i, chunk in enumerate(self.chunks.values()):
                for source in chunk.sources:
                    grouped.setdefault(source, []).append(i)
            self._source_rows = {s: np.array(r, dtype=np.int64) for s, r in grouped.items()}
        return self._source_rows

    def dense(self, vector, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        if self.empty:
            return []
        if self._chroma is not None:
            return self._dense_server(vector, k, sources)
        return self.vectors.search(vector, k, self.rows(sources) if sources else None)

    def _dense_server(self, vector, k: int, sources: list[str] | None) -> list[tuple[str, float]]:
        # the server also holds vectors of an ingestion that has not committed yet (and,
        # for a moment after a commit, of the previous generation): ask for enough to
        # fill k with this generation's chunks, and judge the document filter by them
        try:
            extra = max(0, self._chroma.count() - len(self.chunks))
            hits = self._chroma.query(vector, k + extra, sources)
        except Exception as exc:  # the server went away or answered nonsense
            raise StoreDamaged(f"Chroma-server niet bereikbaar of fout (Chroma server unavailable): "
                               f"{type(exc).__name__}: {exc}") from None
        wanted = set(sources) if sources else None
        return [(cid, s) for cid, s in hits
                if cid in self.chunks and (wanted is None or wanted.intersection(self.chunks[cid].sources))][:k]

    def sparse(self, query: str, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first, zero scores dropped."""
        mask = None
        if sources:
            mask = np.zeros(len(self.chunks), dtype=np.float32)
            mask[self.rows(sources)] = 1.0
        return self.bm25.search(query, k, mask=mask)


def load_snapshot(store_dir: Path, embedder_name: str, chroma: ChromaIndex | None = None) -> Snapshot:
    """The committed generation, complete, or StoreDamaged naming what is wrong."""
    for attempt in range(LOAD_ATTEMPTS):
        stamp = manifest_stamp(store_dir)
        manifest = Manifest.load(store_dir, chunks=False)
        if not manifest.generation:
            return Snapshot.blank(manifest)
        if manifest.embedder and manifest.embedder != embedder_name:
            raise StoreError(
                f"De index in {store_dir} is gemaakt met embedder '{manifest.embedder}', niet '{embedder_name}'; "
                f"herbouw met: python -m ingest <map> --reset (index built with another embedder)")
        try:
            return _read_generation(store_dir, manifest, chroma)
        except StoreDamaged:
            if attempt + 1 < LOAD_ATTEMPTS and manifest_stamp(store_dir) != stamp:
                continue  # a commit happened while we read: the newer generation is complete
            raise
    raise AssertionError("unreachable")


def _read_generation(store_dir: Path, manifest: Manifest, chroma: ChromaIndex | None) -> Snapshot:
    gen = generation_dir(store_dir, manifest.generation)

    def damaged(what: str) -> StoreDamaged:
        return StoreDamaged(f"Index beschadigd in {gen.name}: {what}; {REPAIR} (store damaged)")

    if manifest.format < 2:
        raise StoreDamaged(f"De index in {store_dir} is van een oudere versie (zonder vectors.npy); werk hem bij "
                           f"met: python -m ingest <mappen> — er wordt niets opnieuw ingebed "
                           f"(index from an older version: re-run the ingestion to upgrade it)")
    for rel, info in manifest.generation_files.items():
        if rel == FILES:
            continue  # the ingestion's memory, not read here (``--check`` and the next ingestion check it)
        try:
            size = (gen / rel).stat().st_size
        except OSError:
            raise damaged(f"{rel} ontbreekt (missing)") from None
        if size != info.get("size"):
            raise damaged(f"{rel} heeft {size} bytes, verwacht {info.get('size')} (truncated or changed)")
    try:
        data = json.loads((gen / "chunks.json").read_text(encoding="utf-8"))
        chunks = {d["id"]: Chunk.from_dict(d) for d in data}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise damaged(f"chunks.json onleesbaar ({type(exc).__name__}: {exc})") from None
    ids = list(chunks)
    try:
        bm25 = Bm25Index.load(gen / "bm25")
    except (OSError, ValueError) as exc:
        raise damaged(f"BM25-index onleesbaar ({exc})") from None
    if bm25.ids != ids:
        raise damaged("BM25-index hoort niet bij chunks.json (BM25 ids differ from the chunks)")
    try:
        units = UnitVectors.load(gen)
    except ValueError as exc:
        raise damaged(f"zinsvectoren onleesbaar ({exc})") from None
    if units.ids() != set(ids):
        raise damaged("zinsvectoren horen niet bij chunks.json (sentence vectors do not match the chunks)")
    vectors = DenseVectors.empty()
    if chroma is None:
        try:
            vectors = DenseVectors.load(gen, ids)
        except (OSError, ValueError) as exc:
            raise damaged(f"vectors.npy onleesbaar ({exc})") from None
    terms = None
    if (gen / TERMS).exists():
        try:
            terms = json.loads((gen / TERMS).read_text(encoding="utf-8"))
            if not isinstance(terms.get("df"), dict) or terms.get("n") != len(chunks):
                raise ValueError("n or df wrong")
        except (OSError, ValueError, AttributeError) as exc:
            raise damaged(f"{TERMS} onleesbaar ({exc})") from None
    return Snapshot(manifest, chunks, bm25, vectors, units, chroma, terms)


class Store:
    """A store folder for readers: ``snapshot()`` at the start of every question.

    ``snapshot()`` costs one stat of the manifest while nothing changes, and loads a
    generation that another process committed as soon as it is asked after the commit.
    The attributes below (``chunks``, ``dense`` …) read the latest snapshot; code that
    needs several of them consistent takes one snapshot and uses only that.
    """

    def __init__(self, settings, embedder_name: str):
        self.settings = settings
        self.dir: Path = settings.store_dir
        self.embedder_name = embedder_name
        self._chroma: ChromaIndex | None = None
        self._lock = threading.Lock()
        self._failed: tuple[object, StoreError] | None = None
        self._stamp = manifest_stamp(self.dir)
        self._snap = self._load()

    def _load(self) -> Snapshot:
        if self.settings.chroma_host and self._chroma is None and manifest_stamp(self.dir) is not None:
            try:
                self._chroma = open_chroma(self.settings, self.embedder_name)
            except Exception as exc:
                raise StoreDamaged(f"Chroma-server {self.settings.chroma_host}:{self.settings.chroma_port} niet "
                                   f"bereikbaar (Chroma server unavailable): {type(exc).__name__}: {exc}") from None
        return load_snapshot(self.dir, self.embedder_name, self._chroma)

    def snapshot(self) -> Snapshot:
        """The latest committed generation, complete (dense, sparse and sentence vectors
        of one generation)."""
        stamp = manifest_stamp(self.dir)
        if stamp == self._stamp:
            return self._snap
        if not self._lock.acquire(blocking=False):
            return self._snap  # another thread is loading the new generation right now
        try:
            if self._failed is not None and self._failed[0] == stamp:
                raise self._failed[1]
            try:
                snap = self._load()
            except StoreError as exc:
                self._failed = (stamp, exc)
                raise
            self._stamp, self._snap, self._failed = stamp, snap, None
            return snap
        finally:
            self._lock.release()

    # the latest snapshot's parts, for callers that need only one of them
    @property
    def manifest(self) -> Manifest:
        return self.snapshot().manifest

    @property
    def chunks(self) -> dict[str, Chunk]:
        return self.snapshot().chunks

    @property
    def bm25(self) -> Bm25Index:
        return self.snapshot().bm25

    @property
    def units(self) -> UnitVectors:
        return self.snapshot().units

    @property
    def generation(self) -> int:
        return self.snapshot().generation

    @property
    def empty(self) -> bool:
        return self.snapshot().empty

    def documents(self) -> list[DocumentInfo]:
        return self.snapshot().documents()

    def dense(self, vector, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        return self.snapshot().dense(vector, k, sources)

    def sparse(self, query: str, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        return self.snapshot().sparse(query, k, sources)
