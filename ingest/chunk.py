"""Structure-aware chunking: headings stay with their text, lists with their lead-in.

Sizes are counted in words: multilingual-e5 reads 512 tokens and Dutch runs at about
1.6 tokens a word, so ~180 words fit with room for the section line in front.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from common.records import Chunk
from ingest.clean import BULLET, HEADING, Block, repeated, to_blocks
from ingest.document import Document
from common.text import split_sentences


@dataclass
class _Piece:
    blocks: list[Block]
    page: int | None
    section: str | None
    starts_section: bool = False

    @property
    def words(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


def _render(block: Block) -> str:
    return f"• {block.text}" if block.kind == BULLET else block.text


def _vocabulary(doc: Document) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+(?:-\w+)*", doc.text)}


def _located_blocks(doc: Document) -> list[tuple[Block, int | None, str | None]]:
    vocab = _vocabulary(doc)
    located = []
    for seg in doc.segments:
        if seg.section:
            located.append((Block(HEADING, seg.section), seg.page, seg.section))
        for block in to_blocks(seg.text, vocab):
            located.append((block, seg.page, seg.section))
    drop = repeated([b for b, _, _ in located])
    return [x for i, x in enumerate(located) if i not in drop]


def _pieces(doc: Document) -> list[_Piece]:
    """Group blocks into units that must not be separated: a heading opens a section,
    a list travels with the sentence that introduces it."""
    pieces: list[_Piece] = []
    section: str | None = None
    for block, page, _ in _located_blocks(doc):
        if block.kind == HEADING:
            section = block.text
            pieces.append(_Piece([block], page, section, starts_section=True))
            continue
        prev = pieces[-1] if pieces else None
        if block.kind == BULLET and prev and prev.section == section and not (prev.starts_section and len(prev.blocks) == 1):
            if prev.blocks[-1].kind == BULLET or prev.blocks[-1].text.rstrip().endswith(":"):
                lead = prev.blocks[-1]
                # keep only the introducing sentence with the list, the rest of a long
                # paragraph can live in the chunk before
                sentences = split_sentences(lead.text) if lead.kind != BULLET else []
                if len(sentences) > 1 and prev.words > 60:
                    prev.blocks[-1] = Block(lead.kind, " ".join(sentences[:-1]))
                    pieces.append(_Piece([Block(lead.kind, sentences[-1]), block], page, section))
                else:
                    prev.blocks.append(block)
                continue
        pieces.append(_Piece([block], page, section))
    return pieces


def _split_long(piece: _Piece, max_words: int) -> list[_Piece]:
    """Cut an oversized paragraph at sentence boundaries (lists are cut between items)."""
    out: list[_Piece] = []
    current: list[str] = []
    units = [(b, s) for b in piece.blocks for s in (split_sentences(b.text) if b.kind != BULLET else [b.text])]
    count = 0
    kind = piece.blocks[0].kind
    for block, sentence in units:
        n = len(sentence.split())
        if current and count + n > max_words:
            out.append(_Piece([Block(kind, " ".join(current))], piece.page, piece.section))
            current, count = [], 0
        if block.kind == BULLET:
            if current:
                out.append(_Piece([Block(kind, " ".join(current))], piece.page, piece.section))
                current, count = [], 0
            out.append(_Piece([block], piece.page, piece.section))
            continue
        kind = block.kind
        current.append(sentence)
        count += n
    if current:
        out.append(_Piece([Block(kind, " ".join(current))], piece.page, piece.section))
    return out


def chunk_document(doc: Document, title: str | None = None, max_words: int = 180,
                   list_max_words: int = 320, min_words: int = 40) -> list[Chunk]:
    title = title or doc.title or doc.source
    groups: list[list[_Piece]] = []
    for piece in _pieces(doc):
        has_list = any(b.kind == BULLET for b in piece.blocks)
        limit = list_max_words if has_list else max_words
        parts = [piece] if piece.words <= limit else _split_long(piece, max_words)
        for part in parts:
            current = groups[-1] if groups else None
            # a chunk stays on one page, so its citation can name that page
            fresh_section = current is not None and (part.section != current[-1].section
                                                     or part.page != current[-1].page)
            heading_only = current is not None and all(b.kind == HEADING for p in current for b in p.blocks)
            size = sum(p.words for p in current) if current else 0
            if current is None or (fresh_section and not heading_only) or (
                size + part.words > (list_max_words if has_list else max_words) and not heading_only
            ):
                groups.append([part])
            else:
                current.append(part)
    groups = _merge_small(groups, min_words, max_words)
    chunks = []
    for position, group in enumerate(groups):
        text = "\n".join(_render(b) for p in group for b in p.blocks).strip()
        if not text:
            continue
        section = next((p.section for p in group if p.section), None)
        chunks.append(Chunk(text=text, source=doc.source, title=title, page=group[0].page,
                            section=section, position=position))
    return chunks


def _merge_small(groups: list[list[_Piece]], min_words: int, max_words: int) -> list[list[_Piece]]:
    """A chunk of a few words retrieves badly; fold it into its neighbour in the same section."""
    merged: list[list[_Piece]] = []
    for group in groups:
        words = sum(p.words for p in group)
        if merged:
            prev = merged[-1]
            prev_words = sum(p.words for p in prev)
            same_section = prev[-1].section == group[0].section and prev[-1].page == group[0].page
            if same_section and (words < min_words or prev_words < min_words) and prev_words + words <= max_words * 1.4:
                prev.extend(group)
                continue
        merged.append(group)
    return merged
