"""Unit tests for eval.metrics: hand-made cases with known exact answers."""

import math

import pytest

from eval.metrics import (
    citation_coverage,
    citation_precision,
    cited_numbers,
    contains_fact,
    fact_recall,
    false_refusal_rate,
    figure_exact_match,
    group_means,
    hit_at_k,
    mean,
    ndcg_at_k,
    normalize,
    reciprocal_rank,
    refusal_accuracy,
    split_sentences,
    support_score,
)

# --- normalize -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("geïnvesteerd", "geinvesteerd"),
        ("Münster", "munster"),
        ("Café Ré", "cafe re"),
        ("ca. 634.000 inwoners", "ca. 634000 inwoners"),
        ("1.250.000", "1250000"),
        ("1.000,50 euro", "1000,50 euro"),
        ("2,5 miljoen", "2,5 miljoen"),
        ("versie 3.14", "versie 3.14"),
        ("12.3456", "12.3456"),
        ("in 2023. 2024 werd beter", "in 2023. 2024 werd beter"),
        ("25 mln", "25 miljoen"),
        ("3 mld en 4 mrd", "3 miljard en 4 miljard"),
        ("mlnx en mldr", "mlnx en mldr"),
        ("€ 25 mln", "euro 25 miljoen"),
        ("€25", "euro 25"),
        ("\u2018s-Hertogenbosch\u2019", "'s-hertogenbosch'"),
        ("\u201cTwente\u201d en \u201eHengelo\u201d", '"twente" en "hengelo"'),
        ("2020\u20132024 \u2014 plan", "2020-2024 - plan"),
        ("  a \n\t b\u00a0 c  ", "a b c"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_is_idempotent():
    text = "Er is € 1.250.000 geïnvesteerd in Münster (25 mln)"
    assert normalize(normalize(text)) == normalize(text)


# --- contains_fact / fact_recall / figure_exact_match ---------------------------


@pytest.mark.parametrize(
    ("answer", "variants", "expected"),
    [
        ("Het kabinet investeert 25 miljoen euro in de regio.", ["25 miljoen"], True),
        ("Het kabinet investeert 25 miljoen euro.", ["5 miljoen"], False),
        ("Er is 2,5 miljoen euro beschikbaar.", ["5 miljoen"], False),
        ("Er komen 140 banen bij.", ["14"], False),
        ("Er komen 14 banen bij.", ["14"], True),
        ("Het gaat om 14,5 procent.", ["14"], False),
        ("Dat was in 2014.", ["2014"], True),
        ("Het budget is €25 mln.", ["25 miljoen"], True),
        ("Twente telt ca. 634.000 inwoners.", ["634000"], True),
        ("Twente telt ca. 634000 inwoners.", ["634.000"], True),
        ("Er is flink geïnvesteerd.", ["geinvesteerd"], True),
        ("De gemeente ENSCHEDE doet mee.", ["Enschede"], True),
        ("De gemeente Enschedese doet mee.", ["Enschede"], False),
        ("Ruim 1,2 miljard euro.", ["1,2 mld", "1200 miljoen"], True),
        ("Ruim 1,2 miljard euro.", ["1,3 miljard", "1300 miljoen"], False),
        ("Tekst", [], False),
        ("Tekst", [""], False),
        ("", ["iets"], False),
    ],
)
def test_contains_fact(answer, variants, expected):
    assert contains_fact(answer, variants) is expected


ANSWER = "Twente telt ca. 634.000 inwoners [1]. De Board investeert €25 mln in Enschede [2]."


def test_fact_recall_values():
    assert fact_recall(ANSWER, [["634000"], ["25 miljoen"], ["Enschede"]]) == 1.0
    assert fact_recall(ANSWER, [["Hengelo"], ["Almelo"]]) == 0.0
    assert fact_recall(ANSWER, [["Enschede"], ["Almelo"]]) == 0.5
    assert fact_recall(ANSWER, [["Hengelo"], ["Almelo", "Enschede"], ["99"]]) == pytest.approx(1 / 3)


def test_fact_recall_fact_without_variants_is_not_found():
    assert fact_recall(ANSWER, [["Enschede"], []]) == 0.5


def test_figure_exact_match_only_counts_facts_with_digits():
    assert figure_exact_match(ANSWER, [["Almelo"], ["25 miljoen"]]) == 1.0
    assert figure_exact_match(ANSWER, [["Enschede"], ["26 miljoen"]]) == 0.0
    assert figure_exact_match(ANSWER, [["634.000", "ca. 634 duizend"], ["12%"]]) == 0.5


def test_figure_exact_match_none_without_figures():
    assert figure_exact_match(ANSWER, [["Enschede"], ["Twente"]]) is None


# --- retrieval ----------------------------------------------------------------------

RANKED = [["a.pdf"], ["b.pdf", "c.pdf"], ["d.pdf"], ["c.pdf"]]


def test_hit_at_k():
    assert hit_at_k(RANKED, {"c.pdf"}, 1) == 0.0
    assert hit_at_k(RANKED, {"c.pdf"}, 2) == 1.0
    assert hit_at_k(RANKED, {"a.pdf"}, 1) == 1.0
    assert hit_at_k(RANKED, {"x.pdf"}, 10) == 0.0
    assert hit_at_k(RANKED, {"a.pdf"}, 0) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(RANKED, {"a.pdf"}) == 1.0
    assert reciprocal_rank(RANKED, {"c.pdf"}) == 0.5
    assert reciprocal_rank(RANKED, {"d.pdf", "c.pdf"}) == 0.5
    assert reciprocal_rank(RANKED, {"d.pdf"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"x.pdf"}) == 0.0


def test_ndcg_at_k():
    assert ndcg_at_k(RANKED, {"a.pdf"}, 3) == 1.0
    # single relevant passage at rank 3: (1/log2(4)) / 1
    assert ndcg_at_k(RANKED, {"d.pdf"}, 3) == pytest.approx(0.5)
    # relevant at ranks 2 and 4, k=4: ideal puts both first
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, {"c.pdf"}, 4) == pytest.approx(dcg / ideal)
    # k=2 sees only the rank-2 hit; ideal is capped at min(k, 2 relevant) = 2
    assert ndcg_at_k(RANKED, {"c.pdf"}, 2) == pytest.approx((1 / math.log2(3)) / ideal)
    assert ndcg_at_k(RANKED, {"x.pdf"}, 4) == 0.0
    assert ndcg_at_k(RANKED, {"d.pdf"}, 2) == 0.0
    assert ndcg_at_k([["a"], ["a"]], {"a"}, 5) == 1.0


