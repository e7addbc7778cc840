"""The real corpus, the real default embedder, the extractive answerer: the facts users
ask about come back quoted exactly, cited to the right document; questions the
documents do not cover are refused; follow-ups are resolved."""
import pytest

DEAL, PLAN, WEB, SPRONG, FLYER = ("004_5cdf79aa927f76dd.txt", "002_cd5bdc3b9f6d6f78.txt", "001_60c437f29afb3022.txt",
                                  "003_58a758f50fc0fe01.txt", "000_fe49dfaff4660971.txt")

CASES = [
    ("Wat zijn de vier centrale actielijnen?", ["Techniek als motor", "Arbeidsmarkt & Talent",
     "Bereikbaarheid & Vestigingsklimaat", "Circulaire economie & Duurzaamheid"], {PLAN}),
    ("Welke impactportfolio's kiest de Twente Board?", ["Digitalisering", "Innovatie in de zorg", "Circulaire economie",
     "Sleuteltechnologieën"], {PLAN}),
    ("Hoeveel inwoners heeft Twente?", ["634.000"], {DEAL}),
    ("Uit hoeveel gemeenten bestaat Twente?", ["14 gemeenten"], {DEAL}),
    ("Hoeveel investeert het Rijk in de Regio Deal Twente?", [("25 mln", "25 miljoen")], {DEAL}),
    ("Wanneer is de Innovatiesprong Twente gepresenteerd?", ["24 februari 2012"], {SPRONG}),
    ("Wat zijn de vier topwerklocaties?", ["Kennispark Twente", "High Tech Systems Park", "Technology Base Twente",
     "XL Business Park"], {PLAN}),
    ("Wat doet Twente Board Development?", ["uitvoeringsorganisatie"], {PLAN}),
    ("Wat is het doel van de Twente Board volgens de centrale opgave?", ["bevorderen van de ontwikkeling van de Twentse economie"], {PLAN}),
    ("Hoeveel industriële banen zijn er in hightechsystems & materials?", ["32.000"], {SPRONG}),
    ("Welke ministeries doen mee aan de Regio Deal Twente?", ["OCW", "BZK"], {DEAL}),
    ("Wie is de voorzitter van de Twente Board?", ["Wim Boomkamp"], {PLAN}),
    ("Wat is noaberschap?", ["authentiek Twents begrip"], {WEB, PLAN}),
    ("Voor welke mobiliteitscorridor voert de Twente Board lobby?", ["Zwolle-Enschede-Münster"], {PLAN}),
    ("Wie stelt de Twente Index samen?", ["Kennispunt Twente"], {PLAN}),
    ("Hoeveel wordt er naar verwachting in totaal in de regio geïnvesteerd met de Regio Deal?", ["80 miljoen"], {DEAL}),
    ("Op welke twee doelgroepen richt de Regio Deal zich om het arbeidspotentieel te benutten?", ["statushouders"], {DEAL}),
    ("Met welke kennisinstellingen vormt de Universiteit Twente de spil van het ecosysteem?", ["Saxion"], {FLYER}),
    ("Wat is het e-mailadres van Jasper Kerkwijk?", ["j.kerkwijk@twenteboard.nll"], {FLYER}),
    ("Hoeveel procent van de industriële werkgelegenheid zit in hightechsystems & materials?", ["70%"], {SPRONG}),
]

OFF_TOPIC = [
    "Wat zijn de openingstijden van het stadhuis in Enschede?",
    "Wat was de uitslag van FC Twente tegen Ajax?",
    "Hoe wordt het weer morgen in Hengelo?",
    "Wat is de hoofdstad van Frankrijk?",
    # on-topic words, but asking what the documents do not say
    "Hoeveel inwoners heeft Zwolle?",
    "Wat is het e-mailadres van Wim Boomkamp?",
    "Welke twaalf bedrijven zitten op Kennispark Twente?",
    "Hoeveel kost een parkeervergunning in Enschede?",
]

