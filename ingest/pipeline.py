"""One ingestion run: files in, a new committed generation of the index out.

Order of writes (what keeps a killed run harmless): embeddings are cached batch by
batch; vectors are upserted into Chroma; the new generation's chunks, chunk vectors,
sentence vectors and BM25 index are written to a fresh folder and fingerprinted; the
manifest is replaced atomically (the commit); only then are stale vectors and old
generations removed. Readers only trust what the manifest names, so at every moment
the previous or the new index is complete.

Damage is repaired, not reported as success: a damaged generation is rebuilt from the
manifest, a damaged Chroma folder or embedding cache is set aside and rebuilt
(vectorstore/repair.py), and every commit is read back before the run reports success.
A damaged manifest needs ``--reset`` (it is the list of what the index holds).
"""
from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from common.records import Chunk
from common.terms import document_frequencies
from common.units import split_units
from ingest.catalog import catalog_date, readable_name, title_for
from ingest.chunk import chunk_document
from ingest.dedupe import dedupe
from ingest.document import LoadError
from ingest.loaders import SUPPORTED, load_document
from vectorstore.bm25 import Bm25Index
from vectorstore.cache import CacheDamaged
from vectorstore.chroma import chunk_metadata
from vectorstore.errors import StoreBusy, StoreDamaged
from vectorstore.files import atomic_write, conform, modes
from vectorstore.lock import writer_lock
from vectorstore.manifest import FileEntry, Manifest, ManifestDamaged, fingerprint
from vectorstore.manifest import sha256_file as _sha256
from vectorstore.repair import open_cache, open_chroma_for_writing, rebuild_cache
from vectorstore.store import TERMS, generation_dir, load_snapshot
from vectorstore.units import UnitVectors
from vectorstore.vectors import DenseVectors

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# Raise when reading or chunking changes what a file becomes (a reader fix, a new page
# label, another chunk size): unchanged files are then read again on the next run, so
# an index never keeps text an older reader got wrong. Vectors stay cached by text.
READER_VERSION = "2026-11-24.5"  # .2: inline words with menu-like classes are prose; .3: table rows; .4: shown variants; .5: a term whose description is empty


class IngestBusy(StoreBusy):
    pass


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    repaired: list[str] = field(default_factory=list)  # damage found in the store and what was done about it
    chunks: int = 0
    embedded: int = 0  # chunk texts newly embedded
    sentences_embedded: int = 0  # answer units (sentences, list items) newly embedded
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    @property
    def exit_code(self) -> int:
        return 3 if self.failed else 0

    def summary(self) -> str:
        lines = [f"toegevoegd / added: {len(self.added)}", f"bijgewerkt / updated: {len(self.updated)}",
                 f"ongewijzigd / unchanged: {len(self.unchanged)}", f"verwijderd / removed: {len(self.removed)}",
                 f"mislukt / failed: {len(self.failed)}"]
        lines += [f"  - {name}: {reason}" for name, reason in self.failed]
        if self.repaired:
            lines.append(f"hersteld / repaired: {len(self.repaired)}")
            lines += [f"  - {what}" for what in self.repaired]
        lines.append(f"chunks in index: {self.chunks}; nieuw ingebed / newly embedded: {self.embedded}; "
                     f"zinnen ingebed / sentences embedded: {self.sentences_embedded}; tijd / time: {self.seconds:.1f} s")
        return "\n".join(lines)


