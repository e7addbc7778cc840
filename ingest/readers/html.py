"""HTML: the page's main content, one segment per heading.

Documentation generators wrap navigation in ordinary div and table blocks (DocBook's
navheader/navfooter, per-chapter contents lists, help-page side panels), so dropping
only <nav> is not enough. Boilerplate is found the way readability-style extractors
do it, on general evidence: semantic and ARIA roles (nav, header, footer, aside,
role=navigation), class or id names that web conventions use for navigation
(nav*, menu, breadcrumb, toc, sidebar, pager), blocks whose text is mostly link
text, and lists whose every item links to a heading of the page (contents lists). trafilatura, readability-lxml and jusText were measured on the Debian Edu
manual and LibreOffice help pages and lose the section headings or most of the body
(see the README), so the pruning is done here on BeautifulSoup's tree.
"""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from ingest.document import Document, Segment
from ingest.readers.base import decode, iso_date, make_document, read_bytes, squash

# Not <head>: html.parser nests the whole <body> inside it when </head> is missing.
_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "form", "svg", "title",
         "aside", "button", "select", "iframe", "dialog", "menu"]
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Tags not listed are treated as blocks: at worst that splits a sentence, never glues words.
_INLINE = {"a", "abbr", "b", "cite", "code", "del", "em", "font", "i", "ins", "kbd", "label", "mark",
           "q", "s", "small", "span", "strong", "sub", "sup", "time", "u"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([-\w.:]+)", re.I)
_NAV_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "toolbar", "tablist",
              "complementary", "doc-toc"}
# class/id names for navigation in common use (readability keeps a similar list)
_NAV_NAME = re.compile(r"(?:^|[\s_-])(?:nav\w*|\w*navbar|menu\w*|breadcrumbs?|toc|sidebar|pager|pagination|"
                       r"skip-?links?|cookie\w*)(?:$|[\s_-])", re.I)
_WORDS = re.compile(r"\w+")
_LINK_BLOCKS = ["ul", "ol", "dl", "table", "div", "section", "p"]
_DATE_META = ("date", "dc.date", "dcterms.date", "dc.date.issued", "dcterms.issued", "dcterms.created",
              "article:published_time", "og:published_time", "datepublished", "dcterms.modified",
              "article:modified_time", "last-modified")


def load_html(path: Path) -> Document:
    data = read_bytes(path)
    declared = _META_CHARSET.search(data[:4096])
    soup = BeautifulSoup(decode(data, path.name, declared and declared.group(1).decode()), "html.parser")
    title = squash(soup.title.get_text()) if soup.title else None
    date = _date(soup)
    _prune(soup)
    h1 = soup.find("h1")
    walker = _HtmlWalker()
    walker.walk(soup)
    walker.heading(None)
    return make_document(path, "html", walker.segments, title or (h1 and squash(h1.get_text())), date,
                         reader="beautifulsoup4")


def _date(soup: BeautifulSoup) -> str | None:
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or meta.get("http-equiv") or "")
        if key.lower() in _DATE_META and meta.get("content"):
            found.setdefault(key.lower(), meta["content"])
    for key in _DATE_META:
        if iso_date(found.get(key)):
            return iso_date(found[key])
    return None


def _hidden(tag: Tag) -> bool:
    return tag.has_attr("hidden") or tag.get("aria-hidden", "").lower() == "true" \
        or bool(_HIDDEN_STYLE.search(tag.get("style", "")))


def _unhide(tag: Tag) -> None:
    for attribute in ("hidden", "aria-hidden"):
        if tag.has_attr(attribute):
            del tag[attribute]
    if tag.has_attr("style"):
        tag["style"] = _HIDDEN_STYLE.sub("", tag["style"])


def _is_navigation(tag: Tag) -> bool:
    if _hidden(tag):
        return True
    if tag.get("role", "").lower() in _NAV_ROLES:
        return True
    if tag.name == "body" or tag.name in _INLINE:
        # navigation is a block of links; a class name on a word inside a sentence is styling:
        # LibreOffice's help marks every menu path in its prose as <span class="menuitem">
        return False
    names = " ".join(tag.get("class", []) if isinstance(tag.get("class"), list) else [str(tag.get("class", ""))])
    return bool(_NAV_NAME.search(f"{names} {tag.get('id', '')}"))


def _link_block(tag: Tag) -> bool:
    """A block that is mostly links: a menu or a contents list, not prose with links."""
    links = tag.find_all("a", href=True)
    if len(links) < 3 or tag.find(_HEADINGS):
        return False
    words = len(_WORDS.findall(tag.get_text(" ")))
    linked = sum(len(_WORDS.findall(a.get_text(" "))) for a in links)
    return words > 0 and linked >= 0.7 * words


def _heading_anchors(soup: BeautifulSoup) -> set[str]:
    """Ids and names that point at a heading: the targets of a contents list."""
    anchors = set()
    for heading in soup.find_all(_HEADINGS):
        for tag in [heading, *heading.find_all(True)]:
            anchors.update(str(tag.get(key)) for key in ("id", "name") if tag.get(key))
    return anchors


def _contents_list(tag: Tag, anchors: set[str]) -> bool:
    """A list whose every item links to a heading of this page: a (chapter) contents
    list, even when its items carry some words besides the link."""
    items = tag.find_all(["li", "dt"], recursive=False)
    if len(items) < 2:
        return False
    return all(any(a["href"].partition("#")[2] in anchors for a in item.find_all("a", href=True)
                   if "#" in a["href"]) for item in items)


