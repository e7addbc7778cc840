"""The offline answerer: pick the sentences (or the list) from the passages that answer
the question and quote them, each with its citation number.

It never writes a word that is not in a passage, so figures, names and dates stay
exactly as in the source. When no sentence covers enough of the question, it refuses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from assistant.answerers.base import Answerer, Draft, Evidence, compose
from assistant.lexicon import NUMBER, content_terms, has_amount, has_date, question_type
from assistant.types import Passage
from ingest.text import split_sentences


@dataclass
class Unit:
    """A sentence or a list item of a passage."""

    text: str
    passage: int  # index into the passages list
    position: int
    bullet: bool = False
    lead_in: int | None = None  # position of the sentence that introduces this item's list
    heading: bool = False
    terms: set[str] = field(default_factory=set)
    score: float = 0.0
    coverage: float = 0.0


def units_of(passage: Passage, index: int) -> list[Unit]:
    units: list[Unit] = []
    lead_in: int | None = None
    for line_no, line in enumerate(passage.text.split("\n")):
        line = line.strip()
        if not line:
            continue
        if line.startswith("• "):
            units.append(Unit(line[2:].strip(), index, len(units), bullet=True, lead_in=lead_in))
            continue
        is_heading = line_no == 0 and passage.section is not None and line == passage.section
        for sentence in split_sentences(line):
            units.append(Unit(sentence, index, len(units), heading=is_heading))
        lead_in = len(units) - 1 if units and units[-1].text.rstrip().endswith(":") else None
    return units


class TermWeights:
    """Inverse document frequency of stems over the indexed chunks: matching a rare word
    of the question says more than matching a common one."""

    def __init__(self, texts: list[str]):
        self.n = max(len(texts), 1)
        self.df: dict[str, int] = {}
        for text in texts:
            for t in set(content_terms(text)):
                self.df[t] = self.df.get(t, 0) + 1
        self.unknown = math.log(1 + (self.n + 0.5) / 0.5) * 0.5

    def weight(self, term: str) -> float:
        df = self.df.get(term)
        if df is None:
            # a word the corpus never uses: a paraphrase or a question about something
            # else; half the weight of the rarest word
            return self.unknown
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def _match(term: str, terms: set[str]) -> float:
    if term in terms:
        return 1.0
    # Dutch compounds: "financiering" inside "financieringsbronnen"
    if len(term) >= 5 and any(len(t) > len(term) and (t.startswith(term) or t.endswith(term)) for t in terms):
        return 0.7
    return 0.0


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(self, weights: TermWeights, min_evidence: float = 0.35, max_sentences: int = 4):
        self.weights = weights
        self.min_evidence = min_evidence
        self.max_sentences = max_sentences

    def evidence(self, question: str, passages: list[Passage], context: str = "") -> Evidence:
        """Score every sentence of the passages against the question. ``context`` (the
        previous question, for a follow-up) adds its words at a lower weight."""
        qtype = question_type(question)
        q_terms = content_terms(question)
        extra = [t for t in content_terms(context) if t not in q_terms] if context else []
        units = [u for i, p in enumerate(passages) for u in units_of(p, i)]
        if not q_terms or not units:
            return Evidence(qtype, q_terms, units, 0.0)
        weights = {t: self.weights.weight(t) for t in q_terms}
        weights.update({t: 0.4 * self.weights.weight(t) for t in extra})
        total = sum(weights.values())
        by_passage: dict[int, list[Unit]] = {}
        for u in units:
            by_passage.setdefault(u.passage, []).append(u)
        for u in units:
            u.terms = set(content_terms(u.text))
        for u in units:
            p = passages[u.passage]
            context = set(content_terms(p.section or ""))
            if u.lead_in is not None:
                context |= by_passage[u.passage][u.lead_in].terms
            own = sum(w * _match(t, u.terms) for t, w in weights.items())
            ctx = sum(w * 0.5 * _match(t, context) for t, w in weights.items() if not _match(t, u.terms))
            u.coverage = own / total
            u.score = (own + ctx) / total
            if qtype == "number":
                u.score += (0.3 if has_amount(u.text) else 0.05) if NUMBER.search(u.text) else -0.1
            if qtype == "date" and has_date(u.text):
                u.score += 0.2
            if qtype == "list" and (u.bullet or u.text.endswith(":")):
                u.score += 0.1
            if u.heading:
                u.score *= 0.5  # a heading alone answers nothing
            u.score += 0.08 / (1 + u.passage)  # retrieval rank breaks ties
        best = max(units, key=lambda u: u.score)
        dense = max((p.dense for p in passages if p.dense is not None), default=None)
        strength = 0.7 * min(best.score, 1.0) + 0.3 * _dense_strength(dense)
        return Evidence(qtype, q_terms, units, strength)

    def answer(self, question: str, passages: list[Passage], context: str = "") -> Draft:
        ev = self.evidence(question, passages, context)
        if not ev.units or ev.strength < self.min_evidence:
            return Draft.refusal(passages, ev.strength)
        chosen = self._select(ev)
        return compose(chosen, passages, strength=ev.strength)

    def _select(self, ev: Evidence) -> list[Unit]:
        ranked = sorted(ev.units, key=lambda u: -u.score)
        best = ranked[0]
        items = self._list_for(best, ev)
        if items:
            return items
        chosen = [best]
        covered = set(t for t in ev.q_terms if _match(t, best.terms))
        for u in ranked[1:]:
            if len(chosen) >= self.max_sentences or u.score < 0.75 * best.score:
                break
            new_terms = {t for t in ev.q_terms if _match(t, u.terms)} - covered
            adjacent = u.passage == best.passage and abs(u.position - best.position) == 1
            if u.heading or not (new_terms or adjacent):
                continue
            chosen.append(u)
            covered |= new_terms
        return sorted(chosen, key=lambda u: (u.passage, u.position))

    def _list_for(self, best: Unit, ev: Evidence) -> list[Unit]:
        """The whole list when the question asks for one or the best unit is a list item
        or the sentence that introduces a list."""
        same = [u for u in ev.units if u.passage == best.passage]
        lead = None
        if best.text.endswith(":") and any(u.lead_in == best.position for u in same):
            lead = best.position
        elif best.bullet and (ev.qtype == "list" or best.lead_in is not None and ev.qtype != "number"):
            lead = best.lead_in
        elif ev.qtype == "list":
            # a list in the best sentence's own passage, introduced near it
            leads = [u for u in same if u.text.endswith(":") and any(v.lead_in == u.position for v in same)]
            if leads:
                lead = min(leads, key=lambda u: abs(u.position - best.position)).position
        if lead is None:
            return [best] if best.bullet and ev.qtype == "list" else []
        items = [u for u in same if u.lead_in == lead and u.bullet]
        return [same[lead]] + items if items else []


def _dense_strength(similarity: float | None) -> float:
    """Map e5 cosine similarity (compressed into roughly 0.7–0.9) onto 0–1."""
    if similarity is None:
        return 0.0
    return max(0.0, min(1.0, (similarity - 0.75) / 0.15))
