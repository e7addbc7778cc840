"""Structure-aware chunking: headings stay with their text, lists with their lead-in.

Sizes are counted in words: multilingual-e5 reads 512 tokens and Dutch runs at about
1.6 tokens a word, so ~180 words fit with room for the section line in front.

Every block remembers the page it stands on, and a paragraph that runs on over a page
break remembers where the next page starts inside it; the chunk records those starts
in ``Chunk.page_breaks``, so a citation names the page of the sentence it quotes. Otherwise a chunk stays on one page and within one section; a
heading at the foot of a page stays with its text on the next.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.records import Chunk
from common.text import split_sentences
from ingest.clean import BULLET, HEADING, PARAGRAPH, Block, join_lines, repeated, to_blocks
from ingest.document import Document

_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)]*$")


@dataclass
class _Located:
    """A block where it stands: page (and printed label) of its first character, and
    where later pages start inside its text."""

    block: Block
    page: int | None
    label: str | None
    breaks: list[tuple[int, int, str | None]] = field(default_factory=list)  # (offset, page, label)

    @property
    def text(self) -> str:
        return self.block.text

    @property
    def kind(self) -> str:
        return self.block.kind

    def cut(self, start: int, end: int, kind: str | None = None) -> "_Located":
        """The part text[start:end], with its own first page and breaks."""
        page, label = self.page, self.label
        breaks = []
        for offset, p, lab in self.breaks:
            if offset <= start:
                page, label = p, lab
            elif offset < end:
                breaks.append((offset - start, p, lab))
        return _Located(Block(kind or self.kind, self.text[start:end]), page, label, breaks)


@dataclass
class _Piece:
    items: list[_Located]
    section: str | None
    starts_section: bool = False

    @property
    def words(self) -> int:
        return sum(len(i.text.split()) for i in self.items)


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, as ``split_sentences`` cuts it."""
    spans, cursor = [], 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:  # cannot happen for collapsed text; keep the rest whole rather than lose it
            return spans + [(cursor, len(text))] if cursor < len(text) else spans
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def _vocabulary(doc: Document) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+(?:-\w+)*", doc.text)}


def _continues(prev: _Located, block: Block) -> bool:
    """The first paragraph of a page goes on with the last one of the page before:
    that one stops mid-sentence and this one starts in lower case."""
    return (prev.kind in (PARAGRAPH, BULLET) and block.kind == PARAGRAPH
            and not _SENTENCE_END.search(prev.text) and block.text[:1].islower())


def _located_blocks(doc: Document) -> list[tuple[_Located, str | None]]:
    vocab = _vocabulary(doc)
    located: list[tuple[_Located, str | None]] = []
    for seg in doc.segments:
        if seg.section:
            located.append((_Located(Block(HEADING, seg.section), seg.page, seg.page_label), seg.section))
        for j, block in enumerate(to_blocks(seg.text, vocab)):
            prev = located[-1][0] if located else None
            if (j == 0 and not seg.section and prev is not None and seg.page is not None
                    and prev.page is not None and _continues(prev, block)):
                joined = join_lines(prev.text, block.text, vocab)
                prev.breaks.append((len(joined) - len(block.text), seg.page, seg.page_label))
                prev.block = Block(prev.kind, joined)
                continue
            located.append((_Located(block, seg.page, seg.page_label), seg.section))
    drop = repeated([loc.block for loc, _ in located])
    return [x for i, x in enumerate(located) if i not in drop]


def _pieces(doc: Document) -> list[_Piece]:
    """Group blocks into units that must not be separated: a heading opens a section,
    a list travels with the sentence that introduces it."""
    pieces: list[_Piece] = []
    section: str | None = None
    for item, _ in _located_blocks(doc):
        if item.kind == HEADING:
            section = item.text
            pieces.append(_Piece([item], section, starts_section=True))
            continue
        prev = pieces[-1] if pieces else None
        if item.kind == BULLET and prev and prev.section == section and not (prev.starts_section and len(prev.items) == 1):
            if prev.items[-1].kind == BULLET or prev.items[-1].text.rstrip().endswith(":"):
                lead = prev.items[-1]
                # keep only the introducing sentence with the list, the rest of a long
                # paragraph can live in the chunk before
                spans = _spans(lead.text) if lead.kind != BULLET else []
                if len(spans) > 1 and prev.words > 60:
                    prev.items[-1] = lead.cut(spans[0][0], spans[-2][1])
                    pieces.append(_Piece([lead.cut(spans[-1][0], spans[-1][1]), item], section))
                else:
                    prev.items.append(item)
                continue
        pieces.append(_Piece([item], section))
    return pieces


