"""Ingestion and search against a real Chroma server (``chroma run``) on loopback."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.config import Settings
from ingest.pipeline import ingest
from tests.conftest import FakeEmbedder
from vectorstore.chroma import ChromaIndex, collection_name
from vectorstore.store import Store

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 60.0
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    assert CHROMA.exists(), f"chroma CLI not found at {CHROMA}"
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", HOST, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, last_error = time.monotonic() + STARTUP_TIMEOUT, None
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with code {proc.returncode} before answering; log:\n"
                            f"{(data / 'server.log').read_text(errors='replace')[-3000:]}")
            try:
                client = chromadb.HttpClient(host=HOST, port=port, settings=ChromaSettings(anonymized_telemetry=False))
                client.heartbeat()
                break
            except Exception as exc:  # connection refused while it starts
                last_error = exc
            if time.monotonic() > deadline:
                pytest.fail(f"Chroma server on {HOST}:{port} did not answer its heartbeat within "
                            f"{STARTUP_TIMEOUT:.0f} s (last error: {last_error!r}); log:\n"
                            f"{(data / 'server.log').read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield port, proc
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def server_settings(chroma_server, tmp_path) -> Settings:
    port, _ = chroma_server
    return Settings(store_dir=tmp_path / "store", chroma_host=HOST, chroma_port=port, lock_timeout=1.0)


def test_ingest_and_search_through_the_server(server_settings, corpus_copy, chroma_server):
    report = ingest([corpus_copy], server_settings, FakeEmbedder())
    assert len(report.added) == 5 and report.exit_code == 0 and report.chunks > 0
    # vectors live in the server, not in an embedded store next to the manifest
    assert not (server_settings.store_dir / "chroma").exists()

    st = Store(server_settings, FakeEmbedder.name)
    assert len(st.chunks) == report.chunks
    remote = ChromaIndex.open(FakeEmbedder.name, host=HOST, port=server_settings.chroma_port)
    assert remote.ids() == set(st.chunks) and remote._collection.name == collection_name(FakeEmbedder.name)

    dense = st.dense(FakeEmbedder().embed_query("Hoeveel inwoners heeft Twente?"), 5)
    assert len(dense) == 5 and all(cid in st.chunks for cid, _ in dense)
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    sparse = st.sparse("inwoners gemeenten", 5)
    assert sparse and all(cid in st.chunks for cid, _ in sparse)
    deal = "004_5cdf79aa927f76dd.txt"
    filtered = st.dense(FakeEmbedder().embed_query("Regio Deal"), 5, sources=[deal])
    assert filtered and all(deal in st.chunks[cid].sources for cid, _ in filtered)

    # re-ingest unchanged: nothing embedded, nothing rewritten
    embedder = FakeEmbedder()
    again = ingest([corpus_copy], server_settings, embedder)
    assert sorted(again.unchanged) == sorted(report.added) and embedder.embedded == 0
    assert Store(server_settings, FakeEmbedder.name).manifest.generation == 1
    assert remote.ids() == set(st.chunks)

    # an incremental change goes through the server too
    (corpus_copy / deal).unlink()
    removed = ingest([corpus_copy], server_settings, FakeEmbedder())
    assert removed.removed == [deal]
    st = Store(server_settings, FakeEmbedder.name)
    assert remote.ids() == set(st.chunks) and not any(deal in c.sources for c in st.chunks.values())
    assert chroma_server[1].poll() is None, "the server must still be running"


def test_a_long_lived_reader_sees_new_commits_through_the_server(server_settings, corpus_copy):
    ingest([corpus_copy], server_settings, FakeEmbedder())
    st = Store(server_settings, FakeEmbedder.name)
    query = FakeEmbedder().embed_query("zeppelinmuseum luchtschip ballonvaart")
    (corpus_copy / "zeppelin.txt").write_text("Luchtvaart\n\nHet zeppelinmuseum toont een luchtschip en de "
                                              "geschiedenis van de ballonvaart in Twente.", encoding="utf-8")
    ingest([corpus_copy], server_settings, FakeEmbedder())
    snap = st.snapshot()
    new = {cid for cid, c in snap.chunks.items() if c.source == "zeppelin.txt"}
    assert snap.generation == 2 and new and snap.dense(query, 1)[0][0] in new
    assert snap.dense(query, 3, sources=["zeppelin.txt"])[0][0] in new


def test_an_embedded_store_is_served_by_chroma_run_on_its_folder(tmp_path, corpus_copy):
    """The way from one machine to many: `chroma run --path STORE/chroma` serves the
    vectors ingestion wrote; app instances set ASSISTANT_CHROMA_HOST and read the same
    manifest and generation (a shared or copied store folder). Same hits as the exact
    search of the embedded store."""
    embedded = Settings(store_dir=tmp_path / "store", lock_timeout=1.0)
    ingest([corpus_copy], embedded, FakeEmbedder())
    exact = Store(embedded, FakeEmbedder.name)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(embedded.store_dir / "chroma"), "--host", HOST,
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                chromadb.HttpClient(host=HOST, port=port, settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
                break
            except Exception:
                assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
                time.sleep(0.3)
        served = Store(Settings(store_dir=embedded.store_dir, chroma_host=HOST, chroma_port=port), FakeEmbedder.name)
        for question in ("Hoeveel inwoners heeft Twente?", "Regio Deal bijdrage van het Rijk", "circulaire economie"):
            vector = FakeEmbedder().embed_query(question)
            ours, theirs = exact.dense(vector, 5), served.dense(vector, 5)
            assert [cid for cid, _ in theirs] == [cid for cid, _ in ours], question
            assert [round(s, 4) for _, s in theirs] == [round(s, 4) for _, s in ours]
    finally:
        stop(proc)
        log.close()
