"""Deterministic evaluation metrics for the Dutch question-answering assistant.

All functions are pure and work on plain Python types, so the same numbers come
out of every run and they can be unit-tested without models or an index.
Metrics that are undefined for an input (nothing to measure) return ``None``
rather than 0 or 1, so that aggregates can skip them instead of being skewed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

# --- normalisation -----------------------------------------------------------

_CHAR_MAP = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"')
    | dict.fromkeys("\u2012\u2013\u2014\u2212", "-") | {"\u20ac": " euro "}
)
# Dutch writes thousands as "634.000": a dot between digits followed by exactly
# three digits (and no fourth) is a separator, "2.5" or "3.1415" are left alone.
_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")
_UNITS = [(re.compile(r"\bmln\b"), "miljoen"), (re.compile(r"\b(?:mld|mrd)\b"), "miljard")]


def normalize(text: str) -> str:
    """Lowercase, strip accents, unify quotes/dashes/numbers/units, collapse spaces.

    Both the answers and the gold fact variants go through this, so that
    "€ 1.250.000" and "1250000 euro", or "25 mln" and "25 miljoen", compare equal
    in their parts.
    """
    text = unicodedata.normalize("NFKD", text.lower().translate(_CHAR_MAP))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _THOUSANDS.sub("", text)
    for pattern, word in _UNITS:
        text = pattern.sub(word, text)
    return " ".join(text.split())


# --- facts in answers ----------------------------------------------------------

def _occurs(needle: str, haystack: str) -> bool:
    # Word boundaries, and a number must not be part of a longer number either:
    # "5 miljoen" is not in "2,5 miljoen" and "14" is not in "14,5" or "140".
    pattern = r"(?<!\w)(?<!\d[.,])" + re.escape(needle) + r"(?!\w)(?![.,]\d)"
    return re.search(pattern, haystack) is not None


def contains_fact(answer: str, variants: list[str]) -> bool:
    """True when any normalised variant occurs in the normalised answer as whole words."""
    haystack = normalize(answer)
    return any(_occurs(v, haystack) for v in map(normalize, variants) if v)


def fact_recall(answer: str, facts: list[list[str]]) -> float | None:
    """Fraction of facts (each a list of accepted variants) found in the answer."""
    return sum(contains_fact(answer, f) for f in facts) / len(facts) if facts else None


def figure_exact_match(answer: str, facts: list[list[str]]) -> float | None:
    """Like :func:`fact_recall`, restricted to facts with a digit in any variant.

    Figures are where language models hallucinate most, so they get their own score.
    """
    figures = [f for f in facts if any(ch.isdigit() for v in f for ch in v)]
    return fact_recall(answer, figures)


# --- retrieval -----------------------------------------------------------------

def _relevant(ranked: list[list[str]], gold: set[str]) -> list[bool]:
    return [bool(set(sources) & gold) for sources in ranked]


def hit_at_k(ranked: list[list[str]], gold: set[str], k: int) -> float:
    """1.0 when any of the top ``k`` passages comes from a gold source document."""
    return 1.0 if any(_relevant(ranked[:max(k, 0)], gold)) else 0.0


def reciprocal_rank(ranked: list[list[str]], gold: set[str]) -> float:
    """1/rank of the first passage from a gold source, 0.0 when there is none."""
    for rank, rel in enumerate(_relevant(ranked, gold), start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: list[list[str]], gold: set[str], k: int) -> float:
    """Binary-relevance nDCG@k per passage.

    The ideal ranking puts all relevant passages *that were retrieved* first
    (capped at k): we do not know how many relevant passages exist in the index.
    """
    rel = _relevant(ranked, gold)
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:max(k, 0)]) if r)
    if dcg == 0.0:
        return 0.0
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, max(1, sum(rel)))))
    return dcg / ideal


# --- sentences and citations -------------------------------------------------

_ABBREVIATIONS = frozenset(
    # Not "enz", "etc", "mln": followed by a capital they usually do end a sentence.
    "ca bijv bv vgl evt incl excl resp nl mr dr drs ir ing prof dhr mevr mw"
    " jl blz nr art zgn gem ong st jr mnd wk vs afd".split()
)
_MARKER = r"\[\s*\d+(?:\s*[-\u2013,;]\s*\d+)*\s*\]"
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)]*(?:\s*" + _MARKER + r")*")
_BULLET = re.compile(r"^(?:[-\u2013\u2022*\u00b7]|\d{1,2}[.)])\s+")
_OPENERS = "\"'\u201c\u201e\u2018("


def _is_abbreviation(before: str) -> bool:
    token = (before.split() or [""])[-1].lstrip(_OPENERS)
    if len(token) == 1 and token.isupper():  # an initial: "A. Jansen"
        return True
    # "o.a", "d.w.z", "i.r.t", "m.b.t": letters separated by dots.
    token = token.lower()
    return token in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token) is not None


def _split_line(line: str) -> list[str]:
    sentences, start = [], 0
    for m in _END.finditer(line):
        rest = line[m.end():]
        nxt = rest.lstrip()  # a boundary needs the end, or a space + capital/digit/quote
        starts_sentence = nxt[:1].isupper() or nxt[:1].isdigit() or nxt[:1] in _OPENERS
        if nxt and (nxt == rest or not starts_sentence):
            continue
        if m.group().startswith(".") and _is_abbreviation(line[start:m.start()]):
            continue
        sentences.append(line[start:m.end()].strip())
        start = m.end()
    sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def split_sentences(text: str) -> list[str]:
    """Split a Dutch answer into sentences, keeping citation markers with their sentence.

    Lines are split separately; a bullet line ("- x [1]", "• x", "1. x") is one
    sentence, without its bullet. Dots in abbreviations ("o.a.", "ca.") and
    numbers ("634.000", "2.5") do not end a sentence.
    """
    sentences: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        bullet = _BULLET.match(line)
        if bullet:
            sentences.append(line[bullet.end():].strip())
        elif line:
            sentences.extend(_split_line(line))
    return [s for s in sentences if s]


def cited_numbers(sentence: str) -> list[int]:
    """Passage numbers cited in ``sentence``, unique, in order: "[1]", "[1, 3]", "[2-4]"."""
    found: list[int] = []
    for marker in re.findall(_MARKER, sentence):
        for part in re.split(r"[,;]", marker.strip("[] ")):
            ends = [int(n) for n in re.findall(r"\d+", part)]  # "2" or a range "2-4"
            nums = range(ends[0], ends[1] + 1) if len(ends) == 2 and ends[0] < ends[1] else ends
            found.extend(n for n in nums if n not in found)
    return found


def _counted(sentence: str) -> bool:
    # Very short fragments and lead-ins to a list ("De maatregelen zijn:") are
    # not claims that need a source.
    text = re.sub(_MARKER, " ", sentence).strip()
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    return len(words) >= 3 and not text.endswith(":")


def citation_coverage(answer: str) -> float | None:
    """Fraction of counted sentences that carry at least one citation."""
    counted = [s for s in split_sentences(answer) if _counted(s)]
    return sum(bool(cited_numbers(s)) for s in counted) / len(counted) if counted else None


def citation_precision(cited_sources: list[list[str]], gold: set[str]) -> float | None:
    """Fraction of cited passages (each given as its source documents) with a gold source."""
    return sum(_relevant(cited_sources, gold)) / len(cited_sources) if cited_sources else None


STOPWORDS = frozenset(
    "de het een en van in op te dat die is zijn was waren voor met aan als om ook er"
    " bij door naar uit tot over of wordt worden werd werden we wij ze zij dit deze hun"
    " haar niet maar nog meer heeft hebben had kan kunnen zal zullen zou zouden moet"
    " moeten wel geen al dan dus want toen nu hier daar waar wat wie hoe welke welk"
    " ons onze hij men iets alle alles veel zeer zo zoals tussen onder tegen zonder"
    " binnen tijdens sinds volgens via per hen hem zich andere ander elk elke waarin"
    " waarbij waarvan daarnaast daarom echter bovendien omdat zodat wanneer terwijl"
    " reeds steeds even".split()
)


def content_words(text: str) -> set[str]:
    """Normalised tokens of at least 3 letters/digits that are not Dutch stop words."""
    tokens = re.findall(r"[a-z0-9]+", normalize(re.sub(_MARKER, " ", text)))
    return {t for t in tokens if len(t) >= 3 and t not in STOPWORDS}


def support_score(answer: str, passages: dict[int, str], threshold: float = 0.8) -> float | None:
    """Share of cited, counted sentences whose content words appear in the cited passages.

    A lexical proxy for faithfulness: a sentence is supported when at least
    ``threshold`` of its content words occur in the union of its cited passages.
    Citing a passage number that does not exist makes the sentence unsupported.
    """
    cited = [(s, cited_numbers(s)) for s in split_sentences(answer) if _counted(s)]
    cited = [(s, nums) for s, nums in cited if nums]
    if not cited:
        return None
    supported = 0
    for sentence, nums in cited:
        if any(n not in passages for n in nums):
            continue
        words = content_words(sentence)
        source = set(re.findall(r"[a-z0-9]+", normalize(" ".join(passages[n] for n in nums))))
        if not words or len(words & source) / len(words) >= threshold - 1e-9:
            supported += 1
    return supported / len(cited)


# --- refusals ------------------------------------------------------------------

def refusal_accuracy(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """Share of unanswerable questions that were refused; pairs are (answerable, refused)."""
    refused = [r for answerable, r in pairs if not answerable]
    return sum(refused) / len(refused) if refused else None


def false_refusal_rate(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """Share of answerable questions that were (wrongly) refused."""
    refused = [r for answerable, r in pairs if answerable]
    return sum(refused) / len(refused) if refused else None


# --- aggregation -------------------------------------------------------------

def mean(values: Iterable[float | None]) -> float | None:
    """Mean ignoring ``None`` (undefined metrics); ``None`` when nothing is left."""
    present = [v for v in values if v is not None]
    return math.fsum(present) / len(present) if present else None


def group_means(
    rows: list[dict], by: str, keys: list[str]
) -> dict[str, dict[str, float | int | None]]:
    """Per value of ``rows[i][by]``: the mean of each metric in ``keys`` plus a count ``n``.

    Groups come out in order of first appearance; a row without ``by`` falls in "None".
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(str(row.get(by)), []).append(row)
    return {
        name: {**{key: mean(row.get(key) for row in members) for key in keys}, "n": len(members)}
        for name, members in groups.items()
    }
