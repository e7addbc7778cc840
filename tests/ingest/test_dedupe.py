import pytest

from common.records import Chunk
from ingest.dedupe import dedupe

PARA = ("De wereldwijde economie, en zeker ook de Twentse, bevindt zich in een fundamentele transitie. "
        "Dat wordt versneld door de coronacrisis die een ongekende impact heeft op de manier waarop wij leven.")


def test_exact_and_near_duplicates_are_stored_once_with_every_source():
    a = Chunk(PARA, "001.txt", "web")
    b = Chunk("Voorwoord\n" + PARA.replace("  ", " "), "002.txt", "plan")  # same text, other chunk boundary
    c = Chunk("Iets heel anders: de Regio Deal Twente met 25 mln van het Rijk en 25 mln van de regio.", "004.txt", "deal")
    kept = dedupe([a, b, c])
    assert [k.source for k in kept] == ["001.txt", "004.txt"]
    assert kept[0].sources == ["001.txt", "002.txt"]
    assert kept[1].sources == ["004.txt"]


def test_partial_overlap_is_kept():
    a = Chunk(PARA, "001.txt", "web")
    b = Chunk(PARA + " " + "Daarnaast bouwen we aan een groene regio met werk, wonen en veel ruimte voor innovatie " * 2,
              "002.txt", "plan")
    assert len(dedupe([a, b])) == 2


def test_input_is_not_mutated_and_empty_input():
    a = Chunk(PARA, "001.txt", "web")
    dedupe([a, Chunk(PARA, "002.txt", "plan")])
    assert a.sources == ["001.txt"]
    assert dedupe([]) == []


# --- merging never loses a fact ---------------------------------------------------------------------

NOTICE = ("De bibliotheek aan de Oude Markt in Enschede is op werkdagen geopend. Op vrijdag sluit de "
          "bibliotheek om 16.00 uur, zodat het personeel de collectie kan bijwerken. Leden kunnen boeken "
          "ook inleveren via de inleverbus naast de hoofdingang, die dag en nacht bereikbaar is.")


def _pair(changed: str, first_source: str = "oud.txt", second_source: str = "nieuw.txt"):
    return dedupe([Chunk(NOTICE, first_source, "oud"), Chunk(changed, second_source, "nieuw")])


@pytest.mark.parametrize("old, new", [
    ("16.00 uur", "20.00 uur"),                      # a time
    ("Op vrijdag", "Op zaterdag"),                   # a day
    ("aan de Oude Markt", "aan de Nieuwe Markt"),    # a name
    ("in Enschede", "in Hengelo"),                   # a place name
    ("die dag en nacht bereikbaar is", "die dag en nacht niet bereikbaar is"),  # a negation added
    ("op werkdagen geopend", "op vijf werkdagen geopend"),                     # a number word added
])
def test_chunks_differing_in_a_fact_are_both_kept_with_their_own_source(old, new):
    changed = NOTICE.replace(old, new)
    assert changed != NOTICE
    for first, second in (("oud.txt", "nieuw.txt"), ("nieuw.txt", "oud.txt")):  # either document first
        kept = _pair(changed, first, second)
        assert len(kept) == 2, f"{old!r} -> {new!r} was merged away"
        assert kept[0].sources == [first] and kept[1].sources == [second]
        assert {k.text for k in kept} == {NOTICE, changed}


def test_a_dropped_fact_is_not_merged_either():
    """The reverse: the second document leaves out the negation / the figure the first states."""
    negated = NOTICE.replace("die dag en nacht bereikbaar is", "die niet dag en nacht bereikbaar is")
    assert len(dedupe([Chunk(negated, "a.txt", "a"), Chunk(NOTICE, "b.txt", "b")])) == 2


def test_an_added_fact_beyond_the_shared_text_is_not_merged():
    """Nearly all shingles repeat, but the extra sentence holds a figure only this document has."""
    longer = NOTICE + " Sinds 2024 geldt dit ook op zaterdag."
    kept = dedupe([Chunk(NOTICE, "a.txt", "a"), Chunk(longer, "b.txt", "b")])
    assert [k.sources for k in kept] == [["a.txt"], ["b.txt"]]


def test_same_substance_with_other_line_breaks_and_boundaries_still_merges():
    """What dedupe is for: the same text, cut and wrapped differently."""
    wrapped = NOTICE.replace(". ", ".\n").replace("Enschede is", "Enschede\nis")
    kept = dedupe([Chunk(NOTICE, "a.txt", "a"), Chunk(wrapped, "b.txt", "b")])
    assert len(kept) == 1 and kept[0].sources == ["a.txt", "b.txt"]
    # a chunk cut from the middle of a kept one (another boundary) merges too
    middle = NOTICE[NOTICE.index("Op vrijdag"):]
    kept = dedupe([Chunk(NOTICE, "a.txt", "a"), Chunk(middle, "b.txt", "b")])
    assert len(kept) == 1 and kept[0].sources == ["a.txt", "b.txt"]


def test_identical_texts_are_stored_once_however_often_they_repeat():
    """Boilerplate repeated in many documents: the index keys chunks by their text's
    hash, so one text may never be kept twice (the per-shingle memory is capped)."""
    boiler = ("Dit document valt onder de licentie GPL-2+ en mag vrij worden verspreid, zolang deze "
              "vermelding bij elke kopie behouden blijft en wijzigingen duidelijk zijn aangegeven.")
    chunks = []
    for i in range(80):
        chunks.append(Chunk(f"Hoofdstuk {i}: de installatie van server {i} in lokaal {i * 7}.", f"doc{i}.txt", "t"))
        chunks.append(Chunk(boiler, f"doc{i}.txt", "t"))
        chunks.append(Chunk("* * *", f"doc{i}.txt", "t"))  # no words, so no shingles at all
    kept = dedupe(chunks)
    assert len({k.id for k in kept}) == len(kept)
    held = [k for k in kept if k.text == boiler]
    assert len(held) == 1 and held[0].sources == [f"doc{i}.txt" for i in range(80)]
