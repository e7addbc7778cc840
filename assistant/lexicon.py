"""Dutch word handling for answer selection: stop words, stems, question types."""
from __future__ import annotations

import re
from functools import lru_cache

from common.text import words

# bm25s's Dutch list (from NLTK) plus question words and light verbs that say nothing
# about what is asked
_EXTRA = {
    "wat", "wie", "waar", "wanneer", "hoeveel", "welke", "welk", "hoe", "waarom", "waarmee", "waarvoor",
    "waardoor", "waaraan", "waarin", "waarop", "noem", "geef", "vertel", "beschrijf", "leg", "uit", "uitleggen",
    "kun", "kunt", "kan", "kunnen", "mij", "me", "ik", "jij", "je", "jullie", "u", "uw", "mijn", "onze", "ons",
    "graag", "precies", "eigenlijk", "ongeveer", "nou", "dan", "daar", "daarvan", "daaraan", "daarbij", "daarin",
    "ervan", "erin", "eraan", "hierbij", "hiervan", "dus", "nog", "even", "gaat", "gaan", "doet", "doen", "heet",
    "heten", "staat", "staan", "betekent", "bedoeld", "bedoelt", "precies", "allemaal", "soort", "zit", "zitten",
    "volgens", "documenten", "document", "tekst", "plan", "terecht", "vinden", "vind", "zeg", "zegt", "waren",
    "wordt", "worden", "werd", "zijn", "is", "was", "heeft", "hebben", "had", "de", "het", "een", "en",
    # words about the documents rather than their content
    "tijdens", "eruit", "hierover", "daarover", "waarover", "komt", "komen", "kwam", "vandaan", "naartoe", "heen", "zo", "erg", "heel", "mogelijk", "welk",
    "mee", "toe", "af", "op", "aan", "flyer", "pagina", "webpagina", "website", "brochure", "strategisch", "staat", "noemt", "genoemd",
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
NUMBER_WORDS = {"twee": "2", "drie": "3", "vier": "4", "vijf": "5", "zes": "6", "zeven": "7",
                "acht": "8", "negen": "9", "tien": "10", "elf": "11", "twaalf": "12", "veertien": "14"}


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, without repeats.
    Hyphenated words count as their parts too ("Zwolle-Enschede" finds "Enschede")."""
    out: list[str] = []
    stop = stopwords()
    for w in words(text):
        # a hyphenated word counts as its parts: "Deal-pagina" is about the deal, and the
        # documents are split the same way
        parts = [p for p in w.split("-") if p] if "-" in w else [w]
        for p in parts:
            p = NUMBER_WORDS.get(p, p)  # "vier actielijnen" = "4 actielijnen"
            if len(p) < 2 and not p.isdigit() or p in stop:
                continue
            s = stem(p)
            if s not in out:
                out.append(s)
    return out


NUMBER = re.compile(r"\d")
YEAR = re.compile(r"\b(19|20)\d{2}\b")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")


def question_type(question: str) -> str:
    """'number', 'date', 'list', 'who' or 'open': steers which sentences score higher."""
    q = question.lower()
    if re.search(r"\bhoeveel\b|\bhoe groot\b|\bhoe hoog\b|\bwelk bedrag\b|\bhoe veel\b|\baantal\b", q):
        return "number"
    if re.search(r"\bwanneer\b|\bwelke datum\b|\bwelk jaar\b|\bin welk jaar\b|\bop welke dag\b|\bsinds wanneer\b", q):
        return "date"
    if re.search(r"\bwelke \w+(?:s|en|['’]s)\b(?! (?:is|was)\b)|\bwelke\b.*\b(zijn|vormen|hebben|noemt|kent|bestaan)\b|\bwat zijn de\b|\bnoem\b|\bopsomming\b|\bde (vier|drie|twee|vijf|zes)\b|\blijst\b", q):
        return "list"
    if re.search(r"\bwie\b|\bwelke (partijen|partners|organisaties|ministeries|bedrijven)\b", q):
        return "who"
    return "open"


AMOUNT = re.compile(r"\d[\d.,]*\s*(%|procent|mln|miljoen|miljard|mld|euro|meur|meuro|inwoners|gemeenten|banen)|€\s*\d|\b\d+[.,]\d{3}\b", re.I)


def has_amount(text: str) -> bool:
    """A quantity rather than a year: "25 mln", "634.000", "70%"."""
    return bool(AMOUNT.search(text)) or bool(re.search(r"\b\d+\b", YEAR.sub("", text)))


def proper_names(question: str) -> list[str]:
    """Stems of capitalised words after the first word ("Achterhoek", "FC"): names
    the question is about."""
    tokens = re.findall(r"[\w’'-]+", question)
    out = []
    for tok in tokens[1:]:
        if tok[:1].isupper() and tok.lower() not in stopwords():
            out.extend(content_terms(tok))
    return out


def has_date(text: str) -> bool:
    t = text.lower()
    return bool(YEAR.search(t)) or any(m in t for m in MONTHS)


# --- what a question asks for -------------------------------------------------------

_FORMS = [
    (re.compile(r"telefoon|nummer|bellen|\bbel\b", re.I), re.compile(r"\b0\d[\d -]{7,}\d\b|\+\d{2}[\d -]{8,}")),
    (re.compile(r"e-?mail|mailadres", re.I), re.compile(r"\S+@\S+\.\w+")),
    (re.compile(r"website|webadres|url\b|internetadres", re.I), re.compile(r"www\.|https?://|\.\w{2,3}\b")),
]


def expected_form(question: str) -> re.Pattern | None:
    """A question for a phone number, e-mail or web address is only answered by text
    that has one."""
    for asks, form in _FORMS:
        if asks.search(question):
            return form
    return None


def asked_count(question: str) -> int | None:
    """"Welke veertien gemeenten …", "de 4 topwerklocaties": how many items are asked for."""
    words = {"drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10,
             "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15}
    m = re.search(r"\b(\d{1,2}|" + "|".join(words) + r")\s+\w+", question.lower())
    if not m or not re.search(r"\b(welke|wat zijn|noem|wie zijn)\b", question.lower()):
        return None
    return int(m.group(1)) if m.group(1).isdigit() else words[m.group(1)]


_SECOND_QUESTION = re.compile(
    r",?\s+(?:en|maar)\s+(?=(?:welke|welk|wat|wie|waar|wanneer|hoeveel|hoe|waarom|op welk|voor welke|in welk|"
    r"uit welke|met welke|aan welke|bij welke|vanuit welk)\b)", re.IGNORECASE)


def split_question(question: str) -> list[str]:
    """Split "X? en Y?"-style questions into their parts: "Uit hoeveel gemeenten bestaat
    Twente en hoeveel inwoners heeft de regio?" asks two things."""
    parts = [p.strip(" ,?") for p in _SECOND_QUESTION.split(question)]
    parts = [p + "?" for p in parts if len(p.split()) >= 2]
    return parts if len(parts) > 1 else [question]
