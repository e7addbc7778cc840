"""Turn raw extracted text into clean blocks: headings, paragraphs and bullet items.

PDF extraction leaves debris: tabs between words, a hard break after every visual line
(in the strategic plan each followed by a blank line), line-end hyphenation, pull
quotes and repeated paragraphs. The rules here are deliberately conservative: joining
two lines that should have stayed apart costs less than tearing a sentence in two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from common.text import (
    collapse_spaces,
    fingerprint,
    is_bullet,
    normalize_chars,
    shingles,
    split_sentences,
    strip_bullet,
)

HEADING, PARAGRAPH, BULLET = "heading", "paragraph", "bullet"

_NUMBER_ONLY = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+\S|^\d{1,2}\.\s+[A-ZÀ-Þ]")
_PATH_LIKE = re.compile(r"\\\S|://|\.[a-z]{2,4}$")
_NUMBERED_ITEM = re.compile(r"^\d{1,2}[.)]\s")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)]*$")
# "beroeps- en hoger onderwijs": a hyphen before a conjunction is an elision, not a break
_ELISION_NEXT = {"en", "of", "tot", "als", "noch", "t/m"}
_VOWELS = set("aeiouyáéíóúäëïöü")
_DANGLING = {"de", "het", "een", "van", "en", "of", "om", "te", "in", "op", "aan", "met", "voor", "door", "bij",
             "naar", "tot", "als", "die", "dat", "zijn", "is", "we", "wij", "onze", "ons", "hun", "the", "and"}


@dataclass(frozen=True)
class Block:
    kind: str  # HEADING | PARAGRAPH | BULLET
    text: str


def join_lines(left: str, right: str, vocabulary: set[str] | None = None) -> str:
    """Join two wrapped lines, undoing line-end hyphenation but keeping real hyphens."""
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not right:
        return left
    m = re.search(r"(\w+)-$", left)
    if not m:
        return f"{left} {right}"
    head = m.group(1)
    tail_match = re.match(r"\w+", right)
    tail = tail_match.group(0) if tail_match else ""
    if not tail or tail.lower() in _ELISION_NEXT:
        return f"{left} {right}"  # "woon-, werk- en": keep the elision hyphen and the space
    if tail[0].isupper() or tail[0].isdigit() or head[-1].isdigit() or head[-1].isupper():
        return left + right  # "Zwolle-Enschede", "2020-2025", "PO-bestanden"
    vocabulary = vocabulary or set()
    hyphenated, closed = f"{head}-{tail}".lower(), f"{head}{tail}".lower()
    if hyphenated in vocabulary and closed not in vocabulary:
        return left + right
    if closed in vocabulary:
        return left[:-1] + right
    if head[-1].lower() in _VOWELS and tail[0].lower() in _VOWELS:
        return left + right  # Dutch writes a hyphen on a vowel clash: "zonne-energie"
    return left[:-1] + right  # "be-" + "leid" -> "beleid"


def _is_spaced(lines: list[str]) -> bool:
    """True for text where every visual line is followed by a blank line (PDF debris),
    so a single blank line is not a paragraph break. Short web-page lines with blank
    lines between them are not debris: there the lines end where sentences end."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if len(nonblank) < 8:
        return False
    gaps = [b - a - 1 for a, b in zip(nonblank, nonblank[1:])]
    single = sum(1 for g in gaps if g == 1)
    short = median(len(lines[i].strip()) for i in nonblank) < 90
    texts = [lines[i].strip() for i in nonblank]
    mid_sentence = sum(1 for a, b in zip(texts, texts[1:]) if not _SENTENCE_END.search(a) and b[:1].islower())
    return short and single >= 0.6 * len(gaps) and mid_sentence >= 0.25 * len(gaps)


def _looks_like_heading(line: str, next_line: str | None, width: float, after_number: bool = False) -> bool:
    """A short title line: capitalised, no sentence punctuation inside or at its end,
    clearly shorter than the text's usual line, and followed by a new sentence."""
    words = line.split()
    if not words or len(words) > 10 or len(line) > 80:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or line.endswith((".", ",", ";", ":", "-")):
        return False
    if after_number or _NUMBERED_HEADING.match(line):
        return True
    if ", " in line or ": " in line or re.search(r"[.!?] ", line) or len(line) > 0.6 * max(width, 50):
        return False
    if _PATH_LIKE.search(line):
        return False  # "C:\Program Files\app.dll", "https://…": a path is not a title
    if words[-1].lower() in _DANGLING:
        return False  # a line that stops on "om", "van de" was wrapped, not a title
    return next_line is None or next_line[:1].isupper() or next_line[:1] in "“\"'•"


def _numbered_heading(line: str, next_line: str | None, width: float, blocks: list[Block], kind: str) -> bool:
    """"1. Financiën" followed by prose is a numbered heading, not the first item of a
    list: a list item has a sibling item next to it."""
    if not _NUMBERED_HEADING.match(line) or not _looks_like_heading(line, None, width):
        return False
    in_list = kind == BULLET or (bool(blocks) and blocks[-1].kind == BULLET and _NUMBERED_ITEM.match(line) is not None)
    if next_line is None:
        return not in_list  # the last line of a page: its text starts on the next one
    return not in_list and not is_bullet(next_line) and not _NUMBER_ONLY.match(next_line)


