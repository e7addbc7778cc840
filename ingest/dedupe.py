"""Near-duplicate chunks across documents are stored once, remembering every source —
but only when they are equal in substance.

The seed texts overlap heavily (the web summary repeats much of the strategic plan),
but with other line breaks and chunk boundaries, so exact hashes miss most repeats.
A chunk is a candidate duplicate when nearly all its 5-word shingles already occur in
chunks kept before it. It is merged (its source added to the kept chunks it overlaps)
only when the words carrying facts agree: every figure, date, time, name and negation
of the candidate stands, in the same context, in a kept chunk, and the part of a kept
chunk that the candidate repeats holds none the candidate lacks. Otherwise both chunks
stay, each with its own source: "sluit om 16.00 uur" in one document and "sluit om
20.00 uur" in its edited copy are two facts, and an answer must be able to show both.
"""
from __future__ import annotations

from collections import defaultdict

from common.records import Chunk
from common.substance import same_substance
from common.text import shingles

COVERAGE = 0.85  # share of a chunk's shingles already stored that makes it a candidate duplicate
ATTRIBUTION = 0.2  # share of a chunk's shingles a kept chunk must hold to count as a source
MAX_OWNERS = 32  # kept chunks remembered per shingle (see dedupe)
MAX_OTHERS = 8  # lightly overlapping kept chunks a candidate's facts may be found in


def dedupe(chunks: list[Chunk]) -> list[Chunk]:
    """Return the chunks to store, in input order, with ``sources`` filled in.
    Earlier chunks win, so callers order documents by preference."""
    kept: list[Chunk] = []
    by_id: dict[str, int] = {}  # the same text (the id is its hash) is merged whatever the shingles say
    # shingle -> kept chunks holding it, at most MAX_OWNERS: a shingle in more chunks than
    # that is boilerplate, and following all of them would make dedupe quadratic
    owners: dict[tuple[str, ...], list[int]] = {}
    for chunk in chunks:
        same = by_id.get(chunk.id)
        if same is not None:
            if chunk.source not in kept[same].sources:
                kept[same].sources.append(chunk.source)
            continue
        sh = shingles(chunk.text)
        chunk = Chunk.from_dict(chunk.to_dict() | {"sources": [chunk.source]})
        # the cheap test first (set membership); who holds what only for a candidate
        if sh and sum(1 for s in sh if s in owners) / len(sh) >= COVERAGE:
            overlap: dict[int, int] = defaultdict(int)
            for s in sh:
                for k in owners.get(s, ()):
                    overlap[k] += 1
            ranked = sorted(overlap, key=lambda k: (-overlap[k], k))
            holders = [k for k in ranked if overlap[k] / len(sh) >= ATTRIBUTION]
            others = [k for k in ranked if overlap[k] / len(sh) < ATTRIBUTION][:MAX_OTHERS]
            if holders and same_substance(chunk.text, [kept[k].text for k in sorted(holders)],
                                          [kept[k].text for k in others]):
                for k in sorted(holders):
                    if chunk.source not in kept[k].sources:
                        kept[k].sources.append(chunk.source)
                continue
        index = len(kept)
        kept.append(chunk)
        by_id[chunk.id] = index
        for s in sh:
            holders_of = owners.setdefault(s, [])
            if len(holders_of) < MAX_OWNERS:
                holders_of.append(index)
    return kept
