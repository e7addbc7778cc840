"""What can be wrong with a store, as exceptions the command-line tools map to exit codes.

``StoreError`` alone is a usage problem (e.g. an index built with another embedder:
exit 2); the two subclasses have codes of their own (README, "Exitcodes").
"""
from __future__ import annotations

BUSY_EXIT = 4  # another ingestion holds the store; try again (or --wait)
DAMAGED_EXIT = 5  # the store is damaged or unreadable: repair with python -m ingest / --reset


class StoreError(RuntimeError):
    pass


class StoreBusy(StoreError):
    exit_code = BUSY_EXIT


class StoreDamaged(StoreError):
    exit_code = DAMAGED_EXIT


def exit_code(exc: StoreError) -> int:
    return getattr(exc, "exit_code", 2)
