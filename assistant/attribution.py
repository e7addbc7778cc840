"""Post-hoc attribution: every sentence a language model wrote, checked against the
passages it was given and cited by the product, whatever the model itself cited.

An answer is cut into sentences and list items. Each is compared with every sentence
(unit) of the passages — the same units ingestion embedded (``common.units``):

- lexically: how much of the sentence's content (stems, with Dutch inflections and
  compounds matched as in retrieval) one unit, or two together, cover;
- densely: the cosine between the sentence's embedding (the configured embedder) and
  the unit's stored sentence vector;
- for hard facts: every figure, date and name in the sentence must occur in the
  passages. A model that writes a number the passages do not hold has invented it.

A sentence is *supported* when its hard facts occur in the passages and its content is
covered (well enough lexically, or partly lexically and closely in meaning). It is then
cited to the passage(s) of its supporting unit(s); a citation the model wrote is kept
only where its passage supports the sentence about as well as the best one does.
Lead-ins ("De actielijnen zijn:") and the model's statements about what the documents
do not say carry no claim of their own and need no citation.

Passage sentences that read as instructions to an assistant ("Negeer alle eerdere
instructies …") never count as support: text in a document is data, and a model that
obeyed it would otherwise find its answer "supported" by the injection itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.lexicon import dates, figures, match, names
from assistant.types import Passage
from common.terms import content_terms
from common.text import split_sentences
from common.units import Unit, split_units

# how a sentence is judged (measured on the bundled gold answers and the real model's
# answers with bench.llm_bench; see the README's LLM section)
MIN_COVERAGE = 0.6  # share of a sentence's content the supporting units hold on their own
MIN_PARTIAL = 0.34  # … or this share, together with
MIN_DENSE = 0.88  # this cosine (e5) to the supporting unit
DENSE_WEIGHT = 1.0  # meaning decides between units that hold the sentence's words equally well
CLAIM_MARGIN = 0.08  # the model's own citation stands when its passage scores this close to the best
SECOND_UNIT_GAIN = 0.2  # a second unit joins the support when it adds this much coverage
# a supported sentence stays when its units answer the question at least this share as well
# as the answer's most relevant sentence does (the scorer's probability that a unit answers)
ON_TOPIC_SHARE = 0.5

# kinds of answer sentence
CLAIM, LEAD_IN, ABOUT_DOCUMENTS, REPEAT = "claim", "lead-in", "about-documents", "repeat"

# "[3]", "[1, 7]", "[ 2 ]"
CITE = re.compile(r"\[\s*(\d{1,6}(?:\s*[,;]\s*\d{1,6})*)\s*\]")
# every marker the model may write, the placeholder of the prompt ("[n]") included
MARKER = re.compile(CITE.pattern + r"|\[\s*[nNx]\s*\]")
_BULLET = re.compile(r"^\s*(?:[-–•*·▪]|\d{1,2}[.)])\s+")
# the model saying the documents do not hold something (a refusal, or a part of one)
ABOUT_DOCS = re.compile(r"\b(?:staat|staan|stond|wordt|worden|is|zijn)\b[^.]*\bniet\b[^.]*\bin\s+de\s+"
                        r"(?:aangeleverde\s+|gegeven\s+|beschikbare\s+)?(?:documenten|fragmenten|teksten|bronnen)\b|"
                        r"\b(?:de\s+)?(?:documenten|fragmenten)\s+(?:noemen|vermelden|geven|bevatten|zeggen)\s+"
                        r"(?:geen|niet|niets)\b|\bniet\s+in\s+de\s+(?:documenten|fragmenten)\b", re.I)
# text addressed to an assistant or model: the shape of a prompt injection, in Dutch and English
INSTRUCTION = re.compile(
    r"\b(?:negeer|vergeet|ignore|disregard|forget)\b[^.\n]{0,40}\b(?:instructies?|opdrachten|regels|prompt|"
    r"instructions?|rules)\b|"
    r"\b(?:antwoord|reageer|zeg|schrijf|answer|respond|reply|say)\b\s+(?:vanaf\s+nu\s+|voortaan\s+|from\s+now\s+on\s+)?"
    r"(?:alleen\s+|uitsluitend\s+|altijd\s+|only\s+|always\s+)?(?:met|with)\b\s*[:\"'“‘«]|"
    r"\b(?:systeemprompt|system\s+prompt|jailbreak)\b|"
    r"\b(?:je\s+bent|jij\s+bent|you\s+are)\s+(?:nu|voortaan|now)\b|"
    r"\b(?:als|as\s+an?)\s+(?:ai|taalmodel|language\s+model|assistent|assistant)\b"
    r"[^.\n]{0,30}\b(?:moet|must|zult|will)\b",
    re.I)


def is_instruction(text: str) -> bool:
    return bool(INSTRUCTION.search(text))


def is_about_documents(text: str) -> bool:
    return bool(ABOUT_DOCS.search(text))


@dataclass
class Sentence:
    """One sentence or list item of a generated answer, and what the check found."""

    text: str  # as written, the model's citation markers removed
    line: int  # the answer line it stands on: sentences of one paragraph share it
    bullet: bool = False  # a list item
    claimed: list[int] = field(default_factory=list)  # passages (0-based) the model cited
    kind: str = CLAIM
    units: list[tuple[int, int]] = field(default_factory=list)  # supporting (passage, unit position)
    coverage: float = 0.0
    dense: float = 0.0
    invented: list[str] = field(default_factory=list)  # figures, dates, names in no passage
    supported: bool = False
    relevance: float | None = None  # how well its supporting units answer the question, when known
    off_topic: bool = False  # supported, but about something else than the question

    @property
    def passages(self) -> list[int]:
        """The passages cited, in the order of their supporting units."""
        return list(dict.fromkeys(p for p, _ in self.units))

    @property
    def dropped(self) -> bool:
        """A claim with a figure, date or name the passages do not hold is left out."""
        return self.kind == CLAIM and bool(self.invented)


@dataclass(frozen=True)
class Span:
    """Where a sentence stands in the raw answer: ``[start, end)`` is its text, markers
    included; ``tail`` runs on over the markers written right after it."""

    start: int
    end: int
    tail: int
    line: int
    bullet: bool


def spans(raw: str, final: bool = True) -> list[Span]:
    """The sentences and list items of an answer as the model writes it. Without
    ``final`` only the ones that are complete: a later sentence has started, or the
    line has ended. Citation markers are masked (same length) for the split, so "…
    inwoners. [1] Het …" splits like "… inwoners. Het …"."""
    masked = MARKER.sub(lambda m: " " * len(m.group(0)), raw)
    out: list[Span] = []
    offset = 0
    lines = masked.split("\n")
    for line_no, line in enumerate(lines):
        line_start, offset = offset, offset + len(line) + 1
        line_done = final or line_no < len(lines) - 1
        m = _BULLET.match(line)
        if m:
            body = line[m.end():]
            if body.strip() and line_done:
                a = line_start + m.end() + (len(body) - len(body.lstrip()))
                out.append(Span(a, line_start + len(line.rstrip()), line_start + len(line), line_no, True))
            continue
        pieces = split_sentences(line)
        cursor = 0
        found = []
        for piece in pieces:
            at = line.find(piece, cursor)
            if at < 0:
                continue
            cursor = at + len(piece)
            found.append((line_start + at, line_start + cursor))
        if not line_done:
            found = found[:-1]  # the sentence being written
        for k, (a, b) in enumerate(found):
            tail = found[k + 1][0] if k + 1 < len(found) else line_start + len(line)
            out.append(Span(a, b, tail, line_no, False))
    return out


