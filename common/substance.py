"""Whether one text states the same facts as the texts it repeats.

Two near-identical passages ("sluit om 16.00 uur" in one document, "sluit om 20.00 uur"
in its edited copy) are two facts, not one: ingestion keeps both chunks and retrieval
shows both, so an answer can name the difference. Shared by ``ingest.dedupe`` (which
chunks to merge) and ``assistant.retriever`` (which passages add nothing).
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from common.text import strip_accents

CONTEXT = 3  # a fact word counts as repeated only inside a run of this many equal words

# closed word classes that carry facts in Dutch (not vocabulary of any document)
NEGATIONS = {"niet", "geen", "nooit", "niets", "niemand", "nergens", "noch", "zonder"}
DATE_WORDS = {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december", "jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov",
              "dec", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"}
NUMBER_WORDS = {"twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf", "dertien",
                "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien", "twintig", "dertig", "veertig",
                "vijftig", "zestig", "zeventig", "tachtig", "negentig", "honderd", "duizend", "miljoen", "miljard",
                "half", "halve", "helft", "kwart", "dubbel", "eerste", "tweede", "derde", "vierde", "vijfde", "zesde",
                "zevende", "achtste", "negende", "tiende"}
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;•\n]\s*|^\s*[-–*]\s+)$")


def fact_tokens(text: str) -> tuple[list[str], list[bool]]:
    """The chunk's words (lower-cased, accents folded: as ``common.text.words``) and,
    per word, whether it carries a fact: a figure or anything with a digit, a date word,
    a negation, or a name (capitalised inside a sentence, or an acronym)."""
    words, facts = [], []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        word = strip_accents(raw).lower().replace("'", "").replace("’", "")
        fact = (any(ch.isdigit() for ch in raw) or word in NEGATIONS or word in DATE_WORDS or word in NUMBER_WORDS
                or (len(raw) > 1 and raw.isupper())
                or (raw[0].isupper() and not _SENTENCE_START.search(text[max(0, m.start() - 4) : m.start()])))
        words.append(word)
        facts.append(fact)
    return words, facts


def same_substance(candidate: str, counterparts: list[str], others: list[str] = ()) -> bool:
    """Whether ``candidate`` states no fact that the kept texts it repeats do not state,
    in the same context. ``counterparts`` are the kept chunks it would be merged into:
    within the stretch of each that the candidate runs along, they may hold no fact the
    candidate lacks. ``others`` (kept chunks it overlaps a little) may supply its facts."""
    words, facts = fact_tokens(candidate)
    repeated = [False] * len(words)
    for n, text in enumerate([*counterparts, *others]):
        other, other_facts = fact_tokens(text)
        blocks = [b for b in SequenceMatcher(None, other, words, autojunk=False).get_matching_blocks()
                  if b.size >= CONTEXT]
        if not blocks:
            continue
        covered = [False] * len(other)
        for b in blocks:
            for i in range(b.size):
                repeated[b.b + i] = True
                covered[b.a + i] = True
        # the stretch of the kept chunk the candidate runs along: a fact inside it that the
        # candidate does not repeat was changed or dropped (edges are other chunk boundaries)
        first, last = blocks[0].a, blocks[-1].a + blocks[-1].size
        if n < len(counterparts) and any(other_facts[i] and not covered[i] for i in range(first, last)):
            return False
    return all(repeated[i] for i, fact in enumerate(facts) if fact)
