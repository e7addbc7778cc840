#!/usr/bin/env python3
"""Validate the second Dutch gold set (gold_second.jsonl) against its corpus.

Usage:  python3 check_gold2.py [GOLD.jsonl] [--corpus DIR] [--quiet]

Checks
  * every line is a JSON object with exactly the required keys and types;
  * ids are unique and sequential (s001, s002, ...);
  * type / group values are allowed; history turns are well formed;
  * minimum counts (total, answerable, unanswerable, per type, follow-ups);
  * unanswerable items have facts [], sources [], answer "", section "";
  * answerable items: 1-5 facts, each a non-empty list of non-empty strings;
    every source file exists in the corpus; every fact has at least one variant
    that occurs literally (lower-cased, whitespace collapsed) in the visible
    text of one of its sources; the reference answer contains every fact
    (one variant, case-insensitive); answer <= 60 words; `section` is the
    visible text of an h1-h4 heading of one of the sources, and at least one
    fact occurs in the text under that heading (up to the next h1-h4);
  * vervolg items have a history that ends with an assistant turn.
Prints a summary table; exits 1 and lists the problems if any check fails.

Visible text: <head>, <script>, <style>, <noscript> are dropped, tags are
removed (block-level tags act as a space, inline tags as nothing), entities are
decoded. BeautifulSoup is used when installed, otherwise a regex fallback that
yields the same text.
"""
import argparse
import collections
import html as htmlmod
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

REQUIRED_KEYS = ["id", "question", "history", "answerable", "answer", "facts",
                 "sources", "section", "group", "type"]
TYPES = ["feit", "lijst", "getal", "datum", "procedure", "definitie",
         "parafrase", "meerdere", "vervolg", "onbeantwoordbaar"]
GROUPS = ["beheerder", "docent", "medewerker", "journalist"]
MINIMA = {  # type (or '+'-joined types) -> minimum count
    "lijst": 12, "getal+datum": 12, "procedure": 10, "definitie": 8,
    "parafrase": 15, "meerdere": 6, "vervolg": 12, "onbeantwoordbaar": 20,
}
MIN_TOTAL, MIN_ANSWERABLE, MIN_UNANSWERABLE = 110, 90, 20
MAX_ANSWER_WORDS = 60

BLOCK_TAGS = ("address article aside blockquote body br caption dd details dialog "
              "div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "
              "header hr html img input label legend li main nav ol option p pre "
              "section summary table tbody td tfoot th thead title tr ul").split()
HEADING_TAGS = ("h1", "h2", "h3", "h4")
H_START, H_END = "\uE000", "\uE001"   # private-use markers around h1-h4 text


def norm(s):
    """Lower-case and collapse whitespace (the comparison used for facts)."""
    return re.sub(r"\s+", " ", s).strip().lower()


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- HTML -> text
def _marked_text_bs4(raw):
    from bs4 import BeautifulSoup, NavigableString
    soup = BeautifulSoup(raw, "html.parser")
    for t in soup.find_all(["head", "script", "style", "noscript", "template"]):
        t.decompose()
    for t in soup.find_all(HEADING_TAGS):
        t.insert(0, NavigableString(H_START))
        t.append(NavigableString(H_END))
    for t in soup.find_all(BLOCK_TAGS):
        t.insert_before(NavigableString(" "))
        t.insert_after(NavigableString(" "))
    return soup.get_text()


def _marked_text_regex(raw):
    s = re.sub(r"<!--.*?-->", " ", raw, flags=re.S)
    s = re.sub(r"<!\[CDATA\[.*?\]\]>", " ", s, flags=re.S)
    for tag in ("head", "script", "style", "noscript", "template"):
        s = re.sub(r"<%s\b[^>]*>.*?</%s\s*>" % (tag, tag), " ", s, flags=re.S | re.I)
    s = re.sub(r"<(h[1-4])\b[^>]*>", lambda m: " " + H_START, s, flags=re.I)
    s = re.sub(r"</(h[1-4])\s*>", lambda m: H_END + " ", s, flags=re.I)
    block = "|".join(BLOCK_TAGS)
    s = re.sub(r"</?(?:%s)\b[^>]*>" % block, " ", s, flags=re.I)
    s = re.sub(r"<[!?/]?[A-Za-z][^>]*>", "", s)      # remaining (inline) tags
    s = re.sub(r"<!DOCTYPE[^>]*>|<\?xml[^>]*\?>", " ", s, flags=re.I)
    return htmlmod.unescape(s)


def marked_text(raw, engine=None):
    if engine is None:
        engine = "bs4" if HAVE_BS4 else "regex"
    return _marked_text_bs4(raw) if engine == "bs4" else _marked_text_regex(raw)


