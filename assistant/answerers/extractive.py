"""The offline answerer: score every unit of the retrieved passages with the fitted
sentence scorer, then quote the best ones by the passages' structure, each with its
citation — or refuse when even the best unit is unlikely to answer.

It never writes a word that is not in a passage, so figures, names and dates stay
exactly as in the source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answerers.base import Answerer, Draft, cited_numbers
from assistant.compose import MAX_WORDS, compose
from assistant.features import Candidate, candidates_of, featurize
from assistant.query import Query
from assistant.scorer import SentenceScorer
from assistant.types import Passage


@dataclass
class Scored:
    """A question's units, each with its probability of answering, and the
    probability that the passages answer at all (what refusal is decided on)."""

    candidates: list[Candidate]
    evidence: float


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(self, scorer: SentenceScorer, min_evidence: float | None = None, max_words: int = MAX_WORDS):
        self.scorer = scorer
        # a configured threshold overrides the one chosen on the dev split
        self.threshold = scorer.threshold_ if min_evidence is None else min_evidence
        self.max_words = max_words

    def score(self, query: Query, passages: list[Passage]) -> Scored:
        candidates = candidates_of(passages)
        if not candidates:
            return Scored([], 0.0)
        X = featurize(query, passages, candidates)
        probabilities = self.scorer.predict_proba(X)
        for c, p in zip(candidates, probabilities):
            c.score = float(p)
        heading = np.array([c.unit.heading for c in candidates])
        return Scored(candidates, self.scorer.answerability(X, probabilities, heading))

    def rank(self, passages: list[Passage], scored: Scored) -> list[int]:
        """Passage order by their best unit: sentence evidence is a better judge of a
        passage than its retrieval rank (no cross-encoder can be had offline)."""
        best = np.zeros(len(passages))
        for c in scored.candidates:
            if not c.unit.heading:
                best[c.passage] = max(best[c.passage], c.score)
        return sorted(range(len(passages)), key=lambda i: (-best[i], i))

    def answer(self, query: Query, passages: list[Passage], scored: Scored | None = None) -> Draft:
        if query.parts:
            return self._answer_parts(query, passages)
        scored = scored or self.score(query, passages)
        if not scored.candidates or scored.evidence < self.threshold:
            return Draft.refusal(passages, scored.evidence)
        draft = self.compose(query, passages, scored.candidates)
        draft.strength = scored.evidence
        return draft

    def compose(self, query: Query, passages: list[Passage], candidates: list[Candidate], share: int = 1) -> Draft:
        """The answer from scored candidates with the scorer's composition settings; each of
        ``share`` parts of a question gets that share of the word budgets."""
        return compose(query, passages, candidates, self.scorer.second_pick_, self.max_words // share,
                       self.scorer.whole_passage_ // share, self.scorer.context_ // share)

    def _answer_parts(self, query: Query, passages: list[Passage]) -> Draft:
        """"Hoe groot is Twente en welke sector …": each part scored on its own and
        answered from the same passages; refused only when no part is answered."""
        drafts = []
        for part in query.parts:
            scored = self.score(part.with_vector(query.vector), passages)
            if scored.candidates and scored.evidence >= self.threshold:
                draft = self.compose(part, passages, scored.candidates, share=2)
                draft.strength = scored.evidence
                drafts.append(draft)
        if not drafts:
            return Draft.refusal(passages)
        return merge(drafts)


def merge(drafts: list[Draft]) -> Draft:
    """One answer from several drafts over the same passages, citations renumbered; a
    line the answer already holds (both parts answered by one passage) is said once."""
    numbers: dict[str, int] = {}
    citations, lines = [], []
    for d in drafts:
        remap = {}
        for c in d.citations:
            if c.chunk_id not in numbers:
                numbers[c.chunk_id] = len(numbers) + 1
                citations.append(c)
            remap[c.n] = numbers[c.chunk_id]
            c.n = numbers[c.chunk_id]
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{remap.get(int(m.group(1)), m.group(1))}]", d.text)
        lines += [line for line in text.split("\n") if line not in lines]
    used = set(cited_numbers("\n".join(lines)))
    return Draft(text="\n".join(lines), refused=False, citations=[c for c in citations if c.n in used],
                 strength=max(d.strength for d in drafts))
