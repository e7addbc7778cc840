#!/usr/bin/env python3
"""Validate gold.jsonl against the corpus in corpus/.

Checks: keys and types, unique sequential ids (t001, t002, ...), allowed types and groups,
minimum counts, existing source files, section = a visible h1-h4 heading of a source,
every fact of an answerable question occurring literally (lowercased, whitespace collapsed)
in the visible text of one of its sources, and the reference answer containing every fact.

Usage: python3 check_goldtrain.py [gold.jsonl] [corpus_dir]
Exit code 0 when everything passes, 1 when problems were found (they are listed).
Standard library only; BeautifulSoup is used for the HTML-to-text step if it is installed.
"""
import html
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
GOLD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "gold.jsonl")
CORPUS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "corpus")

KEYS = ["id", "question", "history", "answerable", "answer", "facts", "sources",
        "section", "group", "type"]
TYPES = ["feit", "lijst", "getal", "datum", "procedure", "definitie", "parafrase",
         "meerdere", "vervolg", "onbeantwoordbaar"]
GROUPS = ["beheerder", "docent", "medewerker", "journalist"]
MIN_TOTAL, MIN_ANSWERABLE, MIN_UNANSWERABLE = 160, 135, 25
MIN_TYPE = {"lijst": 20, "procedure": 20, "definitie": 12, "parafrase": 25,
            "meerdere": 8, "vervolg": 18, "onbeantwoordbaar": 25}
MIN_GETAL_DATUM = 10
MAX_ANSWER_WORDS = 60
MAX_FACTS = 5
COPY_NGRAM = 9  # a question sharing this many consecutive words with its source = copied

try:  # optional
    from bs4 import BeautifulSoup  # type: ignore
except Exception:  # pragma: no cover
    BeautifulSoup = None


def norm(s):
    """Lowercase and collapse all whitespace (incl. no-break spaces) to one space."""
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip().lower()


def visible_texts(raw):
    """Return two normalised renderings of the visible text: tags removed without
    a separator, and tags replaced by a space (a fact may match either)."""
    if BeautifulSoup is not None:
        soup = BeautifulSoup(raw, "html.parser")
        for t in soup(["script", "style", "head", "noscript"]):
            t.decompose()
        return norm(soup.get_text("")), norm(soup.get_text(" "))
    body = re.sub(r"(?is)<!--.*?-->", "", raw)
    body = re.sub(r"(?is)<(script|style|head|noscript)\b.*?</\1\s*>", "", body)
    return (norm(html.unescape(re.sub(r"(?s)<[^>]*>", "", body))),
            norm(html.unescape(re.sub(r"(?s)<[^>]*>", " ", body))))


def headings(raw):
    out = set()
    for m in re.finditer(r"(?is)<h([1-4])\b[^>]*>(.*?)</h\1\s*>", raw):
        t = norm(html.unescape(re.sub(r"(?s)<[^>]*>", "", m.group(2))))
        if t:
            out.add(t.rstrip(" :."))
    return out


_cache = {}


def page(name):
    if name not in _cache:
        p = os.path.join(CORPUS, name)
        raw = open(p, encoding="utf-8").read()
        _cache[name] = (visible_texts(raw), headings(raw))
    return _cache[name]


def words(s):
    return re.findall(r"\w+", s.lower())