try:
    import bs4  # noqa: F401
    HAVE_BS4 = True
except ImportError:
    HAVE_BS4 = False


class Doc:
    """Visible text of one HTML file plus its h1-h4 segments."""

    def __init__(self, path, engine=None):
        raw = open(path, encoding="utf-8", errors="replace").read()
        mt = collapse(marked_text(raw, engine))
        self.text = collapse(mt.replace(H_START, " ").replace(H_END, " "))
        self.ntext = self.text.lower()
        # segments: (heading text, normalised segment text incl. heading)
        self.segments = []
        parts = mt.split(H_START)
        head_text, body = "", parts[0]
        self.segments.append(("", norm(body.replace(H_END, " "))))
        for p in parts[1:]:
            if H_END in p:
                h, rest = p.split(H_END, 1)
            else:
                h, rest = p, ""
            h = collapse(h)
            self.segments.append((h, norm(h + " " + rest)))
        self.headings = [h for h, _ in self.segments if h]


# ---------------------------------------------------------------- checking
def load_gold(path, problems):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                problems.append("line %d: empty line" % n)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append("line %d: invalid JSON (%s)" % (n, e))
                continue
            if not isinstance(obj, dict):
                problems.append("line %d: not a JSON object" % n)
                continue
            items.append(obj)
    return items


def check(gold_path, corpus, quiet=False):
    problems = []
    items = load_gold(gold_path, problems)
    docs = {}

    def doc(name):
        if name not in docs:
            p = os.path.join(corpus, name)
            docs[name] = Doc(p) if os.path.isfile(p) else None
        return docs[name]

    seen_ids = set()
    for idx, it in enumerate(items, 1):
        iid = it.get("id", "#%d" % idx)
        P = lambda msg: problems.append("%s: %s" % (iid, msg))  # noqa: E731
        keys = list(it.keys())
        if sorted(keys) != sorted(REQUIRED_KEYS):
            missing = set(REQUIRED_KEYS) - set(keys)
            extra = set(keys) - set(REQUIRED_KEYS)
            P("keys wrong (missing %s, extra %s)" % (sorted(missing), sorted(extra)))
            continue
        # types of values
        if not isinstance(it["id"], str):
            P("id not a string")
        expect = "s%03d" % idx
        if it["id"] != expect:
            P("id should be %s (sequential)" % expect)
        if it["id"] in seen_ids:
            P("duplicate id")
        seen_ids.add(it["id"])
        for k in ("question", "answer", "section", "group", "type"):
            if not isinstance(it[k], str):
                P("%s must be a string" % k)
        if not isinstance(it["answerable"], bool):
            P("answerable must be a boolean")
        if not isinstance(it["history"], list):
            P("history must be a list")
        else:
            for t in it["history"]:
                if (not isinstance(t, dict) or sorted(t.keys()) != ["content", "role"]
                        or t.get("role") not in ("user", "assistant")
                        or not isinstance(t.get("content"), str) or not t["content"].strip()):
                    P("bad history turn: %r" % (t,))
        if not isinstance(it["facts"], list) or not all(
                isinstance(f, list) and f and all(isinstance(v, str) and v.strip() for v in f)
                for f in it["facts"]):
            P("facts must be a list of non-empty lists of non-empty strings")
            continue
        if not isinstance(it["sources"], list) or not all(isinstance(s, str) for s in it["sources"]):
            P("sources must be a list of strings")
            continue
        if not it["question"].strip():
            P("empty question")
        if it["type"] not in TYPES:
            P("type %r not allowed" % it["type"])
        if it["group"] not in GROUPS:
            P("group %r not allowed" % it["group"])

        if it["type"] == "vervolg":
            h = it["history"]
            if len(h) < 2 or h[-1].get("role") != "assistant" or h[0].get("role") != "user":
                P("vervolg needs a history starting with user and ending with assistant")
        if (it["type"] == "onbeantwoordbaar") != (it["answerable"] is False):
            P("type onbeantwoordbaar <=> answerable false")

        if it["answerable"] is False:
            if it["facts"] or it["sources"] or it["answer"] or it["section"]:
                P("unanswerable item must have facts [], sources [], answer '', section ''")
            continue

        # answerable
        if not 1 <= len(it["facts"]) <= 5:
            P("needs 1-5 facts, has %d" % len(it["facts"]))
        if not it["sources"]:
            P("no sources")
        if len(set(it["sources"])) != len(it["sources"]):
            P("duplicate source")
        srcdocs = []
        for s in it["sources"]:
            d = doc(s)
            if d is None:
                P("source file not found in corpus: %s" % s)
            else:
                srcdocs.append(d)
        if not it["answer"].strip():
            P("empty answer")
        nwords = len(it["answer"].split())
        if nwords > MAX_ANSWER_WORDS:
            P("answer has %d words (> %d)" % (nwords, MAX_ANSWER_WORDS))
        nans = norm(it["answer"])
        for fi, variants in enumerate(it["facts"], 1):
            nv = [norm(v) for v in variants]
            if srcdocs and not any(v in d.ntext for v in nv for d in srcdocs):
                P("fact %d %r: no variant occurs literally in %s" % (fi, variants, it["sources"]))
            if not any(v in nans for v in nv):
                P("fact %d %r: not contained in the reference answer" % (fi, variants))
        # section
        if not it["section"].strip():
            P("answerable item needs a section")
        elif srcdocs:
            sec = collapse(it["section"])
            segs = [seg for d in srcdocs for (h, seg) in d.segments if h == sec]
            if not segs:
                P("section %r is not an h1-h4 heading of %s" % (sec, it["sources"]))
            else:
                allv = [norm(v) for f in it["facts"] for v in f]
                if not any(v in seg for v in allv for seg in segs):
                    P("section %r: none of the facts occurs under that heading" % sec)
    return items, problems


