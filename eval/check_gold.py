"""Validate the gold evaluation set eval/gold.jsonl (stdlib only).

Checks keys and types, unique sequential ids, allowed groups and types, the
minimum counts the set must meet, that every source file exists, and that
every fact of an answerable question has at least one variant that occurs
literally in at least one of its source documents (after lowercasing and
collapsing tabs, newlines and other whitespace to single spaces).

Also checks that the reference answer itself contains every fact (using the
scorer in eval/metrics.py when it can be imported), so that the reference
answer would get full fact recall.

Prints a summary table and exits with status 1, listing the problems, when
anything is wrong.  Usage:  python eval/check_gold.py [path/to/gold.jsonl]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLD = HERE / "gold.jsonl"
CORPUS = ROOT / "data" / "corpus"

KEYS = ["id", "question", "history", "answerable", "answer", "facts", "sources", "group", "type"]
GROUPS = ["ondernemer", "medewerker", "journalist"]
TYPES = ["feit", "lijst", "getal", "datum", "parafrase", "meerdere", "vervolg", "onbeantwoordbaar"]

# Minimum counts the set has to meet.
MIN_ANSWERABLE = 64
MIN_PER_DOCUMENT = 5          # answerable questions citing each document
MIN_PER_GROUP = 10            # answerable questions per user group
MIN_TYPE = {"lijst": 8, "parafrase": 8, "meerdere": 5, "vervolg": 10, "onbeantwoordbaar": 12}
MIN_GETAL_DATUM = 8           # "getal" + "datum" together
MAX_FACT_WORDS = 4

try:  # the scorer used by the evaluation, to check the reference answers
    sys.path.insert(0, str(ROOT))
    from eval.metrics import contains_fact as _contains_fact  # noqa: E402
except Exception:  # pragma: no cover - fallback keeps the script stdlib-only
    _contains_fact = None


def norm(text: str) -> str:
    """Lowercase and collapse all whitespace (tabs, newlines, runs) to single spaces."""
    return " ".join(text.lower().split())


def answer_has_fact(answer: str, variants: list[str]) -> bool:
    if _contains_fact is not None:
        return _contains_fact(answer, variants)
    return any(norm(v) in norm(answer) for v in variants if v.strip())


def load_corpus() -> dict[str, str]:
    return {p.name: norm(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))}


def check(path: Path) -> int:
    problems: list[str] = []
    warnings: list[str] = []
    corpus = load_corpus()
    if not corpus:
        problems.append(f"no documents found in {CORPUS}")

    items: list[dict] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            problems.append(f"line {n}: empty line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {n}: not a JSON object")
            continue
        items.append(obj)

    seen_ids: set[str] = set()
    seen_questions: Counter = Counter()
    for idx, it in enumerate(items, start=1):
        qid = it.get("id", f"line {idx}")
        where = f"{qid}"

        # --- keys and types ---------------------------------------------------
        if list(it.keys()) != KEYS:
            missing = [k for k in KEYS if k not in it]
            extra = [k for k in it if k not in KEYS]
            if missing or extra:
                problems.append(f"{where}: keys wrong (missing {missing}, extra {extra})")
                continue
        expected = {
            "id": str, "question": str, "history": list, "answerable": bool,
            "answer": str, "facts": list, "sources": list, "group": str, "type": str,
        }
        bad = [k for k, t in expected.items() if not isinstance(it[k], t)]
        if bad:
            problems.append(f"{where}: wrong type for {bad}")
            continue

        if it["id"] != f"q{idx:03d}":
            problems.append(f"{where}: id should be q{idx:03d} (ids must be sequential)")
        if it["id"] in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(it["id"])
        if not it["question"].strip():
            problems.append(f"{where}: empty question")
        seen_questions[(norm(it["question"]), json.dumps(it["history"], ensure_ascii=False))] += 1

        if it["group"] not in GROUPS:
            problems.append(f"{where}: group {it['group']!r} not in {GROUPS}")
        if it["type"] not in TYPES:
            problems.append(f"{where}: type {it['type']!r} not in {TYPES}")

        # --- history ------------------------------------------------------------
        hist = it["history"]
        for t, turn in enumerate(hist):
            if (not isinstance(turn, dict) or sorted(turn) != ["content", "role"]
                    or turn.get("role") not in ("user", "assistant")
                    or not isinstance(turn.get("content"), str) or not turn["content"].strip()):
                problems.append(f"{where}: history turn {t} must be {{role: user|assistant, content: str}}")
                break
        else:
            roles = [turn["role"] for turn in hist]
            if hist and (roles[0] != "user" or roles[-1] != "assistant"
                         or any(a == b for a, b in zip(roles, roles[1:]))):
                problems.append(f"{where}: history must alternate user/assistant, user first, assistant last")
        if it["type"] == "vervolg" and not hist:
            problems.append(f"{where}: type vervolg needs a history")

        # --- answerable / unanswerable consistency ------------------------------
        if it["answerable"]:
            if it["type"] == "onbeantwoordbaar":
                problems.append(f"{where}: answerable but type onbeantwoordbaar")
            if not it["answer"].strip():
                problems.append(f"{where}: answerable but empty answer")
            if not it["facts"]:
                problems.append(f"{where}: answerable but no facts")
            if not it["sources"]:
                problems.append(f"{where}: answerable but no sources")
        else:
            if it["type"] != "onbeantwoordbaar":
                problems.append(f"{where}: not answerable but type {it['type']!r}")
            if it["answer"] != "":
                problems.append(f"{where}: unanswerable must have answer \"\"")
            if it["facts"]:
                problems.append(f"{where}: unanswerable must have no facts")
            if it["sources"]:
                problems.append(f"{where}: unanswerable must have no sources")

        # --- sources --------------------------------------------------------------
        if len(set(it["sources"])) != len(it["sources"]):
            problems.append(f"{where}: duplicate sources")
        for src in it["sources"]:
            if not isinstance(src, str) or src not in corpus:
                problems.append(f"{where}: source {src!r} does not exist in {CORPUS}")

        # --- facts ------------------------------------------------------------------
        texts = [corpus[s] for s in it["sources"] if isinstance(s, str) and s in corpus]
        for f_i, fact in enumerate(it["facts"]):
            if (not isinstance(fact, list) or not fact
                    or not all(isinstance(v, str) and v.strip() for v in fact)):
                problems.append(f"{where}: fact {f_i} must be a non-empty list of non-empty strings")
                continue
            if any(len(v.split()) > MAX_FACT_WORDS for v in fact):
                warnings.append(f"{where}: fact {fact} has a variant longer than {MAX_FACT_WORDS} words")
            literal = [v for v in fact if any(norm(v) in t for t in texts)]
            if not literal:
                problems.append(f"{where}: fact {fact} occurs literally in none of its sources {it['sources']}")
            elif not any(re.search(r"(?<!\w)" + re.escape(norm(v)) + r"(?!\w)", t)
                         for v in literal for t in texts):
                warnings.append(f"{where}: fact {fact} only occurs inside a longer word in the sources")
            if it["answer"] and not answer_has_fact(it["answer"], fact):
                problems.append(f"{where}: reference answer does not contain fact {fact}")

    for (question, _), count in seen_questions.items():
        if count > 1:
            problems.append(f"duplicate question (same history): {question!r}")

    # --- counts -------------------------------------------------------------------
    valid = [it for it in items if isinstance(it, dict) and all(k in it for k in KEYS)]
    answerable = [it for it in valid if it["answerable"] is True]
    by_type = Counter(it["type"] for it in valid)
    by_group = Counter(it["group"] for it in valid)
    by_group_ans = Counter(it["group"] for it in answerable)
    by_doc = Counter(s for it in answerable for s in set(it["sources"]) if isinstance(s, str))

    if len(answerable) < MIN_ANSWERABLE:
        problems.append(f"only {len(answerable)} answerable questions (need >= {MIN_ANSWERABLE})")
    for t, minimum in MIN_TYPE.items():
        if by_type[t] < minimum:
            problems.append(f"only {by_type[t]} of type {t!r} (need >= {minimum})")
    if by_type["getal"] + by_type["datum"] < MIN_GETAL_DATUM:
        problems.append(f"only {by_type['getal'] + by_type['datum']} getal/datum (need >= {MIN_GETAL_DATUM})")
    for g in GROUPS:
        if by_group_ans[g] < MIN_PER_GROUP:
            problems.append(f"only {by_group_ans[g]} answerable questions for group {g!r} (need >= {MIN_PER_GROUP})")
    for doc in corpus:
        if by_doc[doc] < MIN_PER_DOCUMENT:
            problems.append(f"only {by_doc[doc]} answerable questions cite {doc} (need >= {MIN_PER_DOCUMENT})")
    largest = max(corpus, key=lambda d: len(corpus[d]), default=None)
    if largest and any(by_doc[d] > by_doc[largest] for d in corpus if d != largest):
        problems.append(f"the largest document {largest} should be cited by the most questions")
    if not any(it["type"] == "vervolg" for it in answerable):
        problems.append("no answerable follow-up questions")

    # --- summary ------------------------------------------------------------------
    print(f"{path}: {len(valid)} questions, {len(answerable)} answerable, "
          f"{len(valid) - len(answerable)} unanswerable")
    print()
    print(f"{'group':<20}{'all':>6}{'answerable':>12}")
    for g in GROUPS:
        print(f"{g:<20}{by_group[g]:>6}{by_group_ans[g]:>12}")
    print()
    print(f"{'type':<20}{'count':>6}")
    for t in TYPES:
        print(f"{t:<20}{by_type[t]:>6}")
    print(f"{'(getal + datum)':<20}{by_type['getal'] + by_type['datum']:>6}")
    print()
    print(f"{'document':<28}{'answerable questions citing it':>32}")
    for doc in corpus:
        print(f"{doc:<28}{by_doc[doc]:>32}")
    multi = sum(1 for it in answerable if len(it["sources"]) > 1)
    print(f"{'(more than one source)':<28}{multi:>32}")
    print()
    for w in warnings:
        print(f"warning: {w}")
    if problems:
        print(f"{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print("OK: no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLD))
