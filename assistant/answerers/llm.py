"""The LLM answerer: a local or self-hosted chat model writes the answer from the
numbered passages, streamed token by token; we keep only citations that point at a
real passage and fall back to the extractive answer whenever the model fails us.

The model never sees anything but the retrieved passages, and the extractive
answerer decides first whether they hold enough evidence at all: a question the
documents do not cover is refused without calling the model.

Streaming: ``stream`` yields text pieces as the model produces them. The returned
``Draft`` is authoritative: its citation numbers are renumbered 1..m and invalid ones
removed, so a UI shows the streamed text while it arrives and replaces it with
``Draft.text`` (``Answer.text``) at the end. When the model fails after some pieces
were shown, the separator ``"\\n\\n"`` is yielded before the extractive answer.
"""
from __future__ import annotations

import re
from typing import Generator
from urllib.parse import urlparse

from assistant.answerers.base import REFUSAL, Answerer, Draft, citation
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.lexicon import content_terms
from assistant.query import Query
from assistant.types import Citation, Passage
from common.text import split_sentences

LLM_CONTEXT_WINDOW = 8192
LLM_MAX_TOKENS = 512
LLM_TEMPERATURE = 0.1
OLLAMA_DEFAULT_URL = "http://localhost:11434"
# End-of-turn markers a server with a wrong chat template lets the model write as text;
# as stop sequences they end generation on the server (the OpenAI API allows four).
# Without them an answer we stop reading early keeps generating, and occupying the
# server's slot, until max_tokens.
STOP_SEQUENCES = ["<|im_end|>", "<|im_start|>", "<end_of_turn>", "<|eot_id|>"]

SEPARATOR = "\n\n"
NO_VALID_CITATIONS = ("Het taalmodel gaf geen antwoord met geldige bronverwijzingen; "
                      "hieronder het extractieve antwoord.")
MAX_PASSAGE_CHARS = 2000  # per passage in the prompt
HISTORY_TURNS = 4  # earlier turns shown to the model
HISTORY_CHARS = 300  # per turn
MAX_ANSWER_CHARS = 4000  # stop reading a runaway stream (max_tokens bounds it server-side too)

SYSTEM_PROMPT = (
    "Je bent een assistent die vragen beantwoordt over een verzameling documenten.\n"
    "Regels:\n"
    "- Antwoord uitsluitend op basis van de genummerde fragmenten die je krijgt; gebruik geen eigen kennis.\n"
    "- Antwoord kort en bondig: hooguit vier zinnen, in het Nederlands.\n"
    "- Zet achter elke bewering een bronverwijzing met het nummer van het fragment waar die vandaan komt, "
    "zoals [1] of [2, 3]. Gebruik alleen nummers van fragmenten die je gekregen hebt.\n"
    "- Neem cijfers, bedragen, namen en datums precies over zoals ze in de fragmenten staan.\n"
    f"- Staat het antwoord niet in de fragmenten, antwoord dan precies: {REFUSAL}"
)

# "[3]", "[1, 7]", "[ 2 ]"
_CITE = re.compile(r"\[\s*(\d{1,6}(?:\s*,\s*\d{1,6})*)\s*\]")
# end-of-turn tokens a misconfigured chat template lets through: the answer ends there
_STOP = re.compile(r"<\|im_end\|>|<\|im_start\|>|<end_of_turn>|<start_of_turn>|<\|eot_id\|>|<\|endoftext\|>|</s>")
_REFUSAL_HINT = re.compile(r"niet\s+in\s+de\s+(aangeleverde\s+|gegeven\s+)?(documenten|fragmenten)", re.IGNORECASE)


def unreachable_notice(reason: str) -> str:
    return f"Het taalmodel is niet bereikbaar ({reason}); hieronder het extractieve antwoord."


# ---------------------------------------------------------------------------- the LLM


