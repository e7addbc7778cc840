"""The offline answerer: pick the sentences (or the list) from the passages that answer
the question and quote them, each with its citation number.

It never writes a word that is not in a passage, so figures, names and dates stay
exactly as in the source. When no sentence covers enough of the question, it refuses.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.answerers.base import Answerer, Draft, Evidence, compose
from assistant.lexicon import (
    NUMBER,
    asked_count,
    content_terms,
    expected_form,
    has_amount,
    has_date,
    proper_names,
    question_type,
    split_question,
)
from assistant.types import Passage
from common.text import split_sentences


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
    score: float = 0.0  # match plus answer-type and rank preferences: what selection uses
    match: float = 0.0  # share of the question's weight found in the unit or its context


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
        self._prefixes = {t[:5] for t in self.df if len(t) >= 5}

    def weight(self, term: str) -> float:
        df = self.df.get(term)
        if df is None:
            related = self._related(term)
            if not related:
                # a word the corpus never uses: a paraphrase or a question about something
                # else; half the weight of the rarest word
                return self.unknown
            # "ministeries" weighs what "ministerie" weighs
            df = self.df[min(related, key=lambda t: abs(len(t) - len(term)))]
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _related(self, term: str) -> list[str]:
        if len(term) < 5 or term[:5] not in self._prefixes:
            return []
        # a corpus word that contains the term ("financier" in "financieringsbronn"), or
        # the term with an inflection ("ministeries" / "ministerie"), not any longer
        # word that happens to start with a corpus word ("directeur" / "direct")
        return [t for t in self.df if len(t) >= 5 and t[:5] == term[:5]
                and (t.startswith(term) or (term.startswith(t) and len(term) - len(t) <= 2))]


def _match(term: str, terms: set[str]) -> float:
    if term in terms:
        return 1.0
    # plural and inflection forms the stemmer leaves apart: "ministeries" / "ministerie"
    if len(term) >= 6 and any(len(t) >= 5 and 0 < len(term) - len(t) <= 2 and term.startswith(t) for t in terms):
        return 0.9
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
            return Evidence(qtype, q_terms, units, 0.0, {}, [set() for _ in passages])
        weights = {t: self.weights.weight(t) for t in q_terms}
        weights.update({t: 0.4 * self.weights.weight(t) for t in extra})
        total = sum(weights.values())
        by_passage: dict[int, list[Unit]] = {}
        for u in units:
            by_passage.setdefault(u.passage, []).append(u)
        for u in units:
            u.terms = set(content_terms(u.text))
        heading_terms = [set(content_terms(p.section or "")) for p in passages]
        heading_match = [sum(w * _match(t, h) for t, w in weights.items()) / total for h in heading_terms]
        for u in units:
            context = set(heading_terms[u.passage])
            if u.lead_in is not None:
                context |= by_passage[u.passage][u.lead_in].terms
            # when the question is the section's heading ("de centrale opgave" under
            # "3.1 Centrale opgave Twente"), the section's opening answers it
            ctx_weight = 1.0 if heading_match[u.passage] >= 0.8 and u.position <= 3 else 0.5
            own = {t: _match(t, u.terms) for t in weights}
            ctx = sum(w * ctx_weight * _match(t, context) for t, w in weights.items() if not own[t])
            u.match = (sum(w * own[t] for t, w in weights.items()) + ctx) / total
            u.score = u.match
            if qtype == "number":
                u.score += (0.3 if has_amount(u.text) else 0.05) if NUMBER.search(u.text) else -0.1
            if qtype == "date" and has_date(u.text):
                u.score += 0.2
            if qtype == "list" and (u.bullet or u.text.endswith(":")):
                u.score += 0.1
            if u.heading:
                u.score *= 0.5  # a heading alone answers nothing
            elif len(u.text.split()) < 6 and not NUMBER.search(u.text) or "|" in u.text:
                u.score *= 0.6  # link lines and fragments ("Website Twente Board | Regio Deals")
            elif u.position == 1 and by_passage[u.passage][0].heading:
                u.score += 0.1  # a section's opening sentence tends to state what it is about
            u.score += 0.08 / (1 + u.passage)  # retrieval rank breaks ties
        return Evidence(qtype, q_terms, units, self._strength(question, qtype, units, passages), weights, heading_terms)

    def _strength(self, question: str, qtype: str, units: list[Unit], passages: list[Passage]) -> float:
        """How sure we are the passages answer the question, 0..1.

        Word coverage of the best units, nudged by dense similarity, and halved when
        a sign says the question is about something else (below).
        """
        ranked = sorted((u for u in units if not u.heading), key=lambda u: -u.match) or units[:1]
        best = ranked[0].match
        dense = max((p.dense for p in passages if p.dense is not None), default=None)
        strength = 0.75 * min(best, 1.0) + 0.25 * _dense_strength(dense)
        # The best sentences must also have the right kind of answer: a figure for
        # "hoeveel", a date for "wanneer", a phone number for "telefoonnummer", as many
        # items as asked; and sit in a passage that names what the question names
        # ("Zwolle", "Achterhoek"), not just somewhere in the documents.
        close = [u for u in ranked if u.match >= 0.6 * best]
        asked_numbers = set(re.findall(r"\d+", question))
        wanted, count = expected_form(question), asked_count(question)
        # names all over the documents ("Twente Board") say nothing about a passage
        names = [n for n in proper_names(question) if self.weights.weight(n) >= 1.5]

        def fits(u: Unit) -> bool:
            return not (qtype == "number" and not _figures(u.text) - asked_numbers
                        or qtype == "date" and not has_date(u.text)
                        or wanted is not None and not wanted.search(u.text)
                        or count is not None and count >= 3 and _items(u, units) < count - 1)

        def named(u: Unit) -> bool:
            around = units_text_terms(u, units)
            return all(_name_in(n, around) for n in names)

        if not any(named(u) for u in close):
            strength *= 0.45
        elif not any(fits(u) and named(u) for u in close):
            strength *= 0.5
        return strength

    def rerank(self, question: str, passages: list[Passage], context: str = "") -> list[Passage]:
        """Order passages by their best sentence's match with the question, the fused
        retrieval score breaking ties. No cross-encoder can be had offline; sentence
        coverage of the question's rare words is the next best judge of a passage."""
        if len(passages) < 2:
            return list(passages)
        ev = self.evidence(question, passages, context)
        best: dict[int, float] = {}
        for u in ev.units:
            if not u.heading:
                best[u.passage] = max(best.get(u.passage, 0.0), u.score)
        top_fused = max(p.score for p in passages) or 1.0
        order = sorted(range(len(passages)),
                       key=lambda i: -(best.get(i, 0.0) + 0.3 * passages[i].score / top_fused))
        return [passages[i] for i in order]

    def answer(self, question: str, passages: list[Passage], context: str = "") -> Draft:
        ev = self.evidence(question, passages, context)
        parts = split_question(question)
        if len(parts) > 1 and ev.strength < self.min_evidence:
            # no one sentence covers both halves of a two-part question; judge the halves
            ev.strength = max(ev.strength, sum(self.evidence(p, passages, context).strength for p in parts) / len(parts))
        if not ev.units or ev.strength < self.min_evidence:
            return Draft.refusal(passages, ev.strength)
        if len(parts) == 1:
            return compose(self._select(ev), passages, strength=ev.strength)
        # "Hoe groot is Twente en welke sector …": answer each part from the same passages
        chosen: dict[tuple[int, int], Unit] = {}
        for part in parts:
            for u in self._select(self.evidence(part, passages, context), limit=2):
                chosen.setdefault((u.passage, u.position), u)
        return compose(list(chosen.values()), passages, strength=ev.strength)

    def _select(self, ev: Evidence, limit: int | None = None) -> list[Unit]:
        limit = limit or self.max_sentences
        ranked = sorted(ev.units, key=lambda u: -u.score)
        best = ranked[0]
        items = self._list_for(best, ev)
        if items:
            return items
        chosen = self._with_continuation(best, ev)
        covered = {t for u in chosen for t in ev.q_terms if _match(t, u.terms)}
        for u in ranked[1:]:
            if len(chosen) >= limit or u.score < SECOND_PICK * best.score:
                break
            new_terms = {t for t in ev.q_terms if _match(t, u.terms)} - covered
            if u.heading or u in chosen or not new_terms:
                continue
            if ev.qtype == "number" and not NUMBER.search(u.text) or ev.qtype == "date" and not has_date(u.text):
                continue  # a second sentence must add a figure, not words around one
            chosen.append(u)
            covered |= new_terms
        return sorted(chosen, key=lambda u: (u.passage, u.position))

    def _with_continuation(self, best: Unit, ev: Evidence, max_words: int = 50) -> list[Unit]:
        """The best sentence and the one or two after it in the same passage: the
        sentence that matches the question often introduces what it asks ("Daarbij
        gaat het om Europese fondsen, …"). Figures and dates usually stand in the
        matching sentence itself, so those questions only extend when it lacks one."""
        same = [u for u in ev.units if u.passage == best.passage]
        if ev.qtype == "who" and best.position == 1 and same[0].heading and len(same[0].text.split()) <= 4:
            return [same[0], best]  # "Wim Boomkamp" above "Voorzitter Twente Board"
        if ev.qtype == "number" and NUMBER.search(best.text) or ev.qtype == "date" and has_date(best.text):
            if len(best.text.split()) < 6:
                # "Rijk: 25 mln" reads right only beside "Regio: 25 mln"
                return [u for u in same[max(best.position - 1, 0) : best.position + 2]
                        if u is best or (not u.heading and len(u.text.split()) < 6 and NUMBER.search(u.text))]
            return [best]
        chosen, words = [best], len(best.text.split())
        prev = same[best.position - 1] if best.position > 0 else None
        if prev is not None and not prev.heading and not prev.bullet and _ANAPHORIC.match(best.text):
            # "Hiermee geven we invulling aan …" needs the sentence it points back to
            chosen.insert(0, prev)
            words += len(prev.text.split())
        for u in same[best.position + 1 : best.position + 3]:
            if u.heading or u.bullet or words >= max_words or len(chosen) >= self.max_sentences:
                break
            chosen.append(u)
            words += len(u.text.split())
        return chosen

    def _lists(self, ev: Evidence) -> list[tuple[Unit, list[Unit], float]]:
        """Every list in the passages: (lead-in, items, how well lead-in and heading
        match the question). The question names what a list is of in its lead-in
        or heading ("Deze impactportfolio’s zijn:"), not in one of its items."""
        total = sum(ev.weights.values()) or 1.0
        out = []
        for lead in ev.units:
            items = [u for u in ev.units if u.passage == lead.passage and u.lead_in == lead.position and u.bullet]
            if not items:
                continue
            section = ev.sections[lead.passage]
            match = sum(w * max(_match(t, lead.terms), 0.5 * _match(t, section)) for t, w in ev.weights.items()) / total
            out.append((lead, items, match + 0.05 / (1 + lead.passage)))
        return out

    def _list_for(self, best: Unit, ev: Evidence) -> list[Unit]:
        """The whole list when the question asks for one, or when the best unit is a
        list item or the sentence that introduces a list."""
        lists = self._lists(ev)
        if not lists:
            return []
        if ev.qtype == "list":
            lead, items, match = max(lists, key=lambda x: x[2])
            if match >= 0.8 * best.match or best.bullet or best is lead:
                return [lead] + items
            return []
        for lead, items, _ in lists:
            if best is lead or (best.bullet and best in items and ev.qtype != "number"):
                return [lead] + items
        return []


