"""Content terms of Dutch text: stop words, stems and the terms that carry meaning.

The lowest layer, so that ingestion can count term document frequencies per index
generation (written beside the BM25 index) with exactly the terms the answerer weighs
questions by: a reader then loads them instead of recounting 100,000 chunks at start-up.
"""
from __future__ import annotations

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




def document_frequencies(texts) -> dict[str, int]:
    """In how many of ``texts`` each content term occurs. Each distinct word's terms are
    looked up once: the same counts as ``content_terms`` per text, several times faster."""
    terms_of: dict[str, tuple[str, ...]] = {}
    df: dict[str, int] = {}
    for text in texts:
        seen: set[str] = set()
        for word in set(words(text)):
            terms = terms_of.get(word)
            if terms is None:
                terms = terms_of[word] = tuple(content_terms(word))
            seen.update(terms)
        for t in seen:
            df[t] = df.get(t, 0) + 1
    return df
