"""A chunk cut into answer units the same way at ingestion and at answering."""
from common.units import BULLET, HEADING, SENTENCE, split_units

STEPS = ("Liggend afdrukken\nAls u liggend wilt afdrukken, gaat u als volgt te werk:\n• Ga naar het blad.\n"
         "• Kies Opmaak - Pagina.\nDe opdracht is niet zichtbaar als het blad beveiligd is.\n"
         "• Selecteer het papierformaat Liggend.\nDaarna drukt u af. Klaar.")


def test_units_kinds_positions_and_offsets():
    units = split_units(STEPS, "Liggend afdrukken")
    assert [u.kind for u in units[:3]] == [HEADING, SENTENCE, BULLET]
    assert [u.position for u in units] == list(range(len(units)))
    for u in units:  # every unit can be found at its offset: citations name the page of the quote
        assert STEPS[u.start:u.start + len(u.text)] == u.text


def test_an_items_second_paragraph_keeps_the_list_together():
    units = split_units(STEPS, "Liggend afdrukken")
    items = [u for u in units if u.bullet]
    assert [u.text for u in items] == ["Ga naar het blad.", "Kies Opmaak - Pagina.", "Selecteer het papierformaat Liggend."]
    assert {u.lead_in for u in items} == {1}


def test_a_list_ends_at_a_new_lead_in_or_after_prose():
    units = split_units("Eerste lijst:\n• a\nTussentekst.\nTweede lijst:\n• b", None)
    assert [u.lead_in for u in units if u.bullet] == [0, 3]
    units = split_units("Tekst zonder dubbelepunt.\n• los item", None)
    assert units[1].lead_in is None


def test_a_list_right_under_a_heading_belongs_together():
    # steps straight under their heading, no "gaat u als volgt te werk:" between them
    units = split_units("Twee objecten verwisselen\n• Shift-klik op beide objecten.\n• Kies Verwisselen.",
                        "Twee objecten verwisselen")
    assert [u.lead_in for u in units if u.bullet] == [0, 0]
    units = split_units("Gebruik een van de volgende manieren\n• a\n• b", None)
    assert [u.lead_in for u in units if u.bullet] == [0, 0]


def test_a_heading_is_only_the_first_line_equal_to_the_section():
    assert split_units("Titel\nTitel", "Titel")[1].kind == SENTENCE
    assert split_units("Titel\nTekst.", None)[0].kind == SENTENCE
