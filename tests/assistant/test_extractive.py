import pytest

from assistant.answerers.base import REFUSAL, cited_numbers, compose
from assistant.answerers.extractive import ExtractiveAnswerer, TermWeights, units_of
from assistant.types import Passage


def P(cid, text, source="doc.txt", section=None, dense=0.85):
    return Passage(chunk_id=cid, text=text, source=source, title=source.upper(), section=section,
                   sources=[source], dense=dense)


DEAL = P("deal", "Partners en investering\nRegio: Twente Board en Provincie Overijssel.\nRegio: 25 mln\nRijk: 25 mln\n"
         "De deal wordt gesloten op 50 miljoen Euro.", "004.txt", "Partners en investering")
LIST = P("list", "3.2 Vier centrale actielijnen\nDe investeringen bestaan uit 4 centrale actielijnen:\n"
         "• Techniek als motor: de technische kracht versterken;\n• Arbeidsmarkt & Talent: talent aantrekken;\n"
         "• Bereikbaarheid & Vestigingsklimaat: goed woonklimaat;\n• Circulaire economie & Duurzaamheid: duurzame landbouw.\n"
         "Bovengenoemde actielijnen vormen het fundament.", "002.txt", "3.2 Vier centrale actielijnen")
INHAB = P("inw", "Twente II\nTwente is een regio bestaande uit 14 gemeenten met ca. 634.000 inwoners. "
          "De regio kent een unieke balans tussen steden en platteland.", "004.txt", "Twente II")
DATE = P("date", "De aanpak 'Innovatiesprong Twente' is op 24 februari 2012 gepresenteerd. Twente groeit snel.", "003.txt")
PASSAGES = [DEAL, LIST, INHAB, DATE]


@pytest.fixture
def answerer():
    return ExtractiveAnswerer(TermWeights([p.text for p in PASSAGES] + ["Twente regio economie"] * 6), min_evidence=0.35)


def test_units_know_bullets_their_lead_in_and_the_heading():
    units = units_of(LIST, 0)
    assert units[0].heading and units[0].text == "3.2 Vier centrale actielijnen"
    bullets = [u for u in units if u.bullet]
    assert len(bullets) == 4 and {u.lead_in for u in bullets} == {1}
    assert not units[-1].bullet


def test_list_question_gets_the_whole_list_with_citations(answerer):
    draft = answerer.answer("Wat zijn de vier centrale actielijnen?", [INHAB, LIST])
    lines = draft.text.split("\n")
    assert lines[0].endswith("[1]:") and len(lines) == 5
    assert all(line.startswith("- ") and "[1]" in line for line in lines[1:])
    assert draft.citations[0].source == "002.txt" and draft.citations[0].n == 1


def test_figure_question_quotes_the_figure_exactly(answerer):
    draft = answerer.answer("Hoeveel inwoners heeft Twente?", PASSAGES)
    assert "ca. 634.000 inwoners [1]." in draft.text and not draft.refused
    assert draft.citations[0].quote.startswith("Twente is een regio bestaande uit 14 gemeenten")


def test_number_question_prefers_amounts_over_years(answerer):
    draft = answerer.answer("Hoeveel draagt het Rijk bij?", PASSAGES)
    assert "Rijk: 25 mln [1]" in draft.text


def test_date_question(answerer):
    draft = answerer.answer("Wanneer is de Innovatiesprong Twente gepresenteerd?", PASSAGES)
    assert "24 februari 2012" in draft.text and draft.citations[0].source == "003.txt"


def test_citations_are_numbered_by_first_use():
    class U:
        def __init__(self, text, passage, bullet=False):
            self.text, self.passage, self.bullet = text, passage, bullet

    draft = compose([U("Eerste zin.", 2), U("Tweede zin.", 0), U("Derde zin.", 2)], PASSAGES)
    assert draft.text == "Eerste zin [1]. Tweede zin [2]. Derde zin [1]."
    assert [(c.n, c.chunk_id) for c in draft.citations] == [(1, "inw"), (2, "deal")]
    assert draft.citations[0].quote == "Eerste zin. … Derde zin."
    assert cited_numbers(draft.text) == [1, 2]


@pytest.mark.parametrize("question", ["Wat zijn de openingstijden van het zwembad?", "Wie won de voetbalwedstrijd gisteren?"])
def test_questions_the_passages_do_not_cover_are_refused(answerer, question):
    draft = answerer.answer(question, [P("x", "De regio werkt aan economie en talent.", dense=0.72)])
    assert draft.refused and draft.text.startswith(REFUSAL) and draft.citations == []
    assert "[" not in draft.text


def test_refusal_threshold_is_a_setting():
    weights = TermWeights([p.text for p in PASSAGES])
    question = "Hoeveel inwoners heeft Twente?"
    assert not ExtractiveAnswerer(weights, min_evidence=0.3).answer(question, [INHAB]).refused
    assert ExtractiveAnswerer(weights, min_evidence=1.0).answer(question, [INHAB]).refused


def test_no_passages_means_refusal(answerer):
    draft = answerer.answer("Hoeveel inwoners heeft Twente?", [])
    assert draft.refused and draft.text == REFUSAL


def test_follow_up_context_has_lower_weight_than_the_question(answerer):
    with_context = answerer.answer("En hoeveel draagt het Rijk bij?", PASSAGES, context="Wat is de Regio Deal Twente?")
    assert "25 mln" in with_context.text


def test_cited_numbers():
    assert cited_numbers("a [1]. b [2, 3] c [1][4]") == [1, 2, 3, 4]
    assert cited_numbers("geen") == []


@pytest.mark.parametrize("question, parts", [
    ("Uit hoeveel gemeenten bestaat Twente en hoeveel inwoners heeft de regio?",
     ["Uit hoeveel gemeenten bestaat Twente?", "hoeveel inwoners heeft de regio?"]),
    ("Waar dient het voor, en op welk bedrag wordt de deal gesloten?",
     ["Waar dient het voor?", "op welk bedrag wordt de deal gesloten?"]),
    ("Wat doen Rijk en regio samen?", ["Wat doen Rijk en regio samen?"]),
    ("", [""]),
])
def test_split_question(question, parts):
    from assistant.lexicon import split_question

    assert split_question(question) == parts


def test_two_part_question_answers_both_parts(answerer):
    draft = answerer.answer("Hoeveel inwoners heeft Twente en wanneer is de Innovatiesprong gepresenteerd?", PASSAGES)
    assert "634.000" in draft.text and "24 februari 2012" in draft.text
    assert {c.source for c in draft.citations} == {"004.txt", "003.txt"}


def test_rerank_puts_the_answering_passage_first(answerer):
    ranked = answerer.rerank("Wanneer is de Innovatiesprong Twente gepresenteerd?", [DEAL, LIST, DATE])
    assert ranked[0] is DATE and len(ranked) == 3


def test_a_sentence_that_points_back_brings_its_antecedent(answerer):
    p = P("rent", "In Twente staan we voor rentmeesterschap. Hiermee geven we invulling aan duurzaamheid en "
          "maatschappelijk verantwoord ondernemen. Het weer is vandaag mooi en de zon schijnt volop in de regio.")
    draft = answerer.answer("Hoe geeft Twente invulling aan duurzaamheid en verantwoord ondernemen?", [p])
    assert draft.text.startswith("In Twente staan we voor rentmeesterschap [1]. Hiermee geven we invulling")
