"""The manifest: which files are in the index, their content hashes and chunk counts,
and the fingerprint (size, sha256) of every file of the committed generation.

It is the commit point of an ingestion: it is replaced atomically, after the vectors
and the BM25 index it names are on disk. A reader that loads it sees one consistent
generation, whatever an ingestion running beside it is doing; the fingerprints let a
reader notice a damaged generation file with a stat, and ``--check`` with a hash.

Each file's own chunks (before cross-document dedupe: what lets the next ingestion skip
an unchanged file) are the ingestion's memory, not the readers': they live in the
generation's ``files.json``, so a reader of 100,000 chunks does not parse them twice
(format 2; format 1 kept them inline and is still read).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vectorstore.errors import StoreDamaged
from vectorstore.files import atomic_write

FORMAT = 2
READABLE = (1, 2)  # format 1: before fingerprints, files.json and vectors.npy; upgraded by the next ingestion
NAME = "manifest.json"
FILES = "files.json"  # in the generation folder: each file's own chunks


def generation_dir(store_dir: Path, generation: int) -> Path:
    return store_dir / f"gen-{generation:06d}"


class ManifestDamaged(StoreDamaged, ValueError):
    pass


@dataclass
class FileEntry:
    sha256: str
    path: str
    kind: str
    title: str
    chunks: list[dict]  # Chunk.to_dict() of the file's own chunks, before cross-document dedupe
    ingested_at: str
    chunk_count: int = -1  # len(chunks); known without them when the manifest is read without chunks
    reader: str = ""  # version of the reading and chunking code that made ``chunks`` ("" = before versions)

    def __post_init__(self) -> None:
        if self.chunk_count < 0:
            self.chunk_count = len(self.chunks)


@dataclass
class Manifest:
    files: dict[str, FileEntry] = field(default_factory=dict)
    generation: int = 0
    embedder: str = ""
    updated_at: str = ""
    # relative path inside the generation folder -> {"size": bytes, "sha256": hex}
    generation_files: dict[str, dict] = field(default_factory=dict)
    format: int = FORMAT

    @classmethod
    def load(cls, store_dir: Path, chunks: bool = True) -> "Manifest":
        """The committed manifest (empty when there is none). ``chunks=False`` leaves
        each file's own chunks unread (readers need only the counts)."""
        path = store_dir / NAME
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise ManifestDamaged(f"{path} is niet leesbaar ({exc}) (manifest unreadable)") from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ManifestDamaged(
                f"{path} is beschadigd ({exc}); herbouw met: python -m ingest <mappen> --reset "
                f"(manifest damaged; rebuild with --reset)") from None
        if not isinstance(data, dict) or data.get("format") not in READABLE:
            fmt = data.get("format") if isinstance(data, dict) else None
            raise ManifestDamaged(f"Onbekend manifestformaat {fmt!r} in {path} (unknown manifest format); "
                                  f"herbouw met --reset")
        try:
            files = {name: FileEntry(**{"chunks": [], **entry}) for name, entry in data["files"].items()}
            manifest = cls(files=files, generation=int(data["generation"]), embedder=str(data["embedder"]),
                           updated_at=str(data["updated_at"]),
                           generation_files=dict(data.get("generation_files") or {}), format=int(data["format"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestDamaged(f"{path} is onvolledig ({type(exc).__name__}: {exc}); herbouw met --reset "
                                  f"(manifest incomplete)") from None
        if chunks and manifest.format >= 2 and manifest.files:
            manifest._read_chunks(store_dir)
        return manifest

    def _read_chunks(self, store_dir: Path) -> None:
        path = generation_dir(store_dir, self.generation) / FILES
        try:
            per_file = json.loads(path.read_text(encoding="utf-8"))
            for name, entry in self.files.items():
                entry.chunks = list(per_file[name])
                if len(entry.chunks) != entry.chunk_count:
                    raise ValueError(f"{name}: {len(entry.chunks)} chunks, manifest says {entry.chunk_count}")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ManifestDamaged(f"{path} (de chunks per bestand) is onleesbaar ({type(exc).__name__}: {exc}); "
                                  f"herbouw met: python -m ingest <mappen> --reset (per-file chunks damaged)") from None

    def save(self, store_dir: Path) -> None:
        """Write manifest.json (the commit). The chunks per file must be in the
        generation folder already (``save_chunks``)."""
        files = {}
        for name, entry in sorted(self.files.items()):
            d = asdict(entry)
            d.pop("chunks")
            files[name] = d
        data = {"format": FORMAT, "generation": self.generation, "embedder": self.embedder,
                "updated_at": self.updated_at, "generation_files": dict(sorted(self.generation_files.items())),
                "files": files}
        atomic_write(store_dir / NAME, json.dumps(data, ensure_ascii=False, indent=1))
        self.format = FORMAT

    def save_chunks(self, generation_folder: Path) -> None:
        for entry in self.files.values():
            entry.chunk_count = len(entry.chunks)
        atomic_write(generation_folder / FILES,
                     json.dumps({name: e.chunks for name, e in sorted(self.files.items())}, ensure_ascii=False))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(directory: Path) -> dict[str, dict]:
    """Size and sha256 of every file below ``directory`` (a generation folder)."""
    return {p.relative_to(directory).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(directory.rglob("*")) if p.is_file()}
