"""Composition by structure, with hand-set unit scores (no fitted model involved)."""
from assistant.answerers.base import cited_numbers
from assistant.compose import compose
from assistant.features import candidates_of
from assistant.query import TermStats, analyse
from assistant.types import Passage

DEAL = Passage("deal", "Partners en investering\nRijk: het ministerie van OCW, EZK, VWS, SZW en BZK\nRegio: 25 mln\n"
               "Rijk: 25 mln\nDe deal wordt gesloten op 50 miljoen Euro.", "004.txt", "Regio Deal",
               section="Partners en investering", date="2023")
PORTFOLIO = Passage("port", "5.2 Impactportfolio's\nDe regio kiest vier impactportfolio's. Deze impactportfolio's zijn:\n"
                    "• Digitalisering\n• Innovatie in de zorg\n• Circulaire economie\n• Sleuteltechnologieën\n"
                    "Dit is de basis voor onze investeringen.", "002.txt", "Plan", section="5.2 Impactportfolio's")
PLAN = Passage("plan", "Voorwoord\nDe Twente Board werkt aan brede welvaart. Hiermee geven we invulling aan de "
               "agenda van de regio. Het plan loopt tot 2025.", "002.txt", "Plan", section="Voorwoord",
               page=3, page_label="iii", page_breaks=[[60, 4, "iv"]])
OLD_DEAL = Passage("old", "Investering\nHet Rijk investeert 30 mln in de Regio Deal.", "2019.txt", "Regio Deal 2019",
                   section="Investering", date="2019")
SIGNED = Passage("sign", "Wim Boomkamp\nVoorzitter Twente Board en samen bouwen we aan Twente.", "002.txt", "Plan",
                 section="Wim Boomkamp")
STATS = TermStats([p.text for p in (DEAL, PORTFOLIO, PLAN, OLD_DEAL, SIGNED)] + ["Twente regio economie"] * 5)


def answer(question, passages, scores: dict[str, float], second_pick=0.8, max_words=60, history=None, context=0):
    """Compose with the given scores per unit text prefix; other units score 0.05."""
    query = analyse(question, history, STATS)
    candidates = candidates_of(passages)
    for c in candidates:
        c.score = next((s for prefix, s in scores.items() if c.unit.text.startswith(prefix)), 0.05)
    return compose(query, passages, candidates, second_pick, max_words, context=context)


def test_a_list_lead_in_brings_its_items():
    draft = answer("Op welke vier gebieden richt de regio zich met haar impactportfolio's?", [PORTFOLIO],
                   {"Deze impactportfolio's zijn:": 0.9, "De regio kiest": 0.5})
    lines = draft.text.split("\n")
    assert lines[0] == "Deze impactportfolio's zijn [1]:"
    assert lines[1:] == ["- Digitalisering [1]", "- Innovatie in de zorg [1]", "- Circulaire economie [1]",
                         "- Sleuteltechnologieën [1]"]


def test_blocks_of_one_passage_read_in_document_order():
    draft = answer("Op welke vier gebieden richt de regio zich met haar impactportfolio's?", [PORTFOLIO],
                   {"Deze impactportfolio's zijn:": 0.9, "De regio kiest": 0.8})
    assert draft.text.startswith("De regio kiest vier impactportfolio's [1]. Deze impactportfolio's zijn [1]:\n"
                                 "- Digitalisering [1]")


def test_a_list_item_of_a_list_question_brings_the_whole_list():
    draft = answer("Welke impactportfolio's zijn er?", [PORTFOLIO], {"Circulaire economie": 0.9})
    assert draft.text.count("\n- ") == 4 and "Deze impactportfolio's zijn" in draft.text


COINS = Passage("coins", "Objecten dupliceren\nIn dit voorbeeld maakt u een stapel munten van een ellips.\n"
                "• Teken een gele ellips.\n• Selecteer de ellips en kies Bewerken - Dupliceren.\n"
                "• Voer 12 in bij Aantal kopieën.\n• Voer een negatieve waarde in bij Breedte.\n"
                "Klik op OK.", "dup.html", "Dupliceren", section="Objecten dupliceren")


