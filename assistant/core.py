"""The Assistant facade: ``ask(question, history) -> Answer``. The UI, the CLI and the
eval use only this."""
from __future__ import annotations

import time
from typing import Generator, Iterator

from assistant.answerers.extractive import ExtractiveAnswerer, TermWeights
from common.config import Settings
from assistant.conversation import previous_question, standalone_query
from assistant.retriever import HybridRetriever, Retriever
from assistant.types import Answer, Passage

NO_INDEX = ("Er zijn nog geen documenten geïndexeerd. Voer eerst `python -m ingest data/corpus` uit "
            "(no documents indexed yet).")


class Assistant:
    def __init__(self, settings: Settings, embedder=None, store=None, retriever: Retriever | None = None,
                 answerer: ExtractiveAnswerer | None = None, llm_answerer=None, condenser=None):
        from vectorstore.embedders import make_embedder
        from vectorstore.store import Store

        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.store = store if store is not None else Store(settings, self.embedder.name)
        self.retriever = retriever or HybridRetriever(self.store, self.embedder, settings.candidates, settings.rrf_k)
        self.extractive = answerer or ExtractiveAnswerer(
            TermWeights([c.index_text for c in self.store.chunks.values()]),
            settings.min_evidence, settings.max_answer_sentences)
        self.llm_answerer = llm_answerer
        self.condenser = condenser
        if llm_answerer is None and settings.llm_enabled:
            from assistant.answerers.llm import LLMAnswerer, make_llm

            llm = make_llm(settings)
            self.llm_answerer = LLMAnswerer(llm, fallback=self.extractive)
            if condenser is None:
                from assistant.conversation_llm import LLMCondenser

                self.condenser = LLMCondenser(llm)

    @property
    def mode(self) -> str:
        return "llm" if self.llm_answerer is not None else "extractive"

    def reload(self) -> None:
        """Pick up a new index generation after an ingestion (the app's upload)."""
        from vectorstore.store import Store

        self.store = Store(self.settings, self.embedder.name)
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings.candidates, self.settings.rrf_k)
        self.extractive.weights = TermWeights([c.index_text for c in self.store.chunks.values()])
        if self.llm_answerer is not None:
            self.llm_answerer.fallback = self.extractive

    def _query(self, question: str, history: list[dict] | None) -> str:
        if history and self.condenser is not None:
            condensed = self.condenser.condense(question, history)
            if condensed:
                return condensed
        return standalone_query(question, history)

    def retrieve(self, question: str, history: list[dict] | None = None, sources: list[str] | None = None,
                 private=None) -> tuple[str, list[Passage], list[Passage], float]:
        """(standalone query, top_k passages after re-ranking, the retriever's pool, ms)."""
        start = time.perf_counter()
        query = self._query(question, history)
        pool = self.retriever.retrieve(query, max(self.settings.rerank_pool, self.settings.top_k), sources,
                                       private=private)
        passages = self.extractive.rerank(question, pool, _context(question, query, history))[: self.settings.top_k]
        return query, passages, pool, (time.perf_counter() - start) * 1000

    def ask(self, question: str, history: list[dict] | None = None, sources: list[str] | None = None,
            use_llm: bool = True, private=None) -> Answer:
        """``private``: a visitor's own store (their uploads), searched beside the shared
        corpus for this question only; its passages and citations are marked private."""
        stream = self.ask_stream(question, history, sources, use_llm, private)
        for _ in stream:
            pass
        return stream.answer

    def ask_stream(self, question: str, history: list[dict] | None = None, sources: list[str] | None = None,
                   use_llm: bool = True, private=None) -> "AnswerStream":
        """Iterate for the answer text as it is produced (token by token with an LLM, in
        one piece without); ``.answer`` holds the finished Answer afterwards. No state
        is shared between calls, so concurrent sessions are safe."""
        return AnswerStream(self._answer(question, history, sources, use_llm, private))

    def _answer(self, question, history, sources, use_llm, private=None) -> Generator[str, None, Answer]:
        start = time.perf_counter()
        question = (question or "").strip()
        if not question:
            text = "Stel een vraag over de documenten (ask a question about the documents)."
            yield text
            return Answer(text, refused=True)
        if self.store.empty and (private is None or private.empty):
            yield NO_INDEX
            return Answer(NO_INDEX, refused=True)
        query, passages, pool, retrieve_ms = self.retrieve(question, history, sources, private)
        t_answer = time.perf_counter()
        context = _context(question, query, history)
        notice, mode = None, "extractive"
        if use_llm and self.llm_answerer is not None:
            draft, notice = yield from self.llm_answerer.stream(question, passages, history, context)
            mode = "extractive" if notice else "llm"
        else:
            draft = self.extractive.answer(question, passages, context)
            yield draft.text
        answer_ms = (time.perf_counter() - t_answer) * 1000
        return Answer(
            text=draft.text, refused=draft.refused, citations=draft.citations, passages=passages,
            timings={"retrieve": retrieve_ms, "answer": answer_ms, "total": (time.perf_counter() - start) * 1000},
            mode=mode, notice=notice, query=query, retrieved=pool)


def _context(question: str, query: str, history: list[dict] | None) -> str:
    """The earlier question a follow-up leans on, when the search used it."""
    return previous_question(history or []) if query != question else ""


class AnswerStream:
    """Text pieces while iterating; the finished ``Answer`` in ``.answer`` afterwards."""

    def __init__(self, generator: Generator[str, None, Answer]):
        self._generator = generator
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = yield from self._generator
