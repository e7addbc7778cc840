"""How the HTML main-content reader was chosen: trafilatura, readability-lxml, jusText
and this project's reader (BeautifulSoup with boilerplate pruning) on generated
documentation pages, measured against the pages' own structure.

    .venv/bin/python -m bench.html_reader_choice [--cache DIR] [--help-pages 40]

Pages: the Debian Edu manual (DocBook, one page; package debian-edu-doc-nl) and
LibreOffice help pages (package libreoffice-help-nl), fetched like reading_bench.
Columns: body kept = share of the page's body paragraphs (<p> inside the main content:
DocBook's div.section, LibreOffice's #DisplayArea) found in the output; headings =
share of the body's h1-h6 that come out as headings (a section to cite); chrome =
share of navigation texts (links of the contents list, nav header/footer, side panels:
everything outside the main content) found in the output as lines of their own.
The comparison libraries are optional: a missing one is reported, not installed.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

from bench.reading_bench import DEFAULT_CACHE, Source, fetch, fold

DEBIAN_EDU = Source("Debian Edu (HTML)", "debian-edu-doc-nl",
                    "usr/share/doc/debian-edu-doc-nl/debian-edu-bookworm-manual.html")
HELP_ROOT = Source("LibreOffice help", "libreoffice-help-nl", "usr/share/libreoffice/help/nl/text/swriter/main0110.html")
_H = re.compile(r"^h[1-6]$")


def truth(html: str) -> tuple[list[str], list[str], list[str]]:
    """(body paragraphs, body headings, navigation lines) from the page's own markup."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find(id="DisplayArea") or soup
    bodies = main.select("div.section") if main is soup else [main]
    paras = [p.get_text(" ") for b in bodies for p in b.find_all("p", recursive=False)]
    heads = [h.get_text(" ") for b in bodies for h in b.find_all(_H)]
    nav = [a.get_text(" ") for a in soup.select(".toc a, .navheader, .navfooter, aside, header, footer")]
    if main is not soup:
        main.extract()
        nav += [t for t in soup.body.stripped_strings] if soup.body else []
    clean = lambda xs: [x for x in (" ".join(x.split()) for x in xs) if len(fold(x)) >= 4]  # noqa: E731
    return clean(paras), clean(heads), clean(nav)


def ours(html: str, path: Path) -> tuple[str, list[str]]:
    from ingest.readers.html import load_html

    doc = load_html(path)
    return doc.text, [s.section for s in doc.segments if s.section]


def with_trafilatura(html: str, path: Path) -> tuple[str, list[str]]:
    import trafilatura

    out = trafilatura.extract(html, output_format="html", include_tables=True, include_links=False) or ""
    soup = BeautifulSoup(out, "html.parser")
    return soup.get_text("\n"), [h.get_text(" ") for h in soup.find_all(_H)]


def with_readability(html: str, path: Path) -> tuple[str, list[str]]:
    from readability import Document

    soup = BeautifulSoup(Document(html).summary(html_partial=True), "html.parser")
    return soup.get_text("\n"), [h.get_text(" ") for h in soup.find_all(_H)]


def with_justext(html: str, path: Path) -> tuple[str, list[str]]:
    import justext

    good = [p for p in justext.justext(html.encode(), justext.get_stoplist("Dutch")) if not p.is_boilerplate]
    return "\n".join(p.text for p in good), [p.text for p in good if p.is_heading]


READERS = {"this project (bs4 + pruning)": ours, "trafilatura": with_trafilatura,
           "readability-lxml": with_readability, "jusText": with_justext}


def score(pages: list[Path], reader) -> tuple[float, float, float, float]:
    kept = total = heads_kept = heads = chrome = navs = 0
    seconds = 0.0
    for path in pages:
        html = path.read_text(encoding="utf-8")
        paras, head_truth, nav = truth(html)
        started = time.perf_counter()
        text, headings = reader(html, path)
        seconds += time.perf_counter() - started
        folded = fold(text)
        lines = {fold(line) for line in text.split("\n")}
        got_heads = {fold(h) for h in headings}
        kept += sum(1 for p in paras if fold(p) in folded)
        total += len(paras)
        heads_kept += sum(1 for h in head_truth if fold(h) in got_heads)
        heads += len(head_truth)
        chrome += sum(1 for n in nav if fold(n) in lines)
        navs += len(nav)
    return kept / max(total, 1), heads_kept / max(heads, 1), chrome / max(navs, 1), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--help-pages", type=int, default=40, help="LibreOffice help pages to read")
    args = parser.parse_args(argv)
    manual = fetch(DEBIAN_EDU, args.cache)
    help_dir = fetch(HELP_ROOT, args.cache).parent.parent
    helps = sorted(p for p in help_dir.rglob("*.html") if "DisplayArea" in p.read_text(encoding="utf-8"))
    helps = helps[:: max(1, len(helps) // args.help_pages)][: args.help_pages]
    print("| reader | page set | body kept | headings kept | chrome kept | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for name, reader in READERS.items():
        for label, pages in (("Debian Edu manual", [manual]), (f"{len(helps)} LibreOffice help pages", helps)):
            try:
                body, heads, chrome, seconds = score(pages, reader)
            except ImportError as e:
                print(f"| {name} | {label} | not installed ({e.name}) | | | |")
                continue
            print(f"| {name} | {label} | {body:.1%} | {heads:.1%} | {chrome:.1%} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