@pytest.mark.parametrize("fn", [hit_at_k, ndcg_at_k])
@pytest.mark.parametrize(("ranked", "gold"), [([], {"a.pdf"}), (RANKED, set()), ([], set()), ([[]], {"a"})])
def test_retrieval_at_k_empty_inputs(fn, ranked, gold):
    assert fn(ranked, gold, 5) == 0.0


@pytest.mark.parametrize(("ranked", "gold"), [([], {"a.pdf"}), (RANKED, set()), ([], set())])
def test_reciprocal_rank_empty_inputs(ranked, gold):
    assert reciprocal_rank(ranked, gold) == 0.0


# --- split_sentences / cited_numbers ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A is B [1]. C is D [2].", ["A is B [1].", "C is D [2]."]),
        (
            "Twente telt ca. 634.000 inwoners [1]. De regio heeft o.a. Enschede, Hengelo en "
            "Almelo als grote steden [2]. Er is 2.5 miljoen geïnvesteerd, d.w.z. meer dan "
            "verwacht [1, 3]!",
            [
                "Twente telt ca. 634.000 inwoners [1].",
                "De regio heeft o.a. Enschede, Hengelo en Almelo als grote steden [2].",
                "Er is 2.5 miljoen geïnvesteerd, d.w.z. meer dan verwacht [1, 3]!",
            ],
        ),
        (
            "Er zijn afspraken i.r.t. Almelo gemaakt, bijv. Over woningbouw [4]. Het is nr. 5 op de lijst.",
            ["Er zijn afspraken i.r.t. Almelo gemaakt, bijv. Over woningbouw [4].", "Het is nr. 5 op de lijst."],
        ),
        (
            "Volgens dhr. J. de Vries en A. Jansen groeit de regio [1]. Zie o.a. Hoofdstuk 3.",
            ["Volgens dhr. J. de Vries en A. Jansen groeit de regio [1].", "Zie o.a. Hoofdstuk 3."],
        ),
        ("Het budget stijgt. [1] Daarna volgt de uitvoering [2].", ["Het budget stijgt. [1]", "Daarna volgt de uitvoering [2]."]),
        ("Wat kost dat? Ongeveer 5 miljoen euro [1].", ["Wat kost dat?", "Ongeveer 5 miljoen euro [1]."]),
        ("Dat was in 2023. 2024 werd beter [2].", ["Dat was in 2023.", "2024 werd beter [2]."]),
        ('Hij zei het. "Dit is goed," aldus de wethouder.', ["Hij zei het.", '"Dit is goed," aldus de wethouder.']),
        ("Het budget is €25 mln. De gemeente betaalt de rest.", ["Het budget is €25 mln.", "De gemeente betaalt de rest."]),
        ("De groei was 3.5 procent. dat is veel.", ["De groei was 3.5 procent. dat is veel."]),
        ("Zonder punt aan het eind [1]", ["Zonder punt aan het eind [1]"]),
        (
            "De maatregelen zijn:\n"
            "- Meer woningen bouwen in Enschede, bijv. in het centrum [1]\n"
            "• Betere bereikbaarheid. Ook per trein [2].\n"
            "1. Derde punt, t.o.v. 2023 [3]\n"
            "\n"
            "Samenvattend: het plan loopt [1]. Meer volgt.",
            [
                "De maatregelen zijn:",
                "Meer woningen bouwen in Enschede, bijv. in het centrum [1]",
                "Betere bereikbaarheid. Ook per trein [2].",
                "Derde punt, t.o.v. 2023 [3]",
                "Samenvattend: het plan loopt [1].",
                "Meer volgt.",
            ],
        ),
        ("", []),
        ("  \n\n \n", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Twente groeit [1].", [1]),
        ("Twente groeit [1][2].", [1, 2]),
        ("Twente groeit [1, 3].", [1, 3]),
        ("Twente groeit [1,3] en krimpt [2].", [1, 3, 2]),
        ("Twente groeit [2] en [2].", [2]),
        ("Twente groeit [2-4].", [2, 3, 4]),
        ("Twente groeit [12].", [12]),
        ("In 2023 groeide Twente.", []),
        ("Zie [a] of [].", []),
        ("", []),
    ],
)
def test_cited_numbers(sentence, expected):
    assert cited_numbers(sentence) == expected


