"""The question analysed once: form, contact form, count, focus, names, parts, unknown words."""
import pytest

from assistant.query import (DATE, DEFINITION, FIGURE, LIST, OPEN, PERSON, PLACE, PROCEDURE, YESNO, TermStats,
                             analyse, asked_count, contact_form, expected_form, split_parts)

STATS = TermStats(["Twente is een regio met 14 gemeenten en 634.000 inwoners.",
                   "De Twente Board investeert in techniek en talent.",
                   "Het Rijk draagt 25 mln bij aan de Regio Deal Twente."] * 3)


@pytest.mark.parametrize("question, form", [
    ("Hoeveel inwoners heeft Twente?", FIGURE),
    ("Hoe groot is het budget?", FIGURE),
    ("Wat kost een parkeervergunning?", FIGURE),
    ("Wanneer is de Innovatiesprong gepresenteerd?", DATE),
    ("In welk jaar begon de Regio Deal?", DATE),
    ("Wie is de voorzitter van de Twente Board?", PERSON),
    ("Waar ligt Kennispark Twente?", PLACE),
    ("Waar zijn de actielijnen het fundament voor?", OPEN),  # a split "waarvoor", not a place
    ("Welke ministeries doen mee?", LIST),
    ("Welke twaalf bedrijven zitten op Kennispark?", LIST),
    ("Wat zijn de vier centrale actielijnen?", LIST),
    ("Wat is noaberschap?", DEFINITION),
    ("Hoe haal ik dubbele waarden uit een kolom?", PROCEDURE),
    ("Kan ik een werkblad beveiligen?", YESNO),
    ("Waarom investeert het Rijk?", OPEN),
])
def test_expected_form(question, form):
    assert expected_form(question) == form


@pytest.mark.parametrize("question, kind", [
    ("Wat is het telefoonnummer van Ayke van Bloem?", "phone"),
    ("Wat is het e-mailadres van Jasper?", "email"),
    ("Op welke website staat het plan?", "web"),
    ("Hoeveel inwoners heeft Twente?", None),
])
def test_contact_form(question, kind):
    assert contact_form(question) == kind


def test_asked_count_only_for_item_questions():
    assert asked_count("Welke veertien gemeenten horen bij Twente?") == 14
    assert asked_count("Wat zijn de 4 topwerklocaties?") == 4
    assert asked_count("Hoeveel inwoners heeft Twente?") is None
    assert asked_count("Sinds 2019 werkt de regio samen, welke partners?") is None  # a year, not a count


def test_split_parts():
    assert split_parts("Uit hoeveel gemeenten bestaat Twente en hoeveel inwoners heeft de regio?") == [
        "Uit hoeveel gemeenten bestaat Twente?", "hoeveel inwoners heeft de regio?"]
    assert split_parts("Wat doen de Twente Board en de provincie?") == ["Wat doen de Twente Board en de provincie?"]


def test_analysis_weighs_terms_and_finds_names_focus_and_unknown_words():
    q = analyse("Hoeveel inwoners heeft de Achterhoek?", None, STATS)
    assert q.form == FIGURE and list(q.focus) == ["inwoner"] and list(q.names) == ["achterhoek"]
    assert q.terms["achterhoek"] > q.terms["inwoner"]  # a word the corpus never uses weighs as the rarest
    assert 0.4 < q.unknown < 1.0  # "achterhoek" is unknown, "inwoners" known
    assert q.parts == () and q.follow_up is None and q.text == q.search == q.question


def test_analysis_of_a_two_part_question_has_parts_analysed_alike():
    q = analyse("Hoeveel inwoners heeft Twente en wie is de voorzitter?", None, STATS)
    assert [p.form for p in q.parts] == [FIGURE, PERSON]
    assert all(p.parts == () for p in q.parts)
    # what one part leaves out, the other says: it is each part's context, as for a follow-up
    q = analyse("Welke rentevoet en welk rendement gebruikt het voorbeeld van Doel zoeken?", None, STATS)
    first, second = q.parts
    assert "voorbeeld" in first.context and "voorbeeld" not in first.terms
    assert "rentevoet" in second.context and "voorbeeld" not in second.context
    # a two-part follow-up: each part also leans on the previous question
    history = [{"role": "user", "content": "Hoe maak ik een kopie van het sjabloon?"},
               {"role": "assistant", "content": "Kies Bestand - Opslaan als [1]", "passages": ["abc"]}]
    q = analyse("Welke extensie krijgt die en waar verander ik de map?", history, STATS)
    assert q.follow_up is not None and len(q.parts) == 2
    assert all("sjablon" in p.context for p in q.parts) and "map" in q.parts[0].context  # stems


def test_follow_up_is_resolved_in_the_analysis():
    history = [{"role": "user", "content": "Hoeveel investeert het Rijk in de Regio Deal Twente?"},
               {"role": "assistant", "content": "Rijk: 25 mln [1]", "passages": ["abc"]}]
    q = analyse("En de regio?", history, STATS)
    assert q.text == "Hoeveel investeert de regio in de Regio Deal Twente?" and q.form == FIGURE
    assert "rijk" not in q.terms and "regio" in q.terms
    assert q.follow_up.kind == "ellipsis" and q.follow_up.previous_passages == ("abc",)


def test_term_stats_relate_inflections_and_compounds():
    stats = TermStats(["de ministeries werken samen", "financieringsbronnen voor start-ups"])
    assert stats.known("ministerie") and stats.known("financier")
    assert not stats.known("achterhoek")


def test_term_statistics_count_each_text_once_per_term():
    # built per distinct word for speed: must equal counting content_terms per text
    from common.terms import content_terms

    texts = ["De investering: het Rijk investeert 25 miljoen, geïnvesteerd in Zwolle-Enschede.",
             "Investeringen in Enschede en Hengelo; vier actielijnen en 4 programma's.",
             "Café Naïef in Enschede", ""]
    naive: dict[str, int] = {}
    for text in texts:
        for t in set(content_terms(text)):
            naive[t] = naive.get(t, 0) + 1
    stats = TermStats(texts)
    assert stats.df == naive and stats.n == 4
    assert stats.df[content_terms("Enschede")[0]] == 3