def summary(items):
    """Plain-text summary table: counts per type, group, answerability and source."""
    out = []
    c_type = collections.Counter(i.get("type") for i in items)
    c_group = collections.Counter(i.get("group") for i in items)
    c_ans = collections.Counter(i.get("answerable") is True for i in items)
    manual = "debian-edu-bookworm-manual.html"

    def src_kind(i):
        s = i.get("sources") or []
        if not s:
            return "geen (onbeantwoordbaar)"
        if all(x == manual for x in s):
            return "handleiding Debian Edu"
        return "handleiding + Writer" if manual in s else "Writer-hulp"

    c_src = collections.Counter(src_kind(i) for i in items)
    out.append("Totaal: %d vragen (beantwoordbaar %d, onbeantwoordbaar %d)"
               % (len(items), c_ans[True], c_ans[False]))
    out.append("")
    out.append("%-18s %6s  %s" % ("type", "aantal", "minimum"))
    for t in TYPES:
        m = MINIMA.get(t)
        out.append("%-18s %6d  %s" % (t, c_type[t], "" if m is None else m))
    out.append("%-18s %6d  %d" % ("getal+datum", c_type["getal"] + c_type["datum"],
                                  MINIMA["getal+datum"]))
    out.append("")
    out.append("%-18s %6s %6s %6s" % ("groep", "totaal", "beantw", "onbeantw"))
    for g in GROUPS:
        a = sum(1 for i in items if i.get("group") == g and i.get("answerable") is True)
        out.append("%-18s %6d %6d %6d" % (g, c_group[g], a, c_group[g] - a))
    out.append("")
    out.append("%-26s %6s" % ("bron", "aantal"))
    for k, v in sorted(c_src.items()):
        out.append("%-26s %6d" % (k, v))
    out.append("")
    out.append("met history (vervolg e.d.): %d" % sum(1 for i in items if i.get("history")))
    return "\n".join(out)


def count_problems(items):
    problems = []
    c_type = collections.Counter(i.get("type") for i in items)
    n_ans = sum(1 for i in items if i.get("answerable") is True)
    n_un = sum(1 for i in items if i.get("answerable") is False)
    if len(items) < MIN_TOTAL:
        problems.append("total %d < %d" % (len(items), MIN_TOTAL))
    if n_ans < MIN_ANSWERABLE:
        problems.append("answerable %d < %d" % (n_ans, MIN_ANSWERABLE))
    if n_un < MIN_UNANSWERABLE:
        problems.append("unanswerable %d < %d" % (n_un, MIN_UNANSWERABLE))
    for k, m in MINIMA.items():
        n = sum(c_type[t] for t in k.split("+"))
        if n < m:
            problems.append("type %s: %d < minimum %d" % (k, n, m))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="?", default=os.path.join(HERE, "gold.jsonl"))
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--quiet", action="store_true", help="omit the summary table")
    a = ap.parse_args()
    if not os.path.isfile(a.gold):
        print("gold file not found: %s" % a.gold)
        return 1
    items, problems = check(a.gold, a.corpus, a.quiet)
    problems += count_problems(items)
    print("HTML-naar-tekst: %s" % ("BeautifulSoup" if HAVE_BS4 else "regex (bs4 niet geïnstalleerd)"))
    if not a.quiet:
        print(summary(items))
        print()
    if problems:
        print("PROBLEMEN (%d):" % len(problems))
        for p in problems:
            print("  - " + p)
        return 1
    print("OK: alle controles geslaagd.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
