"""Dutch word handling for answering: term matching and the shapes of answers (figures,
dates, names, contact forms). Stop words, stems and content terms are in common.terms,
shared with ingestion. Language rules only: nothing here knows any document."""
from __future__ import annotations

import re
from functools import lru_cache

from common.terms import content_terms

ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
            "achtste": 8, "negende": 9, "tiende": 10, "laatste": -1}


def term_set(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))


@lru_cache(maxsize=262144)
def match(term: str, terms: frozenset[str]) -> float:
    """How well a question term is found among a text's terms: 1 exactly; 0.9 for an
    inflection the stemmer leaves apart ("ministeries"/"ministerie"); 0.7 inside a Dutch
    compound ("financiering" in "financieringsbronnen")."""
    if term in terms:
        return 1.0
    if len(term) >= 6 and any(len(t) >= 5 and 0 < len(term) - len(t) <= 2 and term.startswith(t) for t in terms):
        return 0.9
    if len(term) >= 5 and any(len(t) > len(term) and (t.startswith(term) or t.endswith(term)) for t in terms):
        return 0.7
    return 0.0


# --- shapes of answers ---------------------------------------------------------------

DIGIT = re.compile(r"\d")
YEAR = re.compile(r"\b(1[89]|20)\d{2}\b")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
_MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b", re.I)
_AMOUNT = re.compile(r"\d[\d.,]*\s*(%|procent|mln|miljoen|miljard|mld|euro|meur|meuro|k?b\b|mb|gb|mib|gib|"
                     r"ghz|mhz|uur|minuten|seconden|dagen|jaar|keer|pixels?|punten)|€\s*\d|\b\d+[.,]\d{3}\b", re.I)
_TIME = re.compile(r"\b\d{1,2}[.:]\d{2}\s*(uur)?\b")
_DATE_NUM = re.compile(r"\b\d{1,2}[-/]\d{1,2}[-/]\d{2,4}\b")


def figures(text: str) -> set[str]:
    """Numbers as written, years left out: "25", "634.000", "06-50067237" gives its parts."""
    return {n for n in re.findall(r"(?<!\w)\d+(?:[.,]\d+)*", text) if not YEAR.fullmatch(n)}


def has_figure(text: str) -> bool:
    return bool(_AMOUNT.search(text)) or bool(re.search(r"\b\d+\b", YEAR.sub("", text)))


def dates(text: str) -> set[str]:
    """Years, days with their month, clock times and numeric dates, as written (lower case)."""
    found = [m.group(0) for m in YEAR.finditer(text)]
    found += [m.group(0) for m in re.finditer(r"\b(?:\d{1,2}\s+)?(?:" + "|".join(MONTHS) + r")\b", text, re.I)]
    found += [m.group(0) for m in _TIME.finditer(text)] + [m.group(0) for m in _DATE_NUM.finditer(text)]
    return {f.lower() for f in found}


def has_date(text: str) -> bool:
    return bool(YEAR.search(text) or _MONTH.search(text) or _TIME.search(text) or _DATE_NUM.search(text))


_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Þ][\wÀ-ÿ'’-]+(?:\s+(?:van|de|der|den|ter|ten|het)?\s*[A-ZÀ-Þ][\wÀ-ÿ'’-]+)*")


def names(text: str) -> set[str]:
    """Capitalised words and runs of them that do not start a sentence: "Wim Boomkamp",
    "Universiteit Twente", "Novel-T"."""
    out = set()
    for line in text.split("\n"):
        for m in _NAME.finditer(line):
            before = line[: m.start()].rstrip()
            if before and before[-1] not in ".!?:•":
                out.add(m.group(0))
    return out


def has_name(text: str) -> bool:
    return bool(names(text))


PHONE = re.compile(r"(?<!\d)(?:\+\d{2}[\d -]{8,}|0\d[\d -]{7,}\d)(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WEB = re.compile(r"\bwww\.|https?://|\b[\w-]+\.(?:nl|com|org|eu|de|net)\b", re.I)
