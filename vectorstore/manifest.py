"""The manifest: which files are in the index, their content hashes and chunks.

It is the commit point of an ingestion: it is replaced atomically, after the vectors
and the BM25 index it names are on disk. A reader that loads it sees one consistent
generation, whatever an ingestion running beside it is doing.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = 1


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

    @classmethod
    def load(cls, store_dir: Path) -> "Manifest":
        path = store_dir / "manifest.json"
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"Onbekend manifestformaat in {path} (unknown manifest format); herbouw met --reset")
        files = {name: FileEntry(**entry) for name, entry in data["files"].items()}
        return cls(files=files, generation=data["generation"], embedder=data["embedder"], updated_at=data["updated_at"])

    def save(self, store_dir: Path) -> None:
        data = {"format": FORMAT, "generation": self.generation, "embedder": self.embedder,
                "updated_at": self.updated_at, "files": {k: asdict(v) for k, v in sorted(self.files.items())}}
        atomic_write(store_dir / "manifest.json", json.dumps(data, ensure_ascii=False, indent=1))


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