def _show_chosen_variants(soup: BeautifulSoup) -> None:
    """An inline element whose every child is hidden holds variants of which the page's
    script shows one (LibreOffice's help: "Kies <Extra - Opties | LibreOffice -
    Voorkeuren>", "<Ctrl | Commando>+D"). Read the one marked default, else the first:
    dropping them all loses the menu path or the key."""
    for tag in soup.find_all(_INLINE):
        kids = [c for c in tag.children if isinstance(c, Tag)]
        if len(kids) < 2 or any(isinstance(c, NavigableString) and c.strip() for c in tag.children):
            continue
        if all(_hidden(k) for k in kids):
            names = [f"{k.get('id', '')} {' '.join(k.get('class', []))}".lower() for k in kids]
            _unhide(next((k for k, n in zip(kids, names) if "default" in n), kids[0]))


def _prune(soup: BeautifulSoup) -> None:
    _show_chosen_variants(soup)
    drop = soup.find_all(_DROP) + soup.find_all(lambda t: isinstance(t, Tag) and _is_navigation(t))
    for tag in drop:
        tag.extract()  # not decompose(): the list also holds descendants of tags already removed
    anchors = _heading_anchors(soup)
    for tag in soup.find_all(_LINK_BLOCKS):
        if tag.parent is not None and (_link_block(tag) or (tag.name in ("ul", "ol", "dl") and _contents_list(tag, anchors))):
            tag.extract()


def _nested(tag: Tag) -> bool:
    """A row or definition list holding a table, a list of definitions or a heading."""
    return tag.find(["table", "dl", *_HEADINGS]) is not None


def _label(text: str) -> bool:
    """A short cell or term that names what the next one says: not a sentence of its own."""
    return len(text.split()) <= 8 and not re.search(r"[.!?]$", text.strip())


class _HtmlWalker:
    """Collects visible text into blocks; each heading closes the current segment."""

    def __init__(self):
        self.segments: list[Segment] = []
        self.section: str | None = None
        self.blocks: list[tuple[str, bool]] = []  # (text, is a list item)
        self.buffer: list[str] = []
        self.in_item = False  # next block is an <li>'s own text, even if a nested list follows

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(re.sub(r"\s+", " ", child))  # source line breaks are invisible
            elif child.name == "br":
                self.buffer.append("\n")
            elif child.name in _INLINE:
                self.walk(child)
            elif child.name in ("td", "th"):
                self.walk(child)
                self.buffer.append(" ")
            elif child.name == "tr" and self.row(child):
                pass  # read as one line
            elif child.name == "dl" and self.definitions(child):
                pass  # each term with its description on one line
            elif child.name in _HEADINGS and not child.find(["p", "ul", "ol", "table", *_HEADINGS]):
                self.heading(child)  # (an unclosed heading swallows the page: then it is a block)
            elif child.name == "pre":  # whitespace is meaningful in preformatted text
                self.flush()
                self.blocks.append((child.get_text().strip("\n"), False))
            else:
                self.flush()
                self.in_item = self.in_item or child.name == "li"
                self.walk(child)
                self.flush()
                self.in_item = self.in_item and child.name != "li"

    def row(self, tr: Tag) -> bool:
        """A table row as one line: "--view: Opent … (alleen lezen)." for a label and its
        description, "a | b | c" for short cells. Read cell by cell, a label and what it
        labels would be separate lines, and neither alone answers a question about the
        other. False (read it as blocks) when it is no row of two or more cells with
        text, or holds a table or heading (malformed markup)."""
        return not _nested(tr) and self._cells(tr.find_all(["td", "th"], recursive=False))

    def definitions(self, dl: Tag) -> bool:
        """A definition list: each term with its first description on one line."""
        children = [c for c in dl.children if isinstance(c, Tag)]
        if _nested(dl) or not children or any(c.name not in ("dt", "dd") for c in children):
            return False
        self.flush()
        term = None
        for c in children:
            if c.name == "dt":
                if term is not None:  # a term without a description: its own line
                    self._single(term)
                term = c
            else:
                if term is None:
                    self._single(c)
                elif not self._cells([term, c]):  # one of the two is empty: keep what there is
                    self._single(term)
                    self._single(c)
                term = None
        if term is not None:
            self._single(term)
        return True

    def _cells(self, cells: list[Tag]) -> bool:
        parts = []
        for cell in cells:
            sub = _HtmlWalker()
            sub.walk(cell)
            sub.flush()
            if sub.blocks:
                parts.append(sub.blocks)  # (text, is a list item)
        if len(parts) < 2:
            return False
        self.flush()
        first = parts[0]
        if len(parts) == 2 and len(first) == 1 and "\n" not in first[0][0] and _label(first[0][0]):
            (text, item), *rest = parts[1]
            self.blocks.append((f"{first[0][0].rstrip(':')}: {text[2:] if item else text}", False))
            self.blocks.extend(rest)
        elif all(len(p) == 1 and "\n" not in p[0][0] for p in parts):
            self.blocks.append((" | ".join(p[0][0] for p in parts), False))
        else:
            for p in parts:
                self.blocks.extend(p)
        return True

    def _single(self, tag: Tag) -> None:
        self.flush()
        self.walk(tag)
        self.flush()

    def flush(self) -> None:
        lines = (squash(line) for line in "".join(self.buffer).split("\n"))
        text, self.buffer = "\n".join(line for line in lines if line), []
        if text:
            self.blocks.append(("- " + text if self.in_item else text, self.in_item))
            self.in_item = False

    def heading(self, tag: Tag | None) -> None:
        self.flush()
        text = ""
        for i, (block, item) in enumerate(self.blocks):  # consecutive list items: one line each
            text += ("" if i == 0 else "\n" if item and self.blocks[i - 1][1] else "\n\n") + block
        self.segments.append(Segment(text, section=self.section))
        self.section, self.blocks = (squash(tag.get_text()) or None) if tag else None, []