# --- citation_coverage / citation_precision -------------------------------------------


def test_citation_coverage_values():
    assert citation_coverage("Twente telt veel inwoners [1]. De regio groeit snel [2].") == 1.0
    assert citation_coverage("Twente telt veel inwoners. De regio groeit snel.") == 0.0
    answer = (
        "De maatregelen zijn:\n"
        "- Meer woningen bouwen [1]\n"
        "- Betere wegen aanleggen\n"
        "Zie hieronder. Dat is alles."
    )
    # lead-in and the two-word "Zie hieronder." do not count; "Dat is alles." does
    assert citation_coverage(answer) == pytest.approx(1 / 3)


@pytest.mark.parametrize("answer", ["", "Ja.", "Zie [1].", "Nee, helaas [2].", "De maatregelen zijn als volgt:"])
def test_citation_coverage_none_without_counted_sentences(answer):
    assert citation_coverage(answer) is None


def test_citation_precision():
    assert citation_precision([["a.pdf"], ["b.pdf", "c.pdf"]], {"c.pdf"}) == 0.5
    assert citation_precision([["a.pdf"], ["a.pdf", "b.pdf"]], {"a.pdf"}) == 1.0
    assert citation_precision([["a.pdf"], ["b.pdf"]], {"x.pdf"}) == 0.0
    assert citation_precision([[]], {"a.pdf"}) == 0.0
    assert citation_precision([["a.pdf"]], set()) == 0.0


def test_citation_precision_none_when_nothing_cited():
    assert citation_precision([], {"a.pdf"}) is None


# --- support_score ------------------------------------------------------------------