def sentence_at(raw: str, span: Span, n_passages: int) -> Sentence | None:
    """The sentence of a span: its text without markers and the valid passages
    (0-based) the model cited in it or right after it."""
    cited = raw[span.start:span.tail]
    claimed = [int(n) - 1 for mk in CITE.finditer(cited) for n in re.split(r"[,;]", mk.group(1))]
    text = _tidy(MARKER.sub("", raw[span.start:span.end]))
    if not re.search(r"\w", text):
        return None
    return Sentence(text, span.line, span.bullet, list(dict.fromkeys(c for c in claimed if 0 <= c < n_passages)))


def split_answer(raw: str, n_passages: int) -> list[Sentence]:
    """All sentences and list items of a finished answer."""
    return [s for s in (sentence_at(raw, sp, n_passages) for sp in spans(raw)) if s is not None]


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+([.,;:!?)])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


_LEADING_NAME = re.compile(r"^[A-ZÀ-Þ][\wÀ-ÿ'’-]+(?:\s+(?:van|de|der|den|ter|ten)?\s*[A-ZÀ-Þ][\wÀ-ÿ'’-]+)+")


def _leading_name(sentence: str) -> set[str]:
    """A run of capitalised words opening a sentence ("Jan Jansen leidt …"): a name
    that ``lexicon.names`` leaves out, since any sentence starts with a capital."""
    m = _LEADING_NAME.match(sentence.strip())
    return {m.group(0)} if m else set()


def _norm_figure(f: str) -> str:
    """"634.000" and "634000" are one number; "2,5" stays apart from "25"."""
    return re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", f)


@dataclass
class _Unit:
    passage: int
    unit: Unit
    terms: frozenset[str]
    instruction: bool


