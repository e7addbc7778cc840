"""Dutch word handling: stop words, stems, content terms and the shapes of answers
(figures, dates, names, contact forms). Language rules only: nothing here knows any
document."""
from __future__ import annotations

import re
from functools import lru_cache

from common.text import words

# bm25s's Dutch list (from NLTK) plus question words, pronouns and light verbs that say
# nothing about what is asked, and words about the documents themselves ("volgens de tekst")
_EXTRA = {
    "wat", "wie", "waar", "wanneer", "hoeveel", "welke", "welk", "hoe", "waarom", "waarmee", "waarvoor",
    "waardoor", "waaraan", "waarin", "waarop", "waarover", "noem", "geef", "vertel", "beschrijf", "leg", "uit",
    "kun", "kunt", "kan", "kunnen", "mag", "moet", "moeten", "mij", "me", "ik", "jij", "je", "jullie", "u", "uw",
    "mijn", "onze", "ons", "graag", "precies", "eigenlijk", "ongeveer", "nou", "dan", "daar", "daarvan", "daaraan",
    "daarbij", "daarin", "daarover", "daarachter", "daarna", "daarmee", "daarvoor", "ervan", "erin", "eraan",
    "hierbij", "hiervan", "hierover", "dus", "nog", "even", "gaat", "gaan", "doet", "doen", "heet", "heten",
    "staat", "staan", "betekent", "bedoeld", "bedoelt", "allemaal", "soort", "zit", "zitten", "volgens",
    "documenten", "document", "tekst", "terecht", "vinden", "vind", "zeg", "zegt", "waren", "wordt", "worden",
    "werd", "zijn", "is", "was", "heeft", "hebben", "had", "de", "het", "een", "en", "tijdens", "eruit", "komt",
    "komen", "kwam", "vandaan", "naartoe", "heen", "zo", "erg", "heel", "mogelijk", "mee", "toe", "af", "op",
    "aan", "noemt", "genoemd", "welke", "iets", "ergens", "iemand",
}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH

    return frozenset({w.lower() for w in STOPWORDS_DUTCH} | _EXTRA)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's Dutch stem, with verb forms it leaves alone folded onto their noun:
    "investeert" and "geïnvesteerd" onto "investering" (all "invester")."""
    stemmer = _stemmer()
    if len(word) > 7 and word.startswith("ge") and word.endswith(("eerd", "eert", "ierd")):
        return stemmer.stemWord(word[2:-1])
    if len(word) > 5 and word.endswith(("eert", "iert", "agt")):
        return stemmer.stemWord(word[:-1])
    return stemmer.stemWord(word)


# "een" is left out: it is the article far more often than the number
NUMBER_WORDS = {"twee": "2", "drie": "3", "vier": "4", "vijf": "5", "zes": "6", "zeven": "7", "acht": "8",
                "negen": "9", "tien": "10", "elf": "11", "twaalf": "12", "dertien": "13", "veertien": "14",
                "vijftien": "15", "twintig": "20"}
ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
            "achtste": 8, "negende": 9, "tiende": 10, "laatste": -1}


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, without repeats.
    Hyphenated words count as their parts too ("Zwolle-Enschede" finds "Enschede")."""
    out: dict[str, None] = {}  # ordered set: chunks run to hundreds of words
    stop = stopwords()
    for w in words(text):
        parts = [p for p in w.split("-") if p] if "-" in w else [w]
        for p in parts:
            p = NUMBER_WORDS.get(p, p)  # "vier actielijnen" = "4 actielijnen"
            if len(p) < 2 and not p.isdigit() or p in stop:
                continue
            out[stem(p)] = None
    return list(out)


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
