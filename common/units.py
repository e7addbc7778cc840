"""A chunk's answer units: its sentences, list items and heading, in order.

Ingestion embeds every unit and the answerer scores them, so both must cut a chunk
the same way: this is the one place that does it.
"""
from __future__ import annotations

from dataclasses import dataclass

from common.text import split_sentences

HEADING, SENTENCE, BULLET = "heading", "sentence", "bullet"
BULLET_MARK = "• "  # how the chunker writes a list item


@dataclass(frozen=True)
class Unit:
    text: str
    position: int  # index within the chunk
    kind: str  # HEADING | SENTENCE | BULLET
    line: int  # the chunk line it stands on: sentences of one paragraph share it
    start: int  # character offset of the unit in the chunk text
    lead_in: int | None = None  # for a list item: position of the sentence introducing its list

    @property
    def bullet(self) -> bool:
        return self.kind == BULLET

    @property
    def heading(self) -> bool:
        return self.kind == HEADING


def split_units(text: str, section: str | None = None) -> list[Unit]:
    """Units of a chunk. The first line is a heading when it is the chunk's section;
    a list item's lead-in is the sentence ending in ":" just before its list, or else the
    heading or unfinished sentence right before it."""
    units: list[Unit] = []
    lead_in: int | None = None
    offset = 0
    for line_no, raw in enumerate(text.split("\n")):
        start, offset = offset, offset + len(raw) + 1
        line = raw.strip()
        if not line:
            continue
        if line.startswith(BULLET_MARK):
            text = line[len(BULLET_MARK):].strip()
            if lead_in is None and units and not units[-1].bullet and \
                    (units[-1].heading or not units[-1].text.rstrip().endswith((".", "!", "?"))):
                # a list right under a heading, or a line that is no finished sentence ("De
                # stapelvolgorde van twee objecten omkeren" / "- Shift-klik …" / "- Kies …
                # Verwisselen."), is introduced by it all the same: its items belong together
                lead_in = units[-1].position
            units.append(Unit(text, len(units), BULLET, line_no, start + max(raw.find(text), 0), lead_in))
            continue
        kind = HEADING if line_no == 0 and section is not None and line == section else SENTENCE
        first_of_line, cursor = len(units), 0
        for sentence in split_sentences(line):
            found = raw.find(sentence, cursor)
            cursor = found + len(sentence) if found >= 0 else cursor
            units.append(Unit(sentence, len(units), kind, line_no, start + max(found, 0)))
        if units and units[-1].text.rstrip().endswith(":"):
            lead_in = len(units) - 1
        elif not (units and first_of_line < len(units) and first_of_line > 0 and units[first_of_line - 1].bullet):
            # a paragraph right after a list item is that item's second paragraph ("Kies Opmaak -
            # Pagina." / "De opdracht is niet zichtbaar …"): the items after it stay in the list
            lead_in = None
    return units