def test_the_steps_of_a_list_nothing_introduces_are_quoted_together_in_order():
    # the steps stand under a finished sentence, so no lead-in ties them; picked one by one
    # by score, the answer skipped "Selecteer de ellips en kies Bewerken - Dupliceren."
    draft = answer("Hoe maak ik twaalf kopieën van een ellips?", [COINS],
                   {"Voer 12 in": 0.9, "Teken een gele ellips": 0.8, "Voer een negatieve": 0.75})
    assert [line for line in draft.text.split("\n") if line.startswith("- ")] == [
        "- Teken een gele ellips [1].", "- Selecteer de ellips en kies Bewerken - Dupliceren [1].",
        "- Voer 12 in bij Aantal kopieën [1].", "- Voer een negatieve waarde in bij Breedte [1]."]


def test_a_page_of_loose_items_is_not_quoted_whole():
    items = "\n".join(f"• Stap {i} met een uitleg van ongeveer tien woorden over iets anders." for i in range(30))
    page = Passage("page", f"Overzicht\nDe pagina somt veel dingen op.\n{items}", "p.html", "P", section="Overzicht")
    draft = answer("Hoe doe ik stap 12?", [page], {"Stap 12 ": 0.9})
    bullets = [line for line in draft.text.split("\n") if line.startswith("- ")]
    assert any(line.startswith("- Stap 12 ") for line in bullets)
    assert 2 <= len(bullets) and sum(len(line.split()) for line in bullets) <= 2 * 60 + 2 * len(bullets)


def test_a_lone_item_is_read_as_a_sentence_with_what_it_points_back_to():
    lone = Passage("lone", "Subsidie\nDe regeling staat open tot eind 2025.\n• Dit geldt voor alle gemeenten in "
                   "Twente.\nMeer informatie volgt.", "006.txt", "Regeling", section="Subsidie")
    draft = answer("Welke gemeenten kunnen meedoen?", [lone], {"Dit geldt": 0.9})
    assert draft.text.startswith("De regeling staat open tot eind 2025 [1].")


def test_a_key_value_line_brings_its_pair():
    draft = answer("Hoeveel draagt het Rijk bij?", [DEAL], {"Rijk: 25 mln": 0.9})
    assert draft.text.split("\n")[:2] == ["Regio: 25 mln [1]", "Rijk: 25 mln [1]"]


def test_a_sentence_pointing_back_brings_its_antecedent():
    draft = answer("Waaraan geven we invulling?", [PLAN], {"Hiermee geven": 0.9})
    assert draft.text == ("De Twente Board werkt aan brede welvaart [1]. Hiermee geven we invulling aan de agenda "
                          "van de regio [1].")


def test_a_sentence_pointing_back_to_a_quoted_one_joins_it():
    # "--headless: …" is the best unit; "Deze speciale modus …" needs it and is not dropped
    # for that: it continues the answer
    headless = Passage("hl", "Parameters\n--headless: Begint zonder gebruikersinterface. Deze speciale modus kan "
                       "gebruikt worden via de API.\n--norestore: Geen herstel.", "start.html", "Start",
                       section="Parameters")
    draft = answer("Wat doet de startparameter --headless?", [headless],
                   {"--headless": 0.9, "Deze speciale modus": 0.7}, second_pick=0.3)
    assert draft.text == ("--headless: Begint zonder gebruikersinterface [1]. Deze speciale modus kan gebruikt "
                          "worden via de API [1].")


