"""The Assistant facade: ``ask(question, history) -> Answer``. The UI, the CLI and the
eval use only this.

One question flows one way: a snapshot of the index is taken; the question is
analysed once into a ``Query`` (follow-up resolved, terms weighted by that snapshot's
statistics) and embedded once; retrieval fuses dense and BM25 hits; every sentence of
the retrieved passages is scored once by the fitted scorer, which both orders the
passages and composes (or refuses) the answer.
"""
from __future__ import annotations

import time
from typing import Generator, Iterator

from assistant.answerers.base import REFUSAL, REFUSAL_FILTERED
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.followup import says_nothing_new
from assistant.query import Query, TermStats, analyse
from assistant.retriever import HybridRetriever, Retriever
from assistant.scorer import SentenceScorer
from assistant.types import Answer, Passage
from common.config import Settings

NO_INDEX = ("Er zijn nog geen documenten geïndexeerd. Voer eerst `python -m ingest data/corpus` uit "
            "(no documents indexed yet).")
EMPTY_QUESTION = "Stel een vraag over de documenten (ask a question about the documents)."
# a follow-up whose extractive answer only repeats the previous one: said, not hidden
NOTHING_NEW = "Dit herhaalt het vorige antwoord: meer vind ik hierover niet in de documenten."


class Assistant:
    def __init__(self, settings: Settings, embedder=None, store=None, retriever: Retriever | None = None,
                 scorer: SentenceScorer | None = None, llm_answerer=None, condenser=None):
        from vectorstore.embedders import make_embedder
        from vectorstore.store import Store

        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.store = store if store is not None else Store(settings, self.embedder.name)
        self.retriever = retriever or HybridRetriever(self.store, self.embedder, settings.candidates, settings.rrf_k)
        self.scorer = scorer or SentenceScorer.load(settings.scorer_file)
        self.extractive = ExtractiveAnswerer(self.scorer, settings.min_evidence, settings.max_answer_words)
        self._stats: tuple[object, TermStats] | None = None  # (the snapshot's chunks, their statistics)
        self.llm_answerer = llm_answerer
        self.condenser = condenser
        if llm_answerer is None and settings.llm_enabled:
            from assistant.answerers.llm import LLMAnswerer, make_llm

            llm = make_llm(settings)
            self.llm_answerer = LLMAnswerer(llm, fallback=self.extractive, embedder=self.embedder)
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
        self._stats = None

    def term_stats(self, snapshot) -> TermStats:
        """Term statistics of one index generation: counted at ingestion, or counted here
        once for a generation written before that (no terms.json)."""
        if self._stats is None or self._stats[0] is not snapshot.chunks:
            counted = snapshot.terms
            stats = TermStats(df=counted["df"], n=counted["n"]) if counted else \
                TermStats([c.index_text for c in snapshot.chunks.values()])
            self._stats = (snapshot.chunks, stats)
        return self._stats[1]

    def analyse(self, question: str, history: list[dict] | None = None, snapshot=None) -> Query:
        """The question as one value, embedded; an LLM condenser, when configured, may
        rewrite a follow-up first."""
        snapshot = snapshot or self.store.snapshot()
        stats = self.term_stats(snapshot)
        query = analyse(question, history, stats)
        if history and self.condenser is not None and query.follow_up is not None:
            condensed = self.condenser.condense(question, history)
            if condensed:
                query = analyse(condensed, None, stats)
        return query.with_vector(self.embedder.embed_query(query.search))

    def retrieve(self, query: Query, sources: list[str] | None = None, private=None,
                 snapshot=None) -> list[Passage]:
        """The pool of passages the answerer scores: fused hits, plus the passages the
        previous answer cited when this is a follow-up (they stay candidates)."""
        k = max(self.settings.rerank_pool, self.settings.top_k)
        pool = self.retriever.retrieve(query.search, k, sources, vector=query.vector, private=private,
                                       store=snapshot)
        if query.follow_up and query.follow_up.previous_passages and isinstance(self.retriever, HybridRetriever):
            have = {p.chunk_id for p in pool}
            wanted = [cid for cid in query.follow_up.previous_passages if cid not in have]
            pool += self.retriever.fetch(wanted, query.vector, store=snapshot, sources=sources)
        return pool

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
            yield EMPTY_QUESTION
            return Answer(EMPTY_QUESTION, refused=True)
        snapshot = self.store.snapshot()
        if snapshot.empty and (private is None or private.snapshot().empty):
            yield NO_INDEX
            return Answer(NO_INDEX, refused=True)
        query = self.analyse(question, history, snapshot)
        pool = self.retrieve(query, sources, private, snapshot)
        retrieve_ms = (time.perf_counter() - start) * 1000

        t_answer = time.perf_counter()
        scored = self.extractive.score(query, pool)
        order = self.extractive.rank(pool, scored)
        notice, mode = None, "extractive"
        if use_llm and self.llm_answerer is not None:
            passages = [pool[i] for i in order[: self.settings.top_k]]
            draft, notice = yield from self.llm_answerer.stream(query, passages, history)
            mode = draft.mode or ("extractive" if notice else "llm")
        else:
            draft = self.extractive.answer(query, pool, scored)
            if draft.refused and sources:
                draft.text = draft.text.replace(REFUSAL, REFUSAL_FILTERED, 1)
            elif not draft.refused and says_nothing_new(draft.text, history):
                notice = NOTHING_NEW
            cited = {c.chunk_id for c in draft.citations}
            shown = [pool[i] for i in order[: self.settings.top_k]]
            passages = shown + [p for p in pool if p.chunk_id in cited and p not in shown]
            yield draft.text
        answer_ms = (time.perf_counter() - t_answer) * 1000
        return Answer(
            text=draft.text, refused=draft.refused, citations=draft.citations, passages=passages,
            timings={"retrieve": retrieve_ms, "answer": answer_ms, "total": (time.perf_counter() - start) * 1000},
            mode=mode, notice=notice, query=query.search, retrieved=pool, evidence=draft.strength,
            supported_sentences=draft.supported, checked_sentences=draft.claims)


class AnswerStream:
    """Text pieces while iterating; the finished ``Answer`` in ``.answer`` afterwards."""

    def __init__(self, generator: Generator[str, None, Answer]):
        self._generator = generator
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = yield from self._generator
