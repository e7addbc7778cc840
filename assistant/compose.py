"""Compose an extractive answer from scored units, by the structure of the passages.

The best unit brings what it needs to be read alone: the items of the list it
introduces (or belongs to, for a list question), the sentence a "Dit …" points back
to, the paired line of a key–value block ("Regio: 25 mln" / "Rijk: 25 mln"). Further
units join when they score close to the best and add something the answer lacks,
within a word budget; what budget is left goes to the sentences around the best one, read
in their own context. When strong units from different documents give different
values of what is asked (figures, dates, names), each is shown with its document and
the document's date, newest first, instead of silently picking one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answerers.base import Draft, citation
from assistant.features import Candidate, fits_form, list_items
from assistant.lexicon import dates, figures, match, term_set
from assistant.query import DATE, FIGURE, LIST, PERSON, PLACE, PROCEDURE, Query
from assistant.types import Passage

MAX_WORDS = 60  # an answer's budget; a list may run longer
_KEY_VALUE = re.compile(r"^[\w&'’().,/ -]{1,40}:\s*\S")


@dataclass(frozen=True)
class Block:
    """Units of one passage that are quoted together, in document order."""

    passage: int
    units: tuple[Candidate, ...]
    note: str = ""  # "«Title» (2023)" when the block is one side of a conflict

    @property
    def text(self) -> str:
        return " ".join(c.unit.text for c in self.units)

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def is_list(self) -> bool:
        return sum(c.unit.bullet for c in self.units) >= 2


def _siblings(candidates: list[Candidate], c: Candidate) -> list[Candidate]:
    return [x for x in candidates if x.passage == c.passage]


def block_for(best: Candidate, candidates: list[Candidate], query: Query, whole_passage: int = 0) -> Block:
    same = _siblings(candidates, best)
    u = best.unit
    body = [x for x in same if not x.unit.heading]
    # a short section about what is asked is the answer — unless a specific thing is asked
    # (a number, a date, a phone number) and this unit holds it: then the rest is beside it
    if whole_passage and sum(len(x.unit.text.split()) for x in body) <= whole_passage \
            and not fits_form(query, u.text, 0):
        return Block(best.passage, tuple(body))
    lead = u.position if u.text.rstrip().endswith(":") else u.lead_in if u.bullet else None
    items = [x for x in same if x.unit.bullet and lead is not None and x.unit.lead_in == lead]
    if not items and u.bullet and query.form in (LIST, PROCEDURE):
        # a list nothing introduces ("… een stapel munten." / "• Teken een ellips." / "• Kies
        # Bewerken - Dupliceren." …) is still one list: its steps are not picked one by one
        items = _run(same, u.position)
    if items and (not u.bullet or query.form in (LIST, PROCEDURE) or len(u.text.split()) < 4):
        # the list it introduces or belongs to, with the sentence that says what the list is
        head = [x for x in same if x.unit.position == lead and not x.unit.heading]
        return Block(best.passage, tuple(head + items))
    chosen = [best]
    heading = same[0] if same and same[0].unit.heading else None
    if heading is not None and query.form in (PERSON, PLACE) and not fits_form(query, u.text, 0) \
            and fits_form(query, heading.unit.text, 0):
        chosen.append(heading)  # a name over a title or a text: "Wim Boomkamp" / "Voorzitter …"
    if _is_key_value(u.text):
        # neighbouring "Key: value" lines with values of the same shape read together
        # ("Regio: 25 mln" / "Rijk: 25 mln"), not a "Rijk: het ministerie van …" beside them
        shape = _value_shape(u.text)
        for step in (-1, 1):
            pos = u.position + step
            while 0 <= pos < len(same) and abs(pos - u.position) <= 2 and not same[pos].unit.heading \
                    and _is_key_value(same[pos].unit.text) and _value_shape(same[pos].unit.text) == shape:
                chosen.append(same[pos])
                pos += step
    elif u.position > 0 and re.match(r"(Hiermee|Hierdoor|Hiervoor|Hierbij|Daarmee|Daardoor|Daarbij|Daarvoor|Dit|Deze|"
                                     r"Dergelijke)\b", u.text):
        prev = same[u.position - 1]
        if not prev.unit.heading and not prev.unit.bullet:
            chosen.append(prev)  # "Hiermee geven we invulling aan …" needs what it points back to
    return Block(best.passage, tuple(sorted(chosen, key=lambda x: x.unit.position)))


def _run(same: list[Candidate], position: int, budget: int = 2 * MAX_WORDS) -> list[Candidate]:
    """The consecutive list items around the item at ``position`` (by unit position),
    nearest first while they fit a list's budget: a page of loose items is no one list.
    Nothing when the item stands alone: one item is no list, and is read as a sentence."""
    at = {x.unit.position: x for x in same}
    start = end = position
    words = len(at[position].unit.text.split())
    while True:
        grown = False
        for nxt in (start - 1, end + 1):
            x = at.get(nxt)
            if x is None or not x.unit.bullet or words + len(x.unit.text.split()) > budget:
                continue
            words += len(x.unit.text.split())
            start, end = min(start, nxt), max(end, nxt)
            grown = True
        if not grown:
            return [at[i] for i in range(start, end + 1)] if end > start else []


def _is_key_value(text: str) -> bool:
    return bool(_KEY_VALUE.match(text)) and len(text.split()) <= 12


def _value_shape(text: str) -> bool:
    """Whether a key–value line's value is a figure."""
    return bool(re.search(r"\d", text.split(":", 1)[1]))


