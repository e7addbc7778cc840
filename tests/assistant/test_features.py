"""Unit features on hand-made passages: each says one general thing about a unit."""
import numpy as np

from assistant.features import FEATURES, INDEX, candidates_of, featurize, fits_form
from assistant.query import TermStats, analyse
from assistant.types import Passage

DEAL = Passage("deal", "Partners en investering\nRegio: Twente Board en Provincie Overijssel.\nRegio: 25 mln\n"
               "Rijk: 25 mln\nDe deal wordt gesloten op 50 miljoen Euro.", "004.txt", "Regio Deal",
               section="Partners en investering", dense=0.88, bm25=4.0)
LIST = Passage("list", "3.2 Vier centrale actielijnen\nDe investeringen bestaan uit 4 centrale actielijnen:\n"
               "• Techniek als motor;\n• Arbeidsmarkt & Talent;\n• Bereikbaarheid & Vestigingsklimaat;\n"
               "• Circulaire economie & Duurzaamheid.", "002.txt", "Plan", section="3.2 Vier centrale actielijnen",
               dense=0.84, bm25=2.0)
PASSAGES = [DEAL, LIST]
STATS = TermStats([p.text for p in PASSAGES] + ["Twente regio economie"] * 5)


def rows(question: str, passages=PASSAGES, history=None):
    query = analyse(question, history, STATS)
    candidates = candidates_of(passages)
    return query, candidates, featurize(query, passages, candidates)


def row_of(candidates, X, text):
    i = next(i for i, c in enumerate(candidates) if c.unit.text.startswith(text))
    return {name: X[i, INDEX[name]] for name in FEATURES}


def test_one_row_of_named_features_per_unit():
    query, candidates, X = rows("Hoeveel draagt het Rijk bij?")
    assert X.shape == (len(candidates), len(FEATURES)) and np.isfinite(X).all()
    assert [c.passage for c in candidates] == [0] * 5 + [1] * 6


def test_figure_question_features():
    _, candidates, X = rows("Hoeveel draagt het Rijk bij?")
    rijk, heading = row_of(candidates, X, "Rijk: 25 mln"), row_of(candidates, X, "Partners en investering")
    assert rijk["form_fit"] == 1 and rijk["form_missing"] == 0 and rijk["new_figures"] == 1
    assert heading["heading"] == 1 and heading["form_missing"] == 1
    assert rijk["lex"] > row_of(candidates, X, "Regio: 25 mln")["lex"]
    assert rijk["bm25"] == 1.0 and rijk["rank"] == 1.0  # the first, best BM25 passage


def test_list_items_take_their_lead_in_as_context():
    _, candidates, X = rows("Wat zijn de centrale actielijnen?")
    item = row_of(candidates, X, "Techniek als motor")
    lead = row_of(candidates, X, "De investeringen bestaan uit")
    assert item["bullet"] == 1 and item["lex"] == 0 and item["lex_context"] > 0.5  # heading + lead-in
    assert lead["lead_in"] == 1 and lead["item_x_list"] == 1 and lead["form_fit"] == 1
    assert row_of(candidates, X, "Rijk: 25 mln")["item_x_list"] == 0


def test_names_and_focus_missing_from_the_passage():
    _, candidates, X = rows("Hoeveel inwoners heeft de Achterhoek?")
    unit = row_of(candidates, X, "Rijk: 25 mln")
    assert unit["names_missing"] == 1.0 and unit["focus_missing"] == 1.0 and unit["unknown"] > 0.5
    _, candidates, X = rows("Hoeveel investeert Overijssel?")
    assert row_of(candidates, X, "Rijk: 25 mln")["names_missing"] == 0.0  # named in the passage


def test_neighbours_and_previous_answer():
    history = [{"role": "user", "content": "Wat zijn de partners?"},
               {"role": "assistant", "content": "Regio: Twente Board en Provincie Overijssel. [1]"}]
    _, candidates, X = rows("En wie zit daarachter?", history=history)
    assert row_of(candidates, X, "Regio: Twente Board en Provincie Overijssel.")["previous"] == 1
    _, candidates, X = rows("Hoeveel draagt het Rijk bij?")
    after = row_of(candidates, X, "De deal wordt gesloten")
    assert after["lex_prev"] == row_of(candidates, X, "Rijk: 25 mln")["lex"]


def test_sentence_vectors_give_the_dense_features():
    query, candidates, _ = rows("Hoeveel draagt het Rijk bij?")
    n = sum(c.passage == 0 for c in candidates)
    vectors = np.eye(n, 8, dtype=np.float32)  # unit k points along axis k
    deal = Passage(**{**DEAL.__dict__, "unit_vectors": vectors})
    vector = np.zeros(8, dtype=np.float32)
    vector[3] = 1.0  # the question is unit 3 ("Rijk: 25 mln")
    X = featurize(query.with_vector(vector), [deal, LIST], candidates)
    assert X[3, INDEX["dense"]] == 1.0 and X[3, INDEX["dense_gap"]] == 0.0
    assert X[2, INDEX["dense"]] == 0.0 and X[2, INDEX["dense_next"]] == 1.0
    # a passage without sentence vectors lends its own cosine to its units
    assert X[n, INDEX["dense"]] == LIST.dense


def test_fits_form_for_who_asks_a_new_name_and_for_definitions_a_defining_sentence():
    who = analyse("Wie is de voorzitter van de Twente Board?", None, STATS)
    assert not fits_form(who, "De Twente Board werkt aan techniek.", 0)
    assert fits_form(who, "De voorzitter is Wim Boomkamp.", 0)
    what = analyse("Wat is noaberschap?", None, STATS)
    assert fits_form(what, "Noaberschap is een authentiek Twents begrip.", 0)
    assert fits_form(what, "In Twente hebben we noaberschap.", 0) is None  # not a definition, not a miss


def test_standing_among_the_candidates_of_the_question():
    _, candidates, X = rows("Hoeveel draagt het Rijk bij?")
    body = [i for i, c in enumerate(candidates) if not c.unit.heading]
    lex = X[:, INDEX["lex_context"]]
    best = max(body, key=lambda i: lex[i])
    assert X[best, INDEX["lex_rank"]] == 1.0  # the best covering unit stands first
    assert all(X[i, INDEX["lex_rank"]] < 1.0 for i in range(len(candidates)) if i != best)
    heading = next(i for i, c in enumerate(candidates) if c.unit.heading)
    assert X[heading, INDEX["joint_rank"]] <= min(X[i, INDEX["joint_rank"]] for i in body)  # headings last
    for p in (0, 1):  # one unit of each passage is its best; the passage features are shared
        mine = [i for i, c in enumerate(candidates) if c.passage == p]
        assert max(X[i, INDEX["rank_in_passage"]] for i in mine) == 1.0
        assert len({X[i, INDEX["passage_lex"]] for i in mine}) == 1
    assert max(X[:, INDEX["passage_dense_gap"]]) == 0.0  # the passage holding the best unit
