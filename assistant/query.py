"""The question, analysed once.

``analyse`` turns a question and its conversation into one ``Query``: the standalone
text (follow-ups resolved), its weighted terms, the form of answer it expects, the count
it asks for, the names it is about, its parts, and what it leans on from the previous
turn. Retrieval, scoring, composition and refusal all read this value; none of them
parses the question again.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.followup import Resolution, resolve
from common.terms import NUMBER_WORDS, content_terms, document_frequencies, stopwords

# the forms of answer a question can expect
FIGURE, DATE, PERSON, PLACE, LIST, YESNO, DEFINITION, PROCEDURE, OPEN = (
    "figure", "date", "person", "place", "list", "yesno", "definition", "procedure", "open")
FORMS = (FIGURE, DATE, PERSON, PLACE, LIST, YESNO, DEFINITION, PROCEDURE, OPEN)
PHONE, EMAIL, WEB = "phone", "email", "web"

_FORM_RULES = [  # first match wins; Dutch question grammar, not topics
    (PROCEDURE, r"^(hoe|op welke manier)\b(?!\s+(groot|hoog|veel|lang|laat|oud|vaak|duur|zwaar|breed|ver)\b)"),
    (FIGURE, r"\bhoeveel\b|\bhoe (groot|hoog|veel|lang|oud|vaak|duur|zwaar|breed|ver)\b|\bwelk (bedrag|aantal|percentage)"
             r"\b|\bwat kost\b|\bwat is het (aantal|bedrag|percentage|budget)\b|\baantal\b"),
    (DATE, r"\bwanneer\b|\bwelke datum\b|\b(in )?welk jaar\b|\bsinds wanneer\b|\bhoe laat\b|\bop welke dag\b|"
           r"\bvanaf wanneer\b|\btot wanneer\b|\bwelke (versie|tijd)\b"),
    (PERSON, r"^wie\b|\bwie (is|zijn|was|waren|heeft|hebben|ondertekent|leidt|stelt)\b|\bdoor wie\b|\bmet wie\b"),
    # "Waar … voor?" is a split "waarvoor", not a place
    (PLACE, r"^waar\b(?!om|voor|mee|door|aan|in|op|over|uit|van|bij|na)(?!.*\b(voor|mee|door|aan|in|op|over|uit|van|"
            r"bij|naar|toe)\s*\?$)|\bin welke (plaats|stad|gemeente|regio)\b"),
    (LIST, r"\bwelke (?:\w+ )?\w+(s|en|['’]s)\b(?! (is|was)\b)|\bwelke\b.*\b(zijn|vormen|hebben|kent|bestaan)\b|"
           r"\bwat zijn (de|alle)\b|\bnoem\b|\bopsomming\b|\blijst\b"),
    (DEFINITION, r"^wat (is|zijn|betekent|houdt|wordt bedoeld)\b|\bwat (betekent|houdt .* in)\b|\bwat verstaat\b"),
    (YESNO, r"^(is|zijn|kan|kun|kunt|moet|mag|heeft|hebben|wordt|worden|bestaat|gaat|doet|ondersteunt)\b"),
]
_CONTACT = [(PHONE, r"telefoon|nummer|bellen|\bbel\b"), (EMAIL, r"e-?mail|mailadres"),
            (WEB, r"website|webadres|\burl\b|internetadres|webpagina")]
_COUNT_WORDS = {w: int(n) for w, n in NUMBER_WORDS.items()}
_SECOND_QUESTION = re.compile(
    r",?\s+(?:en|maar)\s+(?=(?:welke|welk|wat|wie|waar|wanneer|hoeveel|hoe|waarom|op welk|voor welke|in welk|"
    r"uit welke|met welke|aan welke|bij welke|vanuit welk)\b)", re.IGNORECASE)


class TermStats:
    """Document frequencies of stems over the indexed chunks: a rare word of the
    question says more than a common one, and a word the corpus never uses hints that
    the question is about something else."""

    def __init__(self, texts: list[str] = (), df: dict[str, int] | None = None, n: int | None = None):
        """From the texts, or from counts made at ingestion (``df`` over ``n`` texts)."""
        self.n = max(len(texts) if n is None else n, 1)
        self.df: dict[str, int] = document_frequencies(texts) if df is None else df
        self._by_prefix: dict[str, list[str]] = {}  # a related word shares its first five letters
        for t in self.df:
            if len(t) >= 5:
                self._by_prefix.setdefault(t[:5], []).append(t)

    def known(self, term: str) -> bool:
        return term in self.df or bool(self._related(term))

    def weight(self, term: str) -> float:
        df = self.df.get(term)
        if df is None:
            related = self._related(term)
            # an unknown word weighs as the rarest known one: its absence from every
            # passage is what makes a question unanswerable
            df = self.df[min(related, key=lambda t: abs(len(t) - len(term)))] if related else 1
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _related(self, term: str) -> list[str]:
        """Corpus words that are the term inflected or inside a compound."""
        if len(term) < 5:
            return []
        return [t for t in self._by_prefix.get(term[:5], ())
                if t.startswith(term) or (term.startswith(t) and len(term) - len(t) <= 2)]


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    text: str  # standalone (follow-up resolved): what is scored
    search: str  # what is searched
    terms: dict[str, float]  # content stems of ``text`` → weight
    context: dict[str, float] = field(default_factory=dict)  # stems the question leans on (follow-ups)
    form: str = OPEN
    contact: str | None = None  # phone / email / web when that is what is asked
    count: int | None = None  # "welke vier …"
    names: dict[str, float] = field(default_factory=dict)  # stems of the names asked about → weight
    focus: dict[str, float] = field(default_factory=dict)  # the wh-phrase's head: what kind of thing is asked
    numbers: frozenset[str] = frozenset()  # figures written in the question ("in 2019", "de 4")
    unknown: float = 0.0  # share of the terms' weight from words no indexed chunk uses
    parts: tuple["Query", ...] = ()  # the halves of a two-part question
    follow_up: Resolution | None = None
    vector: Any = field(default=None, repr=False, compare=False)  # embedding of ``search``

    @property
    def total(self) -> float:
        return sum(self.terms.values()) or 1.0

    def with_vector(self, vector) -> "Query":
        return replace(self, vector=vector)


def expected_form(text: str) -> str:
    q = text.strip().lower()
    for form, pattern in _FORM_RULES:
        if re.search(pattern, q):
            return form
    return OPEN


def contact_form(text: str) -> str | None:
    for kind, pattern in _CONTACT:
        if re.search(pattern, text, re.I):
            return kind
    return None


def asked_count(text: str) -> int | None:
    """"Welke veertien gemeenten …", "de 4 topwerklocaties": how many items are asked for."""
    q = text.lower()
    m = re.search(r"\b(\d{1,2}|" + "|".join(_COUNT_WORDS) + r")\s+\w+", q)
    if not m or not re.search(r"\b(welke|wat zijn|noem|wie zijn|de)\b", q):
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else _COUNT_WORDS[m.group(1)]
    return n if 2 <= n <= 30 else None


def split_parts(text: str) -> list[str]:
    """"Uit hoeveel gemeenten bestaat Twente en hoeveel inwoners heeft de regio?" asks two things."""
    parts = [p.strip(" ,?") for p in _SECOND_QUESTION.split(text)]
    parts = [p + "?" for p in parts if len(p.split()) >= 2]
    return parts if len(parts) > 1 else [text]


_FOCUS = re.compile(r"\b(?:welke?|hoeveel|wat (?:is|zijn|was|waren) (?:de|het)|wie (?:is|zijn|was) (?:de|het)|"
                    r"wat voor(?: een)?|hoe heet (?:de|het))\s+((?:[\w'’-]+\s*){1,3})", re.I)


def _focus(text: str) -> list[str]:
    """Stems of the head of the wh-phrase: "Welke sneltoets …" → sneltoets, "Hoeveel
    inwoners …" → inwoner, "Wie is de voorzitter van …" → voorzitter. An answer must
    be about that kind of thing; its absence is how most near-miss questions show."""
    m = _FOCUS.search(text)
    if not m:
        return []
    out = []
    for word in m.group(1).split():
        terms = content_terms(NUMBER_WORDS.get(word.lower(), word))
        terms = [t for t in terms if not t.isdigit()]
        out += terms
        if len(out) >= 2 or (out and not word.lower().endswith(("e", "ale", "ische"))):
            break  # "welke regionale actoren": past the adjective to the noun
    return out[:2]


def _names(text: str) -> list[str]:
    """Stems of capitalised words after the first: the names a question is about."""
    tokens = re.findall(r"[\w’'-]+", text)
    out: list[str] = []
    for tok in tokens[1:]:
        if tok[:1].isupper() and tok.lower() not in stopwords():
            out += [t for t in content_terms(tok) if t not in out]
    return out


def analyse(question: str, history: list[dict] | None, stats: TermStats) -> Query:
    resolution = resolve(question, history)
    follow_up = resolution if resolution.kind else None
    return _analyse_text(question, resolution.text, resolution.search, stats, follow_up, resolution.context)


def _analyse_text(question: str, text: str, search: str, stats: TermStats, follow_up=None, context: str = "",
                  split: bool = True) -> Query:
    own = content_terms(text)
    terms = {t: stats.weight(t) for t in own}
    ctx = {t: stats.weight(t) for t in content_terms(context) if t not in terms}
    total = sum(terms.values())
    unknown = sum(w for t, w in terms.items() if not stats.known(t)) / total if total else 0.0
    parts: tuple[Query, ...] = ()
    if split:
        pieces = split_parts(text)
        if len(pieces) > 1:
            # each part leans on the others as a follow-up on its question: "Welke rentevoet en
            # welk rendement gebruikt het voorbeeld?" — the first part's verb and object are in the second
            # (and on what the whole question leans on, when it is a follow-up itself)
            parts = tuple(_analyse_text(p, p, p, stats, split=False,
                                        context=" ".join(pieces[:i] + pieces[i + 1:] + [context]))
                          for i, p in enumerate(pieces))
    return Query(
        question=question, text=text, search=search, terms=terms, context=ctx, form=expected_form(text),
        contact=contact_form(text), count=asked_count(text),
        names={t: stats.weight(t) for t in _names(text)}, focus={t: stats.weight(t) for t in _focus(text)},
        numbers=frozenset(re.findall(r"\d+", text)), unknown=unknown, parts=parts, follow_up=follow_up)