_UNIT_WORDS = {"miljoen": "mln", "mln": "mln", "mio": "mln", "miljard": "mld", "mld": "mld", "mrd": "mld",
               "procent": "%", "%": "%", "euro": "euro", "€": "euro", "meur": "mln", "meuro": "mln"}


def _values(query: Query, text: str) -> dict[str, set[str]]:
    """The asked-for values a text states, by kind: figures by the word after them
    ("25 mln" is a "mln", "4 actielijnen" an "actielijn"), dates by their form."""
    out: dict[str, set[str]] = {}
    if query.form == FIGURE:
        for m in re.finditer(r"(€\s*)?(?<![\w.,])(\d+(?:[.,]\d+)*)\s*(%|[^\W\d]+)?", text):
            number = m.group(2)
            if number in query.numbers or number not in figures(text):
                continue
            word = (m.group(3) or "").lower()
            kind = "euro" if m.group(1) else _UNIT_WORDS.get(word) or (term_set(word) and min(term_set(word))) or "?"
            out.setdefault(kind, set()).add(number)
    elif query.form == DATE:
        for value in dates(text) - query.numbers:
            kind = "year" if value.isdigit() else "time" if re.search(r"\d[.:]\d", value) else "day"
            out.setdefault(kind, set()).add(value)
    return out


