"""Start the app as `make run` does, on a free local port, and stop it again.

One way to do it for the real-browser tests, the cold-start benchmark and the README
screenshot: each needs the same server process, the same health check and the same
certain shutdown, and differs only in its environment and what it does with a failure.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


class AppDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python() -> str:
    """The project's environment when there is one (as `make run` uses), else this interpreter."""
    venv = PROJECT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def wait_healthy(url: str, process: subprocess.Popen, timeout: float, poll: float) -> None:
    """Return once Streamlit's health endpoint answers; AppDidNotStart if the process
    ends first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AppDidNotStart(f"streamlit stopte met exitcode {process.returncode} "
                                 f"(streamlit stopped with exit code {process.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll)
    raise AppDidNotStart(f"streamlit antwoordde niet binnen {timeout:.0f} s op {url} "
                         f"(streamlit did not answer within {timeout:.0f} s)")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_app(env: dict[str, str], log=subprocess.DEVNULL, timeout: float = 120,
                poll: float = 0.5) -> Iterator[str]:
    """The app's URL while it runs with ``env`` (its whole environment); output goes to
    ``log``. Stopped on leaving, whatever happened."""
    port = free_port()
    process = subprocess.Popen(
        [python(), "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout, poll)
        yield url
    finally:
        stop(process)