PASSAGES = {
    1: "Twente telt ongeveer 634.000 inwoners, verdeeld over veertien gemeenten.",
    2: "De Twente Board heeft 25 miljoen euro geïnvesteerd in innovatie.",
}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Twente telt ongeveer 634.000 inwoners [1].", 1.0),
        # 4 of 5 content words (circa missing): exactly at the 80% threshold
        ("Twente telt circa 634000 inwoners [1].", 1.0),
        # 3 of 5 content words: below the threshold
        ("Twente telt circa 634000 bewoners [1].", 0.0),
        # wrong passage cited
        ("Twente telt ongeveer 634.000 inwoners [2].", 0.0),
        # cited passage does not exist
        ("Twente telt ongeveer 634.000 inwoners [3].", 0.0),
        ("Twente telt ongeveer 634.000 inwoners [1, 3].", 0.0),
        # accents, € and mln are normalised on both sides
        ("De Board heeft €25 mln geinvesteerd in innovatie [2].", 1.0),
        # only the union of the cited passages supports it
        ("Twente telt 634.000 inwoners en heeft 25 miljoen euro geïnvesteerd [1][2].", 1.0),
        ("Twente telt 634.000 inwoners en heeft 25 miljoen euro geïnvesteerd [1].", 0.0),
        # uncited and very short sentences are not counted
        ("Twente telt ongeveer 634.000 inwoners [1]. Dat is heel erg veel mensen. Ja [2].", 1.0),
        ("Twente telt ongeveer 634.000 inwoners [1]. Almelo bouwt nieuwe fietspaden [2].", 0.5),
    ],
)
def test_support_score(answer, expected):
    assert support_score(answer, PASSAGES) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("answer", "passages"),
    [("", PASSAGES), ("Twente telt veel inwoners.", PASSAGES), ("Ja [1].", PASSAGES), ("", {})],
)
def test_support_score_none_without_citations(answer, passages):
    assert support_score(answer, passages) is None


def test_support_score_with_no_passages_is_zero():
    assert support_score("Twente telt ongeveer 634.000 inwoners [1].", {}) == 0.0


# --- refusals -----------------------------------------------------------------------

PAIRS = [(False, True), (False, False), (True, False), (True, True), (True, False)]


def test_refusal_metrics():
    assert refusal_accuracy(PAIRS) == 0.5
    assert false_refusal_rate(PAIRS) == pytest.approx(1 / 3)
    assert refusal_accuracy([(False, True), (True, False)]) == 1.0
    assert false_refusal_rate([(False, True), (True, False)]) == 0.0
    assert refusal_accuracy([(False, False)]) == 0.0
    assert false_refusal_rate([(True, True)]) == 1.0


@pytest.mark.parametrize("fn", [refusal_accuracy, false_refusal_rate])
def test_refusal_metrics_accept_iterators(fn):
    assert fn(iter(PAIRS)) == fn(PAIRS)


@pytest.mark.parametrize(
    ("fn", "pairs"),
    [
        (refusal_accuracy, []),
        (refusal_accuracy, [(True, False), (True, True)]),
        (false_refusal_rate, []),
        (false_refusal_rate, [(False, True), (False, False)]),
    ],
)
def test_refusal_metrics_none_without_denominator(fn, pairs):
    assert fn(pairs) is None


# --- mean / group_means --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1.0, None, 0.0], 0.5), ([0.0, 0.0], 0.0), ([1.0], 1.0), ([0.1] * 10, 0.1), ((v for v in [1.0, 0.5]), 0.75)],
)
def test_mean(values, expected):
    assert mean(values) == pytest.approx(expected)


@pytest.mark.parametrize("values", [[], [None], [None, None]])
def test_mean_none(values):
    assert mean(values) is None


ROWS = [
    {"group": "A", "type": "feit", "recall": 1.0, "mrr": 0.5},
    {"group": "A", "type": "cijfer", "recall": 0.0, "mrr": None},
    {"group": "B", "type": "feit", "recall": None, "mrr": 1.0},
]


def test_group_means():
    assert group_means(ROWS, "group", ["recall", "mrr"]) == {
        "A": {"recall": 0.5, "mrr": 0.5, "n": 2},
        "B": {"recall": None, "mrr": 1.0, "n": 1},
    }
    assert group_means(ROWS, "type", ["recall", "missing"]) == {
        "feit": {"recall": 1.0, "missing": None, "n": 2},
        "cijfer": {"recall": 0.0, "missing": None, "n": 1},
    }
    assert list(group_means(ROWS, "type", [])) == ["feit", "cijfer"]


def test_group_means_empty_rows():
    assert group_means([], "group", ["recall"]) == {}
