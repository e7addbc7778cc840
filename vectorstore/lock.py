"""The ingestion lock: one writer per store, readers never take it.

A writer that finds the store busy says so at once and waits up to ``wait`` seconds
(``--wait``), then gives up with ``StoreBusy`` (exit code 4). Readers only need to know
whether a first ingestion is still building a store that has no committed generation;
they look without writing (a read-only store must stay untouched).
"""
from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from vectorstore.errors import StoreBusy
from vectorstore.files import modes

LOCK_NAME = ".ingest.lock"


def busy_message(store_dir: Path, wait: float) -> str:
    return (f"De index in {store_dir} wordt bijgewerkt door een andere ingestie; wacht maximaal {wait:g} s "
            f"(store busy: another ingestion is running; waiting up to {wait:g} s) …")


@contextmanager
def writer_lock(store_dir: Path, wait: float, on_wait: Callable[[str], None] | None = None,
                busy: type[StoreBusy] = StoreBusy) -> Iterator[None]:
    """Hold the store's ingestion lock; ``on_wait`` hears once that the store is busy
    before the wait starts."""
    lock = FileLock(str(store_dir / LOCK_NAME), mode=modes(store_dir)[0])
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(busy_message(store_dir, wait))
        started = time.monotonic()
        try:
            lock.acquire(timeout=max(wait, 0))
        except Timeout:
            raise busy(f"Een andere ingestie gebruikt {store_dir} al; probeer het later opnieuw of geef --wait "
                       f"(another ingestion is using this store; waited {time.monotonic() - started:.1f} s, "
                       f"limit {wait:g} s)") from None
    try:
        yield
    finally:
        lock.release()


def ingestion_running(store_dir: Path) -> bool:
    """True while an ingestion holds the lock. Opens the lock file read-only and takes
    (and drops) a shared lock: no write, so it works on a read-only store."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; report not busy
        return False
    try:
        fd = os.open(store_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def wait_for_first_commit(store_dir: Path, wait: float, on_wait: Callable[[str], None] | None = None,
                          poll: float = 0.2) -> None:
    """For a reader: return at once when the store has a committed generation or no
    ingestion is building one; otherwise wait up to ``wait`` seconds for the first
    commit, then raise StoreBusy."""
    manifest = store_dir / "manifest.json"
    if manifest.exists() or not ingestion_running(store_dir):
        return
    if on_wait is not None and wait > 0:
        on_wait(f"De index in {store_dir} wordt voor het eerst opgebouwd; wacht maximaal {wait:g} s "
                f"(store busy: the first ingestion is running; waiting up to {wait:g} s) …")
    deadline = time.monotonic() + max(wait, 0)
    while time.monotonic() < deadline:
        time.sleep(min(poll, max(deadline - time.monotonic(), 0)))
        if manifest.exists() or not ingestion_running(store_dir):
            return
    raise StoreBusy(f"De index in {store_dir} wordt nog opgebouwd door een ingestie; probeer het zo opnieuw of geef "
                    f"--wait (store busy: no generation committed yet; waited {wait:g} s)")