def _differ(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Another value of the same kind, and not the same value again."""
    shared = set(a) & set(b)
    return bool(shared) and all(not (a[k] & b[k]) for k in shared)


def _year(passage: Passage) -> str:
    return passage.date or ""


def compose(query: Query, passages: list[Passage], candidates: list[Candidate], second_pick: float,
            max_words: int = MAX_WORDS, whole_passage: int = 0, context: int = 0) -> Draft:
    """``whole_passage``: a best unit in a passage of at most this many words (heading
    aside) brings the whole passage: a short section about what is asked is the answer.
    ``context``: the answer grows to this many words with the sentences around its first
    block (0: it does not)."""
    ranked = sorted((c for c in candidates if not c.unit.heading), key=lambda c: -c.score)
    if not ranked:
        return Draft.refusal(passages)
    best = ranked[0]
    blocks = [block_for(best, candidates, query, whole_passage)]
    used = {(c.passage, c.unit.position) for c in blocks[0].units}
    said = {c.unit.text for c in blocks[0].units}

    def covered() -> set[str]:
        return {t for b in blocks for c in b.units for t in query.terms if match(t, c.terms)}

    conflict = _conflict(query, passages, ranked, blocks[0], second_pick)
    if conflict is not None:
        blocks = conflict
        used |= {(c.passage, c.unit.position) for b in blocks for c in b.units}
    words = sum(b.words for b in blocks)
    for c in ranked[1:]:
        if len(blocks) >= 3 or c.score < second_pick * best.score or (c.passage, c.unit.position) in used:
            continue
        block = block_for(c, candidates, query)
        if any(x.unit.text in said and (x.passage, x.unit.position) not in used for x in block.units):
            continue  # repeats what is quoted word for word from another passage
        # what the block needs that is quoted already (the antecedent of "Deze speciale
        # modus …", the list's lead-in) stays where it is; the rest joins
        block = Block(block.passage, tuple(x for x in block.units if (x.passage, x.unit.position) not in used))
        adds_terms = {t for t in query.terms if any(match(t, x.terms) for x in block.units)} - covered()
        # the sentence right after one already quoted goes on with it ("In Twente hebben we
        # noaberschap. Een authentiek Twents begrip; …")
        continues = any(x.passage == c.passage and x.unit.position == c.unit.position - 1 and not x.unit.bullet
                        for b in blocks for x in b.units) and not c.unit.bullet
        if query.form in (LIST, PROCEDURE):
            # a real list (the items, the steps) where the answer has none yet
            adds_form = block.is_list and not any(b.is_list for b in blocks)
        else:
            adds_form = bool(fits_form(query, block.text, 0)) and \
                not any(fits_form(query, x.unit.text, 0) for b in blocks for x in b.units)
        if not adds_terms and not adds_form and not continues:
            continue
        if words + block.words > max_words and not (adds_form and block.is_list):
            continue
        blocks.append(block)
        used |= {(x.passage, x.unit.position) for x in block.units}
        said |= {x.unit.text for x in block.units}
        words += block.words
    # when a specific thing is asked (a phone number, a figure, a date) and the first block
    # holds it, what stands around it is beside the point — as for a short section
    if context and not blocks[0].note and not fits_form(query, blocks[0].text, 0):
        blocks[0] = widen(blocks[0], candidates, context - words, used, said)
    return render(blocks, passages, best.score)


def widen(block: Block, candidates: list[Candidate], room: int, used: set[tuple[int, int]],
          said: set[str] | frozenset[str] = frozenset()) -> Block:
    """The block with the units next to it in its passage, the better-scoring side first,
    while they fit in ``room`` words: an answer's sentence is best read with what stands
    around it (the next step, the reason, the exception), and that is where the rest of the
    answer usually is. Headings, units quoted elsewhere in the answer and sentences it already
    says (a lead-in repeated further down the page) end a side."""
    at = {c.unit.position: c for c in _siblings(candidates, block.units[0])}
    low = min(c.unit.position for c in block.units)
    high = max(c.unit.position for c in block.units)
    added: list[Candidate] = []
    said = set(said) | {c.unit.text for c in block.units}
    while True:
        sides = [at[pos] for pos in (low - 1, high + 1) if pos in at and not at[pos].unit.heading
                 and (block.passage, pos) not in used and at[pos].unit.text not in said
                 and len(at[pos].unit.text.split()) <= room]
        if not sides:
            break
        nxt = max(sides, key=lambda c: c.score)
        added.append(nxt)
        said.add(nxt.unit.text)
        room -= len(nxt.unit.text.split())
        low, high = min(low, nxt.unit.position), max(high, nxt.unit.position)
    if not added:
        return block
    return Block(block.passage, tuple(sorted(block.units + tuple(added), key=lambda c: c.unit.position)), block.note)


def _conflict(query: Query, passages: list[Passage], ranked: list[Candidate], first: Block,
              second_pick: float) -> list[Block] | None:
    """Blocks from other documents that state another value of what is asked: figures
    and dates, whose difference is unambiguous (two names in two documents are far more
    often two different things than one thing that changed)."""
    if query.form not in (FIGURE, DATE) or query.parts:
        return None
    mine = _values(query, first.text)
    if not mine:
        return None
    best = ranked[0].score
    # the other side must be about the same thing: cover the question (with its heading)
    # as well as the first side does, not merely hold some other figure
    about = max(_about(query, passages, c) for c in first.units)
    sides = [first]
    seen_docs = set(passages[first.passage].sources)
    for c in ranked[1:]:
        if c.score < second_pick * best:
            break
        p = passages[c.passage]
        other = _values(query, c.unit.text)
        if seen_docs & set(p.sources) or not _differ(mine, other) or _about(query, passages, c) < 0.9 * about:
            continue
        sides.append(Block(c.passage, (c,)))
        seen_docs |= set(p.sources)
        if len(sides) == 3:
            break
    if len(sides) == 1:
        return None
    # newest first; a document without a date last
    sides.sort(key=lambda b: _year(passages[b.passage]) or "0000", reverse=True)
    return [Block(b.passage, b.units, note=_note(passages[b.passage])) for b in sides]


def _about(query: Query, passages: list[Passage], c: Candidate) -> float:
    """Share of the question's weight in a unit, its section heading and document title."""
    p = passages[c.passage]
    context = c.terms | term_set(p.section or "") | term_set(p.title or "")
    return sum(w * match(t, context) for t, w in query.terms.items()) / query.total


def _note(p: Passage) -> str:
    return f"Volgens «{p.title}»" + (f" ({p.date})" if p.date else "")


def render(blocks: list[Block], passages: list[Passage], strength: float) -> Draft:
    """Answer text with [n] per passage in order of first use, and the citations (each
    naming the page of its first quoted unit)."""
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    first_unit: dict[int, Candidate] = {}
    lines: list[str] = []
    # blocks of one passage read in the passage's order, where the first of them stands
    first_seen = {b.passage: i for i, b in reversed(list(enumerate(blocks)))}
    blocks = sorted(blocks, key=lambda b: (first_seen[b.passage], b.units[0].unit.position))
    previous: Candidate | None = None
    for block in blocks:
        n = numbers.setdefault(block.passage, len(numbers) + 1)
        first_unit.setdefault(block.passage, block.units[0])
        quotes.setdefault(block.passage, [])
        prefix = f"{block.note}: " if block.note else ""
        for i, c in enumerate(block.units):
            quotes[block.passage].append(c.unit.text)
            text = _with_marker(c.unit.text, f"[{n}]")
            if c.unit.bullet:
                lines.append(f"- {text}")
            elif i == 0 and prefix:
                lines.append(prefix + text)
            elif previous is not None and previous.passage == c.passage and previous.unit.line == c.unit.line \
                    and not previous.unit.bullet:
                lines[-1] = f"{lines[-1]} {text}"  # sentences of one paragraph stay one paragraph
            else:
                lines.append(text)
            previous = c
    citations = []
    for p_index, n in numbers.items():
        passage = passages[p_index]
        page, label = passage.page_at(first_unit[p_index].unit.start)
        c = citation(n, passage, " … ".join(quotes[p_index]))
        c.page, c.page_label = page, label
        citations.append(c)
    return Draft(text="\n".join(lines), refused=False, citations=citations, strength=strength)


def _with_marker(sentence: str, marker: str) -> str:
    """The citation before the sentence's closing punctuation: "… 25 mln [1]."."""
    m = re.search(r"([.!?:;…]+[\"'”’)]*)$", sentence)
    if m:
        return f"{sentence[: m.start()].rstrip()} {marker}{sentence[m.start():]}"
    return f"{sentence} {marker}"

