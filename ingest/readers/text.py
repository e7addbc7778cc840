"""Plain text and Markdown."""
from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from ingest.document import Document, Segment
from ingest.readers.base import decode, make_document, read_bytes, squash


def load_text(path: Path) -> Document:
    text = decode(read_bytes(path), path.name).replace("\r\n", "\n")
    return make_document(path, "txt", [Segment(text)], reader="text")


def load_markdown(path: Path) -> Document:
    text = decode(read_bytes(path), path.name).replace("\r\n", "\n")
    segments, section, blocks, items = [], None, [], []
    title, heading, list_depth, new_item = None, None, 0, False
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type == "heading_open":
            heading = tok.tag
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1  # nested lists flatten into the outermost list's "- " lines
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and items:
                blocks, items = blocks + ["\n".join(items)], []
        elif tok.type == "list_item_open":
            new_item = True
        elif tok.type == "inline" and heading:
            segments.append(Segment("\n\n".join(blocks), section=section))
            section, blocks = squash(_md_inline(tok.children)) or None, []
            title = title or (section if heading == "h1" else None)
            heading = None
        elif tok.type in ("inline", "fence", "code_block", "html_block"):
            block = _md_block(tok)
            if block.strip() and list_depth:
                items.append(("- " if new_item else "  ") + block)  # "  ": item's later paragraphs
                new_item = False
            elif block.strip():
                blocks.append(block)
    segments.append(Segment("\n\n".join(blocks), section=section))
    return make_document(path, "md", segments, title, reader="markdown-it-py")


def _md_block(tok) -> str:
    if tok.type == "inline":
        return _md_inline(tok.children).strip()
    if tok.type == "html_block":  # get_text() skips comments, so <!-- --> blocks vanish
        return BeautifulSoup(tok.content, "html.parser").get_text().strip()
    return tok.content.strip("\n")  # code stays as plain text


def _md_inline(children) -> str:
    # Only text survives: emphasis, link delimiters, images and inline HTML are markup.
    keep = ("text", "code_inline", "softbreak", "hardbreak")
    return "".join(c.content if c.type in keep[:2] else "\n" for c in children or [] if c.type in keep)
