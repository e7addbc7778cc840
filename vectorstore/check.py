"""``python -m ingest --check``: is this store whole, and if not, what repairs it.

Checks, in order: the manifest; the committed generation's files against their
fingerprints (size and sha256); that chunks, BM25, chunk vectors and sentence vectors
load and agree in count and ids; that every document of the manifest is in the chunks;
Chroma (embedded or server) holds a vector for every chunk, equal to the generation's;
the embedding cache passes SQLite's integrity check. It reads and repairs nothing —
except that opening an embedded Chroma is done by Chroma, which writes to its files.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vectorstore.errors import StoreDamaged, StoreError
from vectorstore.lock import ingestion_running
from vectorstore.manifest import NAME as MANIFEST, Manifest, ManifestDamaged, sha256_file
from vectorstore.store import generation_dir, load_snapshot, open_chroma

RESET = "python -m ingest <mappen> --reset"
RERUN = "python -m ingest <mappen>"
SAMPLE = 200  # Chroma vectors compared with the generation's


@dataclass
class Finding:
    part: str
    ok: bool
    message: str
    fix: str = ""


@dataclass
class CheckReport:
    store: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, part: str, ok: bool, message: str, fix: str = "") -> None:
        self.findings.append(Finding(part, ok, message, fix))

    def summary(self) -> str:
        lines = [f"Controle van / check of {self.store}:"]
        for f in self.findings:
            lines.append(f"  [{'OK' if f.ok else 'FOUT'}] {f.part}: {f.message}")
            if f.fix:
                lines.append(f"         herstel / repair: {f.fix}")
        lines.append("Index in orde (store is healthy)." if self.ok else
                     "Index beschadigd (store damaged); zie herstel hierboven.")
        return "\n".join(lines)


def check_store(settings, embedder_name: str) -> CheckReport:
    store_dir: Path = settings.store_dir
    report = CheckReport(store_dir)
    if ingestion_running(store_dir):
        report.add("slot / lock", True, "er loopt nu een ingestie; de controle gaat over de laatste commit "
                                        "(an ingestion is running; checking the last commit)")
    manifest = _check_manifest(store_dir, report)
    if manifest is not None and manifest.generation:
        snap = _check_generation(store_dir, embedder_name, manifest, report)
        if snap is not None:
            _check_chroma(settings, embedder_name, snap, report)
    _check_cache(store_dir, embedder_name, report)
    return report


def _check_manifest(store_dir: Path, report: CheckReport) -> Manifest | None:
    try:
        manifest = Manifest.load(store_dir)  # with each file's chunks (files.json): the next ingestion needs them
    except ManifestDamaged as exc:
        report.add("manifest", False, str(exc), RESET)
        return None
    if not (store_dir / MANIFEST).exists():
        leftovers = sorted(p.name for p in store_dir.glob("gen-*")) if store_dir.exists() else []
        if leftovers:
            report.add("manifest", False, f"manifest.json ontbreekt maar {', '.join(leftovers)} staat er: een eerste "
                                          f"ingestie die niet afrondde, of een verloren manifest (manifest missing)",
                       RESET)
        else:
            report.add("manifest", True, "nog niets geïndexeerd (empty store)")
        return None
    report.add("manifest", True, f"generatie {manifest.generation}, {len(manifest.files)} documenten, "
                                 f"embedder {manifest.embedder or '-'}")
    if manifest.format < 2:
        report.add("formaat / format", False, "index van een oudere versie, zonder vectors.npy (older format)", RERUN)
    return manifest


def _check_generation(store_dir: Path, embedder_name: str, manifest: Manifest, report: CheckReport):
    gen = generation_dir(store_dir, manifest.generation)
    bad = []
    for rel, info in sorted(manifest.generation_files.items()):
        path = gen / rel
        if not path.is_file():
            bad.append(f"{rel} ontbreekt")
        elif path.stat().st_size != info.get("size"):
            bad.append(f"{rel}: {path.stat().st_size} bytes i.p.v. {info.get('size')}")
        elif sha256_file(path) != info.get("sha256"):
            bad.append(f"{rel}: inhoud gewijzigd (sha256 differs)")
    if bad:
        report.add(f"generatie / generation {gen.name}", False, "; ".join(bad), RERUN)
    else:
        report.add(f"generatie / generation {gen.name}", True,
                   f"{len(manifest.generation_files)} bestanden, grootte en sha256 kloppen (sizes and hashes match)")
    try:
        snap = load_snapshot(store_dir, embedder_name)
    except StoreDamaged as exc:
        report.add("inhoud / contents", False, str(exc), RERUN)
        return None
    except StoreError as exc:  # another embedder: not damage, but nothing to compare with
        report.add("embedder", False, str(exc), RESET)
        return None
    report.add("inhoud / contents", True, f"{len(snap.chunks)} chunks; BM25, chunkvectoren en "
                                          f"{len(snap.units)} zinsvectoren horen erbij (counts and ids agree)")
    documents = {name for name, e in manifest.files.items() if e.chunk_count}
    held = {s for c in snap.chunks.values() for s in c.sources}
    if documents - held or held - documents:
        report.add("documenten / documents", False,
                   f"niet in de chunks: {sorted(documents - held)[:5]}; onbekend: {sorted(held - documents)[:5]}",
                   RERUN)
    else:
        report.add("documenten / documents", True, f"alle {len(documents)} documenten staan in de chunks")
    return snap


def _check_chroma(settings, embedder_name: str, snap, report: CheckReport) -> None:
    where = f"server {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else "chroma/"
    if not settings.chroma_host and not (settings.store_dir / "chroma").is_dir():
        report.add(f"Chroma ({where})", False, "map ontbreekt (folder missing)", RERUN)
        return
    chroma = None
    try:
        chroma = open_chroma(settings, embedder_name)
        ids = chroma.ids()
        missing = set(snap.chunks) - ids
        extra = ids - set(snap.chunks)
        sample = sorted(set(snap.chunks) & ids)[:SAMPLE]
        got = chroma._collection.get(ids=sample, include=["embeddings"]) if sample else {"ids": [], "embeddings": []}
    except Exception as exc:
        report.add(f"Chroma ({where})", False, f"onleesbaar: {type(exc).__name__}: {exc}",
                   f"{RERUN} (zet een beschadigde ingebedde Chroma apart en vult hem opnieuw)"
                   if not settings.chroma_host else "controleer de Chroma-server")
        return
    finally:
        if chroma is not None:
            chroma.close()
    if missing:
        report.add(f"Chroma ({where})", False, f"{len(missing)} van {len(snap.chunks)} chunks zonder vector "
                                               f"(vectors missing)", RERUN)
        return
    rows = {cid: i for i, cid in enumerate(snap.chunks)}
    differ = 0
    if len(snap.vectors):
        for cid, vector in zip(got["ids"], got["embeddings"]):
            if not np.allclose(np.asarray(vector, dtype=np.float32), snap.vectors.row(rows[cid]), atol=1e-4):
                differ += 1
    if differ:
        report.add(f"Chroma ({where})", False, f"{differ} van {len(got['ids'])} vergeleken vectoren wijken af van "
                                               f"vectors.npy (vectors differ)", RERUN)
        return
    note = f"; {len(extra)} vectoren van een onafgemaakte run (de volgende ingestie ruimt ze op)" if extra else ""
    report.add(f"Chroma ({where})", True, f"{len(snap.chunks)} vectoren, {len(got['ids'])} vergeleken{note}")


def _check_cache(store_dir: Path, embedder_name: str, report: CheckReport) -> None:
    path = store_dir / "embeddings.sqlite"
    if not path.exists():
        report.add("embeddingcache", True, "geen cache (wordt bij de volgende ingestie gemaakt)")
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in db.execute("PRAGMA quick_check")]
            count = db.execute("SELECT count(*) FROM vectors WHERE model=?", (embedder_name,)).fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        result, count = [str(exc)], 0
    if result != ["ok"]:
        report.add("embeddingcache", False, f"beschadigd: {'; '.join(result[:3])}",
                   f"{RERUN} (zet de cache apart en bouwt hem opnieuw op uit de index)")
    else:
        report.add("embeddingcache", True, f"{count} vectoren voor {embedder_name}")
    aside = sorted(p.name for p in store_dir.glob("*.beschadigd-*"))
    if aside:
        report.add("apart gezet / set aside", True, f"{', '.join(aside)} (mag weg na inspectie / may be removed)")