def _split_long(piece: _Piece, max_words: int) -> list[_Piece]:
    """Cut an oversized paragraph at sentence boundaries (lists are cut between items)."""
    out: list[_Piece] = []
    current: list[tuple[_Located, int, int]] = []  # sentences of one block: (block, start, end)
    count = 0

    def flush() -> None:
        nonlocal current, count
        if current:
            item = current[0][0]
            out.append(_Piece([item.cut(current[0][1], current[-1][2])], piece.section))
        current, count = [], 0

    for item in piece.items:
        if item.kind == BULLET:
            flush()
            out.append(_Piece([item], piece.section))
            continue
        for start, end in _spans(item.text):
            n = len(item.text[start:end].split())
            if current and (count + n > max_words or current[0][0] is not item):
                flush()
            current.append((item, start, end))
            count += n
    flush()
    return out


def chunk_document(doc: Document, title: str | None = None, max_words: int = 180,
                   list_max_words: int = 320, min_words: int = 40, date: str | None = None) -> list[Chunk]:
    title = title or doc.title or doc.source
    date = date or doc.date
    groups: list[list[_Piece]] = []
    for piece in _pieces(doc):
        has_list = any(i.kind == BULLET for i in piece.items)
        limit = list_max_words if has_list else max_words
        parts = [piece] if piece.words <= limit else _split_long(piece, max_words)
        for part in parts:
            current = groups[-1] if groups else None
            # a new section or a new page starts a new chunk, so a chunk's page is where its
            # text stands (only a heading at a page foot and a paragraph running over the
            # break carry a chunk onto the next page; page_breaks tells where)
            fresh_section = current is not None and (part.section != current[-1].section
                                                     or part.items[0].page != _end_page(current))
            heading_only = current is not None and all(i.kind == HEADING for p in current for i in p.items)
            size = sum(p.words for p in current) if current else 0
            if current is None or (fresh_section and not heading_only) or (
                size + part.words > (list_max_words if has_list else max_words) and not heading_only
            ):
                groups.append([part])
            else:
                current.append(part)
    groups = _merge_small(groups, min_words, max_words)
    chunks = []
    for group in groups:
        chunk = _render(group, doc, title, date, len(chunks))
        if chunk is not None:
            chunks.append(chunk)
    return chunks


def _render(group: list[_Piece], doc: Document, title: str, date: str | None, position: int) -> Chunk | None:
    lines: list[str] = []
    breaks: list[list] = []
    items = [i for p in group for i in p.items]
    page, label = items[0].page, items[0].label
    offset = 0
    for item in items:
        prefix = "• " if item.kind == BULLET else ""
        if item.page is not None and item.page != page:
            page, label = item.page, item.label
            breaks.append([offset, page, label])
        for at, p, lab in item.breaks:
            if p != page:
                page, label = p, lab
                breaks.append([offset + len(prefix) + at, page, label])
        lines.append(prefix + item.text)
        offset += len(lines[-1]) + 1
    text = "\n".join(lines)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if not text:
        return None
    breaks = [[max(0, at - lead), p, lab] for at, p, lab in breaks if at - lead < len(text)]
    section = next((p.section for p in group if p.section), None)
    return Chunk(text=text, source=doc.source, title=title, page=items[0].page, section=section,
                 position=position, page_label=items[0].label, page_breaks=breaks, date=date)


def _end_page(group: list[_Piece]) -> int | None:
    """The page the group's text ends on."""
    last = group[-1].items[-1]
    return last.breaks[-1][1] if last.breaks else last.page


def _merge_small(groups: list[list[_Piece]], min_words: int, max_words: int) -> list[list[_Piece]]:
    """A chunk of a few words retrieves badly; fold it into its neighbour in the same section."""
    merged: list[list[_Piece]] = []
    for group in groups:
        words = sum(p.words for p in group)
        if merged:
            prev = merged[-1]
            prev_words = sum(p.words for p in prev)
            same_section = prev[-1].section == group[0].section and _end_page(prev) == group[0].items[0].page
            if same_section and (words < min_words or prev_words < min_words) and prev_words + words <= max_words * 1.4:
                prev.extend(group)
                continue
        merged.append(group)
    return merged