def test_a_short_section_is_quoted_whole_unless_the_asked_thing_is_in_the_best_unit():
    contacts = Passage("con", "Contact\nAyke van Bloem, adviseur, 06-50067237\nIn Twente laten we zien hoe de "
                       "toekomst vorm krijgt.", "005.txt", "Flyer", section="Contact")
    query = analyse("Wat is het telefoonnummer van Ayke van Bloem?", None, STATS)
    candidates = candidates_of([contacts])
    for c in candidates:
        c.score = 0.9 if "06-" in c.unit.text else 0.1
    draft = compose(query, [contacts], candidates, 0.8, 60, whole_passage=60)
    assert draft.text == "Ayke van Bloem, adviseur, 06-50067237 [1]"  # not the section's other sentence
    query = analyse("Wat doet Ayke van Bloem?", None, STATS)
    draft = compose(query, [contacts], candidates, 0.8, 60, whole_passage=60)
    assert "toekomst" in draft.text  # an open question: the short section is the answer
    # likewise the budget left is not filled with what stands around the phone number
    query = analyse("Wat is het telefoonnummer van Ayke van Bloem?", None, STATS)
    assert compose(query, [contacts], candidates, 0.8, 60, context=60).text == "Ayke van Bloem, adviseur, 06-50067237 [1]"
    query = analyse("Wat doet Ayke van Bloem?", None, STATS)
    assert "toekomst" in compose(query, [contacts], candidates, 0.8, 60, context=60).text


def test_two_parts_answered_by_one_passage_say_it_once():
    from assistant.answerers.base import Draft, citation
    from assistant.answerers.extractive import merge

    one = Draft("Het plan loopt tot 2025 [1].", False, [citation(1, PLAN, "Het plan loopt tot 2025.")], 0.8)
    two = Draft("Het plan loopt tot 2025 [1].\nRijk: 25 mln [2]",
                False, [citation(1, PLAN, "Het plan loopt tot 2025."), citation(2, DEAL, "Rijk: 25 mln")], 0.7)
    merged = merge([one, two])
    assert merged.text == "Het plan loopt tot 2025 [1].\nRijk: 25 mln [2]"
    assert [c.n for c in merged.citations] == [1, 2]


def test_the_citation_names_the_page_of_its_first_quote():
    draft = answer("Hoe lang loopt het plan?", [PLAN], {"Het plan loopt": 0.9})
    c = draft.citations[0]
    assert (c.page, c.page_label) == (4, "iv")  # the quote stands after the page break
    draft = answer("Waaraan werkt de Twente Board?", [PLAN], {"De Twente Board werkt": 0.9})
    assert (draft.citations[0].page, draft.citations[0].page_label) == (3, "iii")


def test_a_name_in_the_heading_answers_who():
    draft = answer("Wie is de voorzitter van de Twente Board?", [SIGNED], {"Voorzitter Twente Board": 0.9})
    assert draft.text.startswith("Wim Boomkamp [1]") and "Voorzitter Twente Board" in draft.text


def test_further_units_must_score_close_and_add_something():
    draft = answer("Hoeveel investeert het Rijk en wanneer loopt het plan af?", [DEAL, PLAN],
                   {"Rijk: 25 mln": 0.9, "Het plan loopt": 0.85, "De deal wordt": 0.3})
    assert "Rijk: 25 mln [1]" in draft.text and "Het plan loopt tot 2025 [2]." in draft.text
    assert "50 miljoen" not in draft.text  # scored far below the best
    assert cited_numbers(draft.text) == [1, 2] and [c.chunk_id for c in draft.citations] == ["deal", "plan"]


def test_the_word_budget_holds_for_sentences():
    draft = answer("Waaraan werkt de Twente Board en hoe lang loopt het plan?", [PLAN, DEAL],
                   {"De Twente Board werkt": 0.9, "Het plan loopt": 0.89, "De deal wordt": 0.88}, max_words=12)
    assert len(draft.text.split()) <= 16 and "brede welvaart" in draft.text


FREEZE = Passage("freeze", "Rijen vastzetten\nU kunt rijen boven in het werkblad vastzetten. Selecteer de rij onder de "
                 "rijen die u wilt vastzetten. Kies Beeld - Cellen vastzetten. Zo blijven de koppen staan. "
                 "Een werkblad met veel rijen scrolt daarna onder de koppen door.", "freeze.html", "Vastzetten",
                 section="Rijen vastzetten")


