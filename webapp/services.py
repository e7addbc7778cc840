"""What every visitor's page shares within one server process: the assistant (loaded
in the background, so the first page appears before the models are in memory), the
conversation store, the private and shared document stores, the answer queue, the
background jobs and the file links.

app.py's lifespan calls ``services()`` when the server starts, so loading begins
before the first visitor arrives; pages call it too and get the same object.
"""
from __future__ import annotations

import logging
import threading
import time

from common.config import Settings
from webapp.answering import AnswerQueue
from webapp.conversations import ConversationStore
from webapp.corpus import SharedCorpus
from webapp.files import FileLinks, load_secret
from webapp.jobs import Jobs
from webapp.private import PrivateDocuments

log = logging.getLogger("twente_board.app")

CLEANUP_EVERY = 600  # s between sweeps for expired private documents


class LoadError(RuntimeError):
    pass


class Services:
    def __init__(self, settings: Settings):
        self.settings = settings
        data = settings.app_data_dir
        self.conversations = ConversationStore(data / "gesprekken.sqlite")
        self.private = PrivateDocuments(settings, self.conversations)
        self.corpus = SharedCorpus(settings)
        self.jobs = Jobs()
        self.links = FileLinks(load_secret(data))
        self.answers = AnswerQueue(self.conversations, self.private, self.assistant)
        self._assistant = None
        self.load_error: str | None = None
        self.loaded = threading.Event()
        threading.Thread(target=self._load, name="load-assistant", daemon=True).start()
        threading.Thread(target=self._cleanup, name="private-cleanup", daemon=True).start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            from assistant.core import Assistant  # the heavy imports (Chroma, models) happen here

            assistant = Assistant(self.settings)
            self._warm_up(assistant)
            self._assistant = assistant
            log.info("assistant loaded in %.1f s", time.perf_counter() - started)
        except Exception as exc:  # a broken or foreign index, a missing model: shown on the page
            log.exception("assistant could not be loaded")
            self.load_error = str(exc) or type(exc).__name__
        finally:
            self.loaded.set()

    @staticmethod
    def _warm_up(assistant) -> None:
        """One question nobody asked: the first real one then does not pay for opening
        Chroma's index on disk and the first embedding."""
        try:
            for _ in assistant.ask_stream("Wat doet de Twente Board?"):
                pass
        except Exception:  # the real question will report what is wrong
            log.warning("warming up the assistant failed", exc_info=True)

    def assistant(self, timeout: float | None = None):
        """The loaded Assistant, waiting for it; LoadError when loading failed."""
        if not self.loaded.wait(timeout):
            raise LoadError("De assistent wordt nog geladen.")
        if self._assistant is None:
            raise LoadError(f"De assistent kon niet starten: {self.load_error}")
        return self._assistant

    def ready(self):
        """The Assistant if it is loaded, else None (never waits)."""
        return self._assistant if self.loaded.is_set() else None

    def _cleanup(self) -> None:
        while True:
            try:
                self.private.expire()
            except Exception:
                log.exception("cleanup of expired private documents failed")
            time.sleep(CLEANUP_EVERY)


_services: dict[Settings, Services] = {}
_lock = threading.Lock()


def services(settings: Settings) -> Services:
    """One Services per configuration in this process (tests run several)."""
    with _lock:
        if settings not in _services:
            _services[settings] = Services(settings)
        return _services[settings]