def _openai_base(url: str) -> str:
    """The endpoint's base URL; a bare ``http://host:port`` gets the usual ``/v1``."""
    url = (url or "").strip().rstrip("/")
    if not url:
        raise ValueError("llm_base_url ontbreekt: een OpenAI-compatibele server heeft een basis-URL nodig "
                         "(never falling back to api.openai.com)")
    if urlparse(url).path in ("", "/"):
        url += "/v1"
    return url


def make_llm(settings):
    """The llama-index LLM for ``settings.llm_provider`` ("openai": any OpenAI-compatible
    server such as llama.cpp, vLLM or LM Studio; "ollama"). The base URL and API key
    are always passed explicitly, so llama-index never falls back to OpenAI's hosted
    API or to ``OPENAI_*`` environment variables."""
    provider = settings.llm_provider
    if provider == "openai":
        from llama_index.llms.openai_like import OpenAILike

        base = _openai_base(settings.llm_base_url)
        llm = OpenAILike(model=settings.llm_model, api_base=base, api_key=settings.llm_api_key or "not-needed",
                         is_chat_model=True, timeout=settings.llm_timeout, max_retries=0,
                         temperature=LLM_TEMPERATURE, context_window=LLM_CONTEXT_WINDOW, max_tokens=LLM_MAX_TOKENS,
                         additional_kwargs={"stop": list(STOP_SEQUENCES)})
        if llm.api_base != base:  # defensive: the hosted API must never be used
            raise ValueError(f"LLM-basis-URL werd {llm.api_base!r} in plaats van {base!r}")
        return llm
    if provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(model=settings.llm_model, base_url=(settings.llm_base_url or OLLAMA_DEFAULT_URL).rstrip("/"),
                      request_timeout=settings.llm_timeout, temperature=LLM_TEMPERATURE)
    raise ValueError(f"Geen LLM-provider ingesteld (llm_provider={provider!r})")


def short_reason(exc: BaseException) -> str:
    """A few words for the notice: what went wrong, not a traceback. Works on the
    exception classes of openai/httpx/ollama by name, so none of them is imported."""
    if isinstance(exc, _EmptyAnswer):
        return "leeg of onleesbaar antwoord van de server"
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain and len(chain) < 6:
        chain.append(e)
        e = e.__cause__ or e.__context__
    names = {c.__name__ for x in chain for c in type(x).__mro__}
    status = next((getattr(x, "status_code", None) for x in chain
                   if isinstance(getattr(x, "status_code", None), int)), None)
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError", "timeout"}:
        return "time-out"
    if "ConnectionRefusedError" in names:
        return "verbinding geweigerd"
    if status is not None:
        return f"HTTP-fout {status}"
    if names & {"APIConnectionError", "ConnectError", "ConnectionError", "RemoteProtocolError", "NetworkError"}:
        return "geen verbinding"
    if names & {"JSONDecodeError", "UnicodeDecodeError", "ValidationError", "DecodingError",
                "APIResponseValidationError"}:
        return "onleesbaar antwoord van de server"
    return f"fout: {type(exc).__name__}"


# ------------------------------------------------------------------------- the prompt


def _label(n: int, p: Passage) -> str:
    where = p.location()
    return f"[{n}] ({p.title}, {where})" if where else f"[{n}] ({p.title})"


def _brief(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def history_lines(history: list[dict] | None, turns: int = HISTORY_TURNS) -> list[str]:
    """The last few turns, one line each; earlier citation markers are dropped because
    their numbers refer to other passages."""
    lines = []
    for turn in (history or [])[-turns:]:
        content = _brief(_CITE.sub("", str(turn.get("content", ""))), HISTORY_CHARS)
        if content:
            who = "Gebruiker" if turn.get("role") == "user" else "Assistent"
            lines.append(f"{who}: {content}")
    return lines


def build_messages(question: str, passages: list[Passage], history: list[dict] | None = None):
    from llama_index.core.llms import ChatMessage, MessageRole

    blocks = [f"{_label(i, p)}\n{_brief_passage(p.text)}" for i, p in enumerate(passages, 1)]
    parts = ["Fragmenten:", "\n\n".join(blocks)]
    earlier = history_lines(history)
    if earlier:
        parts += ["Eerder in het gesprek (alleen ter context):", "\n".join(earlier)]
    parts += [f"Vraag: {question.strip()}",
              "Antwoord in het Nederlands, met [n] achter elke bewering:"]
    return [ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM_PROMPT),
            ChatMessage(role=MessageRole.USER, content="\n\n".join(parts))]


