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
