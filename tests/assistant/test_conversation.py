import pytest

from assistant.conversation import is_follow_up, previous_question, standalone_query

HISTORY = [{"role": "user", "content": "Wat is de Regio Deal Twente?"},
           {"role": "assistant", "content": "Een afspraak tussen Rijk en regio [1]."}]


@pytest.mark.parametrize("question", [
    "En hoeveel draagt het Rijk daaraan bij?", "Wie zijn daarbij betrokken?", "Welke daarvan is het grootst?",
    "En de provincie?", "Hoeveel?"])
def test_follow_ups_are_recognised(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "Wat zijn de vier centrale actielijnen van de Twente Board?", "Hoeveel inwoners heeft Twente?"])
def test_standalone_questions_are_not_follow_ups(question):
    assert not is_follow_up(question)


def test_standalone_query_adds_the_previous_question_only_for_follow_ups():
    assert standalone_query("En hoeveel draagt het Rijk daaraan bij?", HISTORY) == \
        "Wat is de Regio Deal Twente? En hoeveel draagt het Rijk daaraan bij?"
    assert standalone_query("Hoeveel inwoners heeft Twente?", HISTORY) == "Hoeveel inwoners heeft Twente?"
    assert standalone_query("En hoeveel?", []) == "En hoeveel?"
    assert standalone_query("En hoeveel?", None) == "En hoeveel?"


def test_previous_question_skips_assistant_turns_and_blanks():
    assert previous_question(HISTORY) == "Wat is de Regio Deal Twente?"
    assert previous_question([{"role": "user", "content": "  "}]) is None
    assert previous_question([]) is None
