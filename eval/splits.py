"""python -m eval.splits — assign every question of the split gold sets to a split.

The unit of splitting is the document section a question is answered from (for the
bundled set: the section of the first chunk that holds one of its facts; for the
training set: the page), so questions about one passage land in one split. Sections
are ordered by a hash of their name and dealt out to reach the target shares; the
result is written to eval/splits.json and committed. Run it again only when a gold set
gains questions: existing assignments are kept.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict

from eval.metrics import contains_fact
from eval.sets import SETS, SPLITS_FILE, GoldSet, load_splits

SHARES = {"bundled": {"train": 0.45, "dev": 0.2, "test": 0.35}, "train": {"train": 0.75, "dev": 0.25}}


def section_key(gold_set: GoldSet, item, chunks_by_source: dict[str, list]) -> str:
    """Where the question is answered: document and section; an unanswerable question
    is its own group."""
    if not item.answerable or not item.sources:
        return f"none:{item.id}"
    source = item.sources[0]
    if gold_set.name == "train":
        return f"page:{source}"
    for chunk in chunks_by_source.get(source, []):
        if any(contains_fact(chunk.text, variants) for variants in item.facts):
            return f"{source}#{chunk.section or ''}"
    return f"{source}#?"


def _chunks(gold_set: GoldSet) -> dict[str, list]:
    from ingest.catalog import title_for
    from ingest.chunk import chunk_document
    from ingest.loaders import load_document

    out = {}
    for path in sorted(gold_set.corpus.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        doc = load_document(path)
        out[path.name] = chunk_document(doc, title=title_for(path, doc.title))
    return out


def assign(gold_set: GoldSet, shares: dict[str, float], existing: dict[str, str]) -> dict[str, str]:
    items = gold_set.items()
    chunks = _chunks(gold_set) if gold_set.name != "train" else {}
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[section_key(gold_set, item, chunks)].append(item.id)
    out: dict[str, str] = {}
    counts = {s: 0 for s in shares}
    for key in sorted(groups, key=lambda k: hashlib.sha1(k.encode()).hexdigest()):
        ids = groups[key]
        kept = {existing[i] for i in ids if i in existing}
        if kept:
            split = sorted(kept)[0]
        else:
            # the split furthest below its share takes the group
            done = max(sum(counts.values()), 1)
            split = max(shares, key=lambda s: shares[s] - counts[s] / done)
        for i in ids:
            out[i] = split
        counts[split] += len(ids)
    return out


def main() -> int:
    existing = load_splits()
    result = {name: assign(SETS[name], shares, existing.get(name, {})) for name, shares in SHARES.items()}
    SPLITS_FILE.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for name, assigned in result.items():
        counts = defaultdict(int)
        for split in assigned.values():
            counts[split] += 1
        print(name, dict(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
