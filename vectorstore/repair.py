"""The writer's side of damage: what an ingestion does when a part of the store it
writes to is damaged. Nothing is deleted: a damaged file or folder is set aside
(``<name>.beschadigd-<time>``) and a new one is built.

- The embedded Chroma folder is rebuilt from the embedding cache (nothing is embedded
  again). A Chroma server is not ours to repair: that is reported as damage.
- The embedding cache is rebuilt and seeded from the committed generation: its chunk
  vectors (float32, exact) and sentence vectors (stored as float16 — the precision the
  generation keeps them in anyway), so only what the generation did not hold is embedded.
"""
from __future__ import annotations

from pathlib import Path

from common.units import split_units
from vectorstore.cache import CacheDamaged, EmbeddingCache, text_hash
from vectorstore.chroma import ChromaIndex
from vectorstore.errors import StoreDamaged
from vectorstore.files import set_aside
from vectorstore.store import load_snapshot, open_chroma

CACHE = "embeddings.sqlite"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 160 else text[:157] + "…"


def open_chroma_for_writing(settings, embedder_name: str, reset: bool, repaired: list[str]) -> ChromaIndex:
    """A Chroma collection that reads and writes; ``reset`` empties it."""
    chroma = None
    try:
        chroma = open_chroma(settings, embedder_name)
        if reset:
            chroma.reset()
        chroma.ids()  # reads every record: a damaged database shows here, not halfway through a run
        return chroma
    except Exception as exc:
        if chroma is not None:
            chroma.close()
        if settings.chroma_host:
            raise StoreDamaged(f"Chroma-server {settings.chroma_host}:{settings.chroma_port} niet bruikbaar "
                               f"({_short(exc)}) (Chroma server unavailable)") from None
        path = settings.store_dir / "chroma"
        aside = set_aside(path) if path.exists() else None
        _forget_client(path)
        chroma = open_chroma(settings, embedder_name)
        where = f"apart gezet als {aside.name}; " if aside else ""
        repaired.append(f"Chroma-index onleesbaar ({_short(exc)}); {where}opnieuw gevuld uit de embeddingcache "
                        f"(Chroma damaged: set aside and refilled)")
        return chroma


def _forget_client(path: Path) -> None:
    """Chroma keeps one system per path per process; one that failed to open must not be
    handed out again for the new folder."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        if system is not None:
            system.stop()
    except Exception:
        pass


def open_cache(store_dir: Path, model: str, repaired: list[str]) -> EmbeddingCache:
    path = store_dir / CACHE
    try:
        return EmbeddingCache(path)
    except CacheDamaged as exc:
        return rebuild_cache(store_dir, model, exc, repaired)


def rebuild_cache(store_dir: Path, model: str, exc: BaseException, repaired: list[str]) -> EmbeddingCache:
    path = store_dir / CACHE
    aside = set_aside(path)
    for extra in ("-journal", "-wal", "-shm"):  # SQLite's side files belong to the damaged file
        side = path.with_name(path.name + extra)
        if side.exists():
            set_aside(side)
    cache = EmbeddingCache(path)
    seeded = seed_cache(cache, store_dir, model)
    repaired.append(f"embeddingcache beschadigd ({_short(exc)}); apart gezet als {aside.name}, nieuwe cache met "
                    f"{seeded} vectoren uit de index (embedding cache damaged: set aside and rebuilt)")
    return cache


def seed_cache(cache: EmbeddingCache, store_dir: Path, model: str) -> int:
    """Put the committed generation's vectors into ``cache``; 0 when it cannot be read."""
    try:
        snap = load_snapshot(store_dir, model)
    except Exception:
        return 0
    if snap.empty or len(snap.vectors) != len(snap.chunks):
        return 0
    items = {text_hash(c.index_text): snap.vectors.row(i) for i, c in enumerate(snap.chunks.values())}
    for cid, chunk in snap.chunks.items():
        vectors = snap.units.get(cid)
        units = split_units(chunk.text, chunk.section)
        if vectors is None or len(vectors) != len(units):
            continue
        for unit, vector in zip(units, vectors):
            items.setdefault(text_hash(unit.text), vector)
    return cache.seed(model, items)
