"""Changes to the shared corpus, which every visitor is answered from. Only an
administrator gets here (webapp.admin); every change is written to a log: who,
when, what.

- add: files uploaded by the administrator, kept in ``<store>/../uploads``;
- publish: a visitor's own document copied into that folder and ingested;
- remove: the original file is moved to ``<app dir>/verwijderd`` (so it can be put
  back) and its folder is read again: a file gone from a scanned folder leaves the
  index. That is the ingestion's own rule, so the CLI (``python -m ingest``) and the
  app agree on what the corpus is.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

from vectorstore.manifest import Manifest
from vectorstore.store import DocumentInfo
from webapp.uploads import BUSY, Progress, UploadResult, ingest_uploads, supported

log = logging.getLogger("twente_board.app.corpus")


class SharedCorpus:
    def __init__(self, settings):
        self.settings = settings
        self.uploads = settings.store_dir.parent / "uploads"
        self.log_path = settings.app_data_dir / "corpus-wijzigingen.jsonl"
        self.removed_dir = settings.app_data_dir / "verwijderd"
        self._lock = threading.Lock()  # one change at a time from this process

    def documents(self) -> list[DocumentInfo]:
        try:
            # counts only: each file's chunks are not read (a large index has hundreds of MB of them)
            manifest = Manifest.load(self.settings.store_dir, chunks=False)
        except (OSError, ValueError):
            return []
        return [DocumentInfo(name, e.title, e.kind, e.chunk_count, e.ingested_at)
                for name, e in sorted(manifest.files.items())]

    def updated_at(self) -> str:
        try:
            return Manifest.load(self.settings.store_dir, chunks=False).updated_at
        except (OSError, ValueError):
            return ""

    def file_path(self, name: str) -> Path | None:
        try:
            entry = Manifest.load(self.settings.store_dir, chunks=False).files.get(name)
        except (OSError, ValueError):
            return None
        return Path(entry.path) if entry is not None and Path(entry.path).is_file() else None

    # ------------------------------------------------------------------ changes

    def add(self, files: list[tuple[str, bytes]], who: str, assistant,
            progress: Progress | None = None) -> UploadResult:
        with self._lock:
            result = ingest_uploads(files, self.uploads, self.settings, assistant.embedder,
                                    max_bytes=self.settings.max_upload_mb * 2**20, progress=progress)
            self._after(result, who, "upload van de beheerder", assistant)
        return result

    def publish(self, path: Path, who: str, origin: str, assistant, progress: Progress | None = None) -> UploadResult:
        """Copy a visitor's document into the shared corpus. A name the shared index
        already has is refused: publishing never replaces a document."""
        with self._lock:
            indexed = Manifest.load(self.settings.store_dir, chunks=False).files

            def refuse(name: str) -> str | None:
                if name in indexed:
                    return ("er staat al een document met deze naam in de gedeelde index; verwijder dat eerst "
                            "of publiceer dit document onder een andere naam")
                return None

            result = ingest_uploads([(path.name, path.read_bytes())], self.uploads, self.settings, assistant.embedder,
                                    max_bytes=self.settings.max_upload_mb * 2**20, refuse=refuse, progress=progress)
            result.rows = [(n, "gepubliceerd" if s == "toegevoegd" else s, r) for n, s, r in result.rows]
            self._after(result, who, origin, assistant)
        return result

    def remove(self, name: str, who: str, assistant) -> str | None:
        """Take one document out of the shared corpus; None when done, else why not."""
        from ingest.pipeline import IngestBusy, ingest, scan

        with self._lock:
            manifest = Manifest.load(self.settings.store_dir, chunks=False)
            entry = manifest.files.get(name)
            if entry is None:
                return "Dit document staat niet (meer) in de index."
            path = Path(entry.path)
            folder = path.parent
            known = {Path(e.path).resolve() for e in manifest.files.values()}
            present = scan([folder], skip=self.settings.store_dir)[0] if folder.is_dir() else []
            strangers = sorted(f.name for f in present if f.resolve() not in known and f.suffix.lower() in supported())
            if strangers:
                # reading the folder again would add these; leave that to someone who means to
                return (f"De map {folder} bevat ook documenten die niet in de index staan ({', '.join(strangers[:3])}"
                        f"{' …' if len(strangers) > 3 else ''}); verwijder dit document met de commandoregel.")
            self.removed_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            aside = self.removed_dir / f"{stamp}-{name}"
            made_folder = not folder.exists()
            folder.mkdir(parents=True, exist_ok=True)  # the original may be gone already
            if path.exists():
                shutil.move(path, aside)
            try:
                report = ingest([folder], self.settings, assistant.embedder)
            except IngestBusy:
                if aside.exists():
                    shutil.move(aside, path)
                return BUSY
            finally:
                if made_folder:
                    shutil.rmtree(folder, ignore_errors=True)
            if name not in report.removed:
                if aside.exists():
                    shutil.move(aside, path)
                return "Het document kon niet uit de index worden gehaald: " + "; ".join(r for _, r in report.failed)
            self.record(who, "verwijderd", name, entry.title, f"origineel bewaard als {aside.name}")
            assistant.reload()
        return None

    def _after(self, result: UploadResult, who: str, origin: str, assistant) -> None:
        titles = {d.source: d.title for d in self.documents()}
        for name, status, _ in result.rows:
            if status in ("toegevoegd", "bijgewerkt", "gepubliceerd"):
                self.record(who, status, name, titles.get(name, name), origin)
        if result.changed or any(s == "gepubliceerd" for _, s, _ in result.rows):
            assistant.reload()  # the next question searches the new corpus

    # ------------------------------------------------------------------ the log

    def record(self, who: str, action: str, name: str, title: str, detail: str = "") -> dict:
        """One JSON line per change, written in a single append (several sessions of
        one server never interleave within a line), and the same on the app's log."""
        entry = {"tijd": datetime.now(timezone.utc).isoformat(timespec="seconds"), "wie": who, "actie": action,
                 "document": name, "titel": title, "toelichting": detail}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        log.warning("gedeeld corpus %s: %s (%s) door %s", action, name, detail, who)
        return entry

    def history(self, limit: int = 50) -> list[dict]:
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in reversed(lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
            if len(out) >= limit:
                break
        return out