SECOND_PICK = 0.75  # a further sentence must score this share of the best one

_ANAPHORIC = re.compile(r"(?:Hiermee|Hierdoor|Hiervoor|Hierbij|Daarmee|Daardoor|Daarbij|Daarvoor|Dit|Deze|Dergelijke)\b")

def units_text_terms(unit: "Unit", units: list["Unit"]) -> set[str]:
    """The terms of a unit's whole passage."""
    return set().union(*(u.terms for u in units if u.passage == unit.passage))


def _name_in(name: str, terms: set[str]) -> bool:
    """Names inflect too: "Europees" is about "Europa", "Duitse" about "Duitsland"."""
    if _match(name, terms):
        return True
    return len(name) >= 5 and any(len(t) >= 5 and t[:5] == name[:5] for t in terms)


def _figures(text: str) -> set[str]:
    """Numbers that are quantities: "25 mln", "634.000", "70%"; not "N35" or "3.2"."""
    return set(re.findall(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w.]\d)", text)) if has_amount(text) else set()


def _items(unit: "Unit", units: list["Unit"]) -> int:
    """How many things a unit enumerates: its list's items, or its commas and "en"."""
    if unit.bullet or unit.text.endswith(":"):
        lead = unit.position if unit.text.endswith(":") else unit.lead_in
        return sum(1 for u in units if u.passage == unit.passage and u.lead_in == lead and u.bullet)
    return unit.text.count(", ") + len(re.findall(r"\s(?:en|of)\s", unit.text))


def _dense_strength(similarity: float | None) -> float:
    """Map e5 cosine similarity (compressed into roughly 0.7–0.9) onto 0–1."""
    if similarity is None:
        return 0.0
    return max(0.0, min(1.0, (similarity - 0.75) / 0.15))