def _logical_lines(text: str) -> tuple[list[tuple[str, bool]], bool]:
    """(line, starts_new_paragraph) pairs after removing layout blank lines, and
    whether the text was spaced PDF debris."""
    raw = normalize_chars(text).split("\n")
    spaced = _is_spaced(raw)
    out: list[tuple[str, bool]] = []
    blank_run = 0
    for line in raw:
        if not line.strip():
            blank_run += 1
            continue
        # In spaced text only a longer gap, or an indented line (a new page in the
        # extracted plan), marks a paragraph; elsewhere any blank line does.
        new_para = not out or (blank_run >= 2 if spaced else blank_run >= 1) or (spaced and line[:1] == " ")
        out.append((collapse_spaces(line), new_para))
        blank_run = 0
    return out, spaced


def _separate_line(current: list[str], line: str, spaced: bool) -> bool:
    """Outside PDF debris a short line followed by a capitalised one is a line of its
    own ("Regio: 25 mln" / "Rijk: 25 mln"), not a wrapped sentence."""
    return not spaced and bool(current) and len(current[-1]) < 45 and line[:1].isupper()


def to_blocks(text: str, vocabulary: set[str] | None = None) -> list[Block]:
    """Reflow raw text into headings, paragraphs and bullet items."""
    lines, spaced = _logical_lines(text)
    width = median(len(line) for line, _ in lines) if lines else 0.0
    blocks: list[Block] = []
    current: list[str] = []
    current_kind = PARAGRAPH

    def flush() -> None:
        nonlocal current, current_kind
        if current:
            joined = current[0]
            for nxt in current[1:]:
                joined = join_lines(joined, nxt, vocabulary)
            blocks.append(Block(current_kind, collapse_spaces(joined)))
        current, current_kind = [], PARAGRAPH

    i = 0
    while i < len(lines):
        line, new_para = lines[i]
        nxt = lines[i + 1][0] if i + 1 < len(lines) else None
        prev_done = not current or _SENTENCE_END.search(current[-1]) is not None
        if _NUMBER_ONLY.match(line) and nxt and _looks_like_heading(nxt, None, width, after_number=True):
            flush()
            blocks.append(Block(HEADING, f"{line.rstrip('.')} {nxt}"))
            i += 2
            continue
        if _numbered_heading(line, nxt, width, blocks, current_kind):
            flush()
            blocks.append(Block(HEADING, line))
        elif is_bullet(line):
            flush()
            current, current_kind = [strip_bullet(line)], BULLET
        elif (new_para or prev_done) and _looks_like_heading(line, nxt, width):
            flush()
            blocks.append(Block(HEADING, line))
        elif (new_para or _separate_line(current, line, spaced)) and current_kind != BULLET:
            flush()
            current = [line]
        elif new_para and current_kind == BULLET and (prev_done or not spaced):
            flush()
            current = [line]
        else:
            current.append(line)
        i += 1
    flush()
    return _split_after_bullets(blocks)


def _split_after_bullets(blocks: list[Block]) -> list[Block]:
    """Cut the paragraph that follows a list out of the list's last item.

    Spaced PDF text has no blank line after a list, so the last item swallows the next
    paragraph. Items of one list have the same shape; the last item keeps as many
    sentences as its longest sibling and the rest becomes a paragraph again.
    """
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].kind == BULLET:
            j += 1
        if j - i >= 2:
            run = blocks[i:j]
            keep = max(len(split_sentences(b.text)) for b in run[:-1])
            last = split_sentences(run[-1].text)
            out.extend(run[:-1])
            if len(last) > keep and len(" ".join(last[keep:]).split()) > 6:
                out.append(Block(BULLET, " ".join(last[:keep])))
                out.append(Block(PARAGRAPH, " ".join(last[keep:])))
            else:
                out.append(run[-1])
            i = j
        else:
            out.append(blocks[i])
            i += 1
    return out


def repeated(blocks: list[Block], min_words: int = 8, threshold: float = 0.8) -> set[int]:
    """Indexes of blocks that repeat earlier ones (pull quotes, paragraphs printed twice).

    A block repeats when most of its 5-word shingles already occur in the blocks kept
    before it. Headings and short blocks only count on exact repeats.
    """
    drop: set[int] = set()
    seen_exact: set[str] = set()
    seen_shingles: set[tuple[str, ...]] = set()
    for i, block in enumerate(blocks):
        key = block.kind + ":" + fingerprint(block.text)
        sh = shingles(block.text)
        near = (
            block.kind != HEADING
            and len(block.text.split()) >= min_words
            and bool(sh)
            and len(sh & seen_shingles) / len(sh) >= threshold
        )
        if key in seen_exact or near:
            drop.add(i)
            continue
        seen_exact.add(key)
        seen_shingles |= sh
    return drop
