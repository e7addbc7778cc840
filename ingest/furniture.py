"""Page furniture: what a printed page carries besides its running text.

Running headers and footers, page numbers, contents and index pages are found by
evidence across the whole document, never by lists of words: a line is a running
header when (with its numbers blanked out) it opens or closes many pages; a contents
line ends in a page number after a dot leader or a numbered title. A reader skips all
of it, and so must the index; likewise the loose labels of charts and scores. Otherwise "Hoofdstuk 2: Inleiding 14" becomes a
section label and a contents page answers every question.
"""
from __future__ import annotations

import re
from collections import Counter

ZONE = 3  # lines at the top and at the bottom of a page where headers and footers stand
_ROMAN = r"(?:[ivxlcdm]+)"
_NUMBERISH = re.compile(rf"\b(?:\d+|{_ROMAN})\b", re.I)
# "12", "- 12 -", "xiv", "6 / 101", "6 van 101"
_PAGE_NUMBER = re.compile(rf"^[\s\-–—|]*(?:\d{{1,4}}|{_ROMAN})(?:\s*(?:/|of|van)\s*\d{{1,4}})?[\s\-–—|]*$", re.I)
# ". . . . 12", "....... 12", "… 12": dot leaders, with or without a page number
DOT_LEADER = re.compile(r"(?:\.\s?){4,}|…\s*\.|(?:\s\.){3,}|\.{3,}\s*\d{1,4}\s*$")
# "3.1.2 Hoofdserver 17": a numbered title that ends in a page number
_TOC_ENTRY = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+\S.*\D\s(?:\d{1,4}|[ivxlc]+)$", re.I)
# "accolades, 12, 45" / "opmaak 28, 45": an index entry with page references
_INDEX_ENTRY = re.compile(r"\S[,\s]\s*\d{1,4}(?:\s*[,–-]\s*\d{1,4})+\s*$|^\S.{0,60},\s*\d{1,4}$")


# what a line of a figure or score is made of: small numbers, single letters, vowelless
# lower-case marks ("sf", "sffp"), symbols; a line of only these says nothing in words
_DEBRIS_TOKEN = re.compile(r"^(?:[^\w€$%]*\d{1,3}[^\w€$%]*|[^\W\d_]|[b-df-hj-np-tv-xz]{1,4}|[^\w€$%]+)$")


def is_figure_debris(line: str) -> bool:
    """Labels of a chart or a score ("5 3:5", "= 42 516 sffp", "h h ª"): no word in
    them, no amount (€, %, a four-digit year)."""
    tokens = re.findall(r"[^\s:;,/()\[\]]+", line)
    return bool(tokens) and all(_DEBRIS_TOKEN.match(t) for t in tokens)


def _key(line: str) -> str:
    """The line with its page numbers blanked out: odd and even pages, and pages of
    one chapter, then share one key."""
    key = _NUMBERISH.sub("#", " ".join(line.lower().split()))
    return key.strip(" #/|-–—.:")


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line.strip()))


def is_contents_line(line: str) -> bool:
    line = line.strip()
    return bool(DOT_LEADER.search(line) or _TOC_ENTRY.match(line) or _INDEX_ENTRY.search(line))


def _zones(lines: list[str]) -> tuple[list[int], list[int]]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return filled[:ZONE], filled[-ZONE:]


def running_lines(pages: list[str]) -> set[str]:
    """Keys of lines that open or close many pages (at least three, or every page of a
    short document of two to four) and are not as common inside pages: a code line
    or a label that happens to start several pages is content."""
    edge, inside = Counter(), Counter()
    filled = 0
    for text in pages:
        lines = text.split("\n")
        if not any(line.strip() for line in lines):
            continue
        filled += 1
        head, foot = _zones(lines)
        zone = set(head) | set(foot)
        edge.update({_key(lines[i]) for i in zone} - {""})
        inside.update(_key(line) for i, line in enumerate(lines) if i not in zone and line.strip())
    need = 3 if filled > 4 else max(2, filled)
    return {k for k, n in edge.items() if n >= need and inside[k] < n}


def strip_furniture(pages: list[str]) -> list[str]:
    """The pages without running headers/footers, page numbers and contents entries;
    a page that is mostly contents or index becomes empty (its number is kept)."""
    running = running_lines(pages)
    out = []
    for text in pages:
        lines = text.split("\n")
        head, foot = _zones(lines)
        edge = set(head[:2]) | set(foot[-2:])
        drop = {i for i in set(head) | set(foot) if _key(lines[i]) in running}
        drop |= {i for i in edge if is_page_number(lines[i])}
        kept = [(i, line) for i, line in enumerate(lines) if i not in drop]
        filled = [line for _, line in kept if line.strip()]
        contents = [line for line in filled if is_contents_line(line)]
        if len(contents) >= 3 and len(contents) >= 0.5 * len(filled):
            out.append("")  # a contents or index page: nothing on it is an answer
            continue
        out.append("\n".join(line for _, line in kept if not DOT_LEADER.search(line) and not is_figure_debris(line)))
    return out