def _brief_passage(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_PASSAGE_CHARS else text[:MAX_PASSAGE_CHARS].rstrip() + " …"


# ----------------------------------------------------------------- checking the answer


_PROMPT_LINES = [" ".join(line.lstrip("- ").split()) for line in SYSTEM_PROMPT.split("\n")]
_PROMPT_LINES = [line[:60] for line in _PROMPT_LINES if len(line) > 30 and REFUSAL not in line]


def echoes_prompt(text: str) -> bool:
    """A (small or base) model that repeats its instructions has not answered; the echo
    also holds the refusal sentence, which must not be mistaken for a refusal."""
    flat = " ".join(text.split())
    return any(line in flat for line in _PROMPT_LINES)


def is_refusal(text: str) -> bool:
    flat = " ".join(text.split())
    return REFUSAL.rstrip(".") in flat or bool(_REFUSAL_HINT.search(flat))


def renumber_citations(text: str, n_passages: int) -> tuple[str, dict[int, int]]:
    """Drop citation numbers outside 1..n_passages (also inside "[1, 7]") and renumber
    the rest 1..m in order of first appearance. Returns the new text and the mapping
    old number -> new number."""
    mapping: dict[int, int] = {}

    def repl(m: re.Match) -> str:
        kept: list[int] = []
        for part in m.group(1).split(","):
            old = int(part)
            if 1 <= old <= n_passages:
                new = mapping.setdefault(old, len(mapping) + 1)
                if new not in kept:
                    kept.append(new)
        return f"[{', '.join(map(str, kept))}]" if kept else ""

    text = _CITE.sub(repl, text)
    text = re.sub(r"[ \t]+([.,;:!?)])", r"\1", text)  # a removed marker leaves "word ."
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip(), mapping


def _answer_sentences(text: str) -> list[str]:
    """Sentences of the answer; a sentence that is only markers ("… inwoners. [1]")
    belongs to the one before."""
    out: list[str] = []
    for s in split_sentences(text):
        if out and not re.search(r"\w", _CITE.sub("", s)):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
    return out


def _passage_sentences(passage: Passage) -> list[str]:
    out = []
    for s in split_sentences(passage.text):
        s = s[2:].strip() if s.startswith("• ") else s
        if s and s != (passage.section or "").strip():
            out.append(s)
    return out or [s for s in split_sentences(passage.text) if s]


def best_quotes(passage: Passage, citing: list[str], limit: int = 3) -> str:
    """For every answer sentence citing the passage, the passage sentence sharing the
    most words with it; distinct ones joined by " … " in passage order."""
    candidates = _passage_sentences(passage)
    if not candidates:
        return passage.text.strip()[:300]
    terms = [set(content_terms(s)) for s in candidates]
    chosen: list[int] = []
    for sentence in citing:
        words = set(content_terms(_CITE.sub("", sentence)))
        scores = [len(words & t) for t in terms]
        best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
        if scores[best] > 0 and best not in chosen:
            chosen.append(best)
    if not chosen:
        chosen = [0]
    return " … ".join(candidates[i] for i in sorted(chosen[:limit]))


def check_answer(text: str, passages: list[Passage], strength: float = 0.0) -> Draft | None:
    """The model's text as a Draft: a refusal, or an answer with valid, renumbered
    citations and their quotes; None when no valid citation is left (or the model only
    repeated its instructions)."""
    text = _STOP.split(text, maxsplit=1)[0].strip()
    if echoes_prompt(text):
        return None
    if is_refusal(text):
        return Draft.refusal(passages, strength)
    text, mapping = renumber_citations(text, len(passages))
    if not mapping:
        return None
    sentences = _answer_sentences(text)
    citations: list[Citation] = []
    for old, new in sorted(mapping.items(), key=lambda kv: kv[1]):
        citing = [s for s in sentences if new in _numbers(s)] or sentences
        citations.append(citation(new, passages[old - 1], best_quotes(passages[old - 1], citing)))
    return Draft(text=text, refused=False, citations=citations, strength=strength)


def _numbers(sentence: str) -> set[int]:
    return {int(p) for m in _CITE.finditer(sentence) for p in m.group(1).split(",")}


# ---------------------------------------------------------------------- the answerer


class LLMAnswerer(Answerer):
    name = "llm"

    def __init__(self, llm, fallback: ExtractiveAnswerer):
        self.llm = llm
        self.fallback = fallback

    def answer(self, query: Query, passages: list[Passage]) -> Draft:
        draft, _notice = self.answer_with_notice(query, passages)
        return draft

    def answer_with_notice(self, query: Query, passages: list[Passage],
                           history: list[dict] | None = None) -> tuple[Draft, str | None]:
        gen = self.stream(query, passages, history)
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    def stream(self, query: Query, passages: list[Passage],
               history: list[dict] | None = None) -> Generator[str, None, tuple[Draft, str | None]]:
        """Yield the answer text as it arrives; return ``(draft, notice)``. Never raises
        for a failing model: the extractive answer comes back with a notice instead."""
        fallback = self.fallback
        scored = fallback.score(query, passages)
        if not passages or not scored.candidates or scored.evidence < fallback.threshold:
            draft = fallback.answer(query, passages, scored)  # the refusal; the model is not asked
            yield draft.text
            return draft, None

        pieces: list[str] = []
        try:
            deltas = self._deltas(build_messages(query.question, passages, history))
            try:
                for delta in deltas:
                    pieces.append(delta)
                    yield delta
                    if sum(map(len, pieces)) > MAX_ANSWER_CHARS or _STOP.search("".join(pieces[-8:])):
                        break
            finally:
                deltas.close()
            text = "".join(pieces)
            if not _STOP.split(text, maxsplit=1)[0].strip():
                raise _EmptyAnswer()
        except Exception as exc:  # connection refused, time-out, HTTP error, malformed response
            return (yield from self._fall_back(query, passages, scored, unreachable_notice(short_reason(exc)),
                                               bool(pieces)))

        draft = check_answer(text, passages, scored.evidence)
        if draft is None:
            return (yield from self._fall_back(query, passages, scored, NO_VALID_CITATIONS, True))
        return draft, None

    def _deltas(self, messages) -> Generator[str, None, None]:
        """The text pieces of the model's streamed reply; the HTTP stream is closed when
        the consumer stops early."""
        responses = self.llm.stream_chat(messages)
        seen = ""
        try:
            for response in responses:
                delta = getattr(response, "delta", None)
                if delta is None:  # some integrations only fill in the message so far
                    content = response.message.content or ""
                    delta, seen = content[len(seen):], content
                else:
                    seen += delta
                if delta:
                    yield delta
        finally:
            close = getattr(responses, "close", None)
            if close is not None:
                close()

    def _fall_back(self, query: Query, passages: list[Passage], scored, notice: str, streamed: bool):
        draft = self.fallback.answer(query, passages, scored)
        if streamed:
            yield SEPARATOR
        yield draft.text
        return draft, notice


class _EmptyAnswer(Exception):
    """The server answered, but not one word came out of it (e.g. a body that is not
    an event stream): a malformed response."""
