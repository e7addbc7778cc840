"""A conversation's own documents ("Mijn documenten"): uploaded by its visitor,
indexed in a store of their own, searched beside the shared corpus for that
conversation only, and removed a retention period after the last upload.

Layout (under ``<app dir>/eigen``)::

    <id-prefix>-<random>/bestanden/   the uploaded files
    <id-prefix>-<random>/index/       their store (the normal ingestion, embedded Chroma)

The folder name is random and recorded with the conversation: nothing about it can
be guessed from outside, and a cleared conversation that gets new uploads gets a new
folder (an embedded Chroma must never be reopened on a folder deleted under it).
Nothing here touches the shared store: a private upload reaches it only when an
administrator publishes it (webapp.corpus).
"""
from __future__ import annotations

import logging
import secrets
import shutil
import threading
from pathlib import Path

from vectorstore.manifest import Manifest
from vectorstore.store import DocumentInfo
from webapp.conversations import ConversationStore
from webapp.uploads import Progress, UploadResult, ingest_uploads

log = logging.getLogger("twente_board.app.private")

MAX_FILES = 20  # per conversation


class PrivateDocuments:
    def __init__(self, settings, conversations: ConversationStore):
        self.settings = settings
        self.conversations = conversations
        self.root = settings.app_data_dir / "eigen"
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._open: dict[str, tuple[int, object]] = {}  # folder -> (generation, Store)

    def lock(self, conversation_id: str) -> threading.Lock:
        """Held while a conversation's documents change, and while a question is
        answered from them: a question asked during an upload waits for it."""
        with self._guard:
            return self._locks.setdefault(conversation_id, threading.Lock())

    def store_settings(self, folder: Path):
        # always an embedded Chroma in the private folder, even when the shared store
        # uses a Chroma server: a private ingestion must never write to the shared collection
        return self.settings.with_overrides(store_dir=folder / "index", chroma_host="")

    def folder(self, conversation_id: str) -> Path | None:
        name = self.conversations.private_dir(conversation_id)
        return self.root / name if name else None

    # ------------------------------------------------------------------ reading

    def documents(self, conversation_id: str) -> list[DocumentInfo]:
        folder = self.folder(conversation_id)
        if folder is None:
            return []
        try:
            manifest = Manifest.load(folder / "index", chunks=False)  # counts only
        except (OSError, ValueError):
            return []
        return [DocumentInfo(name, e.title, e.kind, e.chunk_count, e.ingested_at)
                for name, e in sorted(manifest.files.items())]

    def file_path(self, conversation_id: str, name: str) -> Path | None:
        folder = self.folder(conversation_id)
        if folder is None:
            return None
        entry = Manifest.load(folder / "index", chunks=False).files.get(name)
        return Path(entry.path) if entry is not None and Path(entry.path).is_file() else None

    def open(self, conversation_id: str, embedder_name: str):
        """The conversation's store for the retriever, or None when it has no documents.
        Opened once per index generation."""
        from vectorstore.store import Store

        folder = self.folder(conversation_id)
        if folder is None:
            return None
        settings = self.store_settings(folder)
        generation = Manifest.load(settings.store_dir, chunks=False).generation
        if not generation:
            return None
        with self._guard:
            cached = self._open.get(str(folder))
            if cached and cached[0] == generation:
                return None if cached[1].empty else cached[1]
        store = Store(settings, embedder_name)
        with self._guard:
            self._open[str(folder)] = (generation, store)
        return None if store.empty else store

    # ------------------------------------------------------------------ changing

    def add(self, conversation_id: str, owner: str, files: list[tuple[str, bytes]], embedder,
            progress: Progress | None = None) -> UploadResult:
        with self.lock(conversation_id):
            if self.conversations.get(conversation_id, owner) is None:
                return UploadResult(error="Dit gesprek bestaat niet (meer).")
            folder = self.folder(conversation_id)
            if folder is None:
                folder = self.root / f"{conversation_id[:6]}-{secrets.token_hex(8)}"
                self.conversations.set_private_dir(conversation_id, owner, folder.name)
            have = {d.source for d in self.documents(conversation_id)}

            def refuse(name: str) -> str | None:
                if name not in have and len(have) >= MAX_FILES:
                    return f"je kunt in één gesprek hoogstens {MAX_FILES} eigen documenten gebruiken"
                have.add(name)
                return None

            result = ingest_uploads(files, folder / "bestanden", self.store_settings(folder), embedder,
                                    max_bytes=self.settings.max_upload_mb * 2**20, refuse=refuse, progress=progress)
            if result.changed:
                self.conversations.touch_private(conversation_id)
            if not self.documents(conversation_id):
                self._wipe(conversation_id, folder)
            return result

    def remove(self, conversation_id: str, owner: str, name: str, embedder) -> bool:
        """Remove one of the conversation's own documents; False when it has no such document."""
        from ingest.pipeline import ingest

        with self.lock(conversation_id):
            if self.conversations.get(conversation_id, owner) is None:
                return False
            path = self.file_path(conversation_id, name)
            folder = self.folder(conversation_id)
            if path is None or folder is None:
                return False
            path.unlink()
            if not any((folder / "bestanden").iterdir()):
                self._wipe(conversation_id, folder)
            else:
                # the files folder is scanned: a file gone from it leaves the index
                ingest([folder / "bestanden"], self.store_settings(folder), embedder)
            return True

    def wipe(self, conversation_id: str) -> None:
        with self.lock(conversation_id):
            folder = self.folder(conversation_id)
            if folder is not None:
                self._wipe(conversation_id, folder)

    def _wipe(self, conversation_id: str, folder: Path) -> None:
        with self._guard:
            self._open.pop(str(folder), None)
        _release_chroma(self.store_settings(folder).store_dir / "chroma")
        shutil.rmtree(folder, ignore_errors=True)
        self.conversations.clear_private(conversation_id)

    def remove_folder(self, name: str | None) -> None:
        """After the conversation itself was deleted."""
        if name:
            folder = self.root / name
            with self._guard:
                self._open.pop(str(folder), None)
            _release_chroma(folder / "index" / "chroma")
            shutil.rmtree(folder, ignore_errors=True)

    def expire(self) -> int:
        """Remove the documents of conversations whose last upload is older than the
        retention period; returns how many conversations were cleared."""
        expired = self.conversations.expired_private(self.settings.private_retention_hours)
        for conversation in expired:
            self.wipe(conversation.id)
            log.info("eigen documenten van gesprek %s… verwijderd (bewaartermijn verstreken)", conversation.id[:6])
        return len(expired)


def _release_chroma(path: Path) -> None:
    """Stop the embedded Chroma of a folder about to be removed. chromadb keeps one
    system per folder for the life of the process, and vectorstore's ChromaIndex has
    no close(); without this every removed private store would stay in memory."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        if system is not None:
            system.stop()
    except Exception:  # a chromadb without these internals: the memory stays, nothing breaks
        log.debug("could not release Chroma for %s", path, exc_info=True)
