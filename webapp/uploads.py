"""Uploaded files into an index as one transaction per file: saved, ingested, and put
back as they were when the ingestion refused them.

Used for a visitor's own documents (their conversation's private store) and for an
administrator's additions to the shared corpus; the callers decide which folder and
which index, and which names are not allowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

Progress = Callable[[str, int, int], None]  # (stage, done, total), as ingest.pipeline reports it

STATUS_ICONS = {"toegevoegd": ":material/check_circle:", "bijgewerkt": ":material/sync:",
                "ongewijzigd": ":material/remove:", "mislukt": ":material/error:",
                "gepubliceerd": ":material/public:", "verwijderd": ":material/delete:"}
BUSY = "De index wordt op dit moment bijgewerkt door een ander proces; probeer het zo opnieuw."


@dataclass
class UploadResult:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (file name, status, reason)
    error: str | None = None  # the whole run could not happen (index busy)

    @property
    def ok(self) -> bool:
        return self.error is None and all(status != "mislukt" for _, status, _ in self.rows)

    @property
    def changed(self) -> list[str]:
        return [name for name, status, _ in self.rows if status in ("toegevoegd", "bijgewerkt")]


def safe_name(name: str) -> str:
    name = Path(str(name).replace("\\", "/")).name  # no folders from the browser's file name
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" .")
    return name[:150]


def supported() -> set[str]:
    from ingest.loaders import SUPPORTED  # the ingester decides what it can read

    return set(SUPPORTED)


def upload_types() -> list[str]:
    return sorted(ext.lstrip(".") for ext in supported())


_KIND_NAMES = {".pdf": "PDF", ".docx": "Word", ".txt": "tekst", ".md": "Markdown", ".markdown": "Markdown",
               ".html": "HTML", ".htm": "HTML"}


def kinds_label() -> str:
    """What can be uploaded, for people: "PDF, Word, tekst, Markdown of HTML"."""
    order = list(_KIND_NAMES)
    names: list[str] = []
    for ext in sorted(supported(), key=lambda e: (order.index(e) if e in order else len(order), e)):
        name = _KIND_NAMES.get(ext, ext.lstrip(".").upper())
        if name not in names:
            names.append(name)
    return ", ".join(names[:-1]) + " of " + names[-1] if len(names) > 1 else "".join(names)


def ingest_uploads(files: list[tuple[str, bytes]], folder: Path, settings, embedder, *, max_bytes: int,
                   refuse: Callable[[str], str | None] = lambda name: None,
                   progress: Progress | None = None) -> UploadResult:
    """Save ``files`` in ``folder`` and ingest them into ``settings.store_dir``.

    One row per file (toegevoegd / bijgewerkt / ongewijzigd / mislukt with the
    reason). A broken file fails alone; a file the ingestion refuses leaves the
    folder as it was (a new file is removed, a replaced one restored), so the folder
    holds exactly the documents the index refers to. ``refuse(name)`` returns a
    reason to turn a name away before anything is written.
    """
    from ingest.pipeline import IngestBusy, ingest
    from vectorstore.manifest import Manifest

    folder.mkdir(parents=True, exist_ok=True)
    indexed = Manifest.load(settings.store_dir, chunks=False).files  # names and paths only
    allowed = supported()
    result = UploadResult()
    saved: dict[str, tuple[Path, bytes | None]] = {}  # name -> (path, previous content)
    order: list[str] = []
    for raw_name, data in files:
        name = safe_name(raw_name)
        order.append(name or str(raw_name))
        suffix = Path(name).suffix.lower()
        reason = None
        if not name or not Path(name).stem:
            name, reason = str(raw_name), "ongeldige bestandsnaam"
        elif suffix not in allowed:
            reason = f"bestandstype '{suffix or '(geen)'}' wordt niet ondersteund; kies {kinds_label()}"
        elif name in saved:
            reason = "staat twee keer in deze upload"
        elif len(data) > max_bytes:
            reason = f"het bestand is te groot (maximaal {max_bytes // 2**20} MB)"
        elif not data:
            reason = "het bestand is leeg"
        else:
            reason = refuse(name)
            if reason is None and name in indexed and \
                    Path(indexed[name].path).resolve() != (folder / name).resolve():
                # the index knows documents by file name; this one would replace another document
                reason = "er staat al een ander document met deze naam in de index; geef het bestand een andere naam"
        if reason:
            result.rows.append((name, "mislukt", reason))
            continue
        path = folder / name
        saved[name] = (path, path.read_bytes() if path.exists() else None)
        path.write_bytes(data)
    if saved:
        try:
            report = ingest([p for p, _ in saved.values()], settings, embedder, progress=progress)
        except IngestBusy as exc:
            _restore(saved, set(saved))
            result.error = f"{BUSY} ({exc})"
            return result
        failed = {Path(name).name: reason for name, reason in report.failed}
        for status, names in (("toegevoegd", report.added), ("bijgewerkt", report.updated),
                              ("ongewijzigd", report.unchanged)):
            result.rows += [(n, status, "") for n in names if n in saved]
        for name in saved:
            if name in failed:
                kept = " De vorige versie blijft in de index." if name in indexed else ""
                result.rows.append((name, "mislukt", failed[name] + kept))
        _restore(saved, set(failed) & set(saved))
    rank = {n: i for i, n in enumerate(order)}
    result.rows.sort(key=lambda row: rank.get(row[0], len(rank)))
    return result


def _restore(saved: dict[str, tuple[Path, bytes | None]], names: set[str]) -> None:
    for name in names:
        path, previous = saved[name]
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(previous)
