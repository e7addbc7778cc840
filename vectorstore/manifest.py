"""The manifest: which files are in the index, their content hashes and chunks, and
the fingerprint (size, sha256) of every file of the committed generation.

It is the commit point of an ingestion: it is replaced atomically, after the vectors
and the BM25 index it names are on disk. A reader that loads it sees one consistent
generation, whatever an ingestion running beside it is doing; the fingerprints let a
reader notice a damaged generation file with a stat, and ``--check`` with a hash.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vectorstore.errors import StoreDamaged
from vectorstore.files import atomic_write

FORMAT = 2
READABLE = (1, 2)  # format 1: before fingerprints and vectors.npy; upgraded by the next ingestion
NAME = "manifest.json"


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
    def load(cls, store_dir: Path) -> "Manifest":
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
            files = {name: FileEntry(**entry) for name, entry in data["files"].items()}
            return cls(files=files, generation=int(data["generation"]), embedder=str(data["embedder"]),
                       updated_at=str(data["updated_at"]), generation_files=dict(data.get("generation_files") or {}),
                       format=int(data["format"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestDamaged(f"{path} is onvolledig ({type(exc).__name__}: {exc}); herbouw met --reset "
                                  f"(manifest incomplete)") from None

    def save(self, store_dir: Path) -> None:
        data = {"format": FORMAT, "generation": self.generation, "embedder": self.embedder,
                "updated_at": self.updated_at, "generation_files": dict(sorted(self.generation_files.items())),
                "files": {k: asdict(v) for k, v in sorted(self.files.items())}}
        atomic_write(store_dir / NAME, json.dumps(data, ensure_ascii=False, indent=1))
        self.format = FORMAT


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