FOLLOW_UPS = [
    ("Wat is de Regio Deal Twente?", "En hoeveel draagt het Rijk daaraan bij?", "25 mln", DEAL),
    ("Wat is de Innovatiesprong Twente?", "Wanneer is die gepresenteerd?", "24 februari 2012", SPRONG),
]


@pytest.mark.parametrize("question, facts, sources", CASES, ids=[c[0][:40] for c in CASES])
def test_answers_quote_the_facts_and_cite_the_right_document(real_assistant, question, facts, sources):
    answer = real_assistant.ask(question)
    assert not answer.refused, answer.text
    for fact in facts:
        variants = fact if isinstance(fact, tuple) else (fact,)
        assert any(v in answer.text for v in variants), f"{fact!r} missing from: {answer.text}"
    assert answer.citations and "[1]" in answer.text
    assert any(sources & set(c.sources) for c in answer.citations), [c.sources for c in answer.citations]
    # every citation points at a passage that holds its quote
    by_id = {p.chunk_id: p for p in answer.passages}
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        for part in c.quote.split(" … "):
            assert part in by_id[c.chunk_id].text


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_questions_outside_the_documents_are_refused(real_assistant, question):
    answer = real_assistant.ask(question)
    assert answer.refused, answer.text
    assert answer.citations == [] and "niet in de documenten" in answer.text
    assert answer.passages  # the closest passages are still offered


@pytest.mark.parametrize("first, follow_up, fact, source", FOLLOW_UPS)
def test_follow_ups_use_the_history(real_assistant, first, follow_up, fact, source):
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": real_assistant.ask(first).text}]
    answer = real_assistant.ask(follow_up, history)
    assert fact in answer.text, answer.text
    assert any(source in c.sources for c in answer.citations)


def test_document_filter(real_assistant):
    answer = real_assistant.ask("Wat doet de Twente Board?", sources=[DEAL])
    assert answer.passages and all(DEAL in p.sources for p in answer.passages)


def test_json_shape(real_assistant):
    data = real_assistant.ask("Hoeveel inwoners heeft Twente?").to_json()
    # the DESIGN.md contract: these fields with these types; fields may be added
    assert {"answer", "refused", "citations", "timings_ms"} <= set(data)
    assert isinstance(data["answer"], str) and isinstance(data["refused"], bool)
    c = data["citations"][0]
    assert {"n", "source", "title", "page", "section", "quote"} <= set(c)
    assert isinstance(c["n"], int) and isinstance(c["source"], str) and isinstance(c["quote"], str)
    assert c["page"] is None or isinstance(c["page"], int)
    assert {"retrieve", "answer", "total"} <= set(data["timings_ms"])
    # added: the printed page label, the document date and whether it is the visitor's own upload
    assert {"page_label", "date", "private"} <= set(c) and c["private"] is False


# --- the failure classes of the first build (issue 8), one test each -------------------------

def _known_failure(reason: str):
    """Still failing with the fitted scorer: run, reported as xfailed (never as passed),
    and strict, so the day it passes the marker must go."""
    return pytest.mark.xfail(strict=True, reason=reason)


FAILURE_CLASSES = [
    # a list question answered with the list it asks for, with its items, not another list
    pytest.param("Op welke vier gebieden richt de regio zich met haar impactportfolio's?",
                 ["Digitalisering", "Innovatie in de zorg", "Circulaire economie", "Sleuteltechnologieën"],
                 marks=_known_failure("the scorer ranks the lead-in of another four-item list (actielijnen) higher: "
                                      "it shares 'richt', 'regio' and 'vier' with the question")),
    # a key–value line ("Rijk: het ministerie van …") found beside prose about the same deal
    pytest.param("Welke departementen van het Rijk zijn bij de nieuwe Regio Deal betrokken?", ["OCW", "EZK", "BZK"],
                 marks=_known_failure("'departementen' is 'ministerie' in the text; no unit holds the asked "
                                      "word, and prose about Rijk and Regio outscores the key-value line")),
    # a name standing over its title ("Wim Boomkamp" / "Voorzitter Twente Board")
    pytest.param("Wie ondertekent het voorwoord van het strategisch plan?", ["Wim Boomkamp"],
                 marks=_known_failure("'voorwoord' is not in the plan; knowing that the opening text signed by the "
                                      "chair is the foreword needs reading, not matching")),
    # a name inside a long sentence about the right thing
    ("Met welke universiteit werkt de regio samen?", ["Universiteit Twente"]),
    # a figure whose sentence does not repeat the programme's name (the heading and title do)
    ("Hoeveel inwoners heeft de regio Twente?", ["634.000"]),
]


