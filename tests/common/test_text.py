import pytest

from common.text import fingerprint, is_bullet, normalize_chars, shingles, split_sentences, strip_bullet, words


@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("Een zin.", ["Een zin."]),
    ("Twente telt ca. 634.000 inwoners. Dat is veel.", ["Twente telt ca. 634.000 inwoners.", "Dat is veel."]),
    ("Partners zijn o.a. Saxion en de UT. Ook ROC doet mee!", ["Partners zijn o.a. Saxion en de UT.", "Ook ROC doet mee!"]),
    ("Info i.r.t. corona (covid-19). Lees meer...", ["Info i.r.t. corona (covid-19).", "Lees meer..."]),
    ("Regel een\nRegel twee", ["Regel een", "Regel twee"]),
    ("Bedrag is 2,5 mln. Het Rijk betaalt.", ["Bedrag is 2,5 mln. Het Rijk betaalt."]),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_normalize_chars_undoes_extraction_artefacts():
    assert normalize_chars("Het\tdoel\u00a0is\u00adwat\r\nnu") == "Het doel iswat\nnu"
    assert normalize_chars("\ufb01nanciering") == "financiering"


def test_bullets():
    assert is_bullet("•   Techniek als motor")
    assert is_bullet("- item") and is_bullet("1. item")
    assert not is_bullet("2020 - 2025 plan") and not is_bullet("-geen")
    assert strip_bullet("•   Techniek als motor") == "Techniek als motor"


def test_words_and_fingerprint_fold_case_and_accents():
    assert words("Geïnvesteerd in zonne-energie") == ["geinvesteerd", "in", "zonne-energie"]
    assert fingerprint("Het  Doel, is.") == fingerprint("het doel is")


def test_shingles():
    assert shingles("") == set()
    assert shingles("a b c") == {("a", "b", "c")}
    assert len(shingles("a b c d e f g")) == 3