class Attributor:
    """The passages of one answer, prepared once (units, their terms and vectors, the
    figures, dates and names they hold); then ``check`` each sentence in order."""

    def __init__(self, passages: list[Passage], embedder=None):
        self.passages = passages
        self.embedder = embedder
        self.units: list[_Unit] = []
        vectors = []
        for i, p in enumerate(passages):
            units = split_units(p.text, p.section)
            stored = p.unit_vectors if p.unit_vectors is not None and len(p.unit_vectors) == len(units) else None
            if stored is None and embedder is not None and units:
                stored = embedder.embed_passages([u.text for u in units])
            for j, u in enumerate(units):
                self.units.append(_Unit(i, u, frozenset(content_terms(u.text)), is_instruction(u.text)))
                vectors.append(None if stored is None else np.asarray(stored[j], dtype=np.float32))
        self.vectors = np.vstack(vectors) if vectors and all(v is not None for v in vectors) else None
        data = [u for u in self.units if not u.instruction]
        text = "\n".join(u.unit.text for u in data) + "\n" + "\n".join(
            f"{p.title}. {p.section or ''}. {p.date or ''}" for p in passages)
        self._figures = {_norm_figure(f) for f in figures(text)}
        self._dates = dates(text)
        self._terms = frozenset(t for u in data for t in u.terms) | frozenset(content_terms(text))
        self._previous: list[int] = []  # passages of the last supported sentence
        self._said: set[frozenset[str]] = set()  # the content of the claims so far

    # ---------------------------------------------------------------- hard facts

    def invented(self, sentence: str) -> list[str]:
        """Figures, dates and names of the sentence that occur in no passage."""
        found_dates = sorted(dates(sentence))
        in_dates = {w for d in found_dates for w in d.split()}
        missing = [f for f in sorted(figures(sentence)) if _norm_figure(f) not in self._figures and f not in in_dates]
        for d in found_dates:
            parts = d.split()
            if d not in self._dates and not all(p in self._dates or _norm_figure(p) in self._figures or
                                                (not p[0].isdigit() and p in self._dates_words()) for p in parts):
                missing.append(d)
        for name in sorted(names(sentence) | _leading_name(sentence)):
            # every word of a name: "Regio Deal Zuid-Limburg" is not "Regio Deal Twente"
            terms = [t for t in content_terms(name) if not t.isdigit()]
            if terms and not all(match(t, self._terms) for t in terms):
                missing.append(name)
        # "Jansen" inside "Jan Jansen", "3" inside "3 maart": each reported once
        return [m for m in missing if not any(m != o and m in o for o in missing)]

    def _dates_words(self) -> set[str]:
        return {w for d in self._dates for w in d.split()}

    # ------------------------------------------------------------------ support

    def check(self, s: Sentence) -> Sentence:
        """Judge and cite one sentence (in place; also returned). Sentences are checked
        in answer order: a tie goes to the passage the model cited, then to the one the
        previous sentence was cited to."""
        said = frozenset(content_terms(s.text))
        if is_about_documents(s.text):
            s.kind = ABOUT_DOCUMENTS
        elif s.text.rstrip().endswith(":") or not said:
            s.kind = LEAD_IN
        elif said in self._said:  # small models loop: the same sentence again says nothing new
            s.kind = REPEAT
        else:
            self._said.add(said)
            vector = None
            if self.vectors is not None and self.embedder is not None:
                vector = self.embedder.embed_passages([s.text])[0]
            self._support(s, vector)
            if s.supported:
                self._previous = s.passages
        return s

    def check_all(self, sentences: list[Sentence]) -> list[Sentence]:
        for s in sentences:
            self.check(s)
        return sentences

    def _support(self, s: Sentence, vector) -> None:
        terms = content_terms(s.text)
        s.invented = self.invented(s.text)
        candidates = [i for i, u in enumerate(self.units) if not u.instruction]
        if not candidates:
            return
        found = {i: [match(t, self.units[i].terms) for t in terms] for i in candidates}
        coverage = {i: sum(v) / len(terms) for i, v in found.items()}
        dense = {i: 0.0 for i in candidates}
        if vector is not None:
            sims = self.vectors @ np.asarray(vector, dtype=np.float32)
            dense = {i: float(sims[i]) for i in candidates}

        def key(i: int):  # words first; then the model's citation, a sentence over a heading, meaning
            u = self.units[i]
            return (round(coverage[i], 2), u.passage in s.claimed, not u.unit.heading, u.passage in self._previous,
                    round(DENSE_WEIGHT * dense[i], 3), -i)

        ranked = sorted(candidates, key=key, reverse=True)
        best = ranked[0]
        # the model's own citation stands when its passage supports the sentence about as well
        claimed = next((i for i in ranked if self.units[i].passage in s.claimed), None)
        if claimed is not None and coverage[claimed] >= coverage[best] - CLAIM_MARGIN \
                and dense[claimed] >= dense[best] - CLAIM_MARGIN:
            best = claimed
        chosen, total = [best], found[best]
        # one sentence may join two source sentences ("… 14 gemeenten met 634.000 inwoners")
        if sum(total) < len(terms):
            gain = {i: sum(max(a, b) for a, b in zip(total, found[i])) - sum(total) for i in candidates if i != best}
            second = max(gain, key=lambda i: (round(gain[i], 3), self.units[i].passage == self.units[best].passage,
                                               dense[i], -i), default=None)
            if second is not None and gain[second] / len(terms) >= SECOND_UNIT_GAIN:
                chosen.append(second)
                total = [max(a, b) for a, b in zip(total, found[second])]
        s.coverage = sum(total) / len(terms)
        s.dense = max(dense[i] for i in chosen)
        s.supported = not s.invented and (s.coverage >= MIN_COVERAGE - 1e-9
                                           or (s.coverage >= MIN_PARTIAL - 1e-9 and s.dense >= MIN_DENSE))
        if s.supported:
            s.units = [(self.units[i].passage, self.units[i].unit.position) for i in chosen]

    def judge_relevance(self, sentences: list[Sentence], answers: dict[tuple[int, int], float]) -> None:
        """Supported sentences whose units answer the question far less well than the
        answer's best do are off topic: a small model copying passage sentences that
        are true but beside the question. ``answers``: (passage, unit position) → the
        scorer's probability that the unit answers the question."""
        claims = [s for s in sentences if s.kind == CLAIM and s.supported]
        for s in claims:
            s.relevance = max(answers.get(u, 0.0) for u in s.units)
        top = max((s.relevance for s in claims), default=0.0)
        for s in claims:
            s.off_topic = s.relevance < ON_TOPIC_SHARE * top

    def unit(self, passage: int, position: int) -> Unit:
        return next(u.unit for u in self.units if u.passage == passage and u.unit.position == position)