@pytest.mark.parametrize("question, facts", FAILURE_CLASSES)
def test_failure_classes_of_the_first_build(real_assistant, question, facts):
    answer = real_assistant.ask(question)
    assert not answer.refused, answer.text
    missing = [f for f in facts if f not in answer.text]
    assert not missing, f"{missing} missing from: {answer.text}"


def test_a_contact_question_gets_that_contact_and_nothing_unrelated(real_assistant):
    answer = real_assistant.ask("Wat is het telefoonnummer van Ayke van Bloem?")
    assert "06-50067237" in answer.text and len(answer.citations) == 1
    # the flyer prints both contacts on one line; nothing else is added
    assert len(answer.text.split()) <= 40, answer.text


@_known_failure("the passage about start-up support names Novel-T and holds figures; answerability stays above "
                "the threshold chosen on dev")
def test_a_passing_mention_does_not_answer(real_assistant):
    """Novel-T is named in passing; how many start-ups it financed is nowhere."""
    answer = real_assistant.ask("Hoeveel start-ups heeft Novel-T vorig jaar gefinancierd?")
    assert answer.refused, answer.text


def _turn(assistant, question, history=None):
    answer = assistant.ask(question, history or [])
    return answer, (history or []) + [
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer.text, "passages": [c.chunk_id for c in answer.citations]}]


@_known_failure("the question is rewritten right, but the scorer prefers the sentence on the total invested "
                "in the region (80 miljoen) over the line 'Regio: 25 mln'")
def test_an_elliptic_follow_up_replaces_the_matching_part(real_assistant):
    first, history = _turn(real_assistant, "Hoeveel investeert het Rijk in de Regio Deal Twente?")
    assert "Rijk: 25 mln" in first.text
    answer, _ = _turn(real_assistant, "En de regio?", history)
    assert not answer.refused and "Regio: 25 mln" in answer.text, answer.text
    assert answer.query == "Hoeveel investeert de regio in de Regio Deal Twente?"


def test_a_pronoun_follow_up_does_not_repeat_the_previous_answer(real_assistant):
    first, history = _turn(real_assistant, "Wat is de Innovatiesprong Twente?")
    answer, _ = _turn(real_assistant, "En wie zit daarachter?", history)
    assert not answer.refused and answer.text != first.text, answer.text
    assert any(w in answer.text for w in ("partners", "bedrijfsleven", "overheid", "Triple Helix")), answer.text


def test_a_follow_up_that_finds_nothing_new_says_so(real_assistant):
    """Asked again as a follow-up, the question gets the same sentences: the answer says
    that it repeats the previous one instead of passing it off as new."""
    from assistant.core import NOTHING_NEW

    first, history = _turn(real_assistant, "Hoeveel inwoners heeft de regio Twente?")
    assert first.notice is None
    again, _ = _turn(real_assistant, "Hoeveel inwoners heeft de regio Twente?", history)
    assert again.text == first.text and again.notice == NOTHING_NEW
    other, _ = _turn(real_assistant, "En wie zit daarachter?", _turn(real_assistant, "Wat is de Innovatiesprong Twente?")[1])
    assert other.notice is None


def test_an_ordinal_follow_up_resolves_against_the_previous_list(real_assistant):
    first, history = _turn(real_assistant, "Welke impactportfolio's heeft de Twente Board gekozen?")
    assert first.text.count("\n- ") >= 4, first.text
    answer, _ = _turn(real_assistant, "En de tweede?", history)
    assert not answer.refused and "zorg" in answer.text.lower(), answer.text
    assert answer.query.startswith("Innovatie in de zorg")  # searched for the item, near the list
