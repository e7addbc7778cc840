"""Document text made safe to show: Markdown that renders literally, HTML with every
piece escaped, and the cited sentence found again inside its passage.

Everything shown that comes from a document or a visitor (answer text, titles,
passages, file names, questions) goes through ``md_escape`` or ``html.escape``
first: a document must not be able to inject Markdown, links or HTML into the page.
"""
from __future__ import annotations

import html
import re

# Characters that start Markdown syntax anywhere in a line (emphasis, code, links,
# tables, strikethrough, LaTeX). "<", ">" and "&" are handled by html.escape first.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()#+|~$!])")
# Syntax that only counts at the start of a line: lists, setext headings, "1." lists.
_MD_LINE_START = re.compile(r"^([-=])")
_MD_ORDERED = re.compile(r"^(\d+)\.")
# Streamlit directives and icons (":red[…]", ":material/…:") start with ":" + a letter.
_MD_DIRECTIVE = re.compile(r":(?=[A-Za-z])")
# "[3]" / "[1, 2]" citation markers, escaped by the above; restored so they read as
# "[3]". Safe: a bare "[3]" is no link once every "(" is escaped and a "[3]:" that
# starts a line (a link reference definition) stays escaped.
_ESCAPED_MARKER = re.compile(r"(?<![A-Za-z0-9\\])\\\[(\d{1,3}(?:,\s?\d{1,3})*)\\\](:?)")
_MARKER = re.compile(r"(?<![A-Za-z0-9\\])\[(\d{1,3}(?:,\s?\d{1,3})*)\](?!\()")
_BULLET = re.compile(r"^[-•*]\s+")
# Bare URLs and e-mail addresses become links on the page even when every Markdown
# character is escaped (Streamlit linkifies the rendered text). An invisible word
# joiner (U+2060) inside the pattern keeps them plain text that reads the same.
_JOINER = "\u2060"
_AUTOLINK = [("://", _JOINER + "://"), ("www.", "www" + _JOINER + "."), ("WWW.", "WWW" + _JOINER + "."),
             ("@", _JOINER + "@")]


def _escape_line(line: str) -> str:
    line = html.escape(line.strip(), quote=False)  # also drops indentation: no code blocks
    line = _MD_INLINE.sub(r"\\\1", line)
    line = _MD_DIRECTIVE.sub(r"\\:", line)
    line = _MD_ORDERED.sub(r"\1\\.", _MD_LINE_START.sub(r"\\\1", line))
    for pattern, safe in _AUTOLINK:
        line = line.replace(pattern, safe)
    return _ESCAPED_MARKER.sub(_restore_marker, line)


def _restore_marker(m: re.Match) -> str:
    if m.group(2) and not m.string[:m.start()].strip():
        return m.group(0)  # "[3]:" opening a line would define a link
    return f"[{m.group(1)}]{m.group(2)}"


def md_escape(text: str) -> str:
    """Document text as Markdown that renders literally. Line breaks are kept, and
    lines starting with "- " or "• " (the answerers' lists) stay a list."""
    out, was_bullet = "", False
    for i, line in enumerate((text or "").strip().splitlines()):
        line = line.strip()
        bullet = _BULLET.match(line)
        # two spaces: a hard line break, as in the document; a blank line ends a list
        out += "" if i == 0 else ("\n\n" if was_bullet and line and not bullet else "  \n")
        out += "- " + _escape_line(line[bullet.end():]) if bullet else _escape_line(line)
        was_bullet = bool(bullet)
    return out


def link_markers(markdown: str, anchor: str, known: set[int]) -> str:
    """Turn the "[2]" / "[1, 3]" markers of escaped answer text into links to the
    sources below the answer (``#{anchor}-{n}``). Numbers without a source stay text."""
    def one(n: str) -> str:
        return f'<a href="#{anchor}-{n}" class="tb-cite">{n}</a>' if int(n) in known else n

    def sub(m: re.Match) -> str:
        return "[" + ", ".join(one(n.strip()) for n in m.group(1).split(",")) + "]"

    return _MARKER.sub(sub, markdown)


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the cited sentence(s) sit in the passage. A quote may join pieces with
    "…"; each piece is looked up, whitespace-insensitively as a fallback."""
    spans = []
    for piece in re.split(r"\s*(?:…|\.\.\.)\s*", quote or ""):
        piece = piece.strip()
        if len(piece) < 3:
            continue
        start = text.find(piece)
        if start >= 0:
            spans.append((start, start + len(piece)))
            continue
        pattern = r"\s+".join(re.escape(w) for w in piece.split())
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            spans.append(m.span())
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def passage_html(text: str, quote: str = "") -> str:
    """The passage as one line of HTML, every piece html.escape'd, the quote in <mark>.
    One line on purpose: Markdown treats it as a single raw HTML block and parses none
    of the (escaped) document text inside it as Markdown."""
    parts, pos = [], 0
    for s, e in quote_spans(text, quote):
        parts += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        pos = e
    parts.append(html.escape(text[pos:]))
    body = "".join(parts).strip().replace("\r", "").replace("\n", "<br>")
    return f'<div class="tb-passage">{body}</div>'


def location(page: int | None, section: str | None, page_label: str | None = None) -> str:
    """"p. 7 / 3.1 Opgave": the printed page number when the PDF has one."""
    return " / ".join(p for p in (f"p. {page_label or page}" if page else "", section or "") if p)


def source_label(n: int | None, title: str, page: int | None, section: str | None,
                 page_label: str | None = None) -> str:
    loc = location(page, None if section == title else section, page_label)  # a one-section file repeats its title
    label = (f"[{n}] " if n is not None else "") + title + (f" — {loc}" if loc else "")
    return md_escape(label)  # expander and button labels are Markdown too


_LABEL_SAFE = re.compile(r"\\([().#+!|-])")


def label_escape(text: str) -> str:
    """A title as a widget label: escaped like ``md_escape``, but without the escapes
    a one-line label does not need (they would be read aloud in its aria-label)."""
    return _LABEL_SAFE.sub(r"\1", md_escape(" ".join((text or "").split())))
