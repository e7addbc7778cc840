import subprocess
import sys

import pytest

from webapp.launch import AppDidNotStart, free_port, wait_healthy


def test_a_server_process_that_ends_is_reported_at_once():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(AppDidNotStart, match="exit code 3"):
        wait_healthy(f"http://127.0.0.1:{free_port()}", process, timeout=60, poll=0.05)


def test_a_server_that_never_answers_times_out():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(AppDidNotStart, match="within 1 s"):
            wait_healthy(f"http://127.0.0.1:{free_port()}", process, timeout=1, poll=0.1)
    finally:
        process.kill()
        process.wait()