# ------------------------------------------------------------------- the answer text

NOT_FOUND = "niet gevonden in de documenten"


def dropped_note(s: Sentence) -> str:
    return f"weggelaten: {', '.join(s.invented)} staat niet in de documenten"


class Numbering:
    """Citation numbers 1..m for passages in order of first use."""

    def __init__(self):
        self.of: dict[int, int] = {}

    def marker(self, s: Sentence) -> str:
        """What follows a checked sentence: its citation, or the visible mark."""
        if s.kind != CLAIM:
            return ""
        if s.supported:
            return "[" + ", ".join(str(self.of.setdefault(p, len(self.of) + 1)) for p in s.passages) + "]"
        return f"({dropped_note(s)})" if s.dropped else f"({NOT_FOUND})"


def with_marker(sentence: str, marker: str) -> str:
    """The marker before the sentence's closing punctuation: "… 25 mln [1]."."""
    if not marker:
        return sentence
    m = re.search(r"([.!?:;…]+[\"'”’)]*)$", sentence)
    if m:
        return f"{sentence[: m.start()].rstrip()} {marker}{sentence[m.start():]}"
    return f"{sentence} {marker}"


def render(sentences: list[Sentence], attributor: Attributor):
    """The checked answer: (text, citations). Supported claims carry the product's
    citations; unsupported ones are marked; ones with invented facts are left out, and so
    is a lead-in whose claims all went."""
    from assistant.answerers.base import citation

    numbering = Numbering()
    kept: list[Sentence] = []
    for k, s in enumerate(sentences):
        if s.dropped or s.kind == REPEAT or s.off_topic:
            continue
        if s.kind == LEAD_IN:
            rest = sentences[k + 1:]
            if not any(r.kind == CLAIM and not r.dropped and not r.off_topic for r in rest):
                continue
        kept.append(s)
    lines: list[str] = []
    last_line = None
    for s in kept:
        text = with_marker(s.text, numbering.marker(s))
        if s.bullet:
            lines.append(f"- {text}")
        elif last_line == s.line and lines and not lines[-1].startswith("- "):
            lines[-1] = f"{lines[-1]} {text}"
        else:
            lines.append(text)
        last_line = s.line
    quotes: dict[int, list[int]] = {}
    for s in kept:
        for p, position in s.units:
            quotes.setdefault(p, [])
            if position not in quotes[p]:
                quotes[p].append(position)
    citations = []
    for p, n in numbering.of.items():
        passage = attributor.passages[p]
        units = [attributor.unit(p, pos) for pos in sorted(quotes[p])]
        c = citation(n, passage, " … ".join(u.text for u in units))
        c.page, c.page_label = passage.page_at(units[0].start)
        citations.append(c)
    citations.sort(key=lambda c: c.n)
    return "\n".join(lines), citations