def test_left_budget_goes_to_the_sentences_around_the_best_one_better_side_first():
    scores = {"Selecteer de rij": 0.9, "Kies Beeld": 0.5, "U kunt rijen": 0.2, "Zo blijven": 0.1}
    alone = answer("Hoe zet ik rijen vast?", [FREEZE], scores)
    assert alone.text == "Selecteer de rij onder de rijen die u wilt vastzetten [1]."
    # room for the better neighbour ("Kies …"), then for the better of the next two
    # ("U kunt …" before it beats "Zo blijven …" after), in the passage's order
    grown = answer("Hoe zet ik rijen vast?", [FREEZE], scores, context=25)
    assert grown.text == ("U kunt rijen boven in het werkblad vastzetten [1]. Selecteer de rij onder de rijen die u "
                          "wilt vastzetten [1]. Kies Beeld - Cellen vastzetten [1].")
    assert len(grown.citations) == 1


def test_growing_the_answer_keeps_to_its_budget_and_skips_headings():
    draft = answer("Hoe zet ik rijen vast?", [FREEZE], {"U kunt rijen": 0.9, "Selecteer": 0.5}, context=10)
    assert draft.text == "U kunt rijen boven in het werkblad vastzetten [1]."  # the next sentence (9 words) no longer fits
    whole = answer("Hoe zet ik rijen vast?", [FREEZE], {"U kunt rijen": 0.9}, context=200)
    assert "Rijen vastzetten" not in whole.text and whole.text.count("[1]") == 5


def test_growing_the_answer_does_not_repeat_a_sentence_it_already_says():
    page = Passage("save", "Opslaan\nKies Bestand - Opslaan.\nHet bestand wordt in de map bewaard.\n"
                   "Kies Bestand - Opslaan.\nKlaar.", "save.html", "Opslaan", section="Opslaan")
    draft = answer("Waar wordt het bestand bewaard?", [page], {"Het bestand": 0.9}, context=60)
    assert draft.text.count("Kies Bestand - Opslaan") == 1 and "Klaar" not in draft.text


def test_the_same_sentence_from_two_passages_is_quoted_once():
    copy = Passage("copy", PLAN.text, "001.txt", "Web", section="Voorwoord")
    draft = answer("Waaraan werkt de Twente Board?", [PLAN, copy],
                   {"De Twente Board werkt": 0.9, "Hiermee": 0.1})
    assert draft.text.count("brede welvaart") == 1


def test_conflicting_figures_from_two_documents_are_both_shown_newest_first():
    draft = answer("Hoeveel investeert het Rijk in de Regio Deal?", [OLD_DEAL, DEAL],
                   {"Het Rijk investeert 30 mln": 0.9, "Rijk: 25 mln": 0.88})
    lines = draft.text.split("\n")
    assert lines[0].startswith("Volgens «Regio Deal» (2023): ") and "25 mln" in lines[0]
    assert any(line.startswith("Volgens «Regio Deal 2019» (2019): Het Rijk investeert 30 mln") for line in lines)
    assert {c.source for c in draft.citations} == {"004.txt", "2019.txt"}


def test_the_same_figure_in_two_documents_is_no_conflict():
    same = Passage("same", "Investering\nHet Rijk investeert 25 mln in de Regio Deal.", "web.txt", "Web",
                   section="Investering", date="2024")
    draft = answer("Hoeveel investeert het Rijk in de Regio Deal?", [same, DEAL],
                   {"Het Rijk investeert 25 mln": 0.9, "Rijk: 25 mln": 0.88})
    assert "Volgens" not in draft.text


def test_a_figure_of_another_kind_is_no_conflict():
    plan = Passage("acties", "Investeringen\nDe regionale investeringen in de Regio Deal bestaan uit 4 actielijnen.",
                   "002.txt", "Plan", section="Investeringen", date="2020")
    draft = answer("Hoeveel investeert het Rijk in de Regio Deal?", [DEAL, plan],
                   {"Rijk: 25 mln": 0.9, "De regionale investeringen": 0.88})
    assert "Volgens" not in draft.text  # "4 actielijnen" counts lines, not millions


def test_a_weaker_other_figure_is_no_conflict():
    draft = answer("Hoeveel investeert het Rijk in de Regio Deal?", [DEAL, OLD_DEAL],
                   {"Rijk: 25 mln": 0.9, "Het Rijk investeert 30 mln": 0.3})
    assert "Volgens" not in draft.text and "30 mln" not in draft.text
