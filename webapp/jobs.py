"""Slow work (ingesting uploads, changing the shared corpus) in a thread of its own.

A Streamlit script run is interrupted whenever its visitor clicks or types; work
done inside it would stop half-way. A job runs outside any script run: the page
starts it, shows its progress while it runs, and shows its result when it is done,
whichever run (or reloaded page) of that visitor gets there first.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger("twente_board.app.jobs")

STAGES = {"lezen": ("Bestanden lezen", 0.0, 0.3), "embedden": ("Fragmenten inbedden", 0.3, 0.9),
          "opslaan": ("Index opslaan", 0.9, 1.0)}  # label, start and end of the stage on the bar


@dataclass
class Job:
    label: str
    stage: str = "Bezig…"
    fraction: float = 0.0
    result: Any = None
    error: str | None = None
    done: bool = False
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, stage: str, done: int, total: int) -> None:
        """The ingestion's progress callback: (stage, done, total)."""
        label, start, end = STAGES.get(stage, (stage, 0.0, 1.0))
        self.stage = f"{label}…"
        self.fraction = min(1.0, start + (end - start) * (done / total if total else 1.0))


class Jobs:
    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, key: str, label: str, work: Callable[[Job], Any]) -> Job | None:
        """Run ``work(job)`` in a thread; None when a job with this key still runs."""
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and not running.done:
                return None
            job = self._jobs[key] = Job(label)
        threading.Thread(target=self._run, args=(job, work), name=f"job-{key[:20]}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: Job, work: Callable[[Job], Any]) -> None:
        try:
            job.result = work(job)
        except Exception as exc:  # reported on the page, never a traceback there
            log.exception("job %s failed", job.label)
            job.error = str(exc) or type(exc).__name__
        finally:
            job.done = True
            job.finished.set()

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def take(self, key: str) -> Job | None:
        """The finished job under ``key``, removed; None while it runs or when there is none."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or not job.done:
                return None
            return self._jobs.pop(key)
