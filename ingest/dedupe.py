"""Near-duplicate chunks across documents are stored once, remembering every source —
but only when they are equal in substance.

The seed texts overlap heavily (the web summary repeats much of the strategic plan),
but with other line breaks and chunk boundaries, so exact hashes miss most repeats.
A chunk is a candidate duplicate when nearly all its 5-word shingles already occur in
chunks kept before it. It is merged (its source added to the kept chunks it overlaps)
only when the words carrying facts agree: every figure, date, time, name and negation
of the candidate stands, in the same context, in a kept chunk, and the part of a kept
chunk that the candidate repeats holds none the candidate lacks. Otherwise both chunks
stay, each with its own source: "sluit om 16.00 uur" in one document and "sluit om
20.00 uur" in its edited copy are two facts, and an answer must be able to show both.
"""
from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher

from common.records import Chunk
from common.text import shingles, strip_accents

COVERAGE = 0.85  # share of a chunk's shingles already stored that makes it a candidate duplicate
ATTRIBUTION = 0.2  # share of a chunk's shingles a kept chunk must hold to count as a source
CONTEXT = 3  # a fact word counts as repeated only inside a run of this many equal words
MAX_OWNERS = 32  # kept chunks remembered per shingle (see dedupe)
MAX_OTHERS = 8  # lightly overlapping kept chunks a candidate's facts may be found in

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


def dedupe(chunks: list[Chunk]) -> list[Chunk]:
    """Return the chunks to store, in input order, with ``sources`` filled in.
    Earlier chunks win, so callers order documents by preference."""
    kept: list[Chunk] = []
    by_id: dict[str, int] = {}  # the same text (the id is its hash) is merged whatever the shingles say
    # shingle -> kept chunks holding it, at most MAX_OWNERS: a shingle in more chunks than
    # that is boilerplate, and following all of them would make dedupe quadratic
    owners: dict[tuple[str, ...], list[int]] = {}
    for chunk in chunks:
        same = by_id.get(chunk.id)
        if same is not None:
            if chunk.source not in kept[same].sources:
                kept[same].sources.append(chunk.source)
            continue
        sh = shingles(chunk.text)
        chunk = Chunk.from_dict(chunk.to_dict() | {"sources": [chunk.source]})
        # the cheap test first (set membership); who holds what only for a candidate
        if sh and sum(1 for s in sh if s in owners) / len(sh) >= COVERAGE:
            overlap: dict[int, int] = defaultdict(int)
            for s in sh:
                for k in owners.get(s, ()):
                    overlap[k] += 1
            ranked = sorted(overlap, key=lambda k: (-overlap[k], k))
            holders = [k for k in ranked if overlap[k] / len(sh) >= ATTRIBUTION]
            others = [k for k in ranked if overlap[k] / len(sh) < ATTRIBUTION][:MAX_OTHERS]
            if holders and same_substance(chunk.text, [kept[k].text for k in sorted(holders)],
                                          [kept[k].text for k in others]):
                for k in sorted(holders):
                    if chunk.source not in kept[k].sources:
                        kept[k].sources.append(chunk.source)
                continue
        index = len(kept)
        kept.append(chunk)
        by_id[chunk.id] = index
        for s in sh:
            holders_of = owners.setdefault(s, [])
            if len(holders_of) < MAX_OWNERS:
                holders_of.append(index)
    return kept
