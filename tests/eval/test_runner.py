from assistant.types import Answer, Citation, Passage
from eval.report import follow_ups
from eval.runner import GoldItem, Row, replay, run_config, score, summarise

ITEM = GoldItem(id="q1", question="Hoeveel inwoners heeft Twente?", history=[], answerable=True,
                answer="ca. 634.000", facts=[["634.000", "634000"], ["14 gemeenten"]], sources=["004.txt"],
                group="journalist", type="getal")
UNANSWERABLE = GoldItem(id="q2", question="Wie won gisteren?", history=[], answerable=False, answer="", facts=[],
                        sources=[], group="journalist", type="onbeantwoordbaar")
PASSAGE = Passage(chunk_id="c1", text="Twente is een regio bestaande uit 14 gemeenten met ca. 634.000 inwoners.",
                  source="004.txt", title="Deal", sources=["004.txt"])
OTHER = Passage(chunk_id="c2", text="De Twente Board werkt aan talent.", source="002.txt", title="Plan", sources=["002.txt"])


def _answer(text, refused=False, cited=PASSAGE):
    citations = [] if refused else [Citation(1, cited.source, cited.title, None, None, "…", cited.chunk_id, cited.sources)]
    return Answer(text=text, refused=refused, citations=citations, passages=[OTHER, PASSAGE], retrieved=[PASSAGE, OTHER])


def test_a_perfect_answer_scores_one():
    row = score(ITEM, _answer("Twente is een regio bestaande uit 14 gemeenten met ca. 634.000 inwoners [1]."))
    s = row.scores
    assert s["fact_recall"] == 1.0 and s["figure_exact"] == 1.0 and s["citation_precision"] == 1.0
    assert s["citation_coverage"] == 1.0 and s["support"] == 1.0 and row.missing_facts == []
    assert s["hit@1"] == 0.0 and s["hit@5"] == 1.0 and s["mrr"] == 0.5
    assert s["retr_mrr"] == 1.0 and s["psg_hit@1"] == 0.0 and s["psg_hit@5"] == 1.0


def test_a_wrong_refusal_scores_zero_recall():
    row = score(ITEM, _answer("Dit staat niet in de documenten.", refused=True))
    assert row.scores["fact_recall"] == 0.0 and row.missing_facts == ["634.000", "14 gemeenten"]
    assert "citation_precision" not in row.scores


def test_citing_the_wrong_document():
    row = score(ITEM, _answer("De Twente Board werkt aan talent [1].", cited=OTHER))
    assert row.scores["citation_precision"] == 0.0 and row.scores["fact_recall"] == 0.0


def test_summary_counts_refusals_by_group():
    rows = [score(ITEM, _answer("Twente telt 14 gemeenten en ca. 634.000 inwoners [1].")),
            score(UNANSWERABLE, _answer("Dit staat niet in de documenten.", refused=True))]
    summary = summarise(rows)
    assert summary["overall"]["refusal_accuracy"] == 1.0 and summary["overall"]["false_refusal_rate"] == 0.0
    assert summary["by_group"]["journalist"]["n"] == 2
    assert summary["by_type"]["onbeantwoordbaar"]["refusal_accuracy"] == 1.0
    assert isinstance(rows[0], Row)


class RecordingAssistant:
    """Answers from a script and records the history each question came with."""

    def __init__(self, answers: dict[str, Answer]):
        self.answers, self.calls = answers, []

    def ask(self, question, history=None, use_llm=False):
        self.calls.append((question, [dict(t) for t in history or []]))
        return self.answers[question]


FOLLOW_UP = GoldItem(id="q3", question="En hoeveel gemeenten?", answerable=True, answer="14", facts=[["14 gemeenten"]],
                     sources=["004.txt"], group="journalist", type="vervolg",
                     history=[{"role": "user", "content": "Hoeveel inwoners heeft Twente?"},
                              {"role": "assistant", "content": "Ca. 634.000, in 14 gemeenten."}])


def test_replay_asks_the_earlier_questions_and_keeps_the_products_own_answers():
    first = _answer("Twente heeft ca. 634.000 inwoners [1].")
    bot = RecordingAssistant({ITEM.question: first})
    history = replay(bot, FOLLOW_UP.history)
    assert bot.calls == [(ITEM.question, [])]
    # the product's words and the passages it cited, not the gold author's answer
    assert history == [{"role": "user", "content": ITEM.question},
                       {"role": "assistant", "content": first.text, "passages": ["c1"]}]


def test_own_history_rows_say_whether_the_answer_only_repeats_the_previous_one():
    first = _answer("Twente heeft ca. 634.000 inwoners [1].")
    again = _answer("- Twente heeft ca. 634.000 inwoners [1].")
    new = _answer("Twente is een regio bestaande uit 14 gemeenten met ca. 634.000 inwoners [1].")
    for follow, repeated in ((again, True), (new, False)):
        bot = RecordingAssistant({ITEM.question: first, FOLLOW_UP.question: follow})
        rows = run_config(bot, [ITEM, FOLLOW_UP], own_history=True)
        assert bot.calls[-1][1][-1]["content"] == first.text  # the follow-up saw the product's own answer
        assert rows[0].repeats_previous is None and rows[1].repeats_previous is repeated
        assert f"herhaalt alleen het vorige antwoord: {int(repeated)}." in follow_ups(rows)
    # the gold history by default: nothing replayed, nothing to report
    bot = RecordingAssistant({FOLLOW_UP.question: new})
    rows = run_config(bot, [FOLLOW_UP])
    assert bot.calls == [(FOLLOW_UP.question, FOLLOW_UP.history)] and follow_ups(rows) == ""
