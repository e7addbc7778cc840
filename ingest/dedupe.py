"""Near-duplicate chunks across documents are stored once, remembering every source.

The seed texts overlap heavily (the web summary repeats much of the strategic plan),
but with other line breaks and chunk boundaries, so exact hashes miss most repeats.
A chunk is a duplicate when nearly all its 5-word shingles already occur in chunks kept
before it; its source is then added to the kept chunks it overlaps with.
"""
from __future__ import annotations

from collections import defaultdict

from common.records import Chunk
from common.text import shingles

COVERAGE = 0.85  # share of a chunk's shingles already stored that makes it a duplicate
ATTRIBUTION = 0.2  # share of a chunk's shingles a kept chunk must hold to count as a source


def dedupe(chunks: list[Chunk]) -> list[Chunk]:
    """Return the chunks to store, in input order, with ``sources`` filled in.
    Earlier chunks win, so callers order documents by preference."""
    kept: list[Chunk] = []
    owners: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for chunk in chunks:
        sh = shingles(chunk.text)
        chunk = Chunk.from_dict(chunk.to_dict() | {"sources": [chunk.source]})
        if sh:
            overlap: dict[int, int] = defaultdict(int)
            covered = 0
            for s in sh:
                holders = owners.get(s)
                if holders:
                    covered += 1
                    for k in holders:
                        overlap[k] += 1
            if covered / len(sh) >= COVERAGE:
                for k, n in overlap.items():
                    if n / len(sh) >= ATTRIBUTION and chunk.source not in kept[k].sources:
                        kept[k].sources.append(chunk.source)
                continue
        index = len(kept)
        kept.append(chunk)
        for s in sh:
            owners[s].append(index)
    return kept
