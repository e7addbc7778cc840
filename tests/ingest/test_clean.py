from pathlib import Path

import pytest

from common.config import CORPUS_DIR
from ingest.clean import BULLET, HEADING, PARAGRAPH, Block, join_lines, repeated, to_blocks

PLAN = CORPUS_DIR / "002_cd5bdc3b9f6d6f78.txt"


@pytest.mark.parametrize("left, right, expected", [
    ("het be-", "leid van de regio", "het beleid van de regio"),
    ("gebruik van zonne-", "energie in Twente", "gebruik van zonne-energie in Twente"),
    ("de corridor Zwolle-", "Enschede-Münster", "de corridor Zwolle-Enschede-Münster"),
    ("het beroeps-", "en hoger onderwijs", "het beroeps- en hoger onderwijs"),
    ("goed woon-, werk-", "en leefklimaat", "goed woon-, werk- en leefklimaat"),
    ("periode 2020-", "2025", "periode 2020-2025"),
    ("gewone", "regel", "gewone regel"),
])
def test_join_lines_undoes_hyphenation_but_keeps_real_hyphens(left, right, expected):
    assert join_lines(left, right) == expected


def test_join_lines_prefers_the_documents_own_spelling():
    assert join_lines("nano-", "research", {"nano-research"}) == "nano-research"
    assert join_lines("ont-", "wikkeling", {"ontwikkeling"}) == "ontwikkeling"


@pytest.fixture(scope="module")
def plan_blocks():
    return to_blocks(PLAN.read_text(encoding="utf-8"))


def test_spaced_pdf_text_is_reflowed_into_whole_sentences(plan_blocks):
    text = "\n".join(b.text for b in plan_blocks)
    assert "Het doel is het bevorderen van de ontwikkeling van de Twentse economie." in text
    assert "\t" not in text and "  " not in text


def test_numbered_headings_are_found(plan_blocks):
    headings = [b.text for b in plan_blocks if b.kind == HEADING]
    for expected in ["3.1 Centrale opgave Twente", "3.2 Vier centrale actielijnen", "6.1 Focus op impactportfolio’s",
                     "5.4 Twente Board Development", "6.3 Bereikbaarheid en vestigingsklimaat"]:
        assert expected in headings
    # wrapped sentence starts are not headings
    assert not any(h.startswith(("De regionale actoren", "Kennispark Twente,")) for h in headings)


def test_bullet_list_items_are_separate_and_the_list_does_not_swallow_the_next_paragraph(plan_blocks):
    i = next(i for i, b in enumerate(plan_blocks) if b.text.startswith("Techniek als motor"))
    items = plan_blocks[i : i + 4]
    assert all(b.kind == BULLET for b in items)
    assert items[3].text.startswith("Circulaire economie & Duurzaamheid") and items[3].text.endswith("landbouw.")
    assert plan_blocks[i + 4].kind == PARAGRAPH and plan_blocks[i + 4].text.startswith("Bovengenoemde vier actielijnen")
    assert plan_blocks[i - 1].text.endswith("4 centrale actielijnen:")


def test_web_text_keeps_short_lines_apart():
    blocks = to_blocks("Partners en investering\n\nRegio: 25 mln\nRijk: 25 mln\n\nDe deal wordt gesloten.")
    assert [b.text for b in blocks] == ["Partners en investering", "Regio: 25 mln", "Rijk: 25 mln", "De deal wordt gesloten."]
    assert blocks[0].kind == HEADING


def test_markdownish_bullets_and_headings():
    blocks = to_blocks("Opgaven\n\nWe werken aan:\n- scholing;\n- banen.\n\nTot slot een zin.")
    assert [b.kind for b in blocks] == [HEADING, PARAGRAPH, BULLET, BULLET, PARAGRAPH]


def test_repeated_pull_quotes_are_dropped():
    para = "Innovatiekracht, voldoende banen, gezondheid en duurzaamheid staan naast elkaar in Twente vandaag."
    blocks = [Block(PARAGRAPH, para), Block(HEADING, "Voorwoord"), Block(PARAGRAPH, "“" + para + "”"),
              Block(PARAGRAPH, "Iets heel anders over de Regio Deal en de investeringen van het Rijk."),
              Block(HEADING, "Voorwoord")]
    assert repeated(blocks) == {2, 4}


def test_empty_text():
    assert to_blocks("") == [] and to_blocks("\n \n\t\n") == []
