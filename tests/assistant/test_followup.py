"""Follow-ups made standalone by grammar: ellipsis, ordinals, pronouns."""
import pytest

from assistant.followup import answer_items, last_turns, resolve, substitute


def H(question, answer, **extra):
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer, **extra}]


INVEST = "Hoeveel investeert het Rijk in de Regio Deal Twente?"


@pytest.mark.parametrize("previous, fragment, expected", [
    (INVEST, "de regio", "Hoeveel investeert de regio in de Regio Deal Twente?"),  # the bare noun phrase
    ("Wie is de voorzitter van de Twente Board?", "de secretaris", "Wie is de secretaris van de Twente Board?"),
    ("Wie is de voorzitter van de Twente Board?", "van Novel-T", "Wie is de voorzitter van Novel-T?"),  # same preposition
    ("Hoeveel banen waren er in 2020 in Twente?", "in 2019", "Hoeveel banen waren er in 2019 in Twente?"),  # the year
    (INVEST, "in 2019", "Hoeveel investeert het Rijk in de Regio Deal Twente in 2019?"),  # no year: added
    ("Hoeveel inwoners heeft Twente?", "Zwolle", "Hoeveel inwoners heeft Zwolle?"),  # a name for a name
])
def test_ellipsis_replaces_the_matching_phrase(previous, fragment, expected):
    assert substitute(previous, fragment) == expected


def test_ellipsis_resolution():
    r = resolve("En de regio?", H(INVEST, "Rijk: 25 mln [1]"))
    assert r.kind == "ellipsis" and r.text == r.search == "Hoeveel investeert de regio in de Regio Deal Twente?"
    assert r.previous_answer == ("Rijk: 25 mln",)


LIST_ANSWER = ("De impactportfolio's zijn [1]:\n- Digitalisering [1];\n- Innovatie in de zorg [1];\n"
               "- Circulaire economie [1];\n- Sleuteltechnologieën: fotonica en nanotechnologie [1].")


def test_answer_items_from_a_list_or_an_enumeration():
    assert answer_items(LIST_ANSWER) == ["Digitalisering", "Innovatie in de zorg", "Circulaire economie",
                                         "Sleuteltechnologieën"]
    assert answer_items("Digitalisering, Innovatie in de zorg en Sleuteltechnologieën.") == [
        "Digitalisering", "Innovatie in de zorg", "Sleuteltechnologieën"]
    assert answer_items("Twente heeft 634.000 inwoners.") == []


@pytest.mark.parametrize("question, expected", [
    ("En de tweede?", "Wat is Innovatie in de zorg?"),
    ("En waar ligt bij die laatste de focus?", "Waar ligt bij Sleuteltechnologieën de focus?"),
    ("Wat betekent de derde daarvan?", "Wat betekent Circulaire economie?"),
])
def test_ordinals_point_at_the_previous_answers_items(question, expected):
    r = resolve(question, H("Wat zijn de impactportfolio's?", LIST_ANSWER))
    assert r.kind == "ordinal" and r.text == expected
    assert "impactportfolio" in r.search.lower()  # still searched near the list


def test_an_ordinal_beyond_the_list_is_a_pronoun_follow_up():
    r = resolve("En de negende?", H("Wat zijn de impactportfolio's?", LIST_ANSWER))
    assert r.kind == "pronoun"


def test_an_ordinal_before_a_noun_of_its_own_is_no_reference():
    # "de eerste keer", "de eerste kolom" are phrases of their own: splicing the previous
    # answer's first "item" into them made "Hoe heet dat venster Kies … keer dat …?"
    steps = H("Hoe maak ik een dialoog meertalig?", "Klik op Taal beheren en voeg talen toe [1].")
    for question in ("Hoe heet dat venster de eerste keer dat ik op Toevoegen klik?",
                     "Kan dat ook met de eerste kolom?"):
        r = resolve(question, steps)
        assert r.kind == "pronoun" and r.text == question
    # a noun naming what the previous turn listed still points back
    modes = H("Welke modi heeft de Presentatie-console?",
              "Drie: de normale modus, de modus Notitie en de modus Diasorteerder [1].")
    r = resolve("Wat toont de tweede modus?", modes)
    assert r.kind == "ordinal" and r.text == "Wat toont de modus Notitie?"
    assert resolve("Is de tweede ook gratis?", H("Wat zijn de impactportfolio's?", LIST_ANSWER)).kind == "ordinal"
    # … also when the previous turn has it inside a compound
    levels = H("Welke foutcorrectieniveaus zijn er voor QR-codes?", "Vier: Laag, Medium, Kwart en Hoog [1].")
    r = resolve("Wat houdt het tweede niveau in?", levels)
    assert r.kind == "ordinal" and r.text == "Wat houdt Medium in?"


def test_pronouns_lean_on_the_previous_turn():
    r = resolve("En wie zit daarachter?", H("Wat is de Innovatiesprong?", "Een aanpak [1].", passages=["c1", "c2"]))
    assert r.kind == "pronoun" and r.text == "En wie zit daarachter?"
    assert r.search == "Wat is de Innovatiesprong? En wie zit daarachter?" and r.context == "Wat is de Innovatiesprong?"
    assert r.previous_answer == ("Een aanpak.",) and r.previous_passages == ("c1", "c2")


@pytest.mark.parametrize("question", ["Wat is noaberschap?", "Hoeveel inwoners heeft Twente?"])
def test_a_new_question_is_not_a_follow_up(question):
    r = resolve(question, H("Wat is de Regio Deal?", "Een afspraak [1]."))
    assert r.kind is None and r.text == r.search == question


def test_without_history_nothing_is_resolved():
    assert resolve("En de regio?", None).kind is None
    assert resolve("En de regio?", []).search == "En de regio?"


def test_last_turns_skips_blanks_and_pairs_the_answer_with_its_question():
    history = H("Eerste?", "Antwoord één.") + [{"role": "user", "content": "  "}]
    question, answer = last_turns(history)
    assert question == "Eerste?" and answer["content"] == "Antwoord één."
    assert last_turns([]) == (None, None)


def test_says_nothing_new_when_every_sentence_was_in_the_previous_answer():
    from assistant.followup import says_nothing_new

    history = [{"role": "user", "content": "Welke?"},
               {"role": "assistant", "content": "- Digitalisering [1]\n- Innovatie in de zorg [1]"}]
    assert says_nothing_new("Innovatie in de zorg [2]", history)
    assert says_nothing_new("- Digitalisering [1]\n- Innovatie in de zorg [1]", history)
    assert not says_nothing_new("Innovatie in de zorg [1]. Het tweede portfolio richt zich op zorg [1].", history)
    assert not says_nothing_new("Digitalisering [1]", []) and not says_nothing_new("", history)