def main():
    problems = []
    warnings = []
    items = []
    if not os.path.isfile(GOLD):
        print("missing file", GOLD)
        return 1
    with open(GOLD, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                problems.append(f"line {n}: empty line")
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                problems.append(f"line {n}: invalid JSON ({e})")

    seen_q = set()
    for i, it in enumerate(items, 1):
        tag = it.get("id", f"#{i}") if isinstance(it, dict) else f"#{i}"
        if not isinstance(it, dict):
            problems.append(f"{tag}: not an object")
            continue
        if list(it.keys()) != KEYS and set(it.keys()) != set(KEYS):
            problems.append(f"{tag}: keys {sorted(it.keys())} != {KEYS}")
            continue
        if it["id"] != f"t{i:03d}":
            problems.append(f"{tag}: id should be t{i:03d}")
        for k in ("id", "question", "answer", "section", "group", "type"):
            if not isinstance(it[k], str):
                problems.append(f"{tag}: {k} must be a string")
        if not isinstance(it["answerable"], bool):
            problems.append(f"{tag}: answerable must be a bool")
        if not isinstance(it["history"], list) or not isinstance(it["sources"], list) \
                or not isinstance(it["facts"], list):
            problems.append(f"{tag}: history/sources/facts must be lists")
            continue
        q = it["question"].strip() if isinstance(it["question"], str) else ""
        if not q:
            problems.append(f"{tag}: empty question")
        if norm(q) in seen_q:
            problems.append(f"{tag}: duplicate question")
        seen_q.add(norm(q))
        if it["type"] not in TYPES:
            problems.append(f"{tag}: type {it['type']!r} not allowed")
        if it["group"] not in GROUPS:
            problems.append(f"{tag}: group {it['group']!r} not allowed")
        # history
        for h in it["history"]:
            if not (isinstance(h, dict) and set(h.keys()) == {"role", "content"}
                    and h["role"] in ("user", "assistant")
                    and isinstance(h["content"], str) and h["content"].strip()):
                problems.append(f"{tag}: bad history turn {h!r}")
        roles = [h.get("role") for h in it["history"] if isinstance(h, dict)]
        if it["history"]:
            if roles[0] != "user" or roles[-1] != "assistant" or \
                    any(roles[j] == roles[j + 1] for j in range(len(roles) - 1)):
                problems.append(f"{tag}: history must alternate user/assistant, "
                                f"start with user and end with assistant")
        if it["type"] == "vervolg" and not it["history"]:
            problems.append(f"{tag}: vervolg without history")
        if it["type"] != "vervolg" and it["history"] and it["answerable"]:
            warnings.append(f"{tag}: history on a non-vervolg question")
        # unanswerable
        if it["answerable"] is False:
            if it["type"] not in ("onbeantwoordbaar",):
                problems.append(f"{tag}: unanswerable question must have type onbeantwoordbaar")
            if it["facts"] or it["sources"] or it["answer"] or it["section"]:
                problems.append(f"{tag}: unanswerable needs facts [], sources [], "
                                f"answer '' and section ''")
            continue
        if it["type"] == "onbeantwoordbaar":
            problems.append(f"{tag}: type onbeantwoordbaar but answerable is true")
        # answerable
        ans = it["answer"] if isinstance(it["answer"], str) else ""
        if not ans.strip():
            problems.append(f"{tag}: empty answer")
        if len(ans.split()) > MAX_ANSWER_WORDS:
            problems.append(f"{tag}: answer has {len(ans.split())} words (> {MAX_ANSWER_WORDS})")
        if not it["sources"]:
            problems.append(f"{tag}: no sources")
        texts, heads = [], set()
        for s in it["sources"]:
            if not isinstance(s, str) or not os.path.isfile(os.path.join(CORPUS, s)):
                problems.append(f"{tag}: source {s!r} not in corpus")
                continue
            t, hs = page(s)
            texts.append(t)
            heads |= hs
        if it["type"] == "meerdere" and len(it["sources"]) < 1:
            problems.append(f"{tag}: meerdere needs sources")
        sec = norm(it["section"]).rstrip(" :.") if isinstance(it["section"], str) else ""
        if not sec:
            problems.append(f"{tag}: empty section")
        elif texts and sec not in heads:
            problems.append(f"{tag}: section {it['section']!r} is not an h1-h4 heading "
                            f"of its sources")
        if not 1 <= len(it["facts"]) <= MAX_FACTS:
            problems.append(f"{tag}: {len(it['facts'])} facts (need 1-{MAX_FACTS})")
        nans = norm(ans)
        for fact in it["facts"]:
            if not (isinstance(fact, list) and fact and
                    all(isinstance(v, str) and v.strip() for v in fact)):
                problems.append(f"{tag}: bad fact {fact!r}")
                continue
            if texts and not any(norm(v) in t for v in fact for pair in texts for t in pair):
                problems.append(f"{tag}: fact {fact!r} not found literally in "
                                f"{it['sources']}")
            if not any(norm(v) in nans for v in fact):
                problems.append(f"{tag}: answer does not contain fact {fact!r}")
        # question copied from the page?
        qw = words(q)
        if texts and len(qw) >= COPY_NGRAM:
            src = " " + " ".join(words(" ".join(p[0] for p in texts))) + " "
            for j in range(len(qw) - COPY_NGRAM + 1):
                if " " + " ".join(qw[j:j + COPY_NGRAM]) + " " in src:
                    problems.append(f"{tag}: question copies {COPY_NGRAM}+ words from source")
                    break

    # counts
    types = Counter(it.get("type") for it in items if isinstance(it, dict))
    groups = Counter(it.get("group") for it in items if isinstance(it, dict))
    ans_n = sum(1 for it in items if isinstance(it, dict) and it.get("answerable") is True)
    una_n = sum(1 for it in items if isinstance(it, dict) and it.get("answerable") is False)
    if len(items) < MIN_TOTAL:
        problems.append(f"only {len(items)} questions (< {MIN_TOTAL})")
    if ans_n < MIN_ANSWERABLE:
        problems.append(f"only {ans_n} answerable (< {MIN_ANSWERABLE})")
    if una_n < MIN_UNANSWERABLE:
        problems.append(f"only {una_n} unanswerable (< {MIN_UNANSWERABLE})")
    for t, m in MIN_TYPE.items():
        if types[t] < m:
            problems.append(f"type {t}: {types[t]} (< {m})")
    if types["getal"] + types["datum"] < MIN_GETAL_DATUM:
        problems.append(f"getal+datum: {types['getal'] + types['datum']} (< {MIN_GETAL_DATUM})")

    srcs = Counter(s for it in items if isinstance(it, dict) for s in it.get("sources", []))
    corpus_pages = sorted(f for f in os.listdir(CORPUS) if f.endswith(".html"))
    print(f"file: {GOLD}")
    print(f"html->text: {'BeautifulSoup' if BeautifulSoup else 'regex'}")
    print(f"questions: {len(items)}  answerable: {ans_n}  unanswerable: {una_n}")
    print("types:  " + ", ".join(f"{t}={types[t]}" for t in TYPES))
    print("groups: " + ", ".join(f"{g}={groups[g]}" for g in GROUPS))
    print(f"facts: {sum(len(it.get('facts', [])) for it in items if isinstance(it, dict))}  "
          f"pages used: {len(srcs)}/{len(corpus_pages)}  "
          f"multi-source: {sum(1 for it in items if isinstance(it, dict) and len(it.get('sources', [])) > 1)}")
    for w in warnings:
        print("warning:", w)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(" -", p)
        return 1
    print("OK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