def scan(paths: list[Path], skip: Path | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest from files and folders. Folders are walked recursively; hidden
    files, ``_``-prefixed metadata files (the title catalogue) and the store itself
    (``skip``, when it lives inside an ingested folder) are left out."""
    files, problems = [], []
    skip = skip.resolve() if skip else None
    for path in paths:
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if skip is not None and (f == skip or skip in f.parents):
                    continue
                if f.is_file() and not any(p.startswith((".", "_")) for p in rel.parts):
                    files.append(f)
        elif path.is_file():
            files.append(path)
        else:
            problems.append((str(path), "bestaat niet (does not exist)"))
    return files, problems


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _within(path: Path, folders: list[Path]) -> bool:
    return any(folder in path.parents for folder in folders)


def ingest(paths: list[Path], settings, embedder, reset: bool = False, progress: Progress | None = None,
           wait: float | None = None, on_wait: Callable[[str], None] | None = None) -> Report:
    """Ingest ``paths`` into the store. When another ingestion holds the store, ``on_wait``
    hears so and the run waits up to ``wait`` seconds (default ``settings.lock_timeout``),
    then raises IngestBusy. A damaged manifest raises StoreDamaged unless ``reset``."""
    started = time.perf_counter()
    store_dir: Path = settings.store_dir
    store_dir.mkdir(parents=True, exist_ok=True)
    with writer_lock(store_dir, settings.lock_timeout if wait is None else wait, on_wait, busy=IngestBusy):
        report = _run([p.resolve() for p in paths], settings, embedder, reset, progress or (lambda *a: None))
    report.seconds = time.perf_counter() - started
    return report


def _committed(store_dir: Path, reset: bool, report: Report) -> Manifest:
    """The committed manifest; with ``reset`` an unreadable one only tells the generation
    number to continue after (the highest generation folder on disk)."""
    try:
        return Manifest.load(store_dir)
    except ManifestDamaged as exc:
        if not reset:
            raise
        numbers = [int(m.group(1)) for p in store_dir.glob("gen-*") if (m := re.fullmatch(r"gen-(\d+)", p.name))]
        report.repaired.append(f"{exc} — opnieuw opgebouwd uit de bronbestanden (rebuilt from the source files)")
        return Manifest(generation=max(numbers, default=0))


def _run(paths: list[Path], settings, embedder, reset: bool, progress: Progress) -> Report:
    store_dir: Path = settings.store_dir
    report = Report()
    committed = _committed(store_dir, reset, report)
    # --reset re-reads every file but keeps the committed index (and its generation
    # number) until the new one is committed: a killed reset loses nothing
    old = Manifest(generation=committed.generation) if reset else committed
    before = len(report.repaired)
    chroma = open_chroma_for_writing(settings, embedder.name, reset, report.repaired)
    rebuilt = len(report.repaired) > before  # a damaged Chroma was set aside: every vector goes in again
    try:
        return _update(paths, settings, embedder, reset, progress, report, old, chroma, rebuilt)
    finally:
        chroma.close()


def _update(paths, settings, embedder, reset, progress, report, old: Manifest, chroma, rebuilt: bool) -> Report:
    store_dir: Path = settings.store_dir
    files, problems = scan(paths, skip=store_dir)
    report.failed.extend(problems)
    new = Manifest(files={}, generation=old.generation, embedder=embedder.name)
    folders = [p for p in paths if p.is_dir()]
    seen: dict[str, Path] = {}
    for i, path in enumerate(files):
        progress("lezen", i, len(files))
        name = path.name
        if name in seen:
            report.failed.append((str(path), f"dezelfde bestandsnaam als {seen[name]} (duplicate file name)"))
            continue
        seen[name] = path
        entry = _ingest_file(path, old.files.get(name), report)
        if entry is not None:
            new.files[name] = entry
    progress("lezen", len(files), len(files))
    for name, entry in old.files.items():
        if name in new.files or name in seen:
            if name in seen and name not in new.files:
                new.files[name] = entry  # a file that now fails keeps its previous chunks
            continue
        # only a folder we were asked to read can tell that a file is gone; documents
        # ingested from elsewhere stay (they may have moved, or come from an upload)
        if _within(Path(entry.path), folders):
            report.removed.append(name)
        else:
            new.files[name] = entry
    moved = any(new.files[n].path != e.path for n, e in old.files.items() if n in new.files)

    chunks = dedupe([Chunk.from_dict(d) for name in sorted(new.files) for d in new.files[name].chunks])
    report.chunks = len(chunks)
    current = generation_dir(store_dir, old.generation)
    chroma_ids = chroma.ids()
    wanted = {c.id for c in chunks}
    intact = _intact(store_dir, embedder.name, old, report) if old.generation and not reset else False
    if old.generation and not (reset or rebuilt or report.changed) and wanted - chroma_ids:
        report.repaired.append(f"{len(wanted - chroma_ids)} vectoren ontbraken in Chroma; aangevuld uit de "
                               f"embeddingcache (missing vectors restored)")
    if not (report.changed or moved or reset) and intact and wanted <= chroma_ids:
        open_cache(store_dir, embedder.name, report.repaired).close()  # a damaged cache is found now, not later
        return report  # nothing to do: the committed index already is this corpus

    vectors, unit_matrix, unit_texts = _embed(store_dir, embedder, chunks, report, progress)
    progress("opslaan", 0, 1)
    previous = _previous_chunks(current)
    changed = [i for i, c in enumerate(chunks)
               if reset or c.id not in chroma_ids or previous.get(c.id) != c.to_dict()]
    if changed:
        chroma.upsert([chunks[i].id for i in changed], vectors[changed], [chunks[i].text for i in changed],
                      [chunk_metadata(chunks[i]) for i in changed])

    new.generation = old.generation + 1
    gen = generation_dir(store_dir, new.generation)
    if gen.exists():
        shutil.rmtree(gen)  # left over from a run killed before its commit
    gen.mkdir(mode=modes(store_dir)[1])
    Bm25Index.build([c.id for c in chunks], [c.index_text for c in chunks]).save(gen / "bm25")
    DenseVectors.save(gen, vectors if len(chunks) else np.zeros((0, 0), dtype=np.float32))
    bounds = np.cumsum([0] + [len(t) for t in unit_texts])
    UnitVectors.save(gen, [c.id for c in chunks], [unit_matrix[a:b] for a, b in zip(bounds, bounds[1:])])
    atomic_write(gen / "chunks.json", json.dumps([c.to_dict() for c in chunks], ensure_ascii=False))
    # the answerer's term weights, counted once here instead of by every reader at start-up
    atomic_write(gen / TERMS, json.dumps({"n": len(chunks), "df": document_frequencies(c.index_text for c in chunks)},
                                         ensure_ascii=False))
    new.save_chunks(gen)
    conform(gen, store_dir)  # readable by whoever may read the store folder, before anyone is told of it
    new.generation_files = fingerprint(gen)
    new.updated_at = _now()
    new.save(store_dir)  # the commit
    _verify(store_dir, embedder.name, new, len(chunks))

    stale = sorted(chroma_ids - wanted)
    if stale:
        chroma.delete(stale)
    for old_gen in store_dir.glob("gen-*"):
        if old_gen.name not in (gen.name, current.name):
            shutil.rmtree(old_gen, ignore_errors=True)
    for part in ("chroma", "embeddings.sqlite"):
        conform(store_dir / part, store_dir)
    progress("opslaan", 1, 1)
    return report


def _intact(store_dir: Path, model: str, committed: Manifest, report: Report) -> bool:
    """Whether the committed generation reads back whole; when not, say so (the run
    then writes a new generation from the manifest)."""
    try:
        load_snapshot(store_dir, model)
    except StoreDamaged as exc:
        report.repaired.append(f"{exc} — generatie {committed.generation + 1} opnieuw opgebouwd uit het manifest "
                               f"(rebuilt from the manifest)")
        return False
    return True


def _verify(store_dir: Path, model: str, committed: Manifest, chunks: int) -> None:
    """Read the commit back: an ingestion never reports success on an index a reader
    cannot load."""
    snap = load_snapshot(store_dir, model)
    if snap.generation != committed.generation or len(snap.chunks) != chunks:
        raise StoreDamaged(f"De zojuist geschreven generatie {committed.generation} leest niet terug "
                           f"({len(snap.chunks)} van {chunks} chunks) (the new generation does not read back)")


def _embed(store_dir: Path, embedder, chunks: list[Chunk], report: Report, progress: Progress):
    """Chunk vectors, sentence vectors and the sentence texts per chunk, from the cache
    where it has them. A cache found damaged halfway is rebuilt once and the step redone."""
    # every answer unit (sentence, list item) is embedded too: the answerer compares
    # the question with each sentence, not only with whole chunks
    unit_texts = [[u.text for u in split_units(c.text, c.section)] for c in chunks]
    cache = open_cache(store_dir, embedder.name, report.repaired)
    try:
        for attempt in (1, 2):
            done, total = [0], len(chunks) + sum(len(t) for t in unit_texts)

            def tick(n: int) -> None:
                done[0] += n
                progress("embedden", done[0], total)

            try:
                vectors, report.embedded = cache.embed(embedder.name, [c.index_text for c in chunks],
                                                       embedder.embed_passages, embedder.batch_size, tick)
                tick(len(chunks) - done[0])  # cached texts are done too
                flat = [t for texts in unit_texts for t in texts]
                unit_matrix, report.sentences_embedded = cache.embed(embedder.name, flat, embedder.embed_passages,
                                                                     embedder.batch_size, tick)
                tick(total - done[0])
                return vectors, unit_matrix, unit_texts
            except CacheDamaged as exc:
                if attempt == 2:
                    raise
                cache.close()
                cache = rebuild_cache(store_dir, embedder.name, exc, report.repaired)
    finally:
        cache.close()
    raise AssertionError("unreachable")


def _previous_chunks(gen: Path) -> dict[str, dict]:
    try:
        return {d["id"]: d for d in json.loads((gen / "chunks.json").read_text(encoding="utf-8"))}
    except (OSError, ValueError):
        return {}


def _ingest_file(path: Path, before: FileEntry | None, report: Report) -> FileEntry | None:
    name = path.name
    try:
        if path.suffix.lower() not in SUPPORTED:
            load_document(path)  # raises the LoadError with the Dutch/English reason
        digest = _sha256(path)
        # a file read by older reading or chunking code is read again (its vectors stay cached)
        if before is not None and before.sha256 == digest and before.reader == READER_VERSION:
            title = title_for(path, before.title if before.title != readable_name(path) else None)
            date = catalog_date(path) or (before.chunks[0].get("date") if before.chunks else None)
            if title == before.title and all(c.get("date") == date for c in before.chunks):
                report.unchanged.append(name)
                return FileEntry(**{**before.__dict__, "path": str(path)})
            # same text, new title or date from the catalogue: relabel the chunks, embed nothing
            report.updated.append(name)
            chunks = [{**c, "title": title, "date": date} if date else {**c, "title": title} for c in before.chunks]
            return FileEntry(**{**before.__dict__, "path": str(path), "title": title, "chunks": chunks})
        doc = load_document(path)
        title = title_for(path, doc.title)
        chunks = chunk_document(doc, title=title, date=catalog_date(path) or doc.date)
        if not chunks:
            raise LoadError(name, "bevat geen bruikbare tekst", "contains no usable text")
    except LoadError as exc:
        report.failed.append((name, exc.reason))
        return None
    except Exception as exc:  # a bug or an odd file must not stop the run
        report.failed.append((name, f"onverwachte fout bij verwerken (unexpected error): {type(exc).__name__}: {exc}"))
        return None
    (report.updated if before is not None else report.added).append(name)
    return FileEntry(sha256=digest, path=str(path), kind=doc.kind, title=title, reader=READER_VERSION,
                     chunks=[c.to_dict() for c in chunks], ingested_at=_now())
