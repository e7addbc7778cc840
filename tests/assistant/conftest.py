"""Fixtures of the assistant tests that cost minutes: one real instruction-tuned model
server per test session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def qwen():
    """llama.cpp (xllamacpp) serving Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0, Qwen
    team / Alibaba Cloud; see tests/assistant/llm_servers.py for where it comes from):
    n_ctx 4096, two compute threads that sleep when idle. Deterministic at temperature 0."""
    from tests.assistant.llm_servers import LlamaServer, assemble_qwen

    server = LlamaServer(assemble_qwen(), n_ctx=4096, threads=2)
    yield server
    server.stop()
