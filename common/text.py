"""Dutch text helpers shared by cleaning, chunking and answering.

Kept dependency-free and deterministic: the chunker and the extractive answerer must
cut sentences the same way, or a quoted sentence would not be found in its passage.
"""
from __future__ import annotations

import re
import unicodedata

# Abbreviations after which a period does not end a sentence. Lower-case, without the
# final period; multi-dot forms ("o.a.") are matched by the pattern below as well.
ABBREVIATIONS = {
    "ca", "o.a", "bijv", "bv", "d.w.z", "i.r.t", "m.b.t", "t.a.v", "t.o.v", "e.d", "e.a",
    "incl", "excl", "nr", "blz", "p", "pag", "mr", "mw", "dhr", "dr", "ir", "ing", "prof",
    "drs", "jl", "jr", "st", "vs", "etc", "enz", "resp", "max", "min", "mln", "mld", "mrd",
    "zgn", "evt", "ong", "tel", "afd", "art", "vgl", "z.g.a.n", "a.s", "m.i.v", "n.a.v",
}

_SENTENCE_END = re.compile(r"([.!?…]+[\"'”’)]*)(\s+)(?=[\"'“‘(]?[A-ZÀ-ÖØ-Þ0-9•])")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_BULLET = re.compile(r"^\s*(?:[•●▪◦·\-–*]|\d{1,2}[.)](?=\s))\s+")


def normalize_chars(text: str) -> str:
    """Undo extraction artefacts that are never meaningful: tabs between words,
    non-breaking and zero-width spaces, soft hyphens, ligatures, Windows line ends."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl").replace("\ufb00", "ff")
    text = re.sub(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]", " ", text)
    return text


def collapse_spaces(text: str) -> str:
    return re.sub(r"[ ]{2,}", " ", text).strip()


def is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def strip_bullet(line: str) -> str:
    return _BULLET.sub("", line, count=1).strip()


def _ends_with_abbreviation(fragment: str) -> bool:
    last = fragment.rstrip().rsplit(" ", 1)[-1].lower().rstrip(".")
    last = last.lstrip("(\"'“‘")
    if last in ABBREVIATIONS:
        return True
    # single letters ("J. Jansen") and dotted initialisms ("i.r.t.") never end a sentence
    return len(last) == 1 and last.isalpha() or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", last))


def split_sentences(text: str) -> list[str]:
    """Split running Dutch text into sentences; newlines always end a sentence
    (bullets and headings arrive one per line)."""
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENTENCE_END.finditer(line):
            end = m.end(1)
            candidate = line[start:end]
            if m.group(1) == "." and _ends_with_abbreviation(candidate):
                continue
            sentences.append(candidate.strip())
            start = m.end()
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


# combining marks left by NFKD (Latin, Greek, Cyrillic and the extended blocks): one regex
# pass instead of a per-character test, which made term statistics over 100,000 chunks slow
_COMBINING = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens ("zonne-energie" stays one token;
    "portfolio’s" and "portfolio's" both become "portfolios")."""
    return [w.replace("'", "").replace("’", "") for w in _WORD.findall(strip_accents(text).lower())]


def fingerprint(text: str) -> str:
    """A normalised form for duplicate detection: words only, single spaces."""
    return " ".join(words(text))


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    toks = words(text)
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}
